/**
 * `dockernet reach`'s matrix, one probe at a time: from the host and every container of a user-defined
 * network whose containers each run `httpd` with a published port, ICMP to every container and the
 * gateway, TCP (an HTTP GET) to every container's listener, and TCP to every published port at the
 * gateway (and at 127.0.0.1 from the host), through docker-proxy. One operation = one probe of the
 * matrix (`runReachProbe`), in the matrix's order, starting over once it is done (the second pass
 * finds the first one's connections in TIME_WAIT and their conntrack entries, as a second
 * `dockernet reach` on the same lab would).
 *
 * What a probe costs is mostly new flows: a TCP connection through three conntrack tables (the
 * client's, the host's for the bridged frames, the server's: containers on a user-defined network
 * have the embedded DNS's nat rules), ARP over the whole bridge on each pair's first contact, and
 * what each connection leaves behind (a socket in TIME_WAIT for 60 s, conntrack entries): the
 * runner's memory pass gives the heap retained per probe.
 */
import { Engine } from '../src/docker/engine.js';
import { Lab } from '../src/trace/lab.js';
import { reachPlan, runReachProbe } from '../src/trace/reach.js';
import { body, type Bench, type BenchCase } from './lib.js';

/** A lab of `n` httpd containers on one user-defined network, each publishing port 80. */
function lab(n: number): Lab {
  const l = new Lab(new Engine({ seed: 1 }));
  const lines = ['docker network create app'];
  for (let i = 0; i < n; i++) lines.push(`docker run -d --name c${i} --network app -p ${20000 + i}:80 mini:latest httpd -f -p 80 -h /www`);
  const out = l.replay(lines.join('\n'));
  const bad = out.find((r) => r.exitCode !== 0);
  if (bad) throw new Error(`${bad.line}: ${bad.stderr}`);
  return l;
}

function reachCase(n: number): BenchCase {
  return {
    label: `${n} containers`,
    params: { containers: n },
    ops: 20_000,
    warmup: 2_000,
    expected: (done) => ({ probes: done, failed: 0 }),
    setup(quick) {
      const l = lab(quick ? Math.min(n, 4) : n);
      const plan = reachPlan(l);
      const probes = plan.probes;
      let k = 0;
      let done = 0;
      let failed = 0;
      return body(
        () => {
          const row = runReachProbe(l, probes[k]!);
          k = k + 1 === probes.length ? 0 : k + 1;
          done++;
          if (row.result !== 'ok') failed++;
        },
        () => ({ probes: done, failed, matrix: probes.length }),
      );
    },
  };
}

const bench: Bench = {
  name: 'reach',
  title: "`dockernet reach`'s probes: ICMP, HTTP over TCP and published ports through docker-proxy, among httpd containers",
  unit: 'probe',
  heapSnapshot: false,
  cases: [reachCase(30), reachCase(100)],
};
export default bench;
