/** tcpOptionAt: the allocation-free option walk the TCP socket uses on every segment. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTcpOptions, tcpOptionAt } from '../../src/wire/tcp.js';

/** Offsets the walk visits in `b[0, b.length)`. */
function walk(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = tcpOptionAt(b, 0, b.length); p >= 0; p = tcpOptionAt(b, p + b[p + 1]!, b.length)) out.push(p);
  return out;
}

describe('tcpOptionAt', () => {
  it('visits each option once, NOPs skipped, and stops at EOL', () => {
    // MSS 1460, NOP, NOP, SACK-permitted, timestamps, EOL, then bytes that must not be read
    const b = Uint8Array.from([2, 4, 5, 180, 1, 1, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 3, 3, 7]);
    expect(walk(b)).toEqual([0, 6, 8]);
    expect(walk(b).map((p) => b[p])).toEqual([2, 4, 8]);
  });

  it('stops at a truncated option or a bad length, as tcp_parse_options does', () => {
    expect(walk(Uint8Array.from([1, 1, 2]))).toEqual([]); // length byte missing
    expect(walk(Uint8Array.from([4, 2, 8, 1, 4, 2]))).toEqual([0]); // length below 2
    expect(walk(Uint8Array.from([4, 2, 3, 9, 14]))).toEqual([0]); // runs past the end
    expect(walk(new Uint8Array(0))).toEqual([]);
  });

  it('finds the options parseTcpOptions decodes (NOPs aside) wherever that does not throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        let parsed;
        try {
          parsed = parseTcpOptions(b, 0, b.length);
        } catch {
          return; // malformed: parseTcpOptions throws where the walk simply stops
        }
        expect(walk(b).length).toBe(parsed.filter((o) => o.kind !== 'nop').length);
      }),
    );
  });
});
