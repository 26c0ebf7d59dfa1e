/**
 * Benchmark 3b/4b: established flows through NAT, the emulator's counterpart of the kernel baseline's
 * `dnat` and `masq` cases. One operation = one UDP datagram of an already ESTABLISHED, already NATed
 * flow (256 flows, each answered once before timing):
 *
 * - **dnat**: the outside namespace sends to a published port (10.200.0.1:20000+k); the host's
 *   PREROUTING finds the conntrack entry and applies its DNAT without the nat table, FORWARD accepts
 *   (`-o docker0 --ctstate RELATED,ESTABLISHED`), the bridge delivers to the container's socket.
 * - **masq**: a container sends to the outside (10.200.0.2–17:9000); the host routes it out of eth0,
 *   POSTROUTING applies the entry's MASQUERADE (source 10.200.0.1) without the nat table, the outside
 *   namespace's socket receives it.
 *
 * The routed path (a namespace forwarding between two interfaces, with NAT), where `docker0-udp` is
 * the bridged one.
 */
import { body, type Bench, type BenchCase } from './lib.js';
import { FlowPool, type Flow } from './traffic.js';
import { CPORT, EXT_IP, HOST_EXT_IP, HPORT, dockerWorld } from './world.js';
import { ctCount } from './docker0-udp.bench.js';

const FLOWS = 256;
const EXT_ADDRS = 16;
/** First source port of the timed flows (outside's for dnat, the containers' for masq). */
const SPORT = 30000;

function natEstCase(kind: 'dnat' | 'masq', containers: number): BenchCase {
  return {
    label: `${kind}, ${containers.toLocaleString('en')} containers`,
    params: { path: kind, containers, publishedPorts: 10, flows: FLOWS },
    ops: 500_000,
    warmup: 50_000,
    expected: (done) => ({ delivered: done, refused: 0 }),
    setup(quick) {
      const N = quick ? Math.min(containers, 10) : containers;
      const P = 10;
      const w = dockerWorld({ containers: N, published: P, external: true, extAddrs: EXT_ADDRS, extPorts: [SPORT, SPORT + FLOWS - 1] });
      const ext = w.ext!;
      const out: Flow[] = [];
      const back: Flow[] = [];
      let answered = 0;
      for (let k = 0; k < FLOWS; k++) {
        const a = EXT_IP + (k % EXT_ADDRS);
        if (kind === 'dnat') {
          // published port k % P goes to container (k % P) % N, port CPORT + floor((k % P) / N)
          const pk = k % P;
          const c = pk % N;
          const cport = CPORT + Math.floor(pk / N);
          out.push({ ns: ext, src: a, dst: HOST_EXT_IP, sport: SPORT + k, dport: HPORT + pk });
          back.push({ ns: w.ctrs[c]!, src: w.ctrIp(c), dst: a, sport: cport, dport: SPORT + k });
        } else {
          // distinct source ports, so MASQUERADE keeps each (no NAPT clash) and the answer's port is known
          const c = (k * 7919) % N;
          w.ctrs[c]!.udp.bind(0, SPORT + k, () => {}).onSkb = () => {
            answered++;
          };
          out.push({ ns: w.ctrs[c]!, src: w.ctrIp(c), dst: a, sport: SPORT + k, dport: CPORT });
          back.push({ ns: ext, src: a, dst: HOST_EXT_IP, sport: CPORT, dport: SPORT + k });
        }
      }
      const pool = new FlowPool(out);
      const replies = new FlowPool(back);
      const received = kind === 'dnat' ? w.received : w.extReceived;
      const answers = kind === 'dnat' ? w.extReceived : () => answered;
      // first datagram of every flow (ARP, conntrack NEW and the NAT decision), then its answer (ESTABLISHED)
      const r0 = received();
      const a0 = answers();
      pool.run(0, FLOWS);
      replies.run(0, FLOWS);
      if (received() - r0 !== FLOWS || answers() - a0 !== FLOWS)
        throw new Error(`nat-est ${kind}: set-up delivered ${received() - r0} and answered ${answers() - a0} of ${FLOWS}`);
      const base = received();
      const sent0 = pool.sent;
      return body(
        () => {},
        () => ({ delivered: received() - base, refused: pool.refused, conntrack: ctCount(w) }),
        (n) => pool.run(pool.sent - sent0 + FLOWS, n),
      );
    },
  };
}

const bench: Bench = {
  name: 'nat-est',
  title: 'established flows through NAT: outside → published port (DNAT), container → outside (MASQUERADE)',
  unit: 'packet',
  cases: [natEstCase('dnat', 10), natEstCase('dnat', 1000), natEstCase('masq', 10), natEstCase('masq', 1000)],
};
export default bench;
