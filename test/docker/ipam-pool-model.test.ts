import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AddressPool } from '../../src/docker/ipam/pool.js';
import { parseCidr } from '../../src/wire/addr.js';

/** The pool's contract in its plainest form: lowest free address of the range, any free preferred one. */
class ModelPool {
  readonly used = new Set<number>();
  constructor(readonly lo: number, readonly hi: number, readonly net: number, readonly bcast: number) {}
  allocate(pref: number | null): number | 'taken' | 'full' {
    if (pref !== null) {
      if (this.used.has(pref) || pref === this.net || pref === this.bcast) return 'taken';
      this.used.add(pref);
      return pref;
    }
    for (let ip = this.lo; ip <= this.hi; ip++) if (!this.used.has(ip)) return this.used.add(ip), ip;
    return 'full';
  }
}

describe('AddressPool against a scan-from-the-start model', () => {
  it('gives the same addresses and errors for any allocate/release/preferred sequence', () => {
    const op = fc.oneof(
      fc.constant({ k: 'alloc' as const, n: 0 }),
      fc.record({ k: fc.constant('pref' as const), n: fc.integer({ min: 0, max: 31 }) }),
      fc.record({ k: fc.constant('free' as const), n: fc.integer({ min: 0, max: 31 }) }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { maxLength: 80 }), (withRange, ops) => {
        const subnet = parseCidr('10.9.8.0/27');
        const range = withRange ? parseCidr('10.9.8.8/29') : null;
        const p = new AddressPool(subnet, range);
        const m = new ModelPool(p.rangeStart, p.rangeEnd, subnet.addr >>> 0, (subnet.addr >>> 0) + 31);
        for (const o of ops) {
          const ip = (subnet.addr >>> 0) + o.n;
          if (o.k === 'free') {
            p.release(ip);
            m.used.delete(ip);
            continue;
          }
          const want = m.allocate(o.k === 'pref' ? ip : null);
          let got: number | 'taken' | 'full';
          try {
            got = p.allocate(o.k === 'pref' ? ip : null);
          } catch (e) {
            got = /already/i.test((e as Error).message) ? 'taken' : 'full';
          }
          expect(got).toBe(want);
        }
        expect(p.allocatedCount).toBe(m.used.size);
        for (let n = 0; n < 32; n++) expect(p.isAllocated((subnet.addr >>> 0) + n)).toBe(m.used.has((subnet.addr >>> 0) + n));
      }),
      { numRuns: 300 },
    );
  });
});
