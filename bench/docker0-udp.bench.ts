/**
 * Benchmark 2: container-to-container UDP on docker0 through the whole path. Per datagram: the
 * sender's route lookup and neighbour cache, veth, the bridge (learned FDB), br_netfilter PRE_ROUTING
 * (conntrack lookup) and FORWARD with Docker's full filter rule set (DOCKER-USER, isolation stages,
 * `-o docker0 --ctstate RELATED,ESTABLISHED -j ACCEPT`), POST_ROUTING (nat, already decided), veth,
 * the receiver's IPv4 input and UDP socket delivery. Every flow's conntrack entry has seen a reply
 * before timing starts (ESTABLISHED), as in the kernel baseline.
 *
 * Scaling: containers (10, 1,000, 10,000 = 10 networks), published ports (10, 10,000: DOCKER chain
 * and nat rules), conntrack entries (10 flows vs 1,000,000 idle entries preloaded).
 *
 * Where the time goes (what `docs/performance.md` reports): two ablations of the 10-container case
 * switch part of the path off — `bridge-nf-call-iptables = 0` (no iptables for bridged frames, as
 * without br_netfilter) and the FORWARD flow cache off (every packet walks the chains) — and two
 * 10,000-container cases change only where the flows go: all 256 within one network of 1,000, or
 * 64 flows (128 containers) across all ten networks, against 256 flows across all ten.
 */
import { SECOND } from '../src/core/time.js';
import { CtEntry } from '../src/netfilter/conntrack.js';
import { body, type Bench, type BenchCase } from './lib.js';
import { FlowPool, type Flow } from './traffic.js';
import { CPORT, PER_BRIDGE, dockerWorld } from './world.js';

const FLOWS = 256;

/** A docker0 case: the world's size, and optionally where the flows go and what is switched off. */
interface Docker0Options {
  containers: number;
  published: number;
  ctEntries?: number;
  large?: boolean;
  /** Flows (default 256). */
  flows?: number;
  /** The flows' containers are among the first `span` (default: all). */
  span?: number;
  /** Ablation: `bridge-nf-call-iptables = 0` (bridged frames skip iptables). */
  noBrNetfilter?: boolean;
  /** Ablation: the FORWARD walk of established flows is not cached (`Netfilter.flowCache = false`). */
  noFlowCache?: boolean;
}

function docker0Case(label: string, o: Docker0Options): BenchCase {
  return {
    label,
    params: {
      containers: o.containers,
      publishedPorts: o.published,
      ctEntries: o.ctEntries ?? 0,
      flows: o.flows ?? FLOWS,
      span: o.span ?? o.containers,
      brNetfilter: o.noBrNetfilter ? 'off' : 'on',
      flowCache: o.noFlowCache ? 'off' : 'on',
    },
    ops: 500_000,
    warmup: 50_000,
    large: o.large,
    expected: (done) => ({ delivered: done, refused: 0 }),
    setup(quick) {
      const N = quick ? Math.min(o.containers, 10) : o.containers;
      const w = dockerWorld({ containers: N, published: quick ? Math.min(o.published, 10) : o.published });
      if (o.noBrNetfilter) w.host.setSysctl('bridge_nf_call_iptables', 0);
      if (o.noFlowCache && w.nf) w.nf.flowCache = false;
      const nflows = o.flows ?? FLOWS;
      const span = Math.min(N, o.span ?? N);
      const flows: Flow[] = [];
      for (let k = 0; k < nflows; k++) {
        const a = (k * 7919) % span;
        const net = Math.floor(a / PER_BRIDGE);
        const size = Math.min(PER_BRIDGE, span - net * PER_BRIDGE);
        const b = net * PER_BRIDGE + ((a - net * PER_BRIDGE + 1 + (k % Math.max(1, size - 1))) % size);
        flows.push({ ns: w.ctrs[a]!, src: w.ctrIp(a), dst: w.ctrIp(b === a ? net * PER_BRIDGE + ((a + 1) % size) : b), sport: 10000 + k, dport: CPORT });
      }
      const pool = new FlowPool(flows);
      // first datagram of every flow (ARP, FDB learning, conntrack NEW), then a reply from the receiver
      pool.run(0, nflows);
      const replies = new FlowPool(
        flows.map((f) => ({ ns: w.ctrs.find((_, i) => w.ctrIp(i) === f.dst)!, src: f.dst, dst: f.src, sport: f.dport, dport: f.sport })),
      );
      replies.run(0, nflows);
      if (o.ctEntries && !quick) preloadConntrack(w, o.ctEntries);
      const base = w.received();
      const sent0 = pool.sent;
      return body(
        () => {},
        () => ({ delivered: w.received() - base, refused: pool.refused, conntrack: w.nf ? ctCount(w) : 0 }),
        (n) => pool.run(sent0 + (pool.sent - sent0), n),
      );
    },
  };
}

/** Number of conntrack entries in the host namespace. */
export function ctCount(w: ReturnType<typeof dockerWorld>): number {
  const ct = (w.nf as unknown as { conntrack?: { count?: number; size?: number } }).conntrack;
  return ct?.count ?? ct?.size ?? -1;
}

/**
 * Fills conntrack with `n` idle, unrelated UDP entries (as many clients' flows would leave behind;
 * `nf_conntrack_max` raised to fit), through the conntrack API: building them through the packet path
 * would take minutes. They do not expire during the run (1 hour timeout).
 */
export function preloadConntrack(w: ReturnType<typeof dockerWorld>, n: number): void {
  const ct = w.nf!.conntrack;
  ct.max = Math.max(ct.max, n * 2);
  const now = w.sim.now;
  for (let i = 0; i < n; i++) {
    const e = new CtEntry(17, (0x0b000000 + (i >>> 10)) >>> 0, w.ctrIp(i % w.ctrs.length), 1024 + (i & 1023), 7000, now, ct);
    e.expires = now + 3600 * SECOND;
    if (!ct.confirm(e)) throw new Error(`preloadConntrack: insert ${i} failed`);
  }
}

const bench: Bench = {
  name: 'docker0-udp',
  title: 'container → container UDP on docker0: route, neighbour, bridge, br_netfilter FORWARD (Docker rules), conntrack ESTABLISHED, socket',
  unit: 'packet',
  cases: [
    docker0Case('10 containers, 10 ports', { containers: 10, published: 10 }),
    docker0Case('1,000 containers, 10 ports', { containers: 1000, published: 10 }),
    docker0Case('1,000 containers, 10,000 ports', { containers: 1000, published: 10_000, large: true }),
    docker0Case('10,000 containers, 10 ports', { containers: 10_000, published: 10, large: true }),
    docker0Case('10 containers, 10 ports, 1M ct entries', { containers: 10, published: 10, ctEntries: 1_000_000, large: true }),
    docker0Case('10 containers, br_netfilter off (ablation)', { containers: 10, published: 10, noBrNetfilter: true }),
    docker0Case('10 containers, flow cache off (ablation)', { containers: 10, published: 10, noFlowCache: true }),
    docker0Case('10,000 containers, 256 flows within one network', { containers: 10_000, published: 10, span: PER_BRIDGE, large: true }),
    docker0Case('10,000 containers, 64 flows across all networks', { containers: 10_000, published: 10, flows: 64, large: true }),
  ],
};
export default bench;
