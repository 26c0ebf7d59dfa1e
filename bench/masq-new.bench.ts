/**
 * Benchmark 4: outbound MASQUERADE with NAPT port choice under contention. One operation = one new
 * flow from a container to the outside namespace (10.200.0.2–17, port 9000): routing in the host
 * namespace, conntrack insert, nat POSTROUTING `-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE` to
 * 10.200.0.1. Every container uses the same source ports towards the same destinations, so all but
 * the first container's flow on a given (source port, destination) clash on the masqueraded tuple and
 * NAPT must search for a free port (Linux `nf_nat_l4proto_unique_tuple`, up to 128 attempts). Virtual
 * time advances 1 ms per flow (entries expire after 30 s, about 30,000 flows).
 */
import { body, type Bench, type BenchCase } from './lib.js';
import { TupleSender } from './traffic.js';
import { CPORT, EXT_IP, NEW_FLOW_WARMUP, dockerWorld } from './world.js';
import { ctCount, preloadConntrack } from './docker0-udp.bench.js';

const EXT_ADDRS = 16;

function masqCase(label: string, o: { containers: number; published: number; ctEntries?: number; large?: boolean }): BenchCase {
  return {
    label,
    params: { containers: o.containers, publishedPorts: o.published, ctEntries: o.ctEntries ?? 0 },
    ops: 100_000,
    // steady state: see NEW_FLOW_WARMUP
    warmup: NEW_FLOW_WARMUP,
    large: o.large,
    expected: (done) => ({ delivered: done, refused: 0 }),
    setup(quick) {
      const N = quick ? Math.min(o.containers, 10) : o.containers;
      const w = dockerWorld({ containers: N, published: quick ? Math.min(o.published, 10) : o.published, external: true, extAddrs: EXT_ADDRS });
      if (o.ctEntries && !quick) preloadConntrack(w, o.ctEntries);
      const tx = new TupleSender(64);
      // first contact of every container with its gateway (ARP) before timing, from a port outside the timed range
      for (let c = 0; c < N; c++) {
        tx.send(w.ctrs[c]!, w.ctrIp(c), EXT_IP, 1024, CPORT);
        if ((c & 31) === 31) w.sim.drain();
      }
      w.sim.drain();
      const base = w.extReceived();
      let flow = 0;
      const sim = w.sim;
      // container addresses as int32 (see dnat-new.bench.ts): no heap number per flow
      const ips = Array.from({ length: N }, (_, c) => w.ctrIp(c) | 0);
      return body(
        () => {},
        () => ({ delivered: w.extReceived() - base, refused: tx.refused, conntrack: ctCount(w) }),
        (n) => {
          while (n > 0) {
            const m = n < 32 ? n : 32;
            for (let j = 0; j < m; j++) {
              const f = flow++;
              const c = f % N; // every container in turn …
              const round = Math.floor(f / N); // … with the same source port and destination
              const sport = 32768 + (round % 28232);
              const dst = EXT_IP + (Math.floor(round / 28232) % EXT_ADDRS);
              tx.send(w.ctrs[c]!, ips[c]!, dst, sport, CPORT);
            }
            sim.drain();
            sim.advance(m * 1_000_000);
            n -= m;
          }
        },
      );
    },
  };
}

const bench: Bench = {
  name: 'masq-new',
  title: 'outbound MASQUERADE: new flows, NAPT port choice under contention',
  unit: 'flow',
  cases: [
    masqCase('10 containers', { containers: 10, published: 10 }),
    masqCase('1,000 containers', { containers: 1000, published: 10 }),
    masqCase('1,000 containers, 10,000 ports', { containers: 1000, published: 10_000, large: true }),
    masqCase('10,000 containers', { containers: 10_000, published: 10, large: true }),
    masqCase('10 containers, 1M ct entries', { containers: 10, published: 10, ctEntries: 1_000_000, large: true }),
  ],
};
export default bench;
