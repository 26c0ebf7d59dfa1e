/**
 * Receive path: a frame handed to the namespace by a device, ARP, and IPv4 input up to local
 * delivery or forwarding.
 *
 * ```
 *  netifReceive ─► arpRcv (ARP)                                   ┌─► ipLocalDeliver ─► NF LOCAL_IN ─► icmp/udp/tcp
 *       │                                                         │
 *       └─► ipRcv ─► NF PRE_ROUTING ─► ipRcvFinish (fib lookup) ──┤
 *           (validate;                                            └─► ipForward (ip-forward.ts)
 *            skipped PREROUTING if br_netfilter already ran it)
 * ```
 *
 * Malformed frames are counted (Linux SNMP names: `InHdrErrors`, `InTruncatedPkts`,
 * `InCsumErrors`, `InAddrErrors`, `InNoRoutes`, …) and dropped, never thrown.
 *
 * @module
 */
import type { NetDevice } from '../link/netdev.js';
import { NF_ACCEPT, NF_INET_LOCAL_IN, NF_INET_PRE_ROUTING } from '../netfilter/hook.js';
import { ctReset } from '../netfilter/conntrack.js';
import type { SkBuff } from '../wire/skbuff.js';
import { CHECKSUM_UNNECESSARY, PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST } from '../wire/skbuff.js';
import { ipToString, macToString } from '../wire/addr.js';
import {
  ARPOP_REPLY,
  ARPOP_REQUEST,
  ETH_P_ARP,
  ETH_P_IP,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Ipv4Invalid,
  arpOp,
  arpSenderIp,
  arpSenderMac,
  arpTargetIp,
  arpValidate,
  buildArp,
  ipv4Dst,
  ipv4Src,
  ipv4Validate,
  l4Validate,
  ICMP_DEST_UNREACH,
  ICMP_PROT_UNREACH,
  ICMP_NET_UNREACH,
} from '../wire/build.js';
import type { NetNamespace } from './netns.js';
import { NF_BRIDGE_PASSED_UP, NF_BRIDGE_PREROUTED } from './br-netfilter.js';
import { ipForward } from './ip-forward.js';
import { icmpRcv, icmpSend } from './icmp.js';
import { udpRcv } from './socket/udp.js';
import { tcpRcv } from './socket/tcp.js';
import { inheritTrace, trace, traceDrop } from './trace.js';

/**
 * Entry point of a frame received on `dev` (installed as every device's `rxHandler`): classifies
 * it (PACKET_HOST/BROADCAST/MULTICAST/OTHERHOST) and dispatches on the EtherType.
 *
 * @see Linux `__netif_receive_skb_core`, `eth_type_trans`
 */
export function netifReceive(ns: NetNamespace, dev: NetDevice, skb: SkBuff): void {
  if (skb.len < 14 || skb.data.length < 14) {
    ns.counters.inc('RxLengthErrors');
    return;
  }
  if (dev.kind === 'loopback') skb.pktType = PACKET_HOST;
  else {
    if (dev.kind !== 'bridge' || skb.nfBridge !== NF_BRIDGE_PREROUTED) {
      // the frame crossed a veth/macvlan (maybe from another namespace): Linux scrubs its
      // netfilter state (skb_scrub_packet → nf_reset_ct, mark = 0). A frame the bridge passes up
      // after this namespace's own bridged PREROUTING keeps its conntrack entry.
      ctReset(skb);
      skb.mark = 0;
      skb.nfBridge = 0;
    }
    // the destination MAC as two int halves (a 48-bit number would be a heap number)
    const v = skb.view;
    const hi = v.getUint16(0);
    const lo = v.getInt32(2);
    if (lo === dev.macLo && hi === dev.macHi) skb.pktType = PACKET_HOST;
    else if (hi === 0xffff && lo === -1) skb.pktType = PACKET_BROADCAST;
    else if ((hi & 0x100) !== 0) skb.pktType = PACKET_MULTICAST;
    else skb.pktType = PACKET_OTHERHOST;
  }
  skb.network = 14;
  const type = skb.view.getUint16(12);
  if (type === ETH_P_IP) ipRcv(ns, dev, skb);
  else if (type === ETH_P_ARP) arpRcv(ns, dev, skb);
  else ns.counters.inc('RxUnknownProto');
}

