/**
 * Benchmark 3: new flows through a published port. One operation = one new flow: the outside namespace
 * sends a datagram from a fresh (address, port) to 10.200.0.1:<published port>; the host's PREROUTING
 * creates a conntrack entry and runs the nat DOCKER chain (DNAT to the container), FORWARD accepts it
 * (`-A DOCKER -d <ctr> ... --dport <cport> -j ACCEPT`), POSTROUTING confirms the entry, the bridge
 * delivers it to the container's socket; then the container answers and the reply is un-DNATed back to
 * the outside namespace's socket. Virtual time advances 1 ms per flow, so entries expire after 30 s of
 * virtual time (about 30,000 flows) and the table stays well below `nf_conntrack_max`, as with a steady
 * connection rate.
 */
import { body, type Bench, type BenchCase } from './lib.js';
import { TupleSender } from './traffic.js';
import { CPORT, EXT_IP, HOST_EXT_IP, HPORT, NEW_FLOW_WARMUP, dockerWorld } from './world.js';
import { ctCount, preloadConntrack } from './docker0-udp.bench.js';

const EXT_ADDRS = 17; // 16 for the timed flows, the last one for the first-contact pass
const SPORTS = 64512; // 1024..65535

function dnatCase(label: string, o: { containers: number; published: number; ctEntries?: number; large?: boolean; snapshot?: boolean }): BenchCase {
  return {
    label,
    params: { containers: o.containers, publishedPorts: o.published, ctEntries: o.ctEntries ?? 0 },
    ops: 100_000,
    // steady state: see NEW_FLOW_WARMUP
    warmup: NEW_FLOW_WARMUP,
    large: o.large,
    expected: (done) => ({ requestsDelivered: done, repliesDelivered: done, refused: 0 }),
    setup(quick) {
      const N = quick ? Math.min(o.containers, 10) : o.containers;
      const P = quick ? Math.min(o.published, 10) : o.published;
      const w = dockerWorld({ containers: N, published: P, external: true, extAddrs: EXT_ADDRS, extPorts: [1024, 65535] });
      if (o.ctEntries && !quick) preloadConntrack(w, o.ctEntries);
      const ext = w.ext!;
      const tx = new TupleSender(128);
      // the container's answer: every container socket replies through this sender
      let requests = 0;
      for (let i = 0; i < N; i++) {
        const ns = w.ctrs[i]!;
        // addresses as int32, as the wire layer's setters and the route lookup take them: a uint32
        // above 2^31 (172.x.x.x) passed to a call V8 does not inline is a new heap number each time
        const ip = w.ctrIp(i) | 0;
        for (const s of ns.udp.list()) {
          // zero-copy receive (as the world's sockets): the source address and port from the skb in place
          s.onSkb = (skb, off, _len, sock) => {
            requests++;
            tx.send(ns, ip, skb.view.getInt32(skb.network + 12), sock.lport, skb.view.getUint16(off - 8));
          };
        }
      }
      const sim = w.sim;
      // first contact with every published port (so every container's ARP exchange with the host is
      // done before timing, however few operations the run has), from a source outside the timed range
      for (let k = 0; k < P; k++) {
        tx.send(ext, EXT_IP + EXT_ADDRS - 1, HOST_EXT_IP, 1023, HPORT + k);
        if ((k & 31) === 31) sim.drain();
      }
      sim.drain();
      requests = 0;
      const replies0 = w.extReceived();
      let flow = 0;
      return body(
        () => {},
        () => ({ requestsDelivered: requests, repliesDelivered: w.extReceived() - replies0, refused: tx.refused, conntrack: ctCount(w) }),
        (n) => {
          while (n > 0) {
            const m = n < 32 ? n : 32;
            for (let j = 0; j < m; j++) {
              const f = flow++;
              const sport = 1024 + (f % SPORTS);
              const a = Math.floor(f / SPORTS) % (EXT_ADDRS - 1);
              tx.send(ext, EXT_IP + a, HOST_EXT_IP, sport, HPORT + (f % P));
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
  name: 'dnat-new',
  title: 'new flows through a published port: DNAT + conntrack insert + reply',
  unit: 'flow',
  heapSnapshot: true,
  cases: [
    dnatCase('10 containers, 10 ports', { containers: 10, published: 10 }),
    dnatCase('1,000 containers, 10 ports', { containers: 1000, published: 10 }),
    dnatCase('1,000 containers, 10,000 ports', { containers: 1000, published: 10_000, large: true }),
    dnatCase('10,000 containers, 10 ports', { containers: 10_000, published: 10, large: true }),
    dnatCase('10 containers, 10 ports, 1M ct entries', { containers: 10, published: 10, ctEntries: 1_000_000, large: true }),
  ],
};
export default bench;
