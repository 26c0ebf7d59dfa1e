/**
 * Output path: locally generated datagrams (OUTPUT hook, re-route after a DNAT), the common
 * POSTROUTING step, and the link layer (neighbour resolution, Ethernet header, `dev.xmit`).
 *
 * ```
 *  socket ─► ipLocalOut ─► NF LOCAL_OUT ─► (dst changed? re-route) ─┐
 *                                                                  ├─► ipOutput ─► NF POST_ROUTING ─► ipFinishOutput2
 *  ipForward ─► NF FORWARD ─► ipForwardFinish ─────────────────────┘        (lo: loop back; else neigh.output → dev.xmit)
 * ```
 *
 * A datagram for a local address is routed through `lo` (`OUT=lo` in OUTPUT/POSTROUTING), as
 * Linux does with `RTN_LOCAL` output routes.
 *
 * @module
 */
import type { NetDevice } from '../link/netdev.js';
import { NF_ACCEPT, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING } from '../netfilter/hook.js';
import type { SkBuff } from '../wire/skbuff.js';
import { CHECKSUM_UNNECESSARY } from '../wire/skbuff.js';
import { MAC_BROADCAST, ipToString, writeMac, writeMacHalves } from '../wire/addr.js';
import { csumReplace32 } from '../wire/checksum.js';
import { ARPOP_REQUEST, ETH_P_IP, buildArp, ipv4Dst, ipv4Src, l4FinishChecksum } from '../wire/build.js';
import type { FibResult } from './route.js';
import { neighConnectedOutput, type NeighEntry } from './neigh.js';
import type { NetNamespace } from './netns.js';
import { inheritTrace, trace, traceDrop } from './trace.js';

/** Result of {@link ipRouteOutput}: the route, the device to send on, and the source to use. */
export interface OutputRoute {
  /** The FIB result. */
  fib: FibResult;
  /** Device the datagram leaves on (`lo` for local destinations). */
  dev: NetDevice;
  /** Next hop (gateway, or the destination), int32 as a route's addresses. */
  nexthop: number;
  /** Source address to put in the header (int32: `>>> 0` for the unsigned value). */
  src: number;
  /** True for a broadcast destination (no ARP; Ethernet broadcast). */
  broadcast: boolean;
}

/** An entry of a namespace's output-route cache: the route plus the key it was computed for. */
export interface CachedOutputRoute extends OutputRoute {
  /** The source address that was asked for (int32; 0 = any). */
  reqSrc: number;
  /** The neighbour entry the last datagram on this route went to (Linux: the dst's neighbour). */
  neigh: NeighEntry | null;
  /** Set when the FIB changed after this route was computed (or it left the cache): look it up again. */
  obsolete: boolean;
  /** @internal the cached route to the same destination for another requested source, if any */
  nextSrc: CachedOutputRoute | null;
}

/**
 * Whether a route kept across datagrams (a connected socket's cached route, Linux `sk_dst_cache`)
 * is still valid: false once the FIB changed (a route, an address, a link state) or the route was
 * not one from {@link ipRouteOutput}. Call {@link ipRouteOutput} again when it returns false.
 *
 * @see Linux `sk_dst_check`, `__sk_dst_check`
 */
export function dstCheck(rt: OutputRoute): boolean {
  return (rt as CachedOutputRoute).obsolete === false;
}

/** Output routes cached per namespace before the cache is flushed. */
const OUT_CACHE_MAX = 4096;
/** Routes kept per destination for different requested sources (a namespace with many addresses). */
const OUT_SRCS_MAX = 16;

/**
 * Output route for a locally generated datagram to `dst` (Linux `ip_route_output_key`). Returns
 * null when there is no route (`ENETUNREACH`, "Network is unreachable").
 *
 * Details: results are cached per namespace by destination (and the requested source), and dropped
 * (marked obsolete, see {@link dstCheck}) whenever the FIB changes — a route, an address or a link
 * state — so a cache hit is one Map lookup and allocates nothing. A caller that sends many
 * datagrams on one route may keep it and re-check it with {@link dstCheck}, as a connected Linux
 * socket keeps its `sk_dst_cache`. The returned object is shared: treat it as read-only.
 */
