/**
 * Connection tracking (after Linux `nf_conntrack`): one entry per connection holding the tuples of
 * both directions, found through a hash table keyed by a numeric hash of the tuple, with TCP state
 * tracking, Linux's default timeouts in virtual time (lazy expiry plus a self-cancelling GC timer),
 * and `conntrack -L` text.
 *
 * @module
 */
import type { Sim, Timer } from '../core/scheduler.js';
import { MS, SECOND } from '../core/time.js';
import { ipToString } from '../wire/addr.js';
import { protoName } from './rule.js';

/** Direction of a tuple inside an entry. */
export const IP_CT_DIR_ORIGINAL = 0;
/** Reply direction. */
export const IP_CT_DIR_REPLY = 1;

/** `skb.ctinfo` values (Linux `enum ip_conntrack_info`). */
export const IP_CT_ESTABLISHED = 0;
/** Related to an existing connection (an ICMP error), original direction. */
export const IP_CT_RELATED = 1;
/** First packet(s) of a connection, before a reply was seen. */
export const IP_CT_NEW = 2;
/** Reply direction of an established connection. */
export const IP_CT_ESTABLISHED_REPLY = 3;
/** Related, reply direction. */
export const IP_CT_RELATED_REPLY = 4;
/** Not tracked (`-j CT --notrack`); `skb.ctinfo` -1 with no ct means INVALID. */
export const IP_CT_UNTRACKED = 7;

/** Status bits (Linux `IPS_*`). */
export const IPS_SEEN_REPLY = 1 << 1;
/** Connection is assured (will not be early-dropped). */
export const IPS_ASSURED = 1 << 2;
/** In the hash table. */
export const IPS_CONFIRMED = 1 << 3;
/** Source NAT applies. */
export const IPS_SRC_NAT = 1 << 4;
/** Destination NAT applies. */
export const IPS_DST_NAT = 1 << 5;
/** Source NAT has been decided (possibly a null binding). */
export const IPS_SRC_NAT_DONE = 1 << 7;
/** Destination NAT has been decided. */
export const IPS_DST_NAT_DONE = 1 << 8;
/** NAT could not find a unique tuple: the insertion will clash. */
export const IPS_NAT_CLASH = 1 << 14;

/** TCP conntrack states (Linux `enum tcp_conntrack`). */
export const TCP_STATE_NAMES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'] as const;
const sNO = 0, sSS = 1, sSR = 2, sES = 3, sFW = 4, sCW = 5, sLA = 6, sTW = 7, sCL = 8, sS2 = 9, sIV = 10, sIG = 11;

/** Linux's default TCP timeouts per state, in seconds. */
export const TCP_TIMEOUTS = [0, 120, 60, 432000, 120, 60, 30, 120, 10, 120];
/** UDP timeout before a reply / after a reply (seconds); a stream gets 120 s. */
export const UDP_TIMEOUT = 30;
/** UDP timeout of a stream (replied and still active after 2 s). */
export const UDP_TIMEOUT_STREAM = 120;
/** ICMP timeout (seconds). */
export const ICMP_TIMEOUT = 30;
/** Timeout of other protocols (seconds). */
export const GENERIC_TIMEOUT = 600;