/**
 * ARP input: answers requests for local addresses (arp_ignore 0: any local address, on the
 * receiving interface), learns the sender from requests addressed to us (STALE) and from replies
 * (REACHABLE).
 *
 * @see Linux `arp_process`
 */
export function arpRcv(ns: NetNamespace, dev: NetDevice, skb: SkBuff): void {
  if (arpValidate(skb) !== 0) {
    ns.counters.inc('ArpInErrors');
    return;
  }
  if (skb.pktType === PACKET_OTHERHOST || dev.kind === 'loopback') return;
  const op = arpOp(skb);
  const sip = arpSenderIp(skb);
  const tip = arpTargetIp(skb);
  const sha = arpSenderMac(skb);
  if ((tip >>> 28) === 0xe || (sip >>> 28) === 0xe) return; // multicast: not for ARP
  if (op === ARPOP_REQUEST) {
    // the address test first: every namespace on a bridge sees every request broadcast there, and a
    // route lookup of each target would leave one cached result per namespace and target (N² over
    // a bridge of N containers pinging each other)
    if (ns.isLocalAddress(tip) && ns.routeLookup(tip).type === 'local') {
      if (sip !== 0 && sip !== tip) ns.neigh.update(dev, sip, sha, false, true);
      if (skb.traced && ns.sim.tracer)
        trace(ns, skb, 'neigh', 'arp-reply', `${dev.name}: who-has ${ipToString(tip)} tell ${ipToString(sip)}: replying`, { dev: dev.name });
      const reply = buildArp(ARPOP_REPLY, dev.mac, tip, sha, sip);
      inheritTrace(ns, skb, reply);
      dev.xmit(reply);
      return;
    }
    // not for us: just refresh an existing entry
    if (sip !== 0) ns.neigh.update(dev, sip, sha, false, false);
    return;
  }
  if (op === ARPOP_REPLY) {
    const e = ns.neigh.update(dev, sip, sha, skb.pktType === PACKET_HOST, false);
    if (e && skb.traced && ns.sim.tracer)
      trace(ns, skb, 'neigh', 'resolved', `${ipToString(sip)} is-at ${macToString(sha)} on ${dev.name}`, { dev: dev.name });
  }
}

/**
 * IPv4 input: validates the header once (after this, nothing on the path can throw), runs
 * PREROUTING (unless br_netfilter already did) and continues in {@link ipRcvFinish}.
 *
 * @see Linux `ip_rcv`, `ip_rcv_core`
 */
export function ipRcv(ns: NetNamespace, dev: NetDevice, skb: SkBuff): void {
  if (skb.pktType === PACKET_OTHERHOST) {
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'not for this host (PACKET_OTHERHOST)');
    return;
  }
  ns.InReceives++;
  skb.network = 14;
  const bad = ipv4Validate(skb);
  if (bad !== 0) {
    ns.counters.inc(bad === Ipv4Invalid.TotalLength || bad === Ipv4Invalid.TooShort ? 'InTruncatedPkts' : 'InHdrErrors');
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, `malformed IPv4 header (${bad})`);
    return;
  }
  if (skb.nfBridge === NF_BRIDGE_PREROUTED) {
    // ip_sabotage_in: the bridged PREROUTING already ran on this frame
    skb.nfBridge = NF_BRIDGE_PASSED_UP;
    ipRcvFinish(ns, dev, skb);
    return;
  }
  const v = ns.nfHook(NF_INET_PRE_ROUTING, skb, dev.name, '');
  if (v !== NF_ACCEPT) {
    if (v === 0 && skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'netfilter DROP in chain PREROUTING');
    return;
  }
  ipRcvFinish(ns, dev, skb);
}

/**
 * Routes an incoming datagram: local (or broadcast) → {@link ipLocalDeliver}; unicast elsewhere →
 * `ipForward`; no route → `InNoRoutes` (+ ICMP net unreachable when forwarding is on).
 * Martians (a 127/8 or local source arriving on a non-loopback device) are dropped.
 *
 * @see Linux `ip_rcv_finish`, `ip_route_input_slow`
 */