export function ipRouteOutput(ns: NetNamespace, dst: number, src = 0): OutputRoute | null {
  const key = dst | 0;
  const want = src | 0;
  let cache = ns.outRoutes;
  let head: CachedOutputRoute | undefined;
  if (cache !== null) {
    head = cache.get(key);
    if (head !== undefined) {
      if (head.reqSrc === want) return head;
      // the same destination asked for with other sources (each keeps its route, as each socket
      // keeps its own dst: a lookup for one source must not make another's route stale)
      for (let e = head.nextSrc; e !== null; e = e.nextSrc) if (e.reqSrc === want) return e;
    }
    if (cache.size >= OUT_CACHE_MAX) {
      for (const e of cache.values()) markObsolete(e);
      cache.clear();
      head = undefined;
    }
  } else {
    // shared with the FIB, which clears it on every change (route, address, link state)
    cache = ns.outRoutes = new Map();
    ns.fib.derived = cache;
  }
  const rt = ipRouteOutputSlow(ns, dst >>> 0, src >>> 0);
  if (rt !== null) {
    const c = rt as CachedOutputRoute;
    c.reqSrc = want;
    c.nextSrc = head ?? null;
    if (head !== undefined) {
      // at most OUT_SRCS_MAX sources per destination: the oldest leaves the cache
      let n = 1;
      let e: CachedOutputRoute = c;
      while (e.nextSrc !== null && ++n <= OUT_SRCS_MAX) e = e.nextSrc;
      if (e.nextSrc !== null) {
        markObsolete(e.nextSrc);
        e.nextSrc = null;
      }
    }
    cache.set(key, c);
  }
  return rt;
}

/** Marks a cached route and the other-source routes chained to it stale ({@link dstCheck} fails). */
function markObsolete(e: CachedOutputRoute | null): void {
  for (; e !== null; e = e.nextSrc) e.obsolete = true;
}

function ipRouteOutputSlow(ns: NetNamespace, dst: number, src: number): OutputRoute | null {
  if (dst === 0xffffffff) {
    // limited broadcast: first device with an address
    const a = ns.addrs.find((x) => x.dev.kind !== 'loopback' && x.dev.adminUp);
    if (!a) return null;
    return outputRoute(ns.routeLookup(dst), a.dev, dst, src || a.local, true);
  }
  const r = ns.routeLookup(dst);
  if (r.dev === null || (r.type !== 'unicast' && r.type !== 'local' && r.type !== 'broadcast')) return null;
  if (r.type === 'local') {
    const s = src || r.prefsrc || dst;
    return outputRoute(r, ns.lo, dst, s, false);
  }
  const s = src || r.prefsrc || ns.selectSourceAddr(r.dev, r.nexthop, r.gateway ? 'global' : 'link');
  return outputRoute(r, r.dev, r.nexthop, s, r.type === 'broadcast');
}

function outputRoute(fib: FibResult, dev: NetDevice, nexthop: number, src: number, broadcast: boolean): CachedOutputRoute {
  return { fib, dev, nexthop: nexthop | 0, src: src | 0, broadcast, reqSrc: 0, neigh: null, obsolete: false, nextSrc: null };
}

/**
 * Sends a locally generated datagram whose IPv4 header is complete: OUTPUT hook, re-route if a
 * DNAT changed the destination (`ip_route_me_harder`), then {@link ipOutput}. Returns false (and
 * counts `OutNoRoutes`) when there is no route.
 *
 * @see Linux `__ip_local_out`, `ip_local_out`
 */
export function ipLocalOut(ns: NetNamespace, skb: SkBuff, rt: OutputRoute): boolean {
  ns.OutRequests++;
  skb.ipSummed = CHECKSUM_UNNECESSARY; // the stack computed its checksums (veth: CHECKSUM_PARTIAL)
  skb.iif = 0;
  skb.inDev = '';
  skb.network = 14;
  skb.transport = 14 + (skb.view.getUint8(14) & 15) * 4;
  const dst = ipv4Dst(skb);
  if (skb.traced && ns.sim.tracer)
    trace(ns, skb, 'route', 'output', `${ipToString(dst)}: output via ${rt.dev.name}${rt.fib.gateway ? ` gw ${ipToString(rt.fib.gateway)}` : ''}`, {
      dev: rt.dev.name,
      gateway: rt.fib.gateway ? ipToString(rt.fib.gateway) : null,
      src: ipToString(ipv4Src(skb)),
    });
  const v = ns.nfHook(NF_INET_LOCAL_OUT, skb, '', rt.dev.name);
  if (v !== NF_ACCEPT) {
    if (v === 0) {
      ns.counters.inc('OutDiscards');
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'netfilter DROP in chain OUTPUT');
    }
    return true;
  }
  const nd = ipv4Dst(skb);
  if (nd !== dst) {
    const r2 = ipRouteOutput(ns, nd, ipv4Src(skb));
    if (!r2) {
      ns.counters.inc('OutNoRoutes');
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'no route');
      return false;
    }
    if (skb.traced && ns.sim.tracer)
      trace(ns, skb, 'route', 'reroute', `${ipToString(nd)}: re-routed via ${r2.dev.name}`, {
        dev: r2.dev.name,
        gateway: r2.fib.gateway ? ipToString(r2.fib.gateway) : null,
      });
    rt = r2;
  }
  ipOutput(ns, skb, rt.dev, rt.nexthop, rt.broadcast, rt as CachedOutputRoute);
  return true;
}

/**
 * Sends a locally generated datagram that arrives without a route (netfilter's REJECT replies,
 * ICMP errors): routes it by destination, fills a zero source address, and calls
 * {@link ipLocalOut}. Drops it (counting `OutNoRoutes`) when there is no route.
 */
