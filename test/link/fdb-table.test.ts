import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/core/scheduler.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import { BR_STATE_DISABLED, BR_STATE_FORWARDING, portState } from '../../src/link/bridge/port.js';
import { FdbEntry, FdbTable, fdbAddPermanent, fdbDelete, fdbFind, fdbUpdate } from '../../src/link/bridge/fdb.js';
import { macFromHalves, macHi, macLo, parseMac, readMacHi, readMacLo, writeMac } from '../../src/wire/addr.js';
import { lab } from './bridge-setup.js';
import { frame } from './helpers.js';

const entry = (mac: number): FdbEntry => new FdbEntry(mac, null, false, false, 0);

describe('MAC halves', () => {
  it('read, split and rebuild a MAC the same way', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), (hi, lo32) => {
        const mac = hi * 0x100000000 + lo32;
        const b = new Uint8Array(8);
        writeMac(b, 1, mac);
        expect(readMacHi(b, 1)).toBe(macHi(mac));
        expect(readMacLo(b, 1)).toBe(macLo(mac));
        expect(macLo(mac)).toBe(lo32 | 0);
        expect(macFromHalves(macHi(mac), macLo(mac))).toBe(mac);
      }),
    );
    expect(readMacLo(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 0)).toBe(-1);
  });
});

describe('FdbTable', () => {
  it('tells apart MACs whose low 32 bits are equal (compared on the top 16 bits too)', () => {
    const t = new FdbTable();
    const a = parseMac('02:42:ac:11:00:02');
    const b = parseMac('0a:00:ac:11:00:02');
    t.insert(entry(a));
    expect(t.has(b)).toBe(false);
    t.insert(entry(b));
    expect(t.get(a)!.mac).toBe(a);
    expect(t.get(b)!.mac).toBe(b);
    expect(t.find(macHi(b), macLo(b))!.mac).toBe(b);
    t.remove(t.get(a)!);
    expect([t.has(a), t.has(b), t.size]).toEqual([false, true, 1]);
  });

  it('behaves like a Map keyed by MAC (insertion order, growth, removal while iterating)', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('add' as const), mac: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ k: fc.constant('del' as const), mac: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ k: fc.constant('sweep' as const), mod: fc.integer({ min: 2, max: 5 }) }),
    );
    // few distinct low halves, several top halves: many collisions and equal low halves
    const macOf = (n: number): number => (n % 4) * 0x100000000 + 0x02420000 + (n >> 2);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const t = new FdbTable();
        const m = new Map<number, FdbEntry>();
        for (const o of ops) {
          if (o.k === 'add') {
            const mac = macOf(o.mac);
            if (!m.has(mac)) {
              const e = entry(mac);
              t.insert(e);
              m.set(mac, e);
            }
          } else if (o.k === 'del') {
            const e = m.get(macOf(o.mac));
            expect(t.remove(e ?? entry(macOf(o.mac)))).toBe(e !== undefined);
            m.delete(macOf(o.mac));
          } else {
            // delete every entry whose MAC is a multiple of `mod` while iterating, as fdbCleanup does
            for (const e of t.values()) if (e.mac % o.mod === 0) t.remove(e);
            for (const e of [...m.values()]) if (e.mac % o.mod === 0) m.delete(e.mac);
          }
          expect(t.size).toBe(m.size);
          expect([...t].map((e) => e.mac)).toEqual([...m.keys()]);
          for (let n = 0; n <= 40; n++) expect(t.get(macOf(n))).toBe(m.get(macOf(n)));
        }
      }),
    );
  });

  it('holds 10,000 entries and finds each one', () => {
    const t = new FdbTable();
    for (let i = 0; i < 10_000; i++) t.insert(entry(0x024200000000 + i * 7919));
    expect(t.size).toBe(10_000);
    for (let i = 0; i < 10_000; i++) expect(t.get(0x024200000000 + i * 7919)!.mac).toBe(0x024200000000 + i * 7919);
    expect(t.has(0x024200000001)).toBe(false);
    t.clear();
    expect([t.size, [...t].length, t.has(0x024200000000)]).toEqual([0, 0, false]);
  });

  it('fdb functions keep the dynamic count and the GC timer right through the table', () => {
    const sim = new Sim();
    const br = new BridgeDevice(sim, 'br0', 0x020000000001);
    const { c } = lab(1, sim);
    const p = br.addPort(c[0]!.ctr);
    fdbUpdate(br, p, 0x02420a000002);
    expect([br.fdbDynamic, sim.pendingTimers]).toEqual([1, 1]);
    fdbAddPermanent(br, p, 0x02420a000002, false); // replaces the learned entry by a static one
    expect([br.fdbDynamic, sim.pendingTimers, br.fdb.get(0x02420a000002)!.isStatic]).toEqual([0, 0, true]);
    fdbDelete(br, br.fdb.get(0x02420a000002)!);
    expect(fdbFind(br, 0x02420a000002)).toBeNull();
  });
});

describe('bridge port state cache', () => {
  it('follows admin state changes of the port, its peer and the bridge at once', () => {
    const { sim, br, c } = lab(2);
    const p = c[1]!.port;
    expect(portState(p)).toBe(BR_STATE_FORWARDING);
    c[1]!.ctr.adminUp = false; // the peer going down takes the carrier away
    expect(portState(p)).toBe(BR_STATE_DISABLED);
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac));
    sim.drain();
    c[1]!.ctr.adminUp = true;
    expect(portState(p)).toBe(BR_STATE_FORWARDING);
    br.adminUp = false;
    expect(portState(p)).toBe(BR_STATE_DISABLED);
    br.adminUp = true;
    // learned while c1 was down: c1's MAC is unknown, so the frame floods to c1 now
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac));
    sim.drain();
    expect(c[1]!.got).toHaveLength(1);
  });

  it('a learned destination whose port went down is not forwarded to (counted as port-down)', () => {
    const { sim, br, c } = lab(2);
    c[1]!.ctr.xmit(frame(c[0]!.mac, c[1]!.mac)); // learn c1
    sim.drain();
    c[1]!.host.adminUp = false;
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac));
    sim.drain();
    expect(c[1]!.got).toHaveLength(0);
    expect(br.counters.get('port-down')).toBe(1);
  });
});
