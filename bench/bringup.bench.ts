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
 * every container's namespace right after its start, so it pays that too; the "each then pinging"
 * case has every container but the first `ping -c 1` the one started before it (ARP over the whole
 * bridge, the embedded DNS, ICMP through conntrack), so its memory per container includes what
 * traffic leaves behind in every namespace that saw it.
 *
 * Most of a cold process's bring-up is the JIT warming up: the code of a `docker run` only reaches its
 * optimized tier after a few thousand containers, so the cases come cold (a fresh process per run) and
 * warm (after several worlds built and dropped).
 */
import { Engine } from '../src/docker/engine.js';
import { body, type Bench, type BenchCase } from './lib.js';

/** Worlds of 1,000 containers built and dropped before a warm case's timed world. */
const WARM_WORLDS = 6;

function world(): Engine {
  const e = new Engine({ seed: 1 });
  const r = e.exec('docker network create benchnet');
  if (r.exitCode !== 0) throw new Error(`network create: ${r.stderr}`);
  return e;
}

function run(e: Engine, i: number): string {
  const x = e.exec(`docker run -d --name c${i} --network benchnet -p ${20000 + i}:80 mini:latest sleep 100000`);
  return x.exitCode === 0 ? '' : x.stderr;
}

/**
 * `n` containers on a fresh engine. Cold: in a fresh process (one per run), so the figure includes the
 * JIT's warm-up, as the first 1,000 containers of a CLI replay pay it. Warm: in a process that has already
 * built and dropped {@link WARM_WORLDS} worlds of 1,000 (untimed, in setup), as a property suite that
 * builds world after world runs.
 */
function bringupCase(n: number, mode: 'none' | 'used' | 'ping', warm: boolean): BenchCase {
  const use = mode !== 'none';
  const suffix = mode === 'used' ? ', each then used' : mode === 'ping' ? ', each then pinging the one before' : '';
  return {
    label: `${n.toLocaleString('en')} container${n === 1 ? '' : 's'} with -p${suffix}, ${warm ? 'warm' : 'cold'} process`,
    params: { containers: n, namespaces: mode === 'used' ? 'each used' : mode === 'ping' ? 'each pings the one before' : 'not used', process: warm ? `warm (${WARM_WORLDS} worlds of 1,000 before)` : 'cold (fresh per run)' },
    ops: n,
    warmup: 0,
    processPerRun: !warm,
    // the growth by constructor comes from the cold cases (their memory pass runs in a process that is warm by then)
    heapSnapshot: !warm,
    expected: (done) => ({ started: done, failed: 0 }),
    setup(quick) {
      if (warm) {
        const worlds = quick ? 1 : WARM_WORLDS;
        const per = quick ? 10 : 1000;
        for (let w = 0; w < worlds; w++) {
          const e = world();
          for (let i = 0; i < per; i++) {
            const err = run(e, i);
            if (err) throw new Error(`warm-up world ${w}: ${err}`);
            if (use) void e.runtime.store.find(`c${i}`)?.namespaces?.net.handle;
          }
        }
      }
      const e = world();
      let started = 0;
      let failed = 0;
      let firstError = '';
      return body(
        (i) => {
          const err = run(e, i);
          if (!err) started++;
          else {
            failed++;
            if (!firstError) firstError = err;
          }
          // reading the namespace handle does the deferred configuration
          if (use && !e.runtime.store.find(`c${i}`)?.namespaces?.net.handle) failed++;
          if (mode === 'ping' && i > 0 && e.exec(`docker exec c${i} ping -c 1 c${i - 1}`).exitCode !== 0) failed++;
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
  cases: [
    bringupCase(1, 'none', false),
    bringupCase(100, 'none', false),
    bringupCase(1000, 'none', false),
    bringupCase(1000, 'used', false),
    bringupCase(1000, 'ping', false),
    bringupCase(1000, 'none', true),
    bringupCase(1000, 'used', true),
  ],
};
export default bench;
