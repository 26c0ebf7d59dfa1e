/**
 * A fresh engine, as a property-based suite makes one per run: `new Engine({ seed })` (runtime with the
 * base image, the predefined bridge/host/none networks, docker0 with Docker's iptables rules), the
 * same plus a small scenario (`docker network create`, two `docker run`, one with `-p`), and that
 * scenario plus one `docker exec web ping -c 1 db` (the first packets: each namespace's chains are
 * compiled, ARP, the embedded DNS's lookup, conntrack). One operation = one engine. The cold cases
 * time the first engine of a fresh process (one per run): what the first run of a property suite in
 * a new test worker pays, module already loaded (the base image, the JIT's first compilations). Not
 * one of the numbered benchmarks: it is what every property run pays first.
 */
import { Engine } from '../src/docker/engine.js';
import { body, type Bench, type BenchCase } from './lib.js';

function engineCase(withScenario: boolean, ping = false, cold = false): BenchCase {
  const label = ping ? 'engine + network + 2 runs + ping' : withScenario ? 'engine + network + 2 runs' : 'new Engine()';
  return {
    label: cold ? `first ${label}, cold process` : label,
    params: { scenario: withScenario ? `network create, run -p, run${ping ? ', exec ping -c 1' : ''}` : 'none', process: cold ? 'cold (fresh per run, one engine)' : 'warm' },
    ops: cold ? 1 : ping ? 1000 : withScenario ? 2000 : 5000,
    warmup: cold ? 0 : 200,
    processPerRun: cold,
    expected: (done) => ({ engines: done, failed: 0, networks: withScenario ? 4 : 3 }),
    setup() {
      let engines = 0;
      let failed = 0;
      let keep: Engine | null = null;
      return body(
        (i) => {
          const e = new Engine({ seed: i + 1 });
          if (withScenario) {
            const rs = [
              e.exec('docker network create benchnet'),
              e.exec('docker run -d --name web --network benchnet -p 8080:80 mini:latest sleep 100000'),
              e.exec('docker run -d --name db --network benchnet mini:latest sleep 100000'),
            ];
            if (ping) rs.push(e.exec('docker exec web ping -c 1 db'));
            if (rs.some((r) => r.exitCode !== 0)) failed++;
          }
          keep = e; // the last one stays reachable until the next (as a property run's engine does)
          engines++;
        },
        () => ({ engines, failed, networks: keep ? (keep as Engine).networks.length : 0 }),
      );
    },
  };
}

const bench: Bench = {
  name: 'engine-new',
  title: 'a fresh engine per property run: new Engine(), and with a network and two containers',
  unit: 'engine',
  cases: [engineCase(false), engineCase(true), engineCase(true, true), engineCase(false, false, true), engineCase(true, true, true)],
};
export default bench;