export function ipLocalOutRaw(ns: NetNamespace, skb: SkBuff): void {
  skb.network = 14;
  const dst = ipv4Dst(skb);
  const rt = ipRouteOutput(ns, dst, ipv4Src(skb));
  if (!rt) {
    ns.counters.inc('OutNoRoutes');
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'no route');
    return;
  }
  if (ipv4Src(skb) === 0) {
    skb.ensureWritable();
    const v = skb.view;
    v.setUint32(26, rt.src);
    v.setUint16(24, csumReplace32(v.getUint16(24), 0, rt.src));
    l4FinishChecksum(skb);
  }
  ipLocalOut(ns, skb, rt);
}

/**
 * POSTROUTING, then the link layer. `nexthop` may be given as uint32 or int32. `rt`, the cached
 * output route `dev` and `nexthop` come from (if any), lets the link layer reuse its neighbour entry.
 *
 * @see Linux `ip_output`, `ip_finish_output`
 */
export function ipOutput(ns: NetNamespace, skb: SkBuff, dev: NetDevice, nexthop: number, broadcast = false, rt: CachedOutputRoute | null = null): void {
  const v = ns.nfHook(NF_INET_POST_ROUTING, skb, '', dev.name);
  if (v !== NF_ACCEPT) {
    if (v === 0) {
      ns.counters.inc('OutDiscards');
      if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'netfilter DROP in chain POSTROUTING');
    }
    return;
  }
  ipFinishOutput2(ns, skb, dev, nexthop, broadcast, rt);
}

/**
 * The link layer: loopback frames go straight back; broadcast goes to ff:ff:ff:ff:ff:ff;
 * everything else through the neighbour table (which may queue it while ARP resolves).
 *
 * @see Linux `ip_finish_output2`, `neigh_output`
 */
export function ipFinishOutput2(ns: NetNamespace, skb: SkBuff, dev: NetDevice, nexthop: number, broadcast: boolean, rt: CachedOutputRoute | null = null): void {
  if (!dev.adminUp) {
    ns.counters.inc('OutDiscards');
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, `device ${dev.name} is down`);
    return;
  }
  if (dev.kind === 'loopback') {
    skb.ensureWritable();
    const b = skb.data;
    for (let i = 0; i < 12; i++) b[i] = 0;
    b[12] = 0x08;
    b[13] = 0x00;
    dev.xmit(skb);
    return;
  }
  if (broadcast) {
    neighXmit(ns, dev, skb, MAC_BROADCAST);
    return;
  }
  if (rt === null) {
    ns.neigh.output(dev, nexthop, skb);
    return;
  }
  // the route's neighbour, if still connected; else the table (and remember what it used)
  const e = rt.neigh;
  if (e !== null && e !== undefined && neighConnectedOutput(e, ns.sim.now, dev, skb)) return;
  rt.neigh = ns.neigh.output(dev, nexthop, skb);
}

/** Fills the Ethernet header (dst `mac`, src `dev.mac`, IPv4) and transmits. */
export function neighXmit(_ns: NetNamespace, dev: NetDevice, skb: SkBuff, mac: number): void {
  skb.ensureWritable();
  const b = skb.data;
  writeMac(b, 0, mac);
  writeMacHalves(b, 6, dev.macHi, dev.macLo);
  b[12] = ETH_P_IP >>> 8;
  b[13] = ETH_P_IP & 255;
  dev.xmit(skb); // the device reports rx/tx trace events itself
}

/**
 * Sends an ARP request for `target` on `dev`: broadcast, or unicast to `unicastMac` (a PROBE).
 * The sender address is the queued packet's source when it is local (arp_announce 0), else the
 * device's address for the target's subnet.
 *
 * @see Linux `arp_solicit`
 */
export function arpSolicit(ns: NetNamespace, dev: NetDevice, target: number, unicastMac: number, cause: SkBuff | null): void {
  let sip = 0;
  if (cause) {
    const s = cause.view.getUint32(cause.network + 12);
    if (ns.addrType(s) === 'LOCAL') sip = s;
  }
  if (!sip) sip = ns.selectSourceAddr(dev, target, 'link');
  ns.counters.inc('ArpSolicits');
  const req = buildArp(ARPOP_REQUEST, dev.mac, sip, unicastMac, target);
  if (cause && cause.traced) {
    inheritTrace(ns, cause, req);
    if (ns.sim.tracer)
      trace(ns, cause, 'neigh', 'solicit', `who-has ${ipToString(target)} tell ${ipToString(sip)} on ${dev.name}${unicastMac ? ' (unicast probe)' : ''}`, {
        dev: dev.name,
        target: ipToString(target),
      });
  }
  dev.xmit(req);
}

/** A packet pushed out of a full neighbour queue. */
export function neighQueueOverflow(ns: NetNamespace, skb: SkBuff): void {
  ns.counters.inc('ArpUnresDiscards');
  if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'neighbour queue full');
}
