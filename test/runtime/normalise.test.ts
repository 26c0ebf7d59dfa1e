import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalise } from '../../src/runtime/images/layer.js';

/**
 * The definition, written another way than the implementation: `..` removes the part before it
 * (none at the root), empty and `.` parts go, the result is absolute without a trailing slash.
 */
function reference(path: string): string {
  const kept = path
    .split('/')
    .filter((x) => x !== '' && x !== '.')
    .reduce<string[]>((acc, x) => (x === '..' ? acc.slice(0, -1) : [...acc, x]), []);
  return `/${kept.join('/')}`;
}

describe('normalise', () => {
  it('agrees with the definition on paths of slashes, dots and names (its fast path for paths already normal included)', () => {
    const path = fc.array(fc.constantFrom('/', '.', 'a', 'b', '..', '.a', 'a.'), { maxLength: 12 }).map((a) => a.join(''));
    fc.assert(
      fc.property(path, (p) => {
        expect(normalise(p)).toBe(reference(p));
      }),
      { numRuns: 2000 },
    );
    for (const p of ['/', '/www/index.html', '/a/.b/c.', '/a/..b', '/a/b/', '/a//b', '/a/./b', '/a/../b', '/..', '/.', 'www', '']) expect(normalise(p)).toBe(reference(p));
  });
});
