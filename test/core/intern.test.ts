import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intern, share } from '../../src/core/intern.js';

describe('intern', () => {
  it('returns a string equal to its argument, whatever it is (names, array indices, the empty string, __proto__)', () => {
    for (const s of ['docker0', 'veth1a2b3c4', '0', '4294967294', '', '__proto__', 'constructor']) expect(intern(s)).toBe(s);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => intern(s) === s));
  });
});

describe('share', () => {
  // (which copy comes back cannot be told apart in JavaScript: equal strings are ===; the saving is
  // read in heap snapshots, bench/bringup's retained bytes per container)
  it('returns a string equal to its argument, before and after its table fills and starts again', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => share(s) === s));
    for (let i = 0; i < 3000; i++) expect(share(`c${i}`)).toBe(`c${i}`);
    expect(share(['mini', 'latest'].join(':'))).toBe('mini:latest');
    const long = 'echo '.repeat(40);
    expect(share(long)).toBe(long);
  });
});
