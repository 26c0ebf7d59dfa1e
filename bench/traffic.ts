/**
 * Allocation-free UDP traffic for the packet benchmarks: a pool of preallocated datagrams, each with a
 * fixed sender namespace and 5-tuple. Sending one does what a connected UDP socket does after building
 * the datagram (the route cached per flow and re-checked, `sk_dst_check`, as the kernel baseline's
 * connected sockets do; `ipLocalOut`: LOCAL_OUT/POSTROUTING hooks, neighbour output, device xmit), but
 * refills a pooled SkBuff from its template instead of allocating a new one, so the timed loop measures
 * the path and not the allocator.
 */
import type { NetNamespace } from '../src/netns/netns.js';
import { dstCheck, ipLocalOut, ipRouteOutput, type OutputRoute } from '../src/netns/ip-output.js';
import { buildUdp, ipv4SetDst, ipv4SetSrc, l4SetDstPort, l4SetSrcPort } from '../src/wire/build.js';
import type { SkBuff } from '../src/wire/skbuff.js';

/** One flow of the pool. */
export interface Flow {
  ns: NetNamespace;
  src: number;
  dst: number;
  sport: number;
  dport: number;
}

/** Resets an SkBuff's metadata to what a freshly built one has. */
export function resetSkb(skb: SkBuff, len: number): void {
  skb.len = len;
  skb.network = 14;
  skb.transport = 34;
  skb.iif = 0;
  skb.inDev = '';
  skb.ct = null;
  skb.ctinfo = -1;
  skb.mark = 0;
  skb.traced = false;
  skb.traceId = 0;
  skb.pktType = 0;
  skb.nfBridge = 0;
  skb.ipSummed = 0;
}

/** A pool of flows with one preallocated 64-byte-payload datagram each. */
export class FlowPool {
  readonly flows: Flow[];
  private readonly skbs: SkBuff[];
  private readonly tpl: Uint8Array[];
  /** Each flow's cached route, as a connected UDP socket keeps it (`sk_dst_cache`, checked per send). */
  private readonly rts: Array<OutputRoute | null>;
  /** Datagrams handed to `ipLocalOut` so far. */
  sent = 0;
  /** Datagrams the stack refused at output (no route, hook drop). */
  refused = 0;

  constructor(flows: Flow[], payload = 64) {
    this.flows = flows;
    this.skbs = flows.map((f) => buildUdp({ srcMac: 0, dstMac: 0, src: f.src, dst: f.dst, ttl: 64, id: 0, df: true }, f.sport, f.dport, new Uint8Array(payload)));
    this.tpl = this.skbs.map((s) => s.data.slice(0, s.len));
    this.rts = flows.map(() => null);
  }

  /** Sends datagram `k` of the pool (modulo its size). */
  send(k: number): void {
    const i = k % this.flows.length;
    const f = this.flows[i]!;
    const skb = this.skbs[i]!;
    const t = this.tpl[i]!;
    skb.data.set(t);
    resetSkb(skb, t.length);
    let rt = this.rts[i] ?? null;
    if (rt === null || !dstCheck(rt)) {
      rt = ipRouteOutput(f.ns, f.dst, f.src);
      this.rts[i] = rt;
      if (rt === null) {
        this.refused++;
        return;
      }
    }
    this.sent++;
    ipLocalOut(f.ns, skb, rt);
  }

  /** Sends `n` datagrams starting at `k0`, draining the simulator's queue every `batch`. */
  run(k0: number, n: number, batch = 64): void {
    const sim = this.flows[0]!.ns.sim;
    let k = k0;
    while (n > 0) {
      const m = n < batch ? n : batch;
      for (let i = 0; i < m; i++) this.send(k++);
      sim.drain();
      n -= m;
    }
  }
}

/**
 * Datagrams with a different 5-tuple every time (new flows), from a ring of preallocated SkBuffs: the
 * template (all-zero addresses and ports, valid checksums) is copied in and the addresses and ports
 * are patched with the wire layer's incremental-checksum setters, so every datagram is valid.
 */
export class TupleSender {
  private readonly ring: SkBuff[] = [];
  private readonly tpl: Uint8Array;
  private i = 0;
  /** Datagrams handed to `ipLocalOut`. */
  sent = 0;
  /** Datagrams without a route. */
  refused = 0;

  constructor(size = 64, payload = 64) {
    const base = buildUdp({ srcMac: 0, dstMac: 0, src: 0, dst: 0, ttl: 64, id: 0, df: true }, 0, 0, new Uint8Array(payload));
    this.tpl = base.data.slice(0, base.len);
    for (let k = 0; k < size; k++) this.ring.push(buildUdp({ srcMac: 0, dstMac: 0, src: 0, dst: 0, ttl: 64, id: 0, df: true }, 0, 0, new Uint8Array(payload)));
  }

  /** Sends one datagram `src:sport → dst:dport` from namespace `ns` (the ring must not wrap within one drain); addresses as uint32 or int32. */
  send(ns: NetNamespace, src: number, dst: number, sport: number, dport: number): void {
    const skb = this.ring[this.i]!;
    this.i = (this.i + 1) % this.ring.length;
    skb.data.set(this.tpl);
    resetSkb(skb, this.tpl.length);
    ipv4SetSrc(skb, src);
    ipv4SetDst(skb, dst);
    l4SetSrcPort(skb, sport);
    l4SetDstPort(skb, dport);
    const rt = ipRouteOutput(ns, dst, src);
    if (rt === null) {
      this.refused++;
      return;
    }
    this.sent++;
    ipLocalOut(ns, skb, rt);
  }
}
