/**
 * Trace helpers of the stack. Callers guard the event helpers with `skb.traced && ns.sim.tracer`,
 * so no event string is built on the untraced path; {@link FcloneCache} (which trace ids TCP
 * segments show) is kept up to date always, with a few integer operations per segment.
 *
 * @module
 */
import type { TraceLayer } from '../core/trace.js';
import type { SkBuff } from '../wire/skbuff.js';
import type { NetNamespace } from './netns.js';
import { allocTraceId } from './netns.js';

/**
 * A packet the stack creates in response to `from` (echo reply, ICMP error, RST, ARP) is traced
 * when `from` was, under a trace id of its own (as `xtables-monitor --trace` shows a new id for
 * every packet).
 */
export function inheritTrace(ns: NetNamespace, from: SkBuff, to: SkBuff): void {
  if (!from.traced) return;
  to.traced = true;
  to.traceId = allocTraceId(ns.sim);
}

/** Marks a socket's new packet as traced, with a fresh trace id. */
export function startTrace(ns: NetNamespace, skb: SkBuff): void {
  skb.traced = true;
  skb.traceId = allocTraceId(ns.sim);
}

/** Emits one trace event for `skb` in `ns`. */
export function trace(ns: NetNamespace, skb: SkBuff, layer: TraceLayer, kind: string, detail: string, data?: Record<string, unknown>): void {
  const t = ns.sim.tracer;
  if (!t) return;
  t.event({ layer, ns: ns.name, kind, detail, data: { traceId: skb.traceId, ...data } });
}

/** Emits a `drop` event with a reason (`no route`, `ARP failed`, `TTL exceeded`, …). */
export function traceDrop(ns: NetNamespace, skb: SkBuff, reason: string, data?: Record<string, unknown>): void {
  trace(ns, skb, 'drop', 'drop', reason, { reason, ...data });
}

/**
 * The kernel's `skbuff_fclone_cache` as trace ids see it. `xtables-monitor --trace` shows an id
 * derived from the skb's address, its flow hash (for a TCP socket's segments the socket's
 * `sk_txhash`) and its input interface (`nft_trace_init`). A TCP socket sends each SYN, data or
 * FIN segment from an fclone pair: the original stays queued for retransmission, the clone is
 * transmitted. The pair's memory is freed when both are gone — the original once acknowledged,
 * the clone once the receiver has consumed it (a SYN at once, data when the application has read
 * it) — and the next fclone allocation takes the most recently freed pair (LIFO). So a socket's
 * later segment can show an earlier one's id: a request after its SYN, a FIN after the last
 * data. Pure ACKs, SYN-ACKs and RSTs are plain skbs whose memory is recycled by everything else
 * (netlink, received packets), so they get a new id each time.
 *
 * Simplifications: one free list (the kernel's are per CPU); a clone dropped on the way (by a
 * firewall, an unresolved neighbour) is never released, so its pair is not reused; segments are
 * not coalesced in the receiver's queue.
 */
export class FcloneCache {
  private readonly free: number[] = [];
  private next = 0;
  /** Per slot: the original is alive (queued for retransmission). */
  private readonly orig: number[] = [];
  /** Per slot: the clone is alive (in flight, or queued unread at the receiver). */
  private readonly clone: number[] = [];
  /** Which slot a transmitted clone is (only fclone segments are in here). */
  private readonly slotOf = new WeakMap<SkBuff, number>();
  private sockKeys = 0;

  /** A key standing for a new socket's `sk_txhash`. */
  newSocketKey(): number {
    return ++this.sockKeys;
  }

  /** Allocates a pair (the original is alive, no clone yet). */
  alloc(): number {
    const slot = this.free.length ? this.free.pop()! : this.next++;
    this.orig[slot] = 1;
    this.clone[slot] = 0;
    return slot;
  }

  /**
   * Transmits `slot`'s clone as `skb`: true, with `skb` tagged, when the pair's clone was free;
   * false when an earlier clone is still alive (the kernel then clones from the plain cache).
   */
  transmit(slot: number, skb: SkBuff): boolean {
    if (this.clone[slot] === 1) return false;
    this.clone[slot] = 1;
    this.slotOf.set(skb, slot);
    return true;
  }

  /**
   * The receiving socket keeps `skb` in its receive queue: returns its pair (or -1 when it is not
   * an fclone), which the socket releases when the application reads.
   */
  keep(skb: SkBuff): number {
    const slot = this.slotOf.get(skb);
    if (slot === undefined) return -1;
    this.slotOf.delete(skb);
    return slot;
  }

  /** TCP input is done with `skb` (processed, not kept): its clone is freed. */
  consumed(skb: SkBuff): void {
    const slot = this.slotOf.get(skb);
    if (slot === undefined) return;
    this.slotOf.delete(skb);
    this.releaseClone(slot);
  }

  /** The original was acknowledged (or purged). */
  releaseOrig(slot: number): void {
    if (this.orig[slot] !== 1) return;
    this.orig[slot] = 0;
    if (this.clone[slot] === 0) this.free.push(slot);
  }

  /** The receiver consumed the clone. */
  releaseClone(slot: number): void {
    if (this.clone[slot] !== 1) return;
    this.clone[slot] = 0;
    if (this.orig[slot] === 0) this.free.push(slot);
  }
}

const fclones = new WeakMap<object, FcloneCache>();

/** The fclone cache of `ns`'s kernel (one per simulation: every namespace shares the kernel's memory). */
export function fcloneCache(ns: NetNamespace): FcloneCache {
  let c = fclones.get(ns.sim);
  if (!c) {
    c = new FcloneCache();
    fclones.set(ns.sim, c);
  }
  return c;
}

/** murmur3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}

/** The trace id of a segment sent from fclone `slot` by the socket with key `sockKey`. */
export function fcloneTraceId(slot: number, sockKey: number): number {
  return fmix32(Math.imul(slot + 1, 0x9e3779b1) ^ fmix32(sockKey));
}

/**
 * The trace id a packet shows once its input interface changes (a bridged packet passed up to
 * be routed: `skb_iif` becomes the bridge): a function of the old id and the new interface, so
 * the same skb memory and flow show the same id again.
 */
export function rerouteTraceId(id: number, ifindex: number): number {
  return fmix32(id ^ Math.imul(ifindex + 1, 0xcc9e2d51));
}
