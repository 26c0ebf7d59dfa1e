/**
 * Forwarding: TTL, MTU, FORWARD hook, then output. Allocation-free on the normal path: the route
 * comes from the FIB cache, the TTL is patched in place with an incremental checksum.
 *
 * @module
 */
import type { NetDevice } from '../link/netdev.js';
import { NF_ACCEPT, NF_INET_FORWARD } from '../netfilter/hook.js';
import type { SkBuff } from '../wire/skbuff.js';
import { PACKET_HOST } from '../wire/skbuff.js';
import { ICMP_DEST_UNREACH, ICMP_EXC_TTL, ICMP_FRAG_NEEDED, ICMP_TIME_EXCEEDED, IP_DF, ipv4DecTtl } from '../wire/build.js';
import type { FibResult } from './route.js';
import type { NetNamespace } from './netns.js';
import { NF_BRIDGE_PASSED_UP } from './br-netfilter.js';
import { icmpSend } from './icmp.js';
import { ipOutput } from './ip-output.js';
import { rerouteTraceId, trace, traceDrop } from './trace.js';

/**
 * Forwards a datagram received on `inDev` along route `r`: drops frames not addressed to us at
 * L2, answers TTL ≤ 1 with ICMP time exceeded, decrements the TTL, checks the MTU (DF → ICMP
 * fragmentation needed), runs FORWARD and hands over to {@link ipOutput}.
 *
 * @see Linux `ip_forward`
 */
export function ipForward(ns: NetNamespace, inDev: NetDevice, skb: SkBuff, r: FibResult): void {
  if (skb.pktType !== PACKET_HOST) {
    ns.counters.inc('InDiscards');
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'not addressed to this host at L2');
    return;
  }
  const outDev = r.dev!;
  const n = skb.network;
  const v = skb.view;
  // skb_iif becomes the bridge: the id (a hash of the skb, its flow and skb_iif) changes
  if (skb.nfBridge === NF_BRIDGE_PASSED_UP && skb.traced) skb.traceId = rerouteTraceId(skb.traceId, inDev.ifindex);
  if (skb.traced && ns.sim.tracer)
    trace(ns, skb, 'route', 'forward', `forward via ${outDev.name}${r.gateway ? ` gw ${ipStr(r.gateway)}` : ''}`, {
      dev: outDev.name,
      gateway: r.gateway ? ipStr(r.gateway) : null,
      inDev: inDev.name,
    });
  if (v.getUint8(n + 8) <= 1) {
    ns.counters.inc('InHdrErrors');
    icmpSend(ns, skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0, inDev);
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'TTL exceeded');
    return;
  }
  const totLen = v.getUint16(n + 2);
  if (totLen > outDev.mtu && (v.getUint16(n + 6) & IP_DF) !== 0) {
    ns.counters.inc('FragFails');
    icmpSend(ns, skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, outDev.mtu, inDev);
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'fragmentation needed');
    return;
  }
  ipv4DecTtl(skb);
  const verdict = ns.nfHook(NF_INET_FORWARD, skb, inDev.name, outDev.name);
  if (verdict !== NF_ACCEPT) {
    if (verdict === 0) {
      ns.counters.inc('ForwDrops');
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'netfilter DROP in chain FORWARD');
    }
    return;
  }
  // the FIB result's next hop is an int32: a uint32 above 2^31 would be boxed for the call (16 bytes per forwarded packet)
  ipForwardFinish(ns, skb, outDev, r.nexthop);
}

/** @see Linux `ip_forward_finish` (`nexthop` as uint32 or int32, as {@link ipOutput}) */
export function ipForwardFinish(ns: NetNamespace, skb: SkBuff, outDev: NetDevice, nexthop: number): void {
  ns.ForwDatagrams++;
  ipOutput(ns, skb, outDev, nexthop);
}

function ipStr(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}
