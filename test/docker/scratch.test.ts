import { it } from 'vitest';
import { runOracle, formatOracleTable } from '../../src/docker/oracle/index.js';
it('scratch', () => {
  const r = runOracle(['/work/shared/oracle', 'test/fixtures/oracle'], { skipReach: true });
  console.log(formatOracleTable(r));
  for (const [s, e] of r.errors) console.log(s, e);
}, 600000);
