import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalise } from '../../src/runtime/images/layer.js';

/** The definition: drop empty and `.` parts, `..` removes the part before it, absolute, no trailing slash. */
function reference(path: string): string {
  const parts: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return '/' + parts.join('/');
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
