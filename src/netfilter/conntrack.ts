/**
 * Connection tracking (after Linux `nf_conntrack`): one entry per connection holding the tuples of
 * both directions, found through a hash table keyed by a numeric hash of the tuple, with TCP state
 * tracking, Linux's default timeouts in virtual time (lazy expiry plus a self-cancelling GC timer),
 * and `conntrack -L` text.
 *
 * @module
 */
import type { FlowPair } from './flow-cache.js';
import type { Sim, Timer } from '../core/scheduler.js';
import { MS, SECOND } from '../core/time.js';
import { ipToString } from '../wire/addr.js';
import type { SkBuff } from '../wire/skbuff.js';
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

/** Bits of {@link CtEntry}'s `info` above the protocol (bits 0-7) and the TCP state (bits 8-15): see {@link CtEntry.forwardSeen}. */
const CT_FWD_SEEN_ORIG = 1 << 16;
const CT_FWD_SEEN_REPLY = 1 << 17;

/**
 * A tracked connection. Tuples are plain numbers: addresses as uint32, ports as numbers (for ICMP
 * `sport` is the echo id and `dport` is `type << 8 | code`).
 *
 * Layout: 13 fields, every one a V8 small integer (addresses as int32, each direction's ports packed
 * in one int32, timestamps as int32 milliseconds) but the owner, 128 bytes; each has an initializer,
 * so that they are made in declaration order (see tsconfig's useDefineForClassFields). The table
 * holds entries by id in one array and finds them through an open-addressing hash of numbers
 * ({@link Conntrack}), so an entry has no link fields and no per-entry `Map` slots.
 */
export class CtEntry {
  /** @internal original source, int32 */
  oS = 0;
  /** @internal original destination, int32 */
  oD = 0;
  /** @internal original ports, `sport << 16 | dport` as int32 */
  oP = 0;
  /** @internal reply source, int32 */
  rS = 0;
  /** @internal reply destination, int32 */
  rD = 0;
  /** @internal reply ports, `sport << 16 | dport` as int32 */
  rP = 0;
  private info = 0;
  /** `IPS_*` bits. */
  status = 0;
  private expMs = 0;
  private bornMs = 0;
  /** conntrack mark. */
  mark = 0;
  /** The table this entry belongs to (a namespace's conntrack). */
  readonly owner: Conntrack | null = null;
  /**
   * @internal packets holding this entry ({@link SkbCt}), or -1: not counted, never reused. Entries
   * the table makes for the packet path ({@link Conntrack.alloc}) start at 0; an entry made with
   * `new CtEntry` or handed out by the table's public methods (`entries`, `find`) is -1, since its
   * holder is unknown.
   */
  use = -1;
  /** @internal the cached FORWARD walks of its established packets, one per direction (see flow-cache.ts; shared, interned) */
  flow: FlowPair | null = null;

  constructor(proto: number, src: number, dst: number, sport: number, dport: number, now: number, owner: Conntrack | null = null) {
    this.oS = src | 0;
    this.oD = dst | 0;
    this.oP = (sport << 16) | (dport & 0xffff);
    this.rS = dst | 0;
    this.rD = src | 0;
    this.rP = proto === 1 ? (sport << 16) | (icmpReplyType(dport >>> 8) << 8) : (dport << 16) | (sport & 0xffff);
    this.info = proto & 255;
    this.bornMs = msInt(Math.floor(now / MS));
    this.owner = owner;
  }

  /**
   * @internal makes a recycled entry new (what the constructor sets, with the creation time as a
   * small integer of ms): every field a new entry starts with, so nothing of the old connection stays.
   */
  reinit(proto: number, src: number, dst: number, sport: number, dport: number, bornMs: number): void {
    this.oS = src | 0;
    this.oD = dst | 0;
    this.oP = (sport << 16) | (dport & 0xffff);
    this.rS = dst | 0;
    this.rD = src | 0;
    this.rP = proto === 1 ? (sport << 16) | (icmpReplyType(dport >>> 8) << 8) : (dport << 16) | (sport & 0xffff);
    this.info = proto & 255;
    this.status = 0;
    this.expMs = 0;
    this.bornMs = bornMs;
    this.mark = 0;
    this.use = 0;
    this.flow = null; // the old connection's cached walks
  }

