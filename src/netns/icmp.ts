/**
 * ICMP: echo replies, errors sent by the stack (unreachable, time exceeded) and errors received
 * (passed to the socket that sent the offending datagram).
 *
 * @module
 */
import type { NetDevice } from '../link/netdev.js';
import type { SkBuff } from '../wire/skbuff.js';
import { PACKET_HOST } from '../wire/skbuff.js';
import { ipToString } from '../wire/addr.js';
import {
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_HOST_UNREACH,
  ICMP_TIME_EXCEEDED,
  ICMP_PARAMETERPROB,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IP_OFFSET,
  buildIcmpEcho,
  buildIcmpError,
  icmpIsError,
  ipv4Dst,
  ipv4Src,
} from '../wire/build.js';
import type { NetNamespace } from './netns.js';
import { ipLocalOut, ipRouteOutput } from './ip-output.js';
import { inheritTrace, trace, traceDrop } from './trace.js';

/** Next IP identification of `ns` (for datagrams without a socket counter). */
export function nextIpId(ns: NetNamespace): number {
  const id = ns.ipId;
  ns.ipId = (ns.ipId + 1) & 0xffff;
  return id;
}

/**
 * Handles a received ICMP message: answers echo requests (unless `icmp_echo_ignore_all`, or a
 * broadcast with `icmp_echo_ignore_broadcasts`), hands echo replies to ping sockets and errors to
 * the socket that sent the quoted datagram.
 *
 * @see Linux `icmp_rcv`, `icmp_echo`, `icmp_unreach`
 */
export function icmpRcv(ns: NetNamespace, dev: NetDevice, skb: SkBuff): void {
  const t = skb.transport;
  const v = skb.view;
  const type = v.getUint8(t);
  ns.counters.inc('IcmpInMsgs');
  if (type === ICMP_ECHO) {
    ns.counters.inc('IcmpInEchos');
    const dst = ipv4Dst(skb);
    const bcast = ns.addrType(dst) === 'BROADCAST';
    if (ns.sysctl.icmp_echo_ignore_all || (bcast && ns.sysctl.icmp_echo_ignore_broadcasts)) {
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'echo ignored (icmp_echo_ignore_*)');
      return;
    }
    icmpEchoReply(ns, dev, skb, bcast);
    return;
  }
  if (type === ICMP_ECHOREPLY) {
    ns.counters.inc('IcmpInEchoReps');
    ns.ping.rcvReply(skb);
    return;
  }
  if (icmpIsError(type)) {
    if (type === ICMP_DEST_UNREACH) ns.counters.inc('IcmpInDestUnreachs');
    else if (type === ICMP_TIME_EXCEEDED) ns.counters.inc('IcmpInTimeExcds');
    icmpErrRcv(ns, skb);
  }
}

function icmpEchoReply(ns: NetNamespace, _dev: NetDevice, skb: SkBuff, bcast: boolean): void {
  const t = skb.transport;
  const v = skb.view;
  const src = ipv4Src(skb);
  const dst = ipv4Dst(skb);
  const rt = ipRouteOutput(ns, src, bcast ? 0 : dst);
  if (!rt) {
    ns.counters.inc('OutNoRoutes');
    return;
  }
  const l4len = v.getUint16(skb.network + 2) - (t - skb.network);
  const payload = skb.data.subarray(t + 8, t + l4len);
  const reply = buildIcmpEcho(
    ICMP_ECHOREPLY,
    { srcMac: 0, dstMac: 0, src: rt.src, dst: src, ttl: ns.sysctl.ip_default_ttl, id: nextIpId(ns), tos: v.getUint8(skb.network + 1) },
    v.getUint16(t + 4),
    v.getUint16(t + 6),
    payload,
  );
  inheritTrace(ns, skb, reply);
  ns.counters.inc('IcmpOutEchoReps');
  if (skb.traced && ns.sim.tracer) trace(ns, skb, 'local', 'echo-reply', `echo request from ${ipToString(src)}: replying`, {});
  ipLocalOut(ns, reply, rt);
}

/** Passes a received ICMP error to the socket that sent the quoted datagram. */
function icmpErrRcv(ns: NetNamespace, skb: SkBuff): void {
  const t = skb.transport;
  const v = skb.view;
  const end = skb.network + v.getUint16(skb.network + 2);
  const inner = t + 8;
  if (end - inner < 28) return;
  const ihl = (v.getUint8(inner) & 15) * 4;
  if (ihl < 20 || end - inner < ihl + 8) return;
  const type = v.getUint8(t);
  const code = v.getUint8(t + 1);
  const proto = v.getUint8(inner + 9);
  const isrc = v.getUint32(inner + 12);
  const idst = v.getUint32(inner + 16);
  const l4 = inner + ihl;
  const from = ipv4Src(skb);
  if (proto === IPPROTO_UDP) ns.udp.err(isrc, v.getUint16(l4), idst, v.getUint16(l4 + 2), type, code, from);
  else if (proto === IPPROTO_TCP) ns.tcp.err(isrc, v.getUint16(l4), idst, v.getUint16(l4 + 2), type, code, from);
  else if (proto === IPPROTO_ICMP && v.getUint8(l4) === ICMP_ECHO) ns.ping.err(v.getUint16(l4 + 4), v.getUint16(l4 + 6), idst, type, code, from);
}

