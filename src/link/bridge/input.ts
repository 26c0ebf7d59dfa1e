/**
 * The bridge's receive path, after Linux `net/bridge/br_input.c`.
 *
 * ```text
 *  port.dev.receive ─► handleFrame: valid source? link-local group? port state?
 *                        ─► PRE_ROUTING (br_netfilter, IPv4 only)
 *                        ─► handleFrameFinish: learn source ─► classify
 *                              ├─ local fdb entry / bridge MAC ─► brPassFrameUp ─► LOCAL_IN ─► bridge device rx
 *                              ├─ learned port ────────────────► brForward
 *                              └─ unknown / multicast / broadcast ─► brFlood (+ pass up if multicast/broadcast)
 * ```
 *
 * Hot path: MACs are read and compared as two small integers (top 16 bits, low 32 bits), never as
 * 48-bit numbers; two fdb hash lookups (learn the source, find the destination); no allocation
 * except the clones of a flood and the entry of a newly learned address.
 *
 * @module
 */
import { readMacHi, readMacLo, writeMac } from '../../wire/addr.js';
import type { SkBuff } from '../../wire/skbuff.js';
import type { NetDevice } from '../netdev.js';
import { emit, frameSummary } from '../trace.js';
import type { BridgeDevice } from './bridge.js';
import { fdbFindHalves, fdbUpdateHalves } from './fdb.js';
import { BR_PKT_BROADCAST, BR_PKT_MULTICAST, BR_PKT_UNICAST, brDrop, brFlood, brForward, isIpv4Frame } from './forward.js';
import { BR_NF_DROP, BR_NF_LOCAL, BR_NF_STOLEN } from './nf.js';
import { BR_STATE_FORWARDING, BR_STATE_LEARNING, type NetBridgePort, portState } from './port.js';

/** `skb.pktType` value PACKET_HOST (the frame is for this host). */
const PACKET_HOST = 0;

/**
 * The rx handler every bridge port installs as its device's `portHandler`: one function for all
 * ports (so the device's call to it stays monomorphic), the port coming from `dev.rxHandlerData`.
 *
 * @see Linux `br_handle_frame`, `br_port_get_rcu`
 */
export function brHandleFrame(dev: NetDevice, skb: SkBuff): void {
  handleFrame(dev.rxHandlerData as NetBridgePort, dev, skb);
}

/**
 * The rx handler of a bridge port (installed as the port device's `portHandler`). Drops frames with
 * an invalid (multicast or all-zero) source and frames on a port that is not forwarding or
 * learning; passes IEEE link-local control frames (01:80:c2:00:00:0X other than the STP group
 * address, which is bridged as STP is off) to the port device's own handler; runs the
 * PRE_ROUTING br_netfilter hook for IPv4 frames; then continues in {@link handleFrameFinish}.
 * Takes ownership of `skb`.
 *
 * @see Linux `br_handle_frame`, `nf_hook_bridge_pre`
 */
export function handleFrame(p: NetBridgePort, _dev: NetDevice, skb: SkBuff): void {
  const br = p.br;
  const d = skb.data;
  if ((d[6]! & 1) !== 0 || (d[6]! | d[7]! | d[8]! | d[9]! | d[10]! | d[11]!) === 0) {
    brDrop(br, skb, 'invalid-source', p);
    return;
  }
  if (d[0] === 0x01 && d[1] === 0x80 && d[2] === 0xc2 && d[3] === 0 && d[4] === 0 && (d[5]! & 0xf0) === 0) {
    const t = d[5]!;
    if (t === 0x01) {
      brDrop(br, skb, 'pause', p); // MAC control frames are never bridged
      return;
    }
    if (t !== 0x00) {
      // RX_HANDLER_PASS: the port device's own stack gets it
      const h = p.dev.rxHandler;
      if (h !== null) h(p.dev, skb);
      else p.dev.stats.rxDropped++;
      return;
    }
  }
  const state = portState(p);
  if (state !== BR_STATE_FORWARDING && state !== BR_STATE_LEARNING) {
    brDrop(br, skb, 'port-state', p);
    return;
  }
  if (readMacLo(d, 0) === br.macLo && readMacHi(d, 0) === br.macHi) skb.pktType = PACKET_HOST;
  const hook = br.nfHook;
  if (hook !== null && isIpv4Frame(skb)) {
    const v = hook('PRE_ROUTING', skb, p.dev, null);
    if (v === BR_NF_STOLEN) return;
    if (v === BR_NF_DROP) {
      brDrop(br, skb, 'nf-drop', p);
      return;
    }
    if (v === BR_NF_LOCAL) {
      // DNAT to a destination that is not bridged here: deliver to the bridge device
      writeMac(d, 0, br.mac);
      skb.pktType = PACKET_HOST;
    }
  }
  handleFrameFinish(p, skb);
}