  /** IP protocol number. */
  get proto(): number {
    return this.info & 255;
  }
  /** TCP state (index into {@link TCP_STATE_NAMES}); 0 for other protocols. */
  get tcpState(): number {
    return (this.info >>> 8) & 255;
  }
  set tcpState(v: number) {
    this.info = (this.info & ~0xff00) | ((v & 255) << 8);
  }
  /**
   * @internal whether a routed packet of direction `dir` (0 original, 1 reply) went through FORWARD
   * before; marks it seen. The FORWARD walk of a routed flow is recorded from its second packet in a
   * direction on (see flow-cache.ts): a new flow that sends one datagram each way never records.
   */
  forwardSeen(dir: number): boolean {
    const bit = dir === 0 ? CT_FWD_SEEN_ORIG : CT_FWD_SEEN_REPLY;
    if ((this.info & bit) !== 0) return true;
    this.info |= bit;
    return false;
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
    this.setExpiresMs(msInt(Math.ceil(ns / MS)));
  }
  /**
   * @internal sets the expiry in milliseconds of virtual time. The packet path calls this with a
   * small integer, so no heap number crosses a call that V8 does not inline (a nanosecond time past
   * 2^31 would be boxed: 16 bytes per packet).
   */
  setExpiresMs(ms: number): void {
    if (ms < this.expMs && this.owner !== null && (this.status & IPS_CONFIRMED) !== 0) this.owner.expiryLowered(ms, this);
    this.expMs = ms;
  }
  /** @internal expiry in milliseconds of virtual time (compared without converting to ns) */
  get expiresMs(): number {
    return this.expMs;
  }
  /** @internal sets the creation time in milliseconds (a small integer: see {@link CtEntry.setExpiresMs}) */
  setCreatedMs(ms: number): void {
    this.bornMs = ms;
  }
  /** Virtual time (ns, millisecond resolution) the entry was created (UDP stream detection). */
  get created(): number {
    return this.bornMs * MS;
  }

  /** @internal exact comparison of the original tuple (int32 addresses, packed ports) */
  matchO(src: number, dst: number, ports: number): boolean {
    return this.oS === src && this.oD === dst && this.oP === ports;
  }
  /** @internal exact comparison of the reply tuple */
  matchR(src: number, dst: number, ports: number): boolean {
    return this.rS === src && this.rD === dst && this.rP === ports;
  }
  /** @internal hash of the original tuple */
  hashO(): number {
    return hashPacked(this.oS, this.oD, this.oP, this.info & 255);
  }
  /** @internal hash of the reply tuple */
  hashR(): number {
    return hashPacked(this.rS, this.rD, this.rP, this.info & 255);
  }

  /** State name as `conntrack -L` prints it ('' for protocols without states). */
  get stateName(): string {
    return this.proto === 6 ? TCP_STATE_NAMES[this.tcpState]! : '';
  }
}

/** A millisecond count as a small integer when it fits (it does for 24 days of virtual time). */
export function msInt(ms: number): number {
  return ms <= 0x7fffffff && ms >= -0x80000000 ? ms | 0 : ms;
}

/** An expiry in ms as a lower bound that fits an Int32Array (24 days of virtual time; later ones clamp down). */
function lowMs(ms: number): number {
  return ms < NO_EXPIRY ? ms : NO_EXPIRY;
}

/**
 * Moves the live entries of `ents[0, top)` down to `ents[0, k)` in order, their expiry bounds with
 * them, and returns `k`. `remap[i]` becomes the count of live entries before `i`: entry `i`'s new id
 * when it is live, the next live entry's when it is a hole.
 */
function compactEntries(ents: (CtEntry | null)[], low: Int32Array, remap: Int32Array, top: number): number {
  let k = 0;
  // without a branch: an optimized loop that has only seen holes so far (the oldest entries, at the
  // front, expire first) must not deoptimize at its first live entry. A hole's copy lands at k, which
  // the next live entry (or clearIds) overwrites; position k's own entry has already moved (k <= i)
  for (let i = 0; i < top; i++) {
    remap[i] = k;
    const e = ents[i]!;
    low[k] = low[i]!;
    ents[k] = e;
    k += e !== null ? 1 : 0;
  }
  return k;
}

/** Sets each block's expiry bound to the least per-id bound of `low[0, top)` in it. */
function blockBounds(low: Int32Array, blocks: Int32Array, top: number): void {
  for (let i = 0; i < top; i++) {
    const b = i >> BLOCK_SHIFT;
    const x = low[i]!;
    if ((i & (BLOCK - 1)) === 0 || x < blocks[b]!) blocks[b] = x;
  }
}

/** Clears ids `[from, to)`; the array keeps its length (its capacity), refilled by the next insertions. */
function clearIds(ents: (CtEntry | null)[], from: number, to: number): void {
  for (let i = from; i < to; i++) ents[i] = null;
}

