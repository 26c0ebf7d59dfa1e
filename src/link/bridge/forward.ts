/**
 * Forwarding and flooding, after Linux `net/bridge/br_forward.c`.
 *
 * ```text
 *  brForward(to) ──┐
 *  brFlood ────────┴─► shouldDeliver(p) ─► brForwardPort: FORWARD hook ─► POST_ROUTING hook
 *                                            ─► brDevQueuePushXmit (MTU check) ─► p.dev.xmit
 * ```
 *
 * `inPort` is the port the frame came in on, or `null` for frames the bridge device itself
 * transmits (Linux: `skb->dev` is then the bridge, so hairpin rules never apply and the
 * br_netfilter hooks are not called). Nothing here allocates except the clones a flood needs
 * (n − 1 of them for n egress ports; the original goes out last).
 *
 * @module
 */
import { macToString, readMac } from '../../wire/addr.js';
import type { SkBuff } from '../../wire/skbuff.js';
import { emit, frameSummary } from '../trace.js';
import type { BridgeDevice } from './bridge.js';
import { BR_NF_DROP, BR_NF_STOLEN } from './nf.js';
import { BR_STATE_FORWARDING, type NetBridgePort, portState } from './port.js';

/** Frame class (Linux `enum br_pkt_type`): unicast. */
export const BR_PKT_UNICAST = 0;
/** Frame class: multicast (group bit set, not broadcast). */
export const BR_PKT_MULTICAST = 1;
/** Frame class: broadcast. */
export const BR_PKT_BROADCAST = 2;

/** True for an IPv4 frame (EtherType 0x0800): the only frames br_netfilter hands to iptables here. */
export function isIpv4Frame(skb: SkBuff): boolean {
  return skb.data[12] === 0x08 && skb.data[13] === 0x00;
}

/**
 * Whether a frame that came in on `inPort` may go out of `p`: not back out of its ingress port
 * unless that port is in hairpin mode, only through a forwarding port, and never between two
 * isolated ports.
 *
 * @see Linux `should_deliver`
 */
export function shouldDeliver(p: NetBridgePort, inPort: NetBridgePort | null): boolean {
  return (
    (p !== inPort || p.hairpin === true) &&
    portState(p) === BR_STATE_FORWARDING &&
    (inPort === null || inPort.isolated !== true || p.isolated !== true)
  );
}

/** Why {@link shouldDeliver} said no (for counters and traces). */
function refusal(p: NetBridgePort, inPort: NetBridgePort | null): string {
  if (!p.hairpin && p === inPort) return 'hairpin';
  if (portState(p) !== BR_STATE_FORWARDING) return 'port-down';
  return 'isolated';
}

/**
 * Counts a drop under `reason` in `br.counters` and reports it to the tracer for traced frames.
 * Reasons used: `hairpin`, `port-down`, `isolated`, `nf-drop`, `mtu`, `invalid-source`,
 * `port-state`, `pause`, `no-port`, `bridge-down`.
 */
export function brDrop(br: BridgeDevice, skb: SkBuff, reason: string, port: NetBridgePort | null): void {
  br.counters.inc(reason);
  if (skb.traced && br.sim.tracer !== null) traceDrop(br, skb, reason, port);
}

function traceDrop(br: BridgeDevice, skb: SkBuff, reason: string, port: NetBridgePort | null): void {
  emit(br, 'bridge', 'drop', `${br.name}: drop (${reason})${port ? ` at ${port.dev.name}` : ''}: ${frameSummary(skb)}`, {
      bridge: br.name,
      reason,
      port: port ? port.dev.name : null,
    });
}

/**
 * Hands a frame to the egress device after the MTU check.
 *
 * @see Linux `br_dev_queue_push_xmit`
 */
export function brDevQueuePushXmit(br: BridgeDevice, to: NetBridgePort, skb: SkBuff): void {
  if (skb.len > 14 + to.dev.mtu) {
    brDrop(br, skb, 'mtu', to);
    return;
  }
  to.dev.xmit(skb);
}

/**
 * Sends one frame out of port `to`: for bridged IPv4 frames (`inPort` set) through the FORWARD and
 * POST_ROUTING br_netfilter hooks first. Takes ownership of `skb`.
 *
 * @see Linux `__br_forward`, `br_forward_finish`
 */
export function brForwardPort(br: BridgeDevice, to: NetBridgePort, skb: SkBuff, inPort: NetBridgePort | null): void {
  if (br.nfHook !== null && inPort !== null && isIpv4Frame(skb)) {
    forwardHooks(br, to, skb, inPort);
    return;
  }
  brDevQueuePushXmit(br, to, skb);
}

