import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TokenMap } from '../../src/core/token-map.js';

describe('TokenMap: a map keyed by lists of strings', () => {
  it('answers as a Map keyed by the exact list would, up to its limit, then starts again empty', () => {
    const token = fc.constantFrom('', '-t', 'nat', '-A', 'a\u0000b', 'a', 'b', '$0');
    const op = fc.tuple(fc.boolean(), fc.array(token, { maxLength: 4 }), fc.integer({ min: 1, max: 9 }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (ops, limit) => {
        const m = new TokenMap<number>(limit);
        const ref = new Map<string, number>();
        for (const [isSet, key, v] of ops) {
          const k = JSON.stringify(key);
          if (isSet) {
            if (ref.size >= limit) ref.clear();
            ref.set(k, v);
            m.set(key, v);
          } else expect(m.get(key)).toBe(ref.get(k));
          expect(m.size).toBe(ref.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps lists that would join to the same text apart', () => {
    const m = new TokenMap<string>();
    m.set(['a\u0000b'], 'one');
    m.set(['a', 'b'], 'two');
    m.set(['a'], 'three');
    expect([m.get(['a\u0000b']), m.get(['a', 'b']), m.get(['a']), m.get([]), m.get(['a', 'b', 'c'])]).toEqual(['one', 'two', 'three', undefined, undefined]);
  });
});