/** Renumbers the hash table's slot values through `remap` (hashes and positions do not change). */
function renumberSlots(slots: Int32Array, remap: Int32Array): void {
  for (let i = 0; i < slots.length; i += 2) {
    const v = slots[i]!;
    if (v !== 0) slots[i] = ((remap[(v - 1) >> 1]! << 1) | ((v - 1) & 1)) + 1;
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
  return hashPacked(src | 0, dst | 0, (sport << 16) | (dport & 0xffff), proto) >>> 0;
}

/** Hash of a tuple with int32 addresses and packed ports, as an int32 (Linux `hash_conntrack_raw`). */
function hashPacked(src: number, dst: number, ports: number, proto: number): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ports, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ proto, 0x165667b1);
  return h ^ (h >>> 16);
}

const EMPTY_SLOTS = new Int32Array(0);

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

/**
 * Ids per sweep block (log2): the sweep keeps a lower bound of the expiries in each block of 256 ids
 * and passes a block whose bound lies ahead in one step, so a pass over a table of long-lived entries
 * costs a read per block, not per entry.
 */
const BLOCK_SHIFT = 8;
const BLOCK = 1 << BLOCK_SHIFT;
/** The expiry bound of an id without an entry (a hole), and the clamp of every bound (24 days of virtual time). */
const NO_EXPIRY = 0x7fffffff;
/** Blocks swept per confirmed entry (incremental expiry keeps pace with insertions). */
const SWEEP_PER_INSERT = 2;
/** Blocks swept per GC timer run (once per second of virtual time while entries exist). */
const SWEEP_PER_TICK = 1024;
/** A table of at most this many ids is scanned whole by each GC timer run. */
const SMALL_TABLE = 4096;
/** Smallest hash table (slots; each entry takes two, one per direction). */
const MIN_SLOTS = 16;
/** Most entries kept for reuse (a burst of expiries beyond it is left to the garbage collector). */
const POOL_MAX = 8192;

/**
 * The conntrack table of one namespace.
 *
 * Storage (after Linux `nf_conntrack_hash`, on numbers): entries live in an array indexed by an
 * entry id given in insertion order; both tuples of every entry are found through one
 * open-addressing hash table with linear probing held in an `Int32Array` of slot pairs
 * `[(id << 1 | dir) + 1, hash]` (0 = empty slot; deletion shifts the probe run back, so there are
 * no tombstones). Lookups compare the stored hash before touching an entry. Removed ids leave holes
 * that the table compacts (renumbering in order) once they outnumber live entries, so iteration in
 * id order is insertion order, as `conntrack -L` lists it.
 *
 * Expiry is lazy (a lookup that meets an expired entry removes it) plus an incremental sweep over
 * ids: a few per insertion and a bounded batch per GC timer tick (Linux's gc worker scans a bounded
 * number of buckets per run), so the cost per packet does not grow with the table. `count`,
 * `entries` and `list` first remove everything already expired.
 *
 * Reuse: the packet path takes its new entries from `Conntrack.alloc` (internal), which hands out an
 * entry nothing refers to any more when it has one, so a steady rate of new connections allocates
 * nothing once the first timeouts have passed (a new entry would otherwise live a timeout long, be
 * promoted to V8's old generation and die there, and the major collections that follow walk the
 * whole heap). Nothing may still refer to a reused entry: as Linux counts `ct_general.use`, an
 * entry counts the packets holding it (`CtEntry.use`: {@link ctSet}, {@link ctReset},
 * `SkBuff.clone`), and is reused only once it is out of the table (expired, deleted, or never
 * confirmed) with no packet holding it. An entry whose holder is unknown is never reused: one made
 * with `new CtEntry`, and one handed out by the public `entries` and `find` (it is marked, and left
 * to the garbage collector when it dies). A packet dropped without its entry being released only
 * keeps that entry from being reused.
 */
