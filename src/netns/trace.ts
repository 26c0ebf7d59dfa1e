/**
 * Trace helpers of the stack. Callers guard every call with `skb.traced && ns.sim.tracer`, so
 * nothing here runs (and no string is built) on the untraced path.
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
