import { it } from 'vitest';
import { runOracle, formatOracleTable } from '../../src/docker/oracle/index.js';
it('scratch', () => {
  const r = runOracle(['/work/shared/oracle', 'test/fixtures/oracle'], { skipReach: true });
  console.log(formatOracleTable(r).split('\n').filter((l) => !/^(conntrack|flow|trace|dns-miss|outbound|outside|lan-|reach-from|host-route-get|docker-proxy|host-listeners-procs)/.test(l)).join('\n'));
}, 600000);