export class Conntrack {
  private ents: Array<CtEntry | null> = [];
  private top = 0;
  private holes = 0;
  private slots: Int32Array = EMPTY_SLOTS;
  private mask = -1;
  private used = 0;
  private n = 0;
  private cursor = 0;
  private gcTimer: Timer | null = null;
  /** The GC timer's callback (made when the timer is first armed). */
  private gcFnV: (() => void) | null = null;
  private remapBuf: Int32Array = EMPTY_SLOTS;
  /**
   * A lower bound of each id's expiry in ms (clamped to int32), so the sweep passes over live
   * entries without touching them (one Int32Array read instead of a cache miss on an entry object
   * per id): set at insertion, lowered with the entry's expiry, refreshed when the sweep finds it
   * stale (a refresh only pushes an expiry later). A hole's bound is {@link NO_EXPIRY}.
   */
  private expLow: Int32Array = EMPTY_SLOTS;
  /**
   * A lower bound of the expiries in each block of {@link BLOCK} ids (the least of their `expLow`):
   * set by the block's first insertion, lowered by later ones and by a lowered expiry, made exact
   * again when the sweep scans the block whole and by a compaction.
   */
  private blockLow: Int32Array = EMPTY_SLOTS;
  // lower bound (ms) of the expiry of every entry (refreshes only push expiries later)
  private minExpMs = Infinity;
  // lower bound (ms) of the expiries seen by the sweep pass in progress (and of entries added meanwhile)
  private passMin = Infinity;
  /** Statistics, as `conntrack -S` counts them. */
  readonly stats: CtStats = { found: 0, invalid: 0, insert: 0, insert_failed: 0, drop: 0, early_drop: 0, search_restart: 0 };
  /** Maximum entries (`nf_conntrack_max`); new connections beyond it are dropped. */
  max = 262144;
  /** Direction of the tuple the last successful {@link Conntrack.find} matched (0 original, 1 reply). */
  foundDir: 0 | 1 = 0;
  /** Entries out of the table that nothing refers to, for {@link Conntrack.alloc} (at most {@link POOL_MAX}). */
  private readonly pool: CtEntry[] = [];
  /** Whether dead entries are reused (off: every new entry is a new object, as before reuse existed). */
  reuse = true;
  /**
   * The unconfirmed entry whose tuples the packet path last found free ({@link Conntrack.origFree},
   * {@link Conntrack.replyFree}); `freeBits` 1 = original tuple, 2 = reply tuple. Linux's
   * `__nf_conntrack_confirm` looks both tuples up again because another CPU may have inserted them
   * meanwhile; here only an insertion can, and every insertion is a {@link Conntrack.confirm}, which
   * clears the record: a record still naming the entry means both tuples are still free.
   */
  private freeCt: CtEntry | null = null;
  private freeBits = 0;
  /** @internal confirm always looks both tuples up again, as Linux does (off: the skip above; tests compare the two) */
  recheck = false;
  /** @internal confirmations that skipped the two lookups */
  recheckSkipped = 0;

  constructor(private readonly sim: Sim) {}

  private gcFn(): () => void {
    let f = this.gcFnV;
    if (f === null) {
      // a local first, then stored: V8 allocates a function literal assigned straight to a property (`??=`
      // too) in the old generation, and its closure would keep the table and its engine alive through
      // every scavenge (docs/performance.md)
      const gc = (): void => this.gc();
      f = this.gcFnV = gc;
    }
    return f;
  }

  /** Number of live (confirmed, unexpired) entries. O(1) unless an entry may have expired. */
  get count(): number {
    this.collect();
    return this.n;
  }

  /**
   * Live entries (in insertion order, as `conntrack -L`). The caller may keep them: they are never
   * reused for another connection (see the class comment).
   */
  *entries(): IterableIterator<CtEntry> {
    this.collect();
    const all = this.snapshot();
    for (const e of all) e.use = -1;
    yield* all;
  }

  /** @internal live entries in insertion order, for a caller that keeps none of them past its own call */
  live(): CtEntry[] {
    this.collect();
    return this.snapshot();
  }

  /**
   * @internal a new, unconfirmed entry for the packet path (created at `bornMs`, a small integer of
   * ms), counted ({@link CtEntry.use} 0): a dead one reused when there is one.
   */
  alloc(proto: number, src: number, dst: number, sport: number, dport: number, bornMs: number): CtEntry {
    const e = this.pool.pop();
    if (e === undefined) {
      const n = new CtEntry(proto, src, dst, sport, dport, 0, this);
      n.setCreatedMs(bornMs);
      n.use = 0;
      return n;
    }
    if (e === this.freeCt) this.freeCt = null;
    e.reinit(proto, src, dst, sport, dport, bornMs);
    return e;
  }

  /** @internal the packet path looked `ct`'s original tuple up (new, unconfirmed `ct`) and found no entry */
  origFree(ct: CtEntry): void {
    this.freeCt = ct;
    this.freeBits = 1;
  }

  /**
   * @internal NAT gave `ct` a new reply tuple: `free` when it was just looked up and found unused
   * (`nf_nat_used_tuple` false), otherwise unknown.
   */
  replyFree(ct: CtEntry, free: boolean): void {
    if (this.freeCt !== ct) return;
    if (free) this.freeBits |= 2;
    else this.freeBits &= ~2;
  }

