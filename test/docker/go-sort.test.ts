import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { goSort } from '../../src/docker/ports/go-sort.js';
import { sortPortMap } from '../../src/docker/ports/index.js';

function insertionSort<T>(xs: T[], less: (a: T, b: T) => boolean): T[] {
  const s = [...xs];
  for (let i = 1; i < s.length; i++)
    for (let j = i; j > 0 && less(s[j]!, s[j - 1]!); j--) [s[j], s[j - 1]] = [s[j - 1]!, s[j]!];
  return s;
}

// go-connections' SortPortMap Less over (hostPort, containerPort, tcp): not a strict weak order
interface K {
  hp: number;
  pi: number;
  tcp: boolean;
  id: number;
}
const portLess = (a: K, b: K): boolean => a.hp > b.hp || a.pi > b.pi || (a.pi === b.pi && a.tcp);
const keyArb = fc.record({ hp: fc.integer({ min: 0, max: 4 }), pi: fc.integer({ min: 1, max: 5 }), tcp: fc.boolean() });

describe('goSort (Go 1.19 sort.Sort)', () => {
  it('sorts any input under a strict order, whatever its length (pdqsort, heapsort fallback)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 400 }), (xs) => {
        const s = [...xs];
        goSort(s, (a, b) => a < b);
        expect(s).toEqual([...xs].sort((a, b) => a - b));
      }),
    );
  });

  it('is a permutation of its input even under the non-strict port Less', () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 300 }), (ks) => {
        const xs = ks.map((k, id) => ({ ...k, id }));
        const s = [...xs];
        goSort(s, portLess);
        expect(s.map((x) => x.id).sort((a, b) => a - b)).toEqual(xs.map((x) => x.id));
      }),
    );
  });

  it('is plain insertion sort up to 12 elements, so ties break as before', () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 12 }), (ks) => {
        const xs = ks.map((k, id) => ({ ...k, id }));
        const s = [...xs];
        goSort(s, portLess);
        expect(s.map((x) => x.id)).toEqual(insertionSort(xs, portLess).map((x) => x.id));
      }),
    );
  });

  it('sorts descending, reversed and sawtooth inputs (pattern breaking, partial insertion sort)', () => {
    for (const gen of [(i: number) => -i, (i: number) => i, (i: number) => i % 7, (i: number) => (i * 7919) % 1000]) {
      const xs = Array.from({ length: 5000 }, (_, i) => gen(i));
      const s = [...xs];
      goSort(s, (a, b) => a < b);
      expect(s).toEqual([...xs].sort((a, b) => a - b));
    }
  });
});

describe('sortPortMap with a large range', () => {
  it('orders 2001 published ports (-p 1000-3000:1000-3000) by descending port', () => {
    const exposed: string[] = [];
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (let p = 1000; p <= 3000; p++) {
      exposed.push(`${p}/tcp`);
      bindings[`${p}/tcp`] = [{ HostIp: '', HostPort: String(p) }];
    }
    const s = sortPortMap(exposed, bindings);
    expect(s).toHaveLength(2001);
    expect(s[0]).toEqual({ port: '3000/tcp', binding: { HostIp: '', HostPort: '3000' } });
    expect(s.map((x) => parseInt(x.port, 10))).toEqual(Array.from({ length: 2001 }, (_, i) => 3000 - i));
  });
});
