import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { latin1, utf8, utf8Text } from '../../src/core/text.js';

describe('text and bytes', () => {
  it('utf8 gives what TextEncoder gives, ASCII or not, short or long', () => {
    const enc = new TextEncoder();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ minLength: 1, maxLength: 8 }).map((s) => s.repeat(Math.ceil(1030 / s.length)))), (s) => {
        expect(Buffer.from(utf8(s)).equals(Buffer.from(enc.encode(s)))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('latin1 gives one char per byte, below and above its 8 KiB pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000, size: 'max' }), (b) => {
        const s = latin1(b);
        expect(s.length).toBe(b.length);
        for (let i = 0; i < b.length; i += 97) expect(s.charCodeAt(i)).toBe(b[i]);
      }),
      { numRuns: 50 },
    );
  });

  it('utf8Text gives what TextDecoder gives: ASCII, UTF-8, malformed bytes, short or past 8 KiB', () => {
    const dec = new TextDecoder();
    const enc = new TextEncoder();
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 60 }),
      fc.uint8Array({ maxLength: 60, max: 0x7f }),
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => enc.encode(s)),
      fc.uint8Array({ minLength: 8190, maxLength: 8200, max: 0x7f }),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        expect(utf8Text(b)).toBe(dec.decode(b));
      }),
      { numRuns: 200 },
    );
  });
});
