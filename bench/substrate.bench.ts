/**
 * Benchmark 0: the substrate every packet crosses — the Sim's transmit queue (post + drain, the
 * "queue instead of recursion") and the incremental NAT rewrite of an IPv4/UDP header (RFC 1624).
 * Not one of the numbered benchmarks; it bounds what the full paths can reach.
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
  ],
};
export default bench;