/**
 * Sends an ICMP error about `offending` back to its source, with Linux's restrictions: never about
 * an ICMP error, a non-first fragment, a broadcast/multicast datagram, or a datagram from
 * 0.0.0.0/broadcast. The source is the offending destination when that is ours, otherwise the
 * address the route back selects. The error quotes as much as fits in 576 bytes. Errors to one
 * destination are rate limited as Linux does (a burst of 6, then one per second).
 *
 * @see Linux `__icmp_send`
 */
export function icmpSend(ns: NetNamespace, offending: SkBuff, type: number, code: number, info: number, _inDev?: NetDevice): void {
  const n = offending.network;
  const v = offending.view;
  if (offending.pktType !== PACKET_HOST) return;
  if ((v.getUint16(n + 6) & IP_OFFSET) !== 0) return;
  const osrc = v.getUint32(n + 12);
  const odst = v.getUint32(n + 16);
  if (osrc === 0 || ns.addrType(osrc) === 'BROADCAST' || ns.addrType(osrc) === 'MULTICAST') return;
  const dt = ns.addrType(odst);
  if (dt === 'BROADCAST' || dt === 'MULTICAST') return;
  if (v.getUint8(n + 9) === IPPROTO_ICMP) {
    const ihl = (v.getUint8(n) & 15) * 4;
    if (offending.len - n >= ihl + 1 && icmpIsError(v.getUint8(n + ihl))) return;
  }
  const saddr = dt === 'LOCAL' ? odst : 0;
  const rt = ipRouteOutput(ns, osrc, saddr);
  if (!rt) {
    ns.counters.inc('OutNoRoutes');
    return;
  }
  if (!icmpXrlimAllow(ns, type, osrc, rt.dev.kind === 'loopback')) {
    ns.counters.inc('IcmpRateLimited');
    return;
  }
  const err = buildIcmpError(
    type,
    code,
    { srcMac: 0, dstMac: 0, src: rt.src, dst: osrc, ttl: ns.sysctl.ip_default_ttl, id: nextIpId(ns) },
    offending,
    { info, quoteAll: true },
  );
  inheritTrace(ns, offending, err);
  if (type === ICMP_DEST_UNREACH) ns.counters.inc('IcmpOutDestUnreachs');
  else if (type === ICMP_TIME_EXCEEDED) ns.counters.inc('IcmpOutTimeExcds');
  else if (type === ICMP_PARAMETERPROB) ns.counters.inc('IcmpOutParmProbs');
  ns.counters.inc('IcmpOutMsgs');
  if (offending.traced && ns.sim.tracer)
    trace(ns, offending, 'local', 'icmp-error', `ICMP type ${type} code ${code} to ${ipToString(osrc)}`, { type, code });
  ipLocalOut(ns, err, rt);
}

/** icmp_ratelimit (1000 ms) and the burst factor of Linux's per-peer limiter. */
const ICMP_RATELIMIT = 1_000_000_000;
const XRLIM_BURST_FACTOR = 6;
/** icmp_ratemask 6168: destination unreachable, source quench, time exceeded, parameter problem. */
const ICMP_RATEMASK = 6168;

const peers = new WeakMap<NetNamespace, Map<number, { tokens: number; last: number }>>();

/**
 * Linux's per-destination token bucket for ICMP errors (`icmpv4_xrlim_allow` →
 * `inet_peer_xrlim_allow`): a burst of 6, then one per `icmp_ratelimit`; errors to a local
 * destination (through `lo`) are never limited.
 */
function icmpXrlimAllow(ns: NetNamespace, type: number, dst: number, loopback: boolean): boolean {
  if (type > 18 || ((1 << type) & ICMP_RATEMASK) === 0 || loopback) return true;
  let m = peers.get(ns);
  if (!m) {
    m = new Map();
    peers.set(ns, m);
  }
  const now = ns.sim.now;
  let p = m.get(dst | 0);
  if (!p) {
    p = { tokens: XRLIM_BURST_FACTOR * ICMP_RATELIMIT, last: now };
    m.set(dst | 0, p);
  }
  let token = p.tokens + (now - p.last);
  if (token > XRLIM_BURST_FACTOR * ICMP_RATELIMIT) token = XRLIM_BURST_FACTOR * ICMP_RATELIMIT;
  p.last = now;
  if (token >= ICMP_RATELIMIT) {
    p.tokens = token - ICMP_RATELIMIT;
    return true;
  }
  p.tokens = token;
  return false;
}

/**
 * ARP resolution failed for a queued packet: drop it and tell its sender with ICMP host
 * unreachable (`arp_error_report` → `dst_link_failure`).
 */
export function icmpHostUnreachFromNeigh(ns: NetNamespace, skb: SkBuff): void {
  ns.counters.inc('ArpResFailed');
  if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'ARP failed', { dst: ipToString(ipv4Dst(skb)) });
  icmpSend(ns, skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
}