  /**
   * @internal `ct` (this table's, counted, out of the table) lost its last holder: kept for reuse.
   * Its fields stay as they were until {@link Conntrack.alloc} hands it out again.
   */
  release(ct: CtEntry): void {
    if (this.reuse && ct.use === 0 && (ct.status & IPS_CONFIRMED) === 0 && ct.owner === this && this.pool.length < POOL_MAX) {
      // marked so that a second release (or a stray put) cannot queue it twice
      ct.use = -2;
      this.pool.push(ct);
    }
  }

  /**
   * The virtual time in whole ms (floored): an integer expiry `x` has passed when `x <= nowMs()`,
   * as when `x * MS <= now`; and, a small integer, it crosses a call without a heap number.
   */
  private nowMs(): number {
    return Math.floor(this.sim.now / MS);
  }

  /** Removes expired entries if any may exist (`minExpMs` is a lower bound of all expiries). */
  private collect(): void {
    if (this.nowMs() >= this.minExpMs) this.minExpMs = this.expireDue();
  }

  private snapshot(): CtEntry[] {
    const out: CtEntry[] = [];
    const ents = this.ents;
    for (let i = 0; i < this.top; i++) {
      const e = ents[i];
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * Finds the entry one of whose tuples is exactly this one and sets {@link Conntrack.foundDir};
   * an expired entry met on the way is removed (lazy expiry). The caller may keep the entry: it is
   * never reused for another connection.
   */
  find(src: number, dst: number, sport: number, dport: number, proto: number): CtEntry | null {
    const e = this.lookup(src, dst, sport, dport, proto);
    if (e !== null) e.use = -1;
    return e;
  }

  /**
   * @internal {@link Conntrack.find} for the packet path, which keeps the entry only through a
   * packet ({@link ctSet}) or for the length of its own call. Allocation-free.
   */
  lookup(src: number, dst: number, sport: number, dport: number, proto: number): CtEntry | null {
    if (this.n === 0) return null;
    const s = src | 0;
    const d = dst | 0;
    const ports = (sport << 16) | (dport & 0xffff);
    const h = hashPacked(s, d, ports, proto);
    const slots = this.slots;
    const mask = this.mask;
    const ents = this.ents;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[2 * i]!;
      if (v === 0) return null;
      if (slots[2 * i + 1] !== h) continue;
      const e = ents[(v - 1) >> 1]!;
      const dir = (v - 1) & 1;
      if (e.proto !== proto || !(dir === 0 ? e.matchO(s, d, ports) : e.matchR(s, d, ports))) continue;
      if (e.expiresMs * MS <= this.sim.now) {
        this.remove(e);
        return null;
      }
      this.foundDir = dir as 0 | 1;
      return e;
    }
  }

  /** Is this tuple used by a live entry other than `ignore` (Linux `nf_conntrack_tuple_taken`)? */
  taken(src: number, dst: number, sport: number, dport: number, proto: number, ignore: CtEntry | null): boolean {
    const e = this.lookup(src, dst, sport, dport, proto);
    return e !== null && e !== ignore;
  }

  /**
   * Inserts an unconfirmed entry (Linux `__nf_conntrack_confirm`). Returns false, counting
   * `insert_failed` and `drop`, when either tuple is already in the table (a NAT clash) or the
   * table is full.
   */
  confirm(ct: CtEntry): boolean {
    if (ct.status & IPS_CONFIRMED) return true;
    const proto = ct.proto;
    // both tuples found free, no insertion since: no clash is possible (see freeCt)
    const known = this.freeCt === ct && this.freeBits === 3 && !this.recheck;
    this.freeCt = null;
    if (known) this.recheckSkipped++;
    if (
      (!known && (this.lookup(ct.oS, ct.oD, ct.oP >>> 16, ct.oP & 0xffff, proto) || this.lookup(ct.rS, ct.rD, ct.rP >>> 16, ct.rP & 0xffff, proto))) ||
      this.n >= this.max
    ) {
      this.stats.insert_failed++;
      this.stats.drop++;
      return false;
    }
    if (this.n > 0) this.sweep(SWEEP_PER_INSERT);
    if (this.holes > 64 && this.holes > this.top - this.holes) this.compact();
    if ((this.used + 2) * 2 > this.mask + 1) this.rehash(Math.max(MIN_SLOTS, 2 * (this.mask + 1)));
    const id = this.top++;
    if (id >= this.expLow.length) this.growExpLow(id + 1);
    this.ents[id] = ct;
    const lo = lowMs(ct.expiresMs);
    this.expLow[id] = lo;
    const b = id >> BLOCK_SHIFT;
    if ((id & (BLOCK - 1)) === 0 || lo < this.blockLow[b]!) this.blockLow[b] = lo;
    this.insertSlot((id << 1) + 1, ct.hashO());
    this.insertSlot((id << 1) + 2, ct.hashR());
    ct.status |= IPS_CONFIRMED;
    this.n++;
    this.stats.insert++;
    const x = ct.expiresMs;
    if (this.gcTimer === null) this.armGc();
    this.expiryLowered(x);
    return true;
  }

  private growExpLow(min: number): void {
    const a = new Int32Array(Math.max(min, 64, 2 * this.expLow.length));
    a.set(this.expLow);
    this.expLow = a;
    const b = new Int32Array((a.length + BLOCK - 1) >> BLOCK_SHIFT);
    b.set(this.blockLow);
    this.blockLow = b;
  }

  private insertSlot(v: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[2 * i] !== 0) i = (i + 1) & mask;
    slots[2 * i] = v;
    slots[2 * i + 1] = h;
    this.used++;
  }

