import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

// Lower layers must never import higher ones. Order from the bottom up.
const ORDER = ['core', 'wire', 'link', 'netfilter', 'netns', 'runtime', 'docker', 'trace', 'cli'];
const SRC = resolve(__dirname, '../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(path: string): string | null {
  const top = relative(SRC, path).split(/[\\/]/)[0]!;
  return ORDER.includes(top) ? top : null;
}

export function layerViolations(): string[] {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const from = layerOf(f);
    if (!from) continue;
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(f), m[1]!);
      const to = layerOf(target);
      if (to && ORDER.indexOf(to) > ORDER.indexOf(from)) bad.push(`${relative(SRC, f)} (${from}) imports ${m[1]} (${to})`);
    }
  }
  return bad;
}

describe('layering', () => {
  it('no lower layer imports a higher one', () => {
    expect(layerViolations()).toEqual([]);
  });

  it('the model never reads the wall clock or Math.random', () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      if (relative(SRC, f).startsWith('cli')) continue;
      const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/Math\.random\(|Date\.now\(|new Date\(\)|performance\.now\(|process\.hrtime/.test(text)) bad.push(relative(SRC, f));
    }
    expect(bad).toEqual([]);
  });
});