export function ipRcvFinish(ns: NetNamespace, dev: NetDevice, skb: SkBuff): void {
  // addresses as int32 (172.17/16 is above 2^31: a uint32 would be a heap number once it escapes)
  const n = skb.network;
  const dst = skb.view.getInt32(n + 16);
  const src = skb.view.getInt32(n + 12);
  const loop = dev.kind === 'loopback';
  if (!loop) {
    if ((src >>> 28) === 0xe || src === -1 || ((src >>> 24) === 127 && !ns.sysctl.route_localnet)) {
      ns.counters.inc('InMartianSrc');
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, `martian source ${ipToString(src)}`);
      return;
    }
    if ((dst >>> 24) === 127 && !ns.sysctl.route_localnet) {
      ns.counters.inc('InMartianDst');
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, `martian destination ${ipToString(dst)}`);
      return;
    }
  }
  if (dst === -1) {
    ipLocalDeliver(ns, dev, skb);
    return;
  }
  if ((dst >>> 28) === 0xe) {
    ns.counters.inc('InMcastPkts');
    return; // no multicast membership modelled
  }
  // the type first (for a container's own address, answered by the FIB object alone), the whole
  // result only when the datagram is to be forwarded
  const type = ns.fib.lookupType(dst);
  if (type === 'local' || type === 'broadcast') {
    if (!loop && type === 'local' && ns.isLocalAddress(src) && src !== 0) {
      ns.counters.inc('InMartianSrc');
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, `martian source ${ipToString(src)} (local address)`);
      return;
    }
    if (skb.traced && ns.sim.tracer) trace(ns, skb, 'route', type, `${ipToString(dst)}: ${type}`, { type, dev: dev.name });
    ipLocalDeliver(ns, dev, skb);
    return;
  }
  const r = ns.routeLookup(dst);
  if (!ns.sysctl.ip_forward) {
    // ip_route_input_slow: not for us and forwarding is off → EHOSTUNREACH, dropped silently
    ns.counters.inc('InAddrErrors');
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'forwarding disabled');
    return;
  }
  if (r.type !== 'unicast' || r.dev === null) {
    ns.counters.inc('InNoRoutes');
    icmpSend(ns, skb, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0, dev);
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'no route');
    return;
  }
  ipForward(ns, dev, skb, r);
}

/**
 * Local delivery: LOCAL_IN, then the L4 checksum and the protocol handler. An unknown protocol
 * gets ICMP protocol unreachable.
 *
 * @see Linux `ip_local_deliver`, `ip_local_deliver_finish`
 */
export function ipLocalDeliver(ns: NetNamespace, dev: NetDevice, skb: SkBuff): void {
  const v = ns.nfHook(NF_INET_LOCAL_IN, skb, dev.name, '');
  if (v !== NF_ACCEPT) {
    if (v === 0 && skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'netfilter DROP in chain INPUT');
    return;
  }
  const n = skb.network;
  if ((skb.view.getUint16(n + 6) & 0x3fff) !== 0) {
    // fragments are not reassembled in this model
    ns.counters.inc('ReasmFails');
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'fragment (no reassembly)');
    return;
  }
  // CHECKSUM_UNNECESSARY: sent by a namespace's own output path (veth), nothing to verify
  if (skb.ipSummed !== CHECKSUM_UNNECESSARY && l4Validate(skb) !== 0) {
    ns.counters.inc('InCsumErrors');
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'bad L4 checksum');
    return;
  }
  ns.InDelivers++;
  const proto = skb.view.getUint8(n + 9);
  switch (proto) {
    case IPPROTO_ICMP:
      icmpRcv(ns, dev, skb);
      return;
    case IPPROTO_UDP:
      udpRcv(ns, dev, skb);
      return;
    case IPPROTO_TCP:
      tcpRcv(ns, dev, skb);
      return;
    default:
      ns.counters.inc('InUnknownProtos');
      icmpSend(ns, skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0, dev);
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, `unknown protocol ${proto}`);
  }
}

