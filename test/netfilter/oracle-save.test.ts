import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { concretize, makeNf } from './helpers.js';
import { LOCAL_ORACLE, SHARED_SCENARIOS } from '../helpers/paths.js';

const ROOTS = [SHARED_SCENARIOS, join(LOCAL_ORACLE, 'scenarios')];

function find(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return find(p);
    return f.endsWith('iptables-save.txt') && !f.includes('ip6') ? [p] : [];
  });
}

const files = ROOTS.flatMap(find);

describe('iptables-save output of every oracle file round-trips through restore byte for byte', () => {
  it('finds the oracle files', () => {
    expect(files.length).toBeGreaterThan(20);
  });
  for (const f of files) {
    it(f.replace(/.*scenarios\//, ''), () => {
      const text = concretize(readFileSync(f, 'utf8'));
      expect(text).not.toMatch(/<[a-z]/);
      const { nf } = makeNf();
      nf.restore(text);
      expect(nf.save()).toBe(text);
      // and again: save → restore → save is a fixed point
      const { nf: nf2 } = makeNf();
      nf2.restore(nf.save());
      expect(nf2.save()).toBe(text);
    });
  }
});
