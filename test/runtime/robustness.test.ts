import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { engine } from './helpers.js';
import { replayRuntimeScenario } from '../../src/runtime/oracle/replay.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_SCENARIOS } from '../helpers/paths.js';

const names = ['c1', 'c2', 'c3', 'nosuch'];
const cmdArb = fc.oneof(
  fc.tuple(fc.constantFrom(...names), fc.constantFrom('sleep 100', "sh -c 'echo hi; exit 3'", 'echo x', 'nosuchbin', "sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1'"), fc.constantFrom('', '-d', '--rm', '--memory 32m', '--pid host', '--ipc container:c1', '--network container:c2', '--restart on-failure:1', '--cpus 3', '-v vol:/d')).map(([n, cmd, flag]) => `docker run ${flag} --name ${n} mini:latest ${cmd}`),
  fc.tuple(fc.constantFrom('stop -t 1', 'kill', 'rm', 'rm -f', 'pause', 'unpause', 'start', 'restart -t 1', 'wait', 'logs', 'inspect', 'exec', 'top', 'diff', 'commit'), fc.constantFrom(...names)).map(([c, n]) => (c === 'exec' ? `docker exec ${n} echo hi` : c === 'commit' ? `docker commit ${n} img:x` : `docker ${c} ${n}`)),
  fc.constantFrom('docker ps -a', 'docker images -a', 'docker rmi img:x', 'docker rmi -f mini:latest', 'docker image prune -f', 'docker volume prune -f', 'docker volume rm vol', 'docker container prune -f', 'docker events', 'docker run', 'docker bogus', 'docker run --foo x'),
);

describe('robustness', () => {
  it('any sequence of commands returns a result (no exception escapes), with a sane exit code', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 25 }), (cmds) => {
        const { d, sim } = engine();
        for (const c of cmds) {
          const r = d(c);
          expect([0, 1, 2, 3, 125, 126, 127, 137]).toContain(r.exitCode);
          sim.advance(1e8);
        }
      }),
      { numRuns: 60 },
    );
  });

  const scen = join(SHARED_SCENARIOS, 'rt-06-images');
  it.skipIf(!existsSync(scen))('the same seed gives byte-identical transcripts', () => {
    expect(replayRuntimeScenario(scen).transcript).toBe(replayRuntimeScenario(scen).transcript);
  });
});
