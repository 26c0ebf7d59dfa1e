/**
 * Benchmark 0: the substrate every packet crosses — the Sim's transmit queue (post + drain, the
 * "queue instead of recursion") and the incremental NAT rewrite of an IPv4/UDP header (RFC 1624).
 * Not one of the numbered benchmarks; it bounds what the full paths can reach. The third case
 * is the machine's: what a first touch of a fresh 4 KiB memory page costs (a minor page fault), which
 * every case that grows the heap (bring-up) pays per page.
 */
import { Sim } from '../src/core/scheduler.js';
import { buildUdp, ipv4SetDst, l4SetDstPort, ipv4DecTtl } from '../src/wire/build.js';
import type { SkBuff } from '../src/wire/skbuff.js';
import { body, type Bench } from './lib.js';

class Counter {
  n = 0;
  receive(_skb: SkBuff): void {
    this.n++;
  }
}

const bench: Bench = {
  name: 'substrate',
  title: 'Sim transmit queue hop and incremental NAT header rewrite',
  unit: 'op',
  cases: [
    {
      label: 'queue hop (post + drain)',
      params: { batch: 64 },
      ops: 20_000_000,
      warmup: 200_000,
      expected: (done) => ({ delivered: done }),
      setup() {
        const sim = new Sim();
        const sink = new Counter();
        const skb = buildUdp({ srcMac: 1, dstMac: 2, src: 0xac110002, dst: 0xac110003 }, 40000, 9000, new Uint8Array(64));
        return body(
          () => {},
          () => ({ delivered: sink.n }),
          (n) => {
            let left = n;
            while (left > 0) {
              const k = left < 64 ? left : 64;
              for (let i = 0; i < k; i++) sim.post(sink, skb);
              sim.drain();
              left -= k;
            }
          },
        );
      },
    },
    {
      label: 'DNAT rewrite (addr+port+TTL)',
      params: {},
      ops: 20_000_000,
      warmup: 200_000,
      expected: (done) => ({ rewrites: done }),
      setup() {
        const skb = buildUdp({ srcMac: 1, dstMac: 2, src: 0x0ac80002, dst: 0x0ac80001 }, 40000, 8080, new Uint8Array(64));
        let rewrites = 0;
        return body(
          (i) => {
            // alternate the DNAT and its inverse so the header stays valid
            if (i & 1) {
              ipv4SetDst(skb, 0x0ac80001);
              l4SetDstPort(skb, 8080);
            } else {
              ipv4SetDst(skb, 0xac110003);
              l4SetDstPort(skb, 9000);
            }
            ipv4DecTtl(skb);
            rewrites++;
          },
          () => ({ rewrites }),
        );
      },
    },
    {
      label: 'first touch of a fresh 4 KiB page',
      params: { chunk: '16 MiB' },
      ops: 16_384,
      warmup: 0,
      expected: (done) => ({ touched: done }),
      setup() {
        const PAGE = 4096;
        const PER_CHUNK = (16 << 20) / PAGE;
        let touched = 0;
        let chunk: Uint8Array | null = null;
        let next = PER_CHUNK;
        // kept until the world is dropped: memory freed here could be handed out again already mapped
        const kept: Uint8Array[] = [];
        return body(
          () => {
            // a new ArrayBuffer's pages are mapped on first write (64 MiB for the default run)
            if (next === PER_CHUNK) {
              chunk = new Uint8Array(16 << 20);
              kept.push(chunk);
              next = 0;
            }
            chunk![next++ * PAGE] = 1;
            touched++;
          },
          () => ({ touched, chunks: kept.length }),
        );
      },
    },
  ],
};
export default bench;
