import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SLAB_MAX, youngBytes } from '../../src/core/slab.js';

describe('young bytes from slabs', () => {
  it('each array has its length, starts zeroed, and shares no byte with another (across slabs)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: SLAB_MAX + 100 }), { minLength: 1, maxLength: 80 }), (lens) => {
        const arrays = lens.map((n) => youngBytes(n));
        arrays.forEach((a, i) => {
          expect(a.length).toBe(lens[i]);
          expect(a.every((x) => x === 0)).toBe(true);
          a.fill((i % 255) + 1);
        });
        arrays.forEach((a, i) => expect(a.every((x) => x === (i % 255) + 1)).toBe(true));
      }),
      { numRuns: 100 },
    );
  });
});