/** FORWARD and POST_ROUTING br_netfilter hooks, then {@link brDevQueuePushXmit}. */
function forwardHooks(br: BridgeDevice, to: NetBridgePort, skb: SkBuff, inPort: NetBridgePort): void {
  const hook = br.nfHook!;
  let v = hook('FORWARD', skb, inPort.dev, to.dev);
  if (v === BR_NF_STOLEN) return;
  if (v === BR_NF_DROP) {
    brDrop(br, skb, 'nf-drop', to);
    return;
  }
  v = hook('POST_ROUTING', skb, inPort.dev, to.dev);
  if (v === BR_NF_STOLEN) return;
  if (v === BR_NF_DROP) {
    brDrop(br, skb, 'nf-drop', to);
    return;
  }
  brDevQueuePushXmit(br, to, skb);
}

/**
 * Forwards a frame to the single port `to` its destination was learned on. With `localRcv` the
 * frame is also passed up afterwards by the caller, so a clone goes out and the original is kept.
 * `learned` only feeds the trace (false for static entries).
 *
 * @see Linux `br_forward`
 */
export function brForward(br: BridgeDevice, to: NetBridgePort, skb: SkBuff, inPort: NetBridgePort | null, localRcv: boolean, learned = true): void {
  if (!localRcv) {
    brForwardOne(br, to, skb, inPort, learned);
    return;
  }
  if (!shouldDeliver(to, inPort)) {
    brDrop(br, skb, refusal(to, inPort), to);
    return;
  }
  if (skb.traced && br.sim.tracer !== null) traceForward(br, to, skb, learned);
  brForwardPort(br, to, skb.cloneShared(), inPort);
}

/** {@link brForward} without a local copy: the frame itself goes out (the bridge's unicast fast path). */
export function brForwardOne(br: BridgeDevice, to: NetBridgePort, skb: SkBuff, inPort: NetBridgePort | null, learned: boolean): void {
  if (!shouldDeliver(to, inPort)) {
    brDrop(br, skb, refusal(to, inPort), to);
    return;
  }
  if (skb.traced === true && br.sim.tracer !== null) traceForward(br, to, skb, learned);
  brForwardPort(br, to, skb, inPort);
}

function traceForward(br: BridgeDevice, to: NetBridgePort, skb: SkBuff, learned: boolean): void {
  emit(br, 'bridge', 'fdb-forward', `${br.name}: ${macToString(readMac(skb.data, 0))} is at ${to.dev.name}: forward`, {
    bridge: br.name,
    port: to.dev.name,
    learned,
  });
}

/**
 * Floods a frame to every port allowed to receive it (per-port flood flags, then
 * {@link shouldDeliver}), in the bridge's port-list order: clones for all but the last port, the
 * original for the last one (or a clone too when `localRcv`, since the original is then passed up).
 * Flood flags are ignored for multicast and broadcast the bridge device itself sends.
 *
 * @see Linux `br_flood`, `maybe_deliver`, `deliver_clone`
 */
export function brFlood(br: BridgeDevice, skb: SkBuff, pktType: number, inPort: NetBridgePort | null, localRcv: boolean): void {
  const ports = br.portList;
  if (skb.traced && br.sim.tracer !== null) traceFlood(br, skb, pktType, inPort);
  let prev: NetBridgePort | null = null;
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i]!;
    if (!floodAllowed(p, pktType, inPort) || !shouldDeliver(p, inPort)) continue;
    if (prev !== null) brForwardPort(br, prev, skb.cloneShared(), inPort);
    prev = p;
  }
  if (prev === null) {
    if (!localRcv) br.counters.inc('no-port');
    return;
  }
  brForwardPort(br, prev, localRcv ? skb.cloneShared() : skb, inPort);
}

/** The per-port flood flags (`flood`, `mcast_flood`, `bcast_flood`); the bridge's own multicast and broadcast ignore the last two. */
function floodAllowed(p: NetBridgePort, pktType: number, inPort: NetBridgePort | null): boolean {
  if (pktType === BR_PKT_UNICAST) return p.flood;
  if (pktType === BR_PKT_MULTICAST) return p.mcastFlood || inPort === null;
  return p.bcastFlood || inPort === null;
}

const PKT_TYPE_NAMES = ['unicast', 'multicast', 'broadcast'];

function traceFlood(br: BridgeDevice, skb: SkBuff, pktType: number, inPort: NetBridgePort | null): void {
  const names: string[] = [];
  for (const p of br.portList) if (floodAllowed(p, pktType, inPort) && shouldDeliver(p, inPort)) names.push(p.dev.name);
  emit(br, 'bridge', 'flood', `${br.name}: flood ${PKT_TYPE_NAMES[pktType]} to ${names.length ? names.join(', ') : '(no port)'}`, {
    bridge: br.name,
    ports: names,
    pktType: PKT_TYPE_NAMES[pktType],
  });
}
