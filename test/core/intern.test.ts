import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intern } from '../../src/core/intern.js';

describe('intern', () => {
  it('returns a string equal to its argument, whatever it is (names, array indices, the empty string, __proto__)', () => {
    for (const s of ['docker0', 'veth1a2b3c4', '0', '4294967294', '', '__proto__', 'constructor']) expect(intern(s)).toBe(s);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => intern(s) === s));
  });
});
