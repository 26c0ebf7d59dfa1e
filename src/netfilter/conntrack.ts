/**
 * Connection tracking (after Linux `nf_conntrack`): one entry per connection holding the tuples of
 * both directions, found through a hash table keyed by a numeric hash of the tuple, with TCP state
 * tracking, Linux's default timeouts in virtual time (lazy expiry plus a self-cancelling GC timer),
 * and `conntrack -L` text.
 *
 * @module
 */
import type { Sim, Timer } from '../core/scheduler.js';
import { SECOND } from '../core/time.js';
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

/** One link of a hash chain: the entry seen from one direction (Linux `nf_conntrack_tuple_hash`). */
export class CtTupleHash {
  /** Next node in the same bucket. */
  next: CtTupleHash | null = null;
  constructor(
    /** The entry. */
    readonly ct: CtEntry,
    /** Which of its tuples this node stands for. */
    readonly dir: 0 | 1,
  ) {}
}

/**
 * A tracked connection. Tuples are plain numbers: addresses as uint32, ports as numbers (for ICMP
 * `sport` is the echo id and `dport` is `type << 8 | code`).
 */
export class CtEntry {
  /** Original tuple. */
  oSrc: number;
  /** Original destination. */
  oDst: number;
  /** Original source port (ICMP: echo id). */
  oSport: number;
  /** Original destination port (ICMP: type << 8 | code). */
  oDport: number;
  /** Reply tuple (differs from the inverted original when NAT applies). */
  rSrc: number;
  /** Reply destination. */
  rDst: number;
  /** Reply source port. */
  rSport: number;
  /** Reply destination port. */
  rDport: number;
  /** IP protocol number. */
  readonly proto: number;
  /** `IPS_*` bits. */
  status = 0;
  /** TCP state (index into {@link TCP_STATE_NAMES}); 0 for other protocols. */
  tcpState = 0;
  /** Virtual time at which the entry expires. */
  expires = 0;
  /** Virtual time the entry was created (UDP stream detection). */
  created: number;
  /** conntrack mark. */
  mark = 0;
  /** @internal hash nodes */
  readonly hOrig: CtTupleHash;
  /** @internal */
  readonly hReply: CtTupleHash;

  /** The table this entry belongs to (a namespace's conntrack). */
  readonly owner: Conntrack | null;

  constructor(proto: number, src: number, dst: number, sport: number, dport: number, now: number, owner: Conntrack | null = null) {
    this.owner = owner;
    this.proto = proto;
    this.oSrc = src;
    this.oDst = dst;
    this.oSport = sport;
    this.oDport = dport;
    this.rSrc = dst;
    this.rDst = src;
    if (proto === 1) {
      this.rSport = sport;
      this.rDport = icmpReplyType(dport >>> 8) << 8;
    } else {
      this.rSport = dport;
      this.rDport = sport;
    }
    this.created = now;
    this.hOrig = new CtTupleHash(this, 0);
    this.hReply = new CtTupleHash(this, 1);
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
  private readonly buckets = new Map<number, CtTupleHash>();
  private readonly all = new Set<CtEntry>();
  private gcTimer: Timer | null = null;
  /** Statistics, as `conntrack -S` counts them. */
  readonly stats: CtStats = { found: 0, invalid: 0, insert: 0, insert_failed: 0, drop: 0, early_drop: 0, search_restart: 0 };
  /** Maximum entries (`nf_conntrack_max`); new connections beyond it are dropped. */
  max = 262144;

  constructor(private readonly sim: Sim) {}

  /** Number of live (confirmed, unexpired) entries. */
  get count(): number {
    this.expireDue();
    return this.all.size;
  }

  /** Live entries in insertion order. */
  *entries(): IterableIterator<CtEntry> {
    this.expireDue();
    yield* [...this.all];
  }

  /** Finds the node whose tuple is exactly this one; expired entries are removed on the way. */
  find(src: number, dst: number, sport: number, dport: number, proto: number): CtTupleHash | null {
    let n = this.buckets.get(tupleHash(src, dst, sport, dport, proto)) ?? null;
    const now = this.sim.now;
    while (n) {
      const ct = n.ct;
      const next = n.next;
      if (ct.proto === proto) {
        const hit =
          n.dir === 0
            ? ct.oSrc === src && ct.oDst === dst && ct.oSport === sport && ct.oDport === dport
            : ct.rSrc === src && ct.rDst === dst && ct.rSport === sport && ct.rDport === dport;
        if (hit) {
          if (ct.expires <= now) {
            this.remove(ct);
            return null;
          }
          return n;
        }
      }
      n = next;
    }
    return null;
  }

  /** Is this tuple used by a live entry other than `ignore` (Linux `nf_conntrack_tuple_taken`)? */
  taken(src: number, dst: number, sport: number, dport: number, proto: number, ignore: CtEntry | null): boolean {
    const n = this.find(src, dst, sport, dport, proto);
    return n !== null && n.ct !== ignore;
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
      this.all.size >= this.max
    ) {
      this.stats.insert_failed++;
      this.stats.drop++;
      return false;
    }
    this.link(ct.hOrig, tupleHash(ct.oSrc, ct.oDst, ct.oSport, ct.oDport, ct.proto));
    this.link(ct.hReply, tupleHash(ct.rSrc, ct.rDst, ct.rSport, ct.rDport, ct.proto));
    ct.status |= IPS_CONFIRMED;
    this.all.add(ct);
    this.stats.insert++;
    this.armGc(ct.expires);
    return true;
  }

  private link(n: CtTupleHash, h: number): void {
    n.next = this.buckets.get(h) ?? null;
    this.buckets.set(h, n);
  }

  private unlink(n: CtTupleHash, h: number): void {
    let p = this.buckets.get(h) ?? null;
    if (p === n) {
      if (n.next) this.buckets.set(h, n.next);
      else this.buckets.delete(h);
      n.next = null;
      return;
    }
    while (p && p.next !== n) p = p.next;
    if (p) p.next = n.next;
    n.next = null;
  }

  /** Removes an entry from the table. */
  remove(ct: CtEntry): void {
    if (!this.all.delete(ct)) return;
    this.unlink(ct.hOrig, tupleHash(ct.oSrc, ct.oDst, ct.oSport, ct.oDport, ct.proto));
    this.unlink(ct.hReply, tupleHash(ct.rSrc, ct.rDst, ct.rSport, ct.rDport, ct.proto));
    ct.status &= ~IPS_CONFIRMED;
    if (this.all.size === 0 && this.gcTimer) {
      this.sim.cancel(this.gcTimer);
      this.gcTimer = null;
    }
  }

  /** Deletes every entry (`conntrack -F`). */
  flush(): void {
    for (const ct of [...this.all]) this.remove(ct);
  }

  /** Removes entries whose timeout passed; returns the earliest remaining expiry (Infinity if none). */
  private expireDue(): number {
    const now = this.sim.now;
    let min = Infinity;
    for (const ct of this.all) {
      if (ct.expires <= now) this.remove(ct);
      else if (ct.expires < min) min = ct.expires;
    }
    return min;
  }

  /** Keeps one GC timer armed no later than `at` while entries exist (Linux's gc worker, lazily). */
  private armGc(at: number): void {
    if (this.gcTimer && this.gcTimer.at <= at) return;
    if (this.gcTimer) this.sim.cancel(this.gcTimer);
    this.gcTimer = this.sim.scheduleAt(at, () => this.gc());
  }

  private gc(): void {
    this.gcTimer = null;
    const next = this.expireDue();
    if (next !== Infinity) this.armGc(next);
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
