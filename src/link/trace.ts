/**
 * Trace helpers of the link layer. They are only ever called behind `skb.traced && sim.tracer`, so
 * the untraced packet path formats no strings and allocates nothing.
 *
 * @module
 */
import type { TraceLayer } from '../core/trace.js';
import { macToString, readMac } from '../wire/addr.js';
import type { SkBuff } from '../wire/skbuff.js';
import type { NetDevice } from './netdev.js';

/** The namespace name traces use for `dev`: its owner's `name` when it has one, else `''`. */
export function nsNameOf(dev: NetDevice): string {
  const o = dev.owner as { name?: unknown } | null;
  return o !== null && typeof o === 'object' && typeof o.name === 'string' ? o.name : '';
}

/** `src > dst` of a frame, for trace details. */
export function frameSummary(skb: SkBuff): string {
  if (skb.len < 14) return `${skb.len} bytes`;
  return `${macToString(readMac(skb.data, 6))} > ${macToString(readMac(skb.data, 0))} len ${skb.len}`;
}

/** Emits one event for `dev` (no-op without a tracer). */
export function emit(dev: NetDevice, layer: TraceLayer, kind: string, detail: string, data?: Record<string, unknown>): void {
  const t = dev.sim.tracer;
  if (t === null) return;
  t.event(data === undefined ? { layer, ns: nsNameOf(dev), kind, detail } : { layer, ns: nsNameOf(dev), kind, detail, data });
}

/** A device received (`rx`) or transmitted (`tx`) a traced frame. */
export function traceDev(dev: NetDevice, skb: SkBuff, dir: 'rx' | 'tx'): void {
  emit(dev, 'dev', dir, `${dev.name} ${dir} ${frameSummary(skb)}`, { dev: dev.name, kind: dev.kind, len: skb.len });
}

/** A device dropped a traced frame it was asked to transmit. */
export function traceDevDrop(dev: NetDevice, skb: SkBuff, reason: string): void {
  emit(dev, 'drop', 'drop', `${dev.name}: ${reason}: ${frameSummary(skb)}`, { dev: dev.name, reason });
}
