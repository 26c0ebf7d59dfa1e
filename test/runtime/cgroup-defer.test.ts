/**
 * A container's cgroups (its groups, limit files and tasks) are made when something next reads the
 * trees (CgroupFs.defer). Nothing may tell: an engine that makes them after every command and one
 * that makes them whenever a random subset of steps looks must print the same outputs and end with
 * the same trees, whatever the commands in between (limits, update, pause, exec, stop, restart, rm).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/docker/engine.js';
import { CONTROLLERS } from '../../src/runtime/cgroups/hierarchy.js';

const FILES = [
  'memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.swappiness',
  'memory.oom_control.oom_kill_disable', 'memory.usage_in_bytes', 'memory.max_usage_in_bytes', 'memory.failcnt',
  'cpu.cfs_period_us', 'cpu.cfs_quota_us', 'cpu.shares', 'cpuacct.usage', 'cpuset.cpus', 'cpuset.mems',
  'pids.max', 'pids.current', 'cgroup.procs', 'freezer.state', 'freezer.self_freezing', 'blkio.weight',
];

/** Every group of every hierarchy with its files and tasks, as text. */
function dump(e: Engine): string {
  const fs = e.runtime.cgroups;
  const out: string[] = [];
  for (const ctl of CONTROLLERS) {
    for (const n of fs.h(ctl).root.subtree()) {
      const files = FILES.map((f) => `${f}=${fs.read(ctl, n.path, f) ?? '-'}`).filter((x) => !x.endsWith('=-'));
      out.push(`${ctl} ${n.path} [${n.taskList.join(',')}] ${files.join(' ')}`);
    }
  }
  return out.join('\n');
}

const STEPS = [
  'docker run -d --name ca --memory 64m --cpus 0.5 --pids-limit 20 mini:latest sleep 1000',
  'docker run -d --name cb --cpuset-cpus 1 --cpu-shares 512 mini:latest sleep 1000',
  'docker update --memory 128m --memory-swap 256m ca',
  'docker exec -d ca sleep 500',
  'docker pause cb',
  'docker unpause cb',
  'docker run -d --name cc mini:latest sleep 1000',
  'docker update --cpus 1.5 --pids-limit 5 cc',
  'docker stop -t 0 ca',
  'docker start ca',
  'docker exec cb sh -c "echo hi"',
  'docker rm -f cc',
  'docker run -d --name cd --memory 32m mini:latest sleep 1000',
  'docker restart -t 0 cb',
  'docker rm -f cd',
];

describe('deferred cgroup changes', () => {
  it('made after every command or only when something looks: same outputs, same trees', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: STEPS.length, maxLength: STEPS.length }), (looks) => {
        const eager = new Engine({ seed: 7 });
        const lazy = new Engine({ seed: 7 });
        for (let i = 0; i < STEPS.length; i++) {
          const a = eager.exec(STEPS[i]!);
          expect(a.exitCode, `${STEPS[i]}: ${a.stderr}`).toBe(0);
          eager.runtime.cgroups.flush();
          const b = lazy.exec(STEPS[i]!);
          expect(b, STEPS[i]).toEqual(a);
          if (looks[i]) expect(dump(lazy), `after ${STEPS[i]}`).toBe(dump(eager));
        }
        expect(dump(lazy)).toBe(dump(eager));
      }),
      { numRuns: 12 },
    );
  });

  it('a docker run leaves its groups unmade until something reads them, then they are there', () => {
    const e = new Engine({ seed: 1 });
    e.exec('docker run -d --name ca --memory 64m mini:latest sleep 1000');
    const id = e.runtime.store.find('ca')!.id;
    const fs = e.runtime.cgroups as unknown as { queue: unknown[] };
    expect(fs.queue.length).toBeGreaterThan(0);
    expect(e.runtime.cgroups.read('memory', `/docker/${id}`, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(fs.queue.length).toBe(0);
    expect(e.runtime.cgroups.read('pids', `/docker/${id}`, 'cgroup.procs')).toMatch(/^\d+$/);
  });
});