/**
 * Learns the source address (after filtering, to avoid spoofing), classifies the frame, then
 * delivers it locally (destination is the bridge's MAC or another local fdb entry), forwards it to
 * the learned port, or floods it; broadcast and multicast frames are also passed up (no multicast
 * querier exists on docker's bridges, so snooping never narrows a flood). The destination MAC is
 * read here, after PRE_ROUTING, since br_netfilter may have rewritten it.
 *
 * @see Linux `br_handle_frame_finish`
 */
export function handleFrameFinish(p: NetBridgePort, skb: SkBuff): void {
  const br = p.br;
  const d = skb.data;
  if (p.learning) fdbUpdateHalves(br, p, readMacHi(d, 6), readMacLo(d, 6));
  const dhi = readMacHi(d, 0);
  const dlo = readMacLo(d, 0);
  let localRcv = br.promisc;
  let pktType = BR_PKT_UNICAST;
  if ((dhi & 0x100) !== 0) {
    if (dhi === 0xffff && dlo === -1) pktType = BR_PKT_BROADCAST;
    else pktType = BR_PKT_MULTICAST;
    localRcv = true;
  }
  if (portState(p) === BR_STATE_LEARNING) {
    brDrop(br, skb, 'port-state', p);
    return;
  }
  if (pktType === BR_PKT_UNICAST) {
    if (dlo === br.macLo && dhi === br.macHi) {
      brPassFrameUp(br, p, skb);
      return;
    }
    const f = fdbFindHalves(br, dhi, dlo);
    if (f !== null) {
      if (f.isLocal || f.port === null) {
        brPassFrameUp(br, p, skb);
        return;
      }
      const now = br.sim.now;
      if (f.used !== now) f.used = now;
      brForward(br, f.port, skb, p, localRcv, !f.isStatic);
      if (localRcv) brPassFrameUp(br, p, skb);
      return;
    }
  }
  brFlood(br, skb, pktType, p, localRcv);
  if (localRcv) brPassFrameUp(br, p, skb);
}

/**
 * Passes a frame up to the bridge device, as if received on it: LOCAL_IN br_netfilter hook for
 * IPv4, then delivery through the simulator's queue to `br.receive` (which counts it in the
 * bridge's rx stats and hands it to `br.rxHandler`, the namespace stack).
 *
 * @see Linux `br_pass_frame_up`
 */
export function brPassFrameUp(br: BridgeDevice, inPort: NetBridgePort, skb: SkBuff): void {
  const hook = br.nfHook;
  if (hook !== null && isIpv4Frame(skb)) {
    const v = hook('LOCAL_IN', skb, inPort.dev, null);
    if (v === BR_NF_STOLEN) return;
    if (v === BR_NF_DROP) {
      brDrop(br, skb, 'nf-drop', inPort);
      return;
    }
  }
  if (skb.traced && br.sim.tracer !== null)
    emit(br, 'bridge', 'local', `${br.name}: pass up from ${inPort.dev.name}: ${frameSummary(skb)}`, { bridge: br.name, port: inPort.dev.name });
  br.sim.post(br, skb);
}
