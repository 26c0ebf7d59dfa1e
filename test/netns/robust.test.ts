import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { createNetns, FibTable, Fib } from '../../src/netns/index.js';
import type { Route } from '../../src/netns/index.js';
import { SkBuff } from '../../src/wire/skbuff.js';
import { ipToString, parseIp, prefixMask } from '../../src/wire/addr.js';
import { ipRoute } from '../../src/netns/iproute.js';
import { ipRouteOutput } from '../../src/netns/ip-output.js';
import { checksum } from '../../src/wire/checksum.js';
import { lan } from './helpers.js';

describe('malformed frames', () => {
  it('random bytes into a device never throw; IPv4 garbage is counted', () => {
    const { sim, a } = lan();
    const eth0 = a.mustDev('eth0');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.boolean(), fc.boolean(), (bytes, ip, fixCsum) => {
        const b = new Uint8Array(Math.max(bytes.length, 14));
        b.set(bytes);
        b.set([0x02, 0x42, 0xac, 0x11, 0x00, 0x02], 0); // to a's MAC
        if (ip) {
          b[12] = 0x08;
          b[13] = 0x00;
          if (b.length >= 34) {
            b[14] = 0x45;
            if (fixCsum) {
              b[24] = 0;
              b[25] = 0;
              const c = checksum(b, 14, 20);
              b[24] = c >>> 8;
              b[25] = c & 255;
            }
          }
        }
        expect(() => {
          eth0.receive(new SkBuff(b));
          sim.drain();
        }).not.toThrow();
      }),
      { numRuns: 400 },
    );
    const c = a.counters.snapshot();
    const bad = (c.InHdrErrors ?? 0) + (c.InTruncatedPkts ?? 0);
    expect(bad).toBeGreaterThan(0);
  });

  it('a truncated IPv4 header is counted as InTruncatedPkts, a bad checksum as InHdrErrors', () => {
    const { sim, a } = lan();
    const eth0 = a.mustDev('eth0');
    const f = new Uint8Array(30);
    f.set([0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45]);
    eth0.receive(new SkBuff(f));
    const g = new Uint8Array(34);
    g.set([0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 20]);
    eth0.receive(new SkBuff(g));
    sim.drain();
    expect(a.counters.get('InTruncatedPkts')).toBe(1);
    expect(a.counters.get('InHdrErrors')).toBe(1);
  });
});

/** A naive FIB: scan everything, longest prefix then lowest metric. */
function naive(routes: Route[], dst: number): Route | null {
  let best: Route | null = null;
  for (const r of routes) {
    if (((dst & prefixMask(r.len)) >>> 0) !== r.dst) continue;
    if (!best || r.len > best.len || (r.len === best.len && r.metric < best.metric)) best = r;
  }
  return best;
}

describe('FIB longest-prefix match', () => {
  it('agrees with a naive scan', () => {
    const sim = new Sim();
    const ns = createNetns(sim, 'x', new Rng(1));
    const dev = ns.lo;
    const route = fc.record({ addr: fc.integer({ min: 0, max: 0xffffffff }), len: fc.integer({ min: 0, max: 32 }), metric: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(fc.array(route, { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 30 }), (rs, dsts) => {
        const t = new FibTable('main');
        const added: Route[] = [];
        for (const x of rs) {
          const r: Route = {
            table: 'main',
            type: 'unicast',
            dst: (x.addr & prefixMask(x.len)) >>> 0,
            len: x.len,
            gateway: 0,
            dev,
            prefsrc: 0,
            proto: 'boot',
            scope: 'link',
            metric: x.metric,
          };
          if (t.add(r)) added.push(r);
        }
        // probe the route addresses themselves as well as random ones
        for (const d of [...dsts, ...rs.map((x) => x.addr >>> 0)]) {
          const want = naive(added, d);
          const got = t.lookup(d);
          expect(got === null ? null : [got.dst, got.len, got.metric]).toEqual(want === null ? null : [want.dst, want.len, want.metric]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the addresses of routes, lookup results and output routes as int32; ip route prints them unsigned', () => {
    const isInt32 = (x: number): boolean => x === (x | 0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 16, max: 30 }), (addr, len) => {
        const { a } = lan();
        const net = (addr & prefixMask(len)) >>> 0;
        const cidr = `${ipToString(net)}/${len}`;
        if (net >>> 24 === 127 || net >>> 28 >= 0xe || (net & 0xffff0000) >>> 0 === 0xac110000) return; // loopback, multicast, the LAN itself
        a.addRoute({ dst: cidr, via: '172.17.0.1', src: '172.17.0.2' });
        for (const r of [...a.routes(), ...a.routes('local')]) expect([r.dst, r.gateway, r.prefsrc].every(isInt32)).toBe(true);
        expect(ipRoute(a)).toContain(`${cidr} via 172.17.0.1 dev eth0 src 172.17.0.2 `);
        const dst = (net | 1) >>> 0;
        const res = a.routeLookup(dst);
        expect(res.route!.len).toBe(len);
        expect([res.nexthop, res.gateway, res.prefsrc]).toEqual([parseIp('172.17.0.1') | 0, parseIp('172.17.0.1') | 0, parseIp('172.17.0.2') | 0]);
        const out = ipRouteOutput(a, dst)!;
        expect([out.nexthop, out.src]).toEqual([parseIp('172.17.0.1') | 0, parseIp('172.17.0.2') | 0]);
        a.delRoute({ dst: cidr, via: '172.17.0.1' });
        expect(ipRoute(a)).not.toContain(cidr);
      }),
      { numRuns: 100 },
    );
  });

  it('a FIB result is int32 even for a route built by hand with uint32 addresses', () => {
    const sim = new Sim();
    const ns = createNetns(sim, 'x', new Rng(1));
    const fib = new Fib();
    fib.add({ table: 'main', type: 'unicast', dst: 0, len: 0, gateway: 0xac110001, dev: ns.lo, prefsrc: 0xac110002, proto: 'boot', scope: 'global', metric: 0 });
    fib.add({ table: 'main', type: 'unicast', dst: 0xc0a80000, len: 16, gateway: 0, dev: ns.lo, prefsrc: 0, proto: 'boot', scope: 'link', metric: 0 });
    const viaGw = fib.lookup(0x08080808);
    expect([viaGw.nexthop, viaGw.gateway, viaGw.prefsrc]).toEqual([0xac110001 | 0, 0xac110001 | 0, 0xac110002 | 0]);
    expect(fib.lookup(0xc0a80107).nexthop).toBe(0xc0a80107 | 0);
  });

  it('the cache is flushed on change', () => {
    const sim = new Sim();
    const ns = createNetns(sim, 'x', new Rng(1));
    const fib = new Fib();
    const base = { table: 'main' as const, type: 'unicast' as const, gateway: 0, dev: ns.lo, prefsrc: 0, proto: 'boot' as const, scope: 'link' as const, metric: 0 };
    fib.add({ ...base, dst: 0x0a000000, len: 8 });
    expect(fib.lookup(0x0a010101).route!.len).toBe(8);
    fib.add({ ...base, dst: 0x0a010100, len: 24 });
    expect(fib.lookup(0x0a010101).route!.len).toBe(24);
  });
});
