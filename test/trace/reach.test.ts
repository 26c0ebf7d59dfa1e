/** `dockernet reach` against the oracle's reach.tsv (same rows, same order, same results and details). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src/trace/lab.js';
import { reachMatrix, reachOracleTsv, reachTsv } from '../../src/trace/reach.js';

import { SHARED_SCENARIOS as ORACLE } from '../helpers/paths.js';

/** The oracle writes docker-chosen host ports relative to the lowest one (`<eport:+K>`). */
function eports(tsv: string): string {
  const ports = [...tsv.matchAll(/:(3\d{4})\t/g)].map((m) => Number(m[1])).filter((p) => p >= 32768 && p <= 60999);
  if (!ports.length) return tsv;
  const base = Math.min(...ports);
  return tsv.replace(/:(3\d{4})\t/g, (all, p) => (Number(p) >= 32768 && Number(p) <= 60999 ? `:<eport:+${Number(p) - base}>\t` : all));
}

describe('reach matrix = oracle reach.tsv', () => {
  for (const s of ['net-01-default-bridge', 'net-02-published-ports', 'net-03-user-bridges', 'net-05-host-none-container', 'net-06-macvlan', 'net-08-static-ip-hosts-dns-link', 'net-10-packet-traces']) {
    it.skipIf(!existsSync(join(ORACLE, s)))(s, () => {
      const lab = Lab.load(join(ORACLE, s));
      const rows = reachMatrix(lab, { explain: false });
      expect(eports(reachOracleTsv(rows))).toBe(readFileSync(join(ORACLE, s, 'observed', 'reach.tsv'), 'utf8'));
    });
  }

  it('explains each failure with the rule that dropped it', () => {
    const lab = Lab.load('examples/scenarios/cross-network');
    const rows = reachMatrix(lab);
    const bad = rows.filter((r) => r.result === 'fail');
    expect(bad.length).toBeGreaterThan(0);
    const webToDb = rows.find((r) => r.from === 'web' && r.target === 'db@backend' && r.proto === 'tcp')!;
    expect(webToDb.result).toBe('fail');
    expect(webToDb.detail).toBe('timed out');
    expect(webToDb.reason).toMatch(/^dropped by filter DOCKER-ISOLATION-STAGE-2 rule \d+: -A DOCKER-ISOLATION-STAGE-2 -o br-[0-9a-f]{12} -j DROP/);
    for (const r of rows) expect(r.reason === '-').toBe(r.result === 'ok');
    expect(reachTsv(rows).split('\n')[0]).toBe('#from\tto\tproto\tresult\ttarget\tdetail\treason');
  });
});
