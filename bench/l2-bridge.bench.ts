/**
 * Benchmark 1: L2 forwarding. 64-byte Ethernet frames from a container's veth end, across the host veth
 * end into a Linux bridge whose FDB has learned every MAC, out of the destination's port to the other
 * container's veth end: veth xmit → Sim queue → port rx → br handleFrame → fdbFind → brForward → veth
 * xmit → Sim queue → rx. No netfilter on the bridge (`nfHook` null), as with br_netfilter not loaded.
 *
 * Frames come from a pool of 256 preallocated SkBuffs (the bridge does not rewrite them), sent in
 * batches of 64 before the queue is drained, over source/destination pairs spread across all
 * containers, so the FDB lookups touch the whole table. A bridge holds at most 1,023 ports (Linux
 * BR_MAX_PORTS), so 10,000 containers are 10 bridges of 1,000. A last case sends the same frames
 * among the 1,000 containers of one of those bridges only (where the flows go, not how many
 * containers exist, is what costs at 10,000: see docs/performance.md).
 */
import { Sim } from '../src/core/scheduler.js';
import { BridgeDevice } from '../src/link/bridge/bridge.js';
import { createVethPair, type VethDevice } from '../src/link/veth.js';
import type { NetDevice } from '../src/link/netdev.js';
import { writeMac } from '../src/wire/addr.js';
import { SkBuff } from '../src/wire/skbuff.js';
import { body, type Bench, type BenchCase } from './lib.js';

const PER_BRIDGE = 1000;
const POOL = 256;
const BATCH = 64;

/** A MAC from Docker's 02:42 prefix for container `i` (host ends use 0x0a prefix). */
const ctrMac = (i: number): number => 0x0242_0000_0000 + i + 2;
const hostMac = (i: number): number => 0x0a00_0000_0000 + i + 2;

/** One frame of 64 bytes on the wire (60 + FCS): Ethernet + 46 bytes of payload, EtherType IPv4. */
function frame(src: number, dst: number): SkBuff {
  const skb = SkBuff.alloc(60);
  writeMac(skb.data, 0, dst);
  writeMac(skb.data, 6, src);
  skb.data[12] = 0x08;
  skb.data[13] = 0x00;
  return skb;
}

/** Builds `n` containers on ceil(n/1000) bridges; returns the container ends and delivery counter. */
export function l2World(n: number): { sim: Sim; ctr: VethDevice[]; bridges: BridgeDevice[]; delivered: () => number; ctrBridge: (i: number) => number } {
  const sim = new Sim();
  const bridges: BridgeDevice[] = [];
  const ctr: VethDevice[] = [];
  let delivered = 0;
  const rx = (_d: NetDevice, _skb: SkBuff): void => {
    delivered++;
  };
  for (let i = 0; i < n; i++) {
    const b = Math.floor(i / PER_BRIDGE);
    if (!bridges[b]) {
      const br = new BridgeDevice(sim, `br${b}`, 0x0200_0000_0000 + b + 1);
      br.adminUp = true;
      bridges.push(br);
    }
    const [h, c] = createVethPair(sim, `veth${i}`, hostMac(i), 'eth0', ctrMac(i));
    h.adminUp = c.adminUp = true;
    bridges[b]!.addPort(h);
    c.rxHandler = rx;
    ctr.push(c);
  }
  // learn every container MAC: each sends one frame to its bridge's own address
  for (let i = 0; i < n; i++) ctr[i]!.xmit(frame(ctrMac(i), bridges[Math.floor(i / PER_BRIDGE)]!.mac));
  sim.drain();
  return { sim, ctr, bridges, delivered: () => delivered, ctrBridge: (i) => Math.floor(i / PER_BRIDGE) };
}

/** `span`: the frames' containers are among the first `span` (default: all of them). */
function l2Case(n: number, large = false, span = n): BenchCase {
  return {
    label: `${n.toLocaleString('en')} containers${span < n ? `, frames within one bridge` : ''}`,
    params: { containers: n, bridges: Math.ceil(n / PER_BRIDGE), span },
    ops: 10_000_000,
    warmup: 500_000,
    large,
    expected: (done) => ({ delivered: done, bridgeEvents: 0 }),
    setup(quick) {
      const w = l2World(quick ? Math.min(n, 10) : n);
      const N = Math.min(w.ctr.length, span);
      const pool: SkBuff[] = [];
      const out: VethDevice[] = [];
      for (let k = 0; k < POOL; k++) {
        const src = (k * 7919) % N;
        const b = w.ctrBridge(src);
        const first = b * PER_BRIDGE;
        const size = Math.min(PER_BRIDGE, N - first);
        const dst = first + ((src - first + 1 + (k % Math.max(1, size - 1))) % size);
        pool.push(frame(ctrMac(src), ctrMac(dst === src ? first + ((src - first + 1) % size) : dst)));
        out.push(w.ctr[src]!);
      }
      const events = (): number => w.bridges.reduce((s, br) => s + Object.values(br.counters.snapshot()).reduce((a, b) => a + b, 0), 0);
      const events0 = events();
      const base = w.delivered();
      let k = 0;
      return body(
        () => {},
        () => ({
          delivered: w.delivered() - base,
          bridgeEvents: events() - events0, // drops and other bridge counters: none expected
          fdbEntries: w.bridges.reduce((s, br) => s + br.fdb.size, 0),
        }),
        (ops) => {
          const sim = w.sim;
          while (ops > 0) {
            const m = ops < BATCH ? ops : BATCH;
            for (let i = 0; i < m; i++) {
              out[k]!.xmit(pool[k]!);
              k = (k + 1) & (POOL - 1);
            }
            sim.drain();
            ops -= m;
          }
        },
      );
    },
  };
}

const bench: Bench = {
  name: 'l2-bridge',
  title: '64-byte frames veth → bridge (learned FDB) → veth',
  unit: 'packet',
  cases: [l2Case(10), l2Case(1000), l2Case(10_000, true), l2Case(10_000, true, PER_BRIDGE)],
};
export default bench;
