/**
 * The conntrack table's storage (open-addressing hash on numbers, entries by id, compaction,
 * incremental expiry) against a plain model: random insertions, removals, lookups and time steps.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/core/scheduler.js';
import { SECOND } from '../../src/core/time.js';
import { Conntrack, CtEntry, ctTcpPacket } from '../../src/netfilter/conntrack.js';

type Op =
  | { k: 'add'; src: number; sport: number; life: number }
  | { k: 'del'; i: number }
  | { k: 'set'; i: number; life: number }
  | { k: 'time'; s: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('add' as const), src: fc.integer({ min: 0, max: 40 }), sport: fc.integer({ min: 1, max: 6 }), life: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('del' as const), i: fc.nat() }) },
  // a confirmed entry's timeout moved (a refresh pushes it later, a TCP state change can bring it forward)
  { weight: 2, arbitrary: fc.record({ k: fc.constant('set' as const), i: fc.nat(), life: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('time' as const), s: fc.integer({ min: 0, max: 8 }) }) },
);

describe('conntrack table', () => {
  it('finds exactly the live entries by either tuple, lists them in insertion order, and expires them', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const sim = new Sim();
        const ct = new Conntrack(sim);
        const model: CtEntry[] = [];
        const live = () => model.filter((e) => e.expires > sim.now);
        for (const o of ops) {
          if (o.k === 'add') {
            // high addresses too (int32 negative), DNAT-like reply tuples
            const src = (0xc0a80000 + o.src) >>> 0;
            const e = new CtEntry(17, src, 0x0a000001, 1000 + o.sport, 80, sim.now, ct);
            e.rSrc = (0xac110002 + (o.src % 3)) >>> 0;
            e.rSport = 8080;
            e.expires = sim.now + o.life * SECOND;
            const clash = live().some((m) => m.oSrc === src && m.oSport === 1000 + o.sport) || live().some((m) => m.rSrc === e.rSrc && m.rDst === src && m.rDport === 1000 + o.sport);
            expect(ct.confirm(e)).toBe(!clash);
            if (!clash) model.push(e);
          } else if (o.k === 'del') {
            const l = live();
            if (l.length) {
              const v = l[o.i % l.length]!;
              ct.remove(v);
              model.splice(model.indexOf(v), 1);
            }
          } else if (o.k === 'set') {
            const l = live();
            if (l.length) l[o.i % l.length]!.expires = sim.now + o.life * SECOND;
          } else sim.advance(o.s * SECOND);
          for (const m of model) {
            const alive = m.expires > sim.now;
            const byO = ct.find(m.oSrc, m.oDst, m.oSport, m.oDport, 17);
            expect(byO).toBe(alive ? m : null);
            if (alive) {
              expect(ct.foundDir).toBe(0);
              expect(ct.find(m.rSrc, m.rDst, m.rSport, m.rDport, 17)).toBe(m);
              expect(ct.foundDir).toBe(1);
            }
          }
          for (let i = model.length - 1; i >= 0; i--) if (model[i]!.expires <= sim.now) model.splice(i, 1);
        }
        expect([...ct.entries()]).toEqual(live());
        expect(ct.count).toBe(live().length);
        sim.advance(100 * SECOND);
        // the GC timer reaped everything (no lookup, no count)
        expect([...(ct as unknown as { ents: unknown[] }).ents].filter(Boolean).length).toBe(0);
        expect(ct.count).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a large table consistent through growth, compaction and the incremental sweep', () => {
    const sim = new Sim();
    const ct = new Conntrack(sim);
    ct.max = 1e7;
    const N = 20_000;
    const all: CtEntry[] = [];
    for (let i = 0; i < 3 * N; i++) {
      const e = new CtEntry(6, (0x0b000000 + i) >>> 0, 0xac110002, 1024 + (i & 1023), 80, sim.now, ct);
      e.expires = sim.now + 30 * SECOND;
      expect(ct.confirm(e)).toBe(true);
      all.push(e);
      sim.advance(1_000_000); // 1 ms per flow: a steady state of ~30,000 live entries
      if (i % 7 === 3) {
        // an earlier entry refreshed (later) or, every other time, brought forward: the sweep's per-id
        // expiry bounds must neither reap it early nor keep it past its time
        const old = ct.find((0x0b000000 + i - 1000) >>> 0, 0xac110002, 1024 + ((i - 1000) & 1023), 80, 6);
        if (old) old.expires = sim.now + (i % 2 ? 30 : 2) * SECOND;
      }
    }
    // the GC timer and the sweep keep up with the expiries (a lookup-free look at the table) …
    const ents = (ct as unknown as { ents: Array<CtEntry | null> }).ents.filter((e): e is CtEntry => e !== null);
    const stale = ents.filter((e) => e.expires <= sim.now).length;
    expect(stale).toBeLessThan(ents.length / 10);
    // … and reaped nothing early
    const n = ct.count;
    expect(n).toBe(all.filter((e) => e.expires > sim.now).length);
    expect(n).toBeGreaterThanOrEqual(27_000);
    const listed = [...ct.entries()];
    for (let k = 1; k < listed.length; k++) expect(listed[k]!.oSrc).toBeGreaterThan(listed[k - 1]!.oSrc);
    for (const e of listed) expect(ct.find(e.oSrc, e.oDst, e.oSport, e.oDport, 6)).toBe(e);
    sim.advance(31 * SECOND);
    expect(ct.count).toBe(0);
  });

  it('an entry whose timeout is shortened (ESTABLISHED → FIN_WAIT) expires on time, the GC timer brought forward', () => {
    const sim = new Sim();
    const ct = new Conntrack(sim);
    const e = new CtEntry(6, 0x0a000001, 0x0a000002, 1234, 80, sim.now, ct);
    e.tcpState = 3;
    e.expires = sim.now + 432000 * SECOND;
    ct.confirm(e);
    sim.advance(10 * SECOND);
    ctTcpPacket(e, 0, 0x11, sim.now); // FIN: 120 s
    sim.advance(121 * SECOND);
    // the GC timer removed it without any lookup or count
    expect([...(ct as unknown as { ents: unknown[] }).ents].filter(Boolean).length).toBe(0);
    expect(ct.count).toBe(0);
  });
});

describe('conntrack sweep beside many long-lived entries', () => {
  it('reaps a steady rate of short flows within a few thousand insertions, so their entries are reused', () => {
    const sim = new Sim();
    const ct = new Conntrack(sim);
    ct.max = 1e6;
    // 200,000 idle entries that outlive the test (1 hour), as a busy host's table holds
    for (let i = 0; i < 200_000; i++) {
      const e = new CtEntry(17, (0x0b000000 + i) >>> 0, 0xac110002, 1024 + (i & 1023), 7000, sim.now, ct);
      e.expires = sim.now + 3600 * SECOND;
      expect(ct.confirm(e)).toBe(true);
    }
    // then 60,000 new flows of 30 s, one per ms of virtual time (entries from the packet path's
    // allocator that no packet holds: reused once out of the table)
    const made = new Set<CtEntry>();
    let worst = 0;
    for (let i = 0; i < 60_000; i++) {
      const e = ct.alloc(17, (0x0c000000 + i) >>> 0, 0xac110002, 1024 + (i % 60000), 80, Math.floor(sim.now / 1e6));
      made.add(e);
      e.expires = sim.now + 30 * SECOND;
      expect(ct.confirm(e)).toBe(true);
      sim.advance(1_000_000);
      if (i % 1000 === 999) {
        const ents = (ct as unknown as { ents: Array<CtEntry | null> }).ents;
        let stale = 0;
        for (const x of ents) if (x !== null && x !== undefined && x.expires <= sim.now) stale++;
        if (stale > worst) worst = stale;
      }
    }
    // expired flows are found within a few thousand insertions (a pass over 200,000 ids a few
    // hundred read 256 at a time), however long the table's idle entries live …
    expect(worst).toBeLessThan(3000);
    // … so after the first 30 s the flows reuse the entries of expired ones
    expect(made.size).toBeLessThan(36_000);
    // flow i expires at i + 30,000 ms; the clock stands at 60,000 ms
    expect(ct.count).toBe(200_000 + 29_999);
  });
});

describe('conntrack GC timer', () => {
  it('a big table of long-lived entries does not tick every second, and a short-lived entry added later is still reaped on time', () => {
    const sim = new Sim();
    const ct = new Conntrack(sim);
    ct.max = 1e6;
    for (let i = 0; i < 10_000; i++) {
      const e = new CtEntry(6, (0x0b000000 + i) >>> 0, 0xac110002, 1024, 80, sim.now, ct);
      e.tcpState = 3;
      e.expires = sim.now + 432000 * SECOND;
      ct.confirm(e);
    }
    let fired = 0;
    const timers = sim as unknown as { scheduleAt: (at: number, fn: () => void) => unknown };
    const orig = timers.scheduleAt.bind(sim);
    timers.scheduleAt = (at, fn) => orig(at, () => (fired++, fn()));
    sim.advance(3600 * SECOND);
    // a few ticks for the first passes over the table, then nothing until the earliest expiry
    expect(fired).toBeLessThan(20);
    const u = new CtEntry(17, 0x0c000001, 0xac110002, 5000, 53, sim.now, ct);
    u.expires = sim.now + 30 * SECOND;
    ct.confirm(u);
    sim.advance(40 * SECOND);
    expect([...(ct as unknown as { ents: Array<CtEntry | null> }).ents].includes(u)).toBe(false);
    expect(ct.count).toBe(10_000);
    sim.advance(432000 * SECOND);
    expect(ct.count).toBe(0);
  });
});
