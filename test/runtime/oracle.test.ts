import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayRuntimeScenario, replayAllRuntimeScenarios, formatReplayReport } from '../../src/runtime/oracle/replay.js';
import { HAVE_SHARED_ORACLE, SHARED_SCENARIOS } from '../helpers/paths.js';

const ORACLE = SHARED_SCENARIOS;
const EXPECTED = JSON.parse(readFileSync(join(__dirname, 'fixtures/rt-oracle-expected.json'), 'utf8')) as Record<string, { matched: number[]; unmatched: Array<{ line: number; cmd: string }> }>;

describe.skipIf(!HAVE_SHARED_ORACLE)('runtime oracle replay', () => {
  for (const [scenario, exp] of Object.entries(EXPECTED)) {
    describe(scenario, () => {
      // replayed in beforeAll, so collecting a skipped suite never reads the (absent) oracle
      let r: ReturnType<typeof replayRuntimeScenario>;
      beforeAll(() => {
        r = replayRuntimeScenario(join(ORACLE, scenario));
      });
      it('every step that matched before still matches the real transcript', () => {
        const byLine = new Map(r.lines.map((l) => [l.line, l]));
        const broken = exp.matched.filter((n) => !byLine.get(n)?.matched).map((n) => ({ line: n, expected: byLine.get(n)?.expected, actual: byLine.get(n)?.actual }));
        expect(broken).toEqual([]);
      });
      it('the documented mismatches are the only ones', () => {
        expect(r.lines.filter((l) => !l.matched).map((l) => l.line)).toEqual(exp.unmatched.map((u) => u.line));
      });
      it('the event stream matches the observed one (network events belong to the network layer)', () => {
        expect(r.events.actual).toEqual(r.events.expected.filter((l) => !l.startsWith('network ')));
      });
    });
  }
});

describe.skipIf(!HAVE_SHARED_ORACLE)('replay report', () => {
  it('lists every rt scenario with its score', () => {
    const all = replayAllRuntimeScenarios(ORACLE);
    expect(all.map((r) => r.scenario)).toEqual(Object.keys(EXPECTED).sort());
    const report = formatReplayReport(all, true);
    expect(report).toContain('rt-03-freezer: 31/31 steps match');
    expect(report).toContain('--- rt-01-cgroup-limits L24: docker inspect mem64-swap256');
  });
});
