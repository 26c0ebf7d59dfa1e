import v8 from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intern, share } from '../../src/core/intern.js';

describe('intern', () => {
  it('returns a string equal to its argument, whatever it is (names, array indices, the empty string, __proto__)', () => {
    for (const s of ['docker0', 'veth1a2b3c4', '0', '4294967294', '', '__proto__', 'constructor']) expect(intern(s)).toBe(s);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => intern(s) === s));
  });
});

describe('intern internalizes', () => {
  it('gives V8-internalized strings for names made at run time, short and long, a concatenation too', () => {
    // V8's own predicate, compiled with natives syntax switched on for this one function
    v8.setFlagsFromString('--allow-natives-syntax');
    const isInternalized = new Function('s', 'return %IsInternalizedString(s)') as (s: string) => boolean;
    v8.setFlagsFromString('--no-allow-natives-syntax');
    const made: string[] = [];
    for (let n = 1; n <= 24; n++) {
      // built from parts at run time: not internalized until intern makes it so
      const s = ['v', 'x'.repeat(n - 1), String(n % 10)].join('').slice(0, n) + String(n);
      made.push(s);
      expect(isInternalized(s)).toBe(false);
      const k = intern(s);
      expect(k).toBe(s);
      expect(isInternalized(k)).toBe(true);
    }
    // a concatenation (a cons string once 13 characters or more)
    const base = made[20]!;
    const cons = base + 'tail' + made.length;
    expect(isInternalized(intern(cons))).toBe(true);
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
