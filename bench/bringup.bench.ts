/**
 * Benchmark 5: bring-up. `docker network create` plus `docker run -d -p <port>:80` of many containers
 * on that one bridge, through the engine's own command line (`Engine.exec`): IPAM, sandbox namespace,
 * veth pair + bridge port, addresses and routes, the published port (port allocator, iptables DNAT /
 * ACCEPT / MASQUERADE rules), /etc/hosts, the runtime's container record and process. One operation =
 * one container. The heap snapshots taken around the timed run give the memory per container by
 * constructor. A bridge takes at most 1,023 ports, so one network holds at most 1,000 containers here.
 *
 * The inside of a container's namespace (its address and routes, the embedded resolver and its nat
 * rules) is configured on first use (src/docker/sandbox-state.ts); the "each then used" case reads
 * every container's namespace right after its start, so it pays that too.
 */
import { Engine } from '../src/docker/engine.js';
import { body, type Bench, type BenchCase } from './lib.js';

function bringupCase(n: number, use = false): BenchCase {
  return {
    label: `${n.toLocaleString('en')} container${n === 1 ? '' : 's'} with -p${use ? ', each then used' : ''}`,
    params: { containers: n, namespaces: use ? 'each used' : 'not used' },
    ops: n,
    warmup: 0,
    expected: (done) => ({ started: done, failed: 0 }),
    setup() {
      const e = new Engine({ seed: 1 });
      const r = e.exec('docker network create benchnet');
      if (r.exitCode !== 0) throw new Error(`network create: ${r.stderr}`);
      let started = 0;
      let failed = 0;
      let firstError = '';
      return body(
        (i) => {
          const x = e.exec(`docker run -d --name c${i} --network benchnet -p ${20000 + i}:80 mini:latest sleep 100000`);
          if (x.exitCode === 0) started++;
          else {
            failed++;
            if (!firstError) firstError = x.stderr;
          }
          // reading the namespace handle does the deferred configuration
          if (use && !e.runtime.store.find(`c${i}`)?.namespaces?.net.handle) failed++;
        },
        () => {
          if (firstError) process.stderr.write(`bringup: first failure: ${firstError}`);
          return { started, failed, runningInPs: e.exec('docker ps -q').stdout.trim().split('\n').filter(Boolean).length };
        },
      );
    },
  };
}

const bench: Bench = {
  name: 'bringup',
  title: 'docker network create + docker run -d -p on one bridge (per container)',
  unit: 'container',
  heapSnapshot: true,
  cases: [bringupCase(1), bringupCase(100), bringupCase(1000), bringupCase(1000, true)],
};
export default bench;
