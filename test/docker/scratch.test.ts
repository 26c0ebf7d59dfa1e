import { it } from 'vitest';
import { Engine, iptablesSave } from '../../src/docker/engine.js';
import { readFileSync } from 'node:fs';
it('scratch', () => {
  const e = new Engine({ seed: 1 });
  const dir = '/work/shared/oracle/scenarios/net-03-user-bridges';
  for (const r of e.execFile(readFileSync(dir + '/scenario.docker', 'utf8'))) console.log('$', r.line + '\n' + r.stdout + r.stderr + '[exit ' + r.exitCode + ']');
  console.log(iptablesSave(e, e.host));
});
