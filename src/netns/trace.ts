/**
 * Trace helpers of the stack. Callers guard every call with `skb.traced && ns.sim.tracer`, so
 * nothing here runs (and no string is built) on the untraced path.
 *
 * @module
 */
import type { TraceLayer } from '../core/trace.js';
import type { SkBuff } from '../wire/skbuff.js';
import type { NetNamespace } from './netns.js';

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
