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
import { writeMacHalves } from '../../wire/addr.js';
import type { SkBuff } from '../../wire/skbuff.js';
import type { NetDevice } from '../netdev.js';
import { emit, frameSummary } from '../trace.js';
import type { BridgeDevice } from './bridge.js';
import { fdbDelete, fdbFindHalves, fdbUpdateHalves } from './fdb.js';
import { BR_PKT_BROADCAST, BR_PKT_MULTICAST, BR_PKT_UNICAST, brDrop, brFlood, brForward, brForwardOne, isIpv4Frame } from './forward.js';
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
 * MACs are read as halves (`getUint16` of the top 2 bytes, `getInt32` of the low 4) and booleans
 * compared with `=== true`: this function and what it inlines are the bridge's per-frame cost, and
 * rare cases (link-local frames, hooks, drops, traces) live in functions of their own.
 *
 * @see Linux `br_handle_frame`, `nf_hook_bridge_pre`
 */
export function handleFrame(p: NetBridgePort, _dev: NetDevice, skb: SkBuff): void {
  const br = p.br;
  const v = skb.view;
  const shi = v.getUint16(6);
  const slo = v.getInt32(8);
  if ((shi & 0x100) !== 0 || (shi | slo) === 0) {
    brDrop(br, skb, 'invalid-source', p);
    return;
  }
  const dhi = v.getUint16(0);
  const dlo = v.getInt32(2);
  // 01:80:c2:00:00:0X
  if (dhi === 0x0180 && (dlo & ~0xf) === (0xc2000000 | 0) && linkLocal(p, skb, dlo & 0xf)) return;
  const state = portState(p);
  if (state !== BR_STATE_FORWARDING && state !== BR_STATE_LEARNING) {
    brDrop(br, skb, 'port-state', p);
    return;
  }
  if (dlo === br.macLo && dhi === br.macHi) skb.pktType = PACKET_HOST;
  if (br.nfHook !== null && isIpv4Frame(skb)) {
    preRouting(p, skb);
    return;
  }
  handleFrameFinish(p, skb);
}

/**
 * IEEE 802.1D link-local group addresses (`t` = last nibble): MAC control (pause) is dropped, the
 * STP group (0) is bridged (STP is off), anything else goes to the port device's own stack
 * (RX_HANDLER_PASS). Returns true when the frame was consumed here.
 */
function linkLocal(p: NetBridgePort, skb: SkBuff, t: number): boolean {
  if (t === 0x01) {
    brDrop(p.br, skb, 'pause', p); // MAC control frames are never bridged
    return true;
  }
  if (t === 0x00) return false;
  const h = p.dev.rxHandler;
  if (h !== null) h(p.dev, skb);
  else p.dev.stats.rxDropped++;
  return true;
}

/** The PRE_ROUTING br_netfilter hook, then {@link handleFrameFinish} (which reads the possibly rewritten MACs). */
function preRouting(p: NetBridgePort, skb: SkBuff): void {
  const br = p.br;
  const v = br.nfHook!('PRE_ROUTING', skb, p.dev, null);
  if (v === BR_NF_STOLEN) return;
  if (v === BR_NF_DROP) {
    brDrop(br, skb, 'nf-drop', p);
    return;
  }
  if (v === BR_NF_LOCAL) {
    // DNAT to a destination that is not bridged here: deliver to the bridge device
    skb.ensureWritable();
    writeMacHalves(skb.data, 0, br.macHi, br.macLo);
    skb.pktType = PACKET_HOST;
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
 * This is the bridge's per-frame fast path and is written out in one function on purpose: V8
 * inlines at most ~920 bytes of bytecode into one optimized function, and the calls it would
 * otherwise leave (fdb update, fdb lookup, should-deliver, MTU check) cost more than the work. The
 * common case — a known source refreshed, a learned unicast destination on another forwarding
 * port, no br_netfilter hook, not traced — goes straight to the egress device's `xmit`; anything
 * else takes the general functions ({@link fdbUpdateHalves}, {@link brFlood}, {@link brForwardOne},
 * {@link brPassFrameUp}), which implement the same rules.
 *
 * @see Linux `br_handle_frame_finish`
 */
export function handleFrameFinish(p: NetBridgePort, skb: SkBuff): void {
  const br = p.br;
  const v = skb.view;
  const shi = v.getUint16(6);
  const slo = v.getInt32(8);
  const dhi = v.getUint16(0);
  const dlo = v.getInt32(2);
  const now = br.sim.now;
  if (p.learning === true) {
    // br_fdb_update fast path: a known, non-local source is refreshed (and moved if it roamed)
    const s = br.fdb.find(shi, slo);
    if (s === null || s.isLocal === true) fdbUpdateHalves(br, p, shi, slo);
    else {
      if (s.updated !== now) s.updated = now;
      if (s.port !== p) s.port = p;
    }
  }
  if ((dhi & 0x100) !== 0 || br.promisc === true) {
    finishGroupOrPromisc(p, skb, dhi, dlo);
    return;
  }
  // handleFrame let only a forwarding or learning port through
  if (p.state === BR_STATE_LEARNING) {
    brDrop(br, skb, 'port-state', p);
    return;
  }
  if (dlo === br.macLo && dhi === br.macHi) {
    brPassFrameUp(br, p, skb);
    return;
  }
  const f = br.fdb.find(dhi, dlo);
  if (f === null || (f.isStatic !== true && f.updated + br.ageingTime <= now)) {
    // unknown, or expired (removed on the spot, as fdbFind does): flood
    if (f !== null) fdbDelete(br, f);
    brFlood(br, skb, BR_PKT_UNICAST, p, false);
    return;
  }
  const to = f.port;
  if (to === null || f.isLocal === true) {
    brPassFrameUp(br, p, skb);
    return;
  }
  if (f.used !== now) f.used = now;
  if (
    to !== p &&
    portState(to) === BR_STATE_FORWARDING &&
    (p.isolated !== true || to.isolated !== true) &&
    br.nfHook === null &&
    skb.traced !== true
  ) {
    const dev = to.dev;
    if (skb.len <= 14 + dev.mtu) {
      dev.xmit(skb);
      return;
    }
  }
  brForwardOne(br, to, skb, p, f.isStatic === false);
}

/** The rest of {@link handleFrameFinish} for group destinations and promiscuous bridges: the frame is also passed up. */
function finishGroupOrPromisc(p: NetBridgePort, skb: SkBuff, dhi: number, dlo: number): void {
  const br = p.br;
  let pktType = BR_PKT_UNICAST;
  if ((dhi & 0x100) !== 0) pktType = dhi === 0xffff && dlo === -1 ? BR_PKT_BROADCAST : BR_PKT_MULTICAST;
  if (p.state === BR_STATE_LEARNING) {
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
      brForward(br, f.port, skb, p, true, !f.isStatic);
      brPassFrameUp(br, p, skb);
      return;
    }
  }
  brFlood(br, skb, pktType, p, true);
  brPassFrameUp(br, p, skb);
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
