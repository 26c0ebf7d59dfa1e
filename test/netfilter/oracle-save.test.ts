import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeNf } from './helpers.js';

const ROOTS = ['/work/shared/oracle/scenarios', join(__dirname, '../fixtures/oracle/scenarios')];

function find(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return find(p);
    return f.endsWith('iptables-save.txt') && !f.includes('ip6') ? [p] : [];
  });
}

/** Replaces the oracle's normalisation placeholders with concrete values iptables would print. */
function concretize(text: string): string {
  const ids = new Map<string, string>();
  return text
    .replace(/\[<pkts>:<bytes>\]/g, '[0:0]')
    .replace(/<eport:\+(\d+)>/g, (_, n) => String(32768 + Number(n)))
    .replace(/<dns-tcp-port>/g, '41235')
    .replace(/<dns-udp-port>/g, '52117')
    .replace(/<nid:([^>]+)>/g, (_, name) => {
      if (!ids.has(name)) ids.set(name, (0x1a2b3c4d5e6f + ids.size * 0x111111).toString(16).slice(0, 12));
      return ids.get(name)!;
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