  /** Removes slot value `v` (hash `h`) with backward-shift deletion. */
  private deleteSlot(v: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const x = slots[2 * i]!;
      if (x === v) break;
      if (x === 0) return;
      i = (i + 1) & mask;
    }
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const x = slots[2 * j]!;
      if (x === 0) break;
      const home = slots[2 * j + 1]! & mask;
      // the entry at j may move to the hole at i unless its home lies cyclically in (i, j]
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      slots[2 * i] = x;
      slots[2 * i + 1] = slots[2 * j + 1]!;
      i = j;
    }
    slots[2 * i] = 0;
    slots[2 * i + 1] = 0;
    this.used--;
  }

  /** Id of a confirmed entry of this table, or -1 (found through its original tuple). */
  private idOf(ct: CtEntry): number {
    if (this.n === 0) return -1;
    const slots = this.slots;
    const mask = this.mask;
    const h = ct.hashO();
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[2 * i]!;
      if (v === 0) return -1;
      if (((v - 1) & 1) === 0 && this.ents[(v - 1) >> 1] === ct) return (v - 1) >> 1;
    }
  }

  /** Rebuilds the hash table with `size` slots from the entry array. */
  private rehash(size: number): void {
    this.slots = new Int32Array(2 * size);
    this.mask = size - 1;
    this.used = 0;
    const ents = this.ents;
    for (let id = 0; id < this.top; id++) {
      const e = ents[id]!;
      if (e === null) continue;
      this.insertSlot((id << 1) + 1, e.hashO());
      this.insertSlot((id << 1) + 2, e.hashR());
    }
  }

  /**
   * Closes the holes left by removed entries (ids renumbered in order) and renumbers the hash slots.
   * Runs once per ~table-size insertions, so its loops live in functions of their own: V8 optimizes a
   * loop of a rarely called function on-stack while the code after that loop has never run, and the
   * first compactions then deoptimized at each later statement in turn (five times in one 100,000-flow
   * run), running the slot array's loop in the interpreter each time. Each helper below has one loop
   * and nothing after it.
   */
  private compact(): void {
    const top = this.top;
    if (this.remapBuf.length < top) this.remapBuf = new Int32Array(Math.max(top, 2 * this.remapBuf.length));
    const remap = this.remapBuf;
    const k = compactEntries(this.ents, this.expLow, remap, top);
    clearIds(this.ents, k, top);
    // the sweep's cursor moves with the entries (to the first live entry at or after it)
    this.cursor = this.cursor < top ? remap[this.cursor]! : k;
    this.top = k;
    this.holes = 0;
    blockBounds(this.expLow, this.blockLow, k);
    renumberSlots(this.slots, remap);
  }

  /** Removes an entry from the table. */
  remove(ct: CtEntry): void {
    if (!(ct.status & IPS_CONFIRMED) || (ct.owner !== null && ct.owner !== this)) return;
    const id = this.idOf(ct);
    if (id >= 0) this.removeAt(id, ct);
  }

  /** Removes confirmed entry `ct` whose id is `id`. */
  private removeAt(id: number, ct: CtEntry): void {
    this.deleteSlot((id << 1) + 1, ct.hashO());
    this.deleteSlot((id << 1) + 2, ct.hashR());
    this.ents[id] = null;
    this.expLow[id] = NO_EXPIRY;
    this.holes++;
    ct.status &= ~IPS_CONFIRMED;
    this.n--;
    // no packet holds it: nothing refers to it any more
    if (ct.use === 0) this.release(ct);
    if (this.n === 0) {
      // empty: start ids again from 0 (the hash table is all zero already)
      this.ents.length = 0;
      this.top = this.holes = this.cursor = 0;
      this.minExpMs = this.passMin = Infinity;
      if (this.gcTimer) {
        this.sim.cancel(this.gcTimer);
        this.gcTimer = null;
      }
    }
  }

  /** Deletes every entry (`conntrack -F`). */
  flush(): void {
    for (const ct of this.snapshot()) this.remove(ct);
  }

  /**
   * Looks at the next `k` blocks of ids (cyclically): passes a block whose expiry bound lies ahead,
   * scans the others ({@link Conntrack.sweepBlock}).
   */
  private sweep(k: number): void {
    const nowMs = this.nowMs();
    const blocks = this.blockLow;
    let c = this.cursor;
    let min = this.passMin;
    for (; k > 0 && this.n > 0; k--) {
      if (c >= this.top) {
        // a full pass: every entry's expiry is at least the smallest bound seen
        c = 0;
        this.minExpMs = min;
        min = Infinity;
      }
      if ((c & (BLOCK - 1)) === 0) {
        const bl = blocks[c >> BLOCK_SHIFT]!;
        if (bl > nowMs) {
          if (bl < min) min = bl;
          c += BLOCK;
          continue;
        }
      }
      const m = this.sweepBlock(c, nowMs);
      if (m < min) min = m;
      c = (c | (BLOCK - 1)) + 1;
    }
    this.passMin = this.n > 0 ? min : Infinity;
    this.cursor = this.n > 0 ? c : 0;
  }

  /**
   * Scans ids from `c` to the end of its block (or the table's top): removes the entries expired at
   * `nowMs`, refreshes the bounds found stale, and returns the least bound left, which becomes the
   * block's bound when the scan covered the block from its start.
   */
  private sweepBlock(c: number, nowMs: number): number {
    const from = c;
    const end = Math.min((c | (BLOCK - 1)) + 1, this.top);
    const low = this.expLow;
    const ents = this.ents;
    let m = NO_EXPIRY;
    for (; c < end; c++) {
      let x = low[c]!;
      if (x <= nowMs) {
        // the bound says it may have expired: look at the entry itself
        const e = ents[c];
        // a hole (its bound NO_EXPIRY, passed after 24 days of virtual time)
        if (e === null || e === undefined) continue;
        x = e.expiresMs;
        if (x <= nowMs) {
          this.removeAt(c, e);
          if (this.n === 0) return NO_EXPIRY;
          continue;
        }
        x = lowMs(x);
        low[c] = x;
      }
      if (x < m) m = x;
    }
    if ((from & (BLOCK - 1)) === 0) this.blockLow[from >> BLOCK_SHIFT] = m;
    return m;
  }

  /** Removes entries whose timeout passed; returns the earliest remaining expiry in ms (Infinity if none). */
  private expireDue(): number {
    const nowMs = this.nowMs();
    const ents = this.ents;
    let min = Infinity;
    // by id, without a snapshot: removing the last entry empties the table (top 0), which ends the loop
    for (let i = 0; i < this.top; i++) {
      const e = ents[i];
      if (e === null || e === undefined) continue;
      const x = e.expiresMs;
      if (x <= nowMs) this.removeAt(i, e);
      else if (x < min) min = x;
    }
    return min;
  }

  /** Keeps one GC timer armed while entries exist (Linux's gc worker): a bounded sweep per second. */
  private armGc(): void {
    if (this.gcTimer !== null) return;
    this.gcTimer = this.sim.scheduleAt(this.sim.now + SECOND, this.gcFn());
  }

  private gc(): void {
    this.gcTimer = null;
    if (this.n === 0) return;
    if (this.top <= SMALL_TABLE) {
      // a small table is scanned whole; the next run is due at the earliest expiry
      this.minExpMs = this.expireDue();
      if (this.n > 0) this.gcTimer = this.sim.scheduleAt(Math.max(this.sim.now + SECOND, this.minExpMs * MS), this.gcFn());
      return;
    }
    this.sweep(SWEEP_PER_TICK);
    if (this.n === 0) return;
    // after a full pass the earliest expiry is known: nothing to do before it (a table of long-lived
    // entries does not tick every second for days)
    const next = this.minExpMs * MS;
    this.gcTimer = this.sim.scheduleAt(next > this.sim.now + SECOND ? next : this.sim.now + SECOND, this.gcFn());
  }

  /** @internal an entry's expiry moved to `ms`: keeps the lower bound of all expiries (and the GC timer) valid */
  expiryLowered(ms: number, ct: CtEntry | null = null): void {
    if (ct !== null) {
      const id = this.idOf(ct);
      if (id >= 0 && ms < this.expLow[id]!) {
        const lo = lowMs(ms);
        this.expLow[id] = lo;
        const b = id >> BLOCK_SHIFT;
        if (lo < this.blockLow[b]!) this.blockLow[b] = lo;
      }
    }
    // the usual case (a new entry expires after the earliest one known): nothing to lower, and the GC
    // timer is due by then already (it is always armed at most at max(now + 1 s, minExpMs), and
    // minExpMs only rises at a pass's end, with the timer left earlier), so no time arithmetic
    if (ms >= this.minExpMs && ms >= this.passMin) return;
    if (ms < this.minExpMs) this.minExpMs = ms;
    if (ms < this.passMin) this.passMin = ms;
    const t = this.gcTimer;
    if (t !== null && t.at > ms * MS && t.at > this.sim.now + SECOND && this.n > 0) {
      this.sim.cancel(t);
      this.gcTimer = null;
      this.armGc();
    }
  }

  /** The line `conntrack -L` prints to stderr after the entries. */
  listSummary(): string {
    return `conntrack v1.4.7 (conntrack-tools): ${this.count} flow entries have been shown.\n`;
  }

  /** Text of `conntrack -L` (stdout; the "flow entries have been shown" line goes to stderr). */
  list(): string {
    let out = '';
    for (const ct of this.live()) out += formatEntry(ct, this.sim.now) + '\n';
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

/**
 * Attaches `ct` to a packet that holds no entry (Linux `nf_ct_set` + the reference it takes): the
 * entry counts the packet as a holder until {@link ctReset}.
 */
export function ctSet(skb: SkBuff, ct: CtEntry, ctinfo: number): void {
  if (ct.use >= 0) ct.use++;
  skb.ct = ct;
  skb.ctinfo = ctinfo;
}

/**
 * Detaches the packet's conntrack entry, if any (Linux `nf_reset_ct`: `nf_conntrack_put`): an entry
 * out of its table that no packet holds any more goes back to its table for reuse.
 */
export function ctReset(skb: SkBuff): void {
  const ct = skb.ct as CtEntry | null;
  skb.ct = null;
  skb.ctinfo = -1;
  if (ct !== null && ct.use > 0 && --ct.use === 0 && (ct.status & IPS_CONFIRMED) === 0 && ct.owner !== null) ct.owner.release(ct);
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
  return ctTcpPacketMs(ct, dir, flags, msInt(Math.ceil(now / MS)));
}

/**
 * {@link ctTcpPacket} with the current time as `nowUpMs` = ceil(now / 1 ms), a small integer (the
 * packet path's form: nothing to box). Timeouts are whole seconds, so `ceil((now + t) / 1 ms)` is
 * `nowUpMs + t * 1000` exactly.
 */
export function ctTcpPacketMs(ct: CtEntry, dir: number, flags: number, nowUpMs: number): number {
  const old = ct.tcpState;
  const ns = TCP_TABLE[dir]![tcpIndex(flags)]![old]!;
  if (ns === sIV) return CT_VERDICT_INVALID;
  if (ns === sIG) return CT_VERDICT_IGNORE;
  ct.tcpState = ns;
  if ((ct.status & IPS_SEEN_REPLY) && !(ct.status & IPS_ASSURED) && (old === sSR || old === sES) && ns === sES) ct.status |= IPS_ASSURED;
  ct.setExpiresMs(nowUpMs + TCP_TIMEOUTS[ns]! * 1000);
  return CT_VERDICT_OK;
}

/** Refreshes a UDP entry (Linux `udp_packet`): 30 s, or 120 s + ASSURED for a stream. */
export function ctUdpPacket(ct: CtEntry, now: number): void {
  ctUdpPacketMs(ct, msInt(Math.ceil(now / MS)), now > ct.created + 2 * SECOND);
}

/**
 * {@link ctUdpPacket} with the time as `nowUpMs` = ceil(now / 1 ms) (a small integer) and `aged` =
 * whether the entry is more than 2 s old (computed by the caller, where the time is a raw double).
 */
export function ctUdpPacketMs(ct: CtEntry, nowUpMs: number, aged: boolean): void {
  if (ct.status & IPS_SEEN_REPLY) {
    if (aged) {
      ct.setExpiresMs(nowUpMs + UDP_TIMEOUT_STREAM * 1000);
      if (!(ct.status & IPS_NAT_CLASH)) ct.status |= IPS_ASSURED;
    } else ct.setExpiresMs(nowUpMs + UDP_TIMEOUT * 1000);
  } else ct.setExpiresMs(nowUpMs + UDP_TIMEOUT * 1000);
}

/** True for TCP states from which an original-direction SYN reopens the connection. */
export function tcpCanReopen(state: number): boolean {
  return state === sTW || state === sCL;
}