// tcp_conntracks[dir][index][state] (nf_conntrack_proto_tcp.c); index: syn, synack, fin, ack, rst, none
const TCP_TABLE: number[][][] = [
  [
    [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
  [
    [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
];

/** Index into the TCP state table for a segment's flags (Linux `get_conntrack_index`). */
export function tcpIndex(flags: number): number {
  if (flags & 0x04) return 4;
  if (flags & 0x02) return flags & 0x10 ? 1 : 0;
  if (flags & 0x01) return 2;
  if (flags & 0x10) return 3;
  return 5;
}

/**
 * A tracked connection. Tuples are plain numbers: addresses as uint32, ports as numbers (for ICMP
 * `sport` is the echo id and `dport` is `type << 8 | code`).
 *
 * Layout: kept small (about 200 bytes with its table slots) by storing addresses as int32 and each
 * direction's ports packed in one int32, so every field is a V8 small integer, and by chaining the
 * hash buckets through the entry itself (`nextO`/`nextR`) instead of separate nodes.
 */
export class CtEntry {
  private oS: number;
  private oD: number;
  private oP: number;
  private rS: number;
  private rD: number;
  private rP: number;
  private info: number;
  /** `IPS_*` bits. */
  status = 0;
  private expMs = 0;
  private bornMs: number;
  /** conntrack mark. */
  mark = 0;
  /** The table this entry belongs to (a namespace's conntrack). */
  readonly owner: Conntrack | null;
  /** @internal next entry in the original-tuple bucket */
  nextO: CtEntry | null = null;
  /** @internal next entry in the reply-tuple bucket */
  nextR: CtEntry | null = null;

  constructor(proto: number, src: number, dst: number, sport: number, dport: number, now: number, owner: Conntrack | null = null) {
    this.owner = owner;
    this.info = proto & 255;
    this.oS = src | 0;
    this.oD = dst | 0;
    this.oP = (sport << 16) | (dport & 0xffff);
    this.rS = dst | 0;
    this.rD = src | 0;
    this.rP = proto === 1 ? (sport << 16) | (icmpReplyType(dport >>> 8) << 8) : (dport << 16) | (sport & 0xffff);
    this.bornMs = Math.floor(now / MS);
  }

  /** IP protocol number. */
  get proto(): number {
    return this.info & 255;
  }
  /** TCP state (index into {@link TCP_STATE_NAMES}); 0 for other protocols. */
  get tcpState(): number {
    return this.info >>> 8;
  }
  set tcpState(v: number) {
    this.info = (this.info & 255) | (v << 8);
  }
  /** Original source. */
  get oSrc(): number {
    return this.oS >>> 0;
  }
  set oSrc(v: number) {
    this.oS = v | 0;
  }
  /** Original destination. */
  get oDst(): number {
    return this.oD >>> 0;
  }
  set oDst(v: number) {
    this.oD = v | 0;
  }
  /** Original source port (ICMP: echo id). */
  get oSport(): number {
    return this.oP >>> 16;
  }
  /** Original destination port (ICMP: type << 8 | code). */
  get oDport(): number {
    return this.oP & 0xffff;
  }
  /** Reply source (differs from the original destination under DNAT). */
  get rSrc(): number {
    return this.rS >>> 0;
  }
  set rSrc(v: number) {
    this.rS = v | 0;
  }
  /** Reply destination (differs from the original source under SNAT). */
  get rDst(): number {
    return this.rD >>> 0;
  }
  set rDst(v: number) {
    this.rD = v | 0;
  }
  /** Reply source port. */
  get rSport(): number {
    return this.rP >>> 16;
  }
  set rSport(v: number) {
    this.rP = (v << 16) | (this.rP & 0xffff);
  }
  /** Reply destination port. */
  get rDport(): number {
    return this.rP & 0xffff;
  }
  set rDport(v: number) {
    this.rP = (this.rP & ~0xffff) | (v & 0xffff);
  }
  /** Virtual time (ns) at which the entry expires (kept with millisecond resolution, rounded up). */
  get expires(): number {
    return this.expMs * MS;
  }
  set expires(ns: number) {
    this.expMs = Math.ceil(ns / MS);
  }
  /** Virtual time (ns, millisecond resolution) the entry was created (UDP stream detection). */
  get created(): number {
    return this.bornMs * MS;
  }

  /** @internal exact comparison of the original tuple */
  matchO(src: number, dst: number, ports: number): boolean {
    return this.oS === src && this.oD === dst && this.oP === ports;
  }
  /** @internal exact comparison of the reply tuple */
  matchR(src: number, dst: number, ports: number): boolean {
    return this.rS === src && this.rD === dst && this.rP === ports;
  }
  /** @internal hash of the original tuple */
  hashO(): number {
    return tupleHash(this.oS, this.oD, this.oP >>> 16, this.oP & 0xffff, this.info & 255);
  }
  /** @internal hash of the reply tuple */
  hashR(): number {
    return tupleHash(this.rS, this.rD, this.rP >>> 16, this.rP & 0xffff, this.info & 255);
  }

  /** State name as `conntrack -L` prints it ('' for protocols without states). */
  get stateName(): string {
    return this.proto === 6 ? TCP_STATE_NAMES[this.tcpState]! : '';
  }
}

/** The echo-reply-like type answering ICMP query `type` (Linux `invmap`), or 255. */
export function icmpReplyType(type: number): number {
  switch (type) {
    case 8: return 0;
    case 0: return 8;
    case 13: return 14;
    case 14: return 13;
    case 15: return 16;
    case 16: return 15;
    case 17: return 18;
    case 18: return 17;
    default: return 255;
  }
}

/** Numeric hash of a tuple (no strings on the hot path). */
export function tupleHash(src: number, dst: number, sport: number, dport: number, proto: number): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ((sport << 16) | dport), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ proto, 0x165667b1);
  return (h ^ (h >>> 16)) >>> 0;
}

/** conntrack statistics (`conntrack -S`). */
export interface CtStats {
  /** Lookups that found an entry. */
  found: number;
  /** Packets conntrack found invalid. */
  invalid: number;
  /** Entries inserted. */
  insert: number;
  /** Insertions that failed (clash). */
  insert_failed: number;
  /** Packets dropped because insertion failed. */
  drop: number;
  /** Entries evicted early (unused). */
  early_drop: number;
  /** Hash search restarts (unused). */
  search_restart: number;
}

/** The conntrack table of one namespace. */
export class Conntrack {
  // two hash tables: entries by original tuple and by reply tuple, chained through the entries
  private readonly byOrig = new Map<number, CtEntry>();
  private readonly byReply = new Map<number, CtEntry>();
  private n = 0;
  private gcTimer: Timer | null = null;
  // lower bound of the expiry of every entry (refreshes only push expiries later)
  private minExp = Infinity;
  /** Statistics, as `conntrack -S` counts them. */
  readonly stats: CtStats = { found: 0, invalid: 0, insert: 0, insert_failed: 0, drop: 0, early_drop: 0, search_restart: 0 };
  /** Maximum entries (`nf_conntrack_max`); new connections beyond it are dropped. */
  max = 262144;
  /** Direction of the tuple the last successful {@link Conntrack.find} matched (0 original, 1 reply). */
  foundDir: 0 | 1 = 0;

  constructor(private readonly sim: Sim) {}

  /** Number of live (confirmed, unexpired) entries. O(1) unless an entry may have expired. */
  get count(): number {
    this.collect();
    return this.n;
  }

  /** Live entries (in hash-table order, as `conntrack -L`). */
  *entries(): IterableIterator<CtEntry> {
    this.collect();
    yield* this.snapshot();
  }

  /** Removes expired entries if any may exist (`minExp` is a lower bound of all expiries). */
  private collect(): void {
    if (this.sim.now >= this.minExp) this.minExp = this.expireDue();
  }

  private snapshot(): CtEntry[] {
    const out: CtEntry[] = [];
    for (const head of this.byOrig.values()) for (let e: CtEntry | null = head; e; e = e.nextO) out.push(e);
    return out;
  }

  /**
   * Finds the entry one of whose tuples is exactly this one and sets {@link Conntrack.foundDir};
   * an expired entry met on the way is removed (lazy expiry). Allocation-free.
   */
  find(src: number, dst: number, sport: number, dport: number, proto: number): CtEntry | null {
    const h = tupleHash(src | 0, dst | 0, sport, dport, proto);
    const s = src | 0;
    const d = dst | 0;
    const ports = (sport << 16) | (dport & 0xffff);
    const now = this.sim.now;
    for (let e = this.byOrig.get(h) ?? null; e; e = e.nextO) {
      if (e.proto === proto && e.matchO(s, d, ports)) {
        if (e.expires <= now) {
          this.remove(e);
          return null;
        }
        this.foundDir = 0;
        return e;
      }
    }
    for (let e = this.byReply.get(h) ?? null; e; e = e.nextR) {
      if (e.proto === proto && e.matchR(s, d, ports)) {
        if (e.expires <= now) {
          this.remove(e);
          return null;
        }
        this.foundDir = 1;
        return e;
      }
    }
    return null;
  }

  /** Is this tuple used by a live entry other than `ignore` (Linux `nf_conntrack_tuple_taken`)? */
  taken(src: number, dst: number, sport: number, dport: number, proto: number, ignore: CtEntry | null): boolean {
    const e = this.find(src, dst, sport, dport, proto);
    return e !== null && e !== ignore;
  }

  /**
   * Inserts an unconfirmed entry (Linux `__nf_conntrack_confirm`). Returns false, counting
   * `insert_failed` and `drop`, when either tuple is already in the table (a NAT clash) or the
   * table is full.
   */
  confirm(ct: CtEntry): boolean {
    if (ct.status & IPS_CONFIRMED) return true;
    if (
      this.find(ct.oSrc, ct.oDst, ct.oSport, ct.oDport, ct.proto) ||
      this.find(ct.rSrc, ct.rDst, ct.rSport, ct.rDport, ct.proto) ||
      this.n >= this.max
    ) {
      this.stats.insert_failed++;
      this.stats.drop++;
      return false;
    }
    const ho = ct.hashO();
    const hr = ct.hashR();
    ct.nextO = this.byOrig.get(ho) ?? null;
    this.byOrig.set(ho, ct);
    ct.nextR = this.byReply.get(hr) ?? null;
    this.byReply.set(hr, ct);
    ct.status |= IPS_CONFIRMED;
    this.n++;
    this.stats.insert++;
    const x = ct.expires;
    if (x < this.minExp) this.minExp = x;
    this.armGc(x);
    return true;
  }

  /** Removes an entry from the table. */
  remove(ct: CtEntry): void {
    if (!(ct.status & IPS_CONFIRMED) || ct.owner !== null && ct.owner !== this) return;
    const ho = ct.hashO();
    let p = this.byOrig.get(ho) ?? null;
    if (p === ct) {
      if (ct.nextO) this.byOrig.set(ho, ct.nextO);
      else this.byOrig.delete(ho);
    } else {
      while (p && p.nextO !== ct) p = p.nextO;
      if (!p) return;
      p.nextO = ct.nextO;
    }
    const hr = ct.hashR();
    p = this.byReply.get(hr) ?? null;
    if (p === ct) {
      if (ct.nextR) this.byReply.set(hr, ct.nextR);
      else this.byReply.delete(hr);
    } else {
      while (p && p.nextR !== ct) p = p.nextR;
      if (p) p.nextR = ct.nextR;
    }
    ct.nextO = ct.nextR = null;
    ct.status &= ~IPS_CONFIRMED;
    this.n--;
    if (this.n === 0 && this.gcTimer) {
      this.sim.cancel(this.gcTimer);
      this.gcTimer = null;
    }
  }

  /** Deletes every entry (`conntrack -F`). */
  flush(): void {
    for (const ct of this.snapshot()) this.remove(ct);
  }

  /** Removes entries whose timeout passed; returns the earliest remaining expiry (Infinity if none). */
  private expireDue(): number {
    const now = this.sim.now;
    let min = Infinity;
    let dead: CtEntry[] | null = null;
    for (const head of this.byOrig.values()) {
      for (let e: CtEntry | null = head; e; e = e.nextO) {
        const x = e.expires;
        if (x <= now) (dead ??= []).push(e);
        else if (x < min) min = x;
      }
    }
    if (dead) for (const e of dead) this.remove(e);
    return min;
  }

  /** Keeps one GC timer armed no later than `at` while entries exist (Linux's gc worker, lazily). */
  private armGc(at: number): void {
    // at most one scan per second of virtual time (lookups expire lazily in between): arming the timer
    // at every next expiry made a steady flow rate rescan the whole table once per expired entry
    at = Math.max(at, this.sim.now + SECOND);
    if (this.gcTimer && this.gcTimer.at <= at) return;
    if (this.gcTimer) this.sim.cancel(this.gcTimer);
    this.gcTimer = this.sim.scheduleAt(at, () => this.gc());
  }

  private gc(): void {
    this.gcTimer = null;
    this.minExp = this.expireDue();
    if (this.minExp !== Infinity) this.armGc(this.minExp);
  }

  /** The line `conntrack -L` prints to stderr after the entries. */
  listSummary(): string {
    return `conntrack v1.4.7 (conntrack-tools): ${this.count} flow entries have been shown.\n`;
  }

  /** Text of `conntrack -L` (stdout; the "flow entries have been shown" line goes to stderr). */
  list(): string {
    let out = '';
    for (const ct of this.entries()) out += formatEntry(ct, this.sim.now) + '\n';
    return out;
  }
}

function tupleText(proto: number, src: number, dst: number, sport: number, dport: number): string {
  let s = `src=${ipToString(src)} dst=${ipToString(dst)} `;
  if (proto === 6 || proto === 17 || proto === 132 || proto === 136) s += `sport=${sport} dport=${dport} `;
  else if (proto === 1) s += `type=${dport >>> 8} code=${dport & 255} id=${sport} `;
  return s;
}

/** One line of `conntrack -L` for `ct` at virtual time `now` (with the timeout column). */
export function formatEntry(ct: CtEntry, now: number): string {
  const name = ct.proto === 6 || ct.proto === 17 || ct.proto === 1 || ct.proto === 132 || ct.proto === 136 || ct.proto === 47 ? protoName(ct.proto) : 'unknown';
  let s = `${name.padEnd(8)} ${ct.proto} ${Math.max(0, Math.floor((ct.expires - now) / SECOND))} `;
  if (ct.proto === 6) s += `${ct.stateName} `;
  s += tupleText(ct.proto, ct.oSrc, ct.oDst, ct.oSport, ct.oDport);
  if (!(ct.status & IPS_SEEN_REPLY)) s += '[UNREPLIED] ';
  s += tupleText(ct.proto, ct.rSrc, ct.rDst, ct.rSport, ct.rDport);
  if (ct.status & IPS_ASSURED) s += '[ASSURED] ';
  s += `mark=${ct.mark} use=1`;
  return s;
}

/** Result codes of {@link ctTcpPacket}. */
export const CT_VERDICT_OK = 0;
/** The packet is invalid for the connection's state (conntrack marks it INVALID). */
export const CT_VERDICT_INVALID = 1;
/** The packet is ignored by the state machine (no refresh). */
export const CT_VERDICT_IGNORE = 2;

/** State for the first segment of a new TCP connection (Linux `tcp_new`): sSS, sES (pickup) or -1. */
export function tcpNewState(flags: number): number {
  const s = TCP_TABLE[0]![tcpIndex(flags)]![sNO]!;
  return s === sIV || s === sIG ? -1 : s;
}

/** Runs the TCP state machine for a segment in direction `dir`; updates state, ASSURED and the timeout. */
export function ctTcpPacket(ct: CtEntry, dir: number, flags: number, now: number): number {
  const old = ct.tcpState;
  const ns = TCP_TABLE[dir]![tcpIndex(flags)]![old]!;
  if (ns === sIV) return CT_VERDICT_INVALID;
  if (ns === sIG) return CT_VERDICT_IGNORE;
  ct.tcpState = ns;
  if ((ct.status & IPS_SEEN_REPLY) && !(ct.status & IPS_ASSURED) && (old === sSR || old === sES) && ns === sES) ct.status |= IPS_ASSURED;
  ct.expires = now + TCP_TIMEOUTS[ns]! * SECOND;
  return CT_VERDICT_OK;
}

/** Refreshes a UDP entry (Linux `udp_packet`): 30 s, or 120 s + ASSURED for a stream. */
export function ctUdpPacket(ct: CtEntry, now: number): void {
  if (ct.status & IPS_SEEN_REPLY) {
    if (now > ct.created + 2 * SECOND) {
      ct.expires = now + UDP_TIMEOUT_STREAM * SECOND;
      if (!(ct.status & IPS_NAT_CLASH)) ct.status |= IPS_ASSURED;
    } else ct.expires = now + UDP_TIMEOUT * SECOND;
  } else ct.expires = now + UDP_TIMEOUT * SECOND;
}

/** True for TCP states from which an original-direction SYN reopens the connection. */
export function tcpCanReopen(state: number): boolean {
  return state === sTW || state === sCL;
}
