/**
 * The oracle gate: every net-* scenario (the shared oracle folder and the fixtures kept in this
 * repository) is replayed in the emulator, and every file listed in
 * test/fixtures/oracle/expected-matches.json must match the real Docker capture byte for byte.
 * Files are only ever added to that list, so nothing that matched can silently regress.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOracle, formatOracleTable, scenarioDirs, type OracleResult } from '../../src/docker/oracle/index.js';
import { SHARED_ORACLE } from '../helpers/paths.js';

const SHARED = SHARED_ORACLE;
const LOCAL = join(__dirname, '../fixtures/oracle');
const dirs = [SHARED, LOCAL].filter((d) => scenarioDirs(d).length > 0);
const expected = JSON.parse(readFileSync(join(LOCAL, 'expected-matches.json'), 'utf8')) as Record<string, string[]>;

describe.skipIf(dirs.length === 0)('oracle fidelity', () => {
  let result: OracleResult | null = null;
  const get = (): OracleResult => (result ??= runOracle(dirs));

  it('replays every scenario without an exception', () => {
    const r = get();
    expect([...r.errors.keys()]).toEqual([]);
  }, 300_000);

  for (const [scen, files] of Object.entries(expected)) {
    const present = dirs.some((d) => existsSync(join(d, 'scenarios', scen)) || existsSync(join(d, scen)));
    it.skipIf(!present)(`${scen}: ${files.length} files match the capture`, () => {
      const r = get();
      const status = new Map(r.rows.filter((x) => x.scenario === scen).map((x) => [x.file, x.status]));
      const bad = files.filter((f) => status.get(f) !== 'match');
      expect(bad, formatOracleTable(r)).toEqual([]);
    }, 300_000);
  }
});
