/**
 * The allocation-free packet path: CHECKSUM_UNNECESSARY for frames the stack sent (and verification
 * of everything else), zero-copy UDP delivery, the per-namespace output-route cache and the route's
 * cached neighbour, and numeric counter slots.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Counters, counterSlot } from '../../src/core/counters.js';
import { DockernetError } from '../../src/core/errors.js';
import { dstCheck, ipRouteOutput } from '../../src/netns/ip-output.js';
import { ipToString, parseIp } from '../../src/wire/addr.js';
import { buildUdp, ipv4Src, l4SrcPort } from '../../src/wire/build.js';
import { CHECKSUM_NONE, CHECKSUM_UNNECESSARY, SkBuff } from '../../src/wire/skbuff.js';
import { MAC_A, MAC_BR, capture, lan } from './helpers.js';

const A = parseIp('172.17.0.2');
const B = parseIp('172.17.0.3');

/** A datagram a → b built by hand (not by a socket), as it would arrive on b's eth0. */
function handBuilt(payload: string): SkBuff {
  return buildUdp({ srcMac: MAC_BR, dstMac: 0, src: A, dst: B, ttl: 64, id: 1 }, 4000, 7, new TextEncoder().encode(payload));
}

describe('checksum trust (skb.ipSummed)', () => {
  it('a datagram sent by a socket is marked CHECKSUM_UNNECESSARY and delivered', () => {
    const { sim, a, b } = lan();
    const seen: number[] = [];
    b.mustDev('eth0').taps.push((_d, skb, dir) => {
      if (dir === 'rx' && skb.data[23] === 17) seen.push(skb.ipSummed);
    });
    const got: string[] = [];
    b.udp.bind(0, 7, (d) => got.push(new TextDecoder().decode(d)));
    a.udp.bind(0, 4000, () => {}).sendTo(B, 7, new TextEncoder().encode('hi'));
    sim.run();
    expect(got).toEqual(['hi']);
    expect(seen).toEqual([CHECKSUM_UNNECESSARY]);
  });

  it('a hand-built frame is CHECKSUM_NONE: a bad UDP checksum is counted (InCsumErrors) and dropped', () => {
    const { sim, b } = lan();
    const got: string[] = [];
    b.udp.bind(0, 7, (d) => got.push(new TextDecoder().decode(d)));
    const eth0 = b.mustDev('eth0');
    const good = handBuilt('ok');
    good.data.set([0x02, 0x42, 0xac, 0x11, 0x00, 0x03], 0);
    expect(good.ipSummed).toBe(CHECKSUM_NONE);
    const bad = good.clone();
    bad.data[bad.len - 1]! ^= 0xff; // payload changed, checksum not
    eth0.receive(good);
    eth0.receive(bad);
    sim.run();
    expect(got).toEqual(['ok']);
    expect(b.stat('InCsumErrors')).toBe(1);
  });

  it('a hand-built frame with a bad IPv4 header checksum is counted (InHdrErrors), the same bytes marked UNNECESSARY are trusted', () => {
    const { sim, b } = lan();
    let n = 0;
    b.udp.bind(0, 7, () => n++);
    const eth0 = b.mustDev('eth0');
    const f = handBuilt('x');
    f.data.set([0x02, 0x42, 0xac, 0x11, 0x00, 0x03], 0);
    f.data[24]! ^= 0x01; // IPv4 header checksum
    eth0.receive(f.clone());
    sim.run();
    expect(b.stat('InHdrErrors')).toBe(1);
    expect(n).toBe(0);
    const trusted = f.clone();
    trusted.ipSummed = CHECKSUM_UNNECESSARY;
    expect(trusted.ipSummed).toBe(CHECKSUM_UNNECESSARY); // clone keeps the flag
    eth0.receive(trusted);
    sim.run();
    expect(n).toBe(1);
  });
});

describe('UDP delivery', () => {
  it('onSkb sees the payload in place (no copy); onMessage gets a copy that outlives the buffer', () => {
    const { sim, a, b } = lan();
    const inPlace: Array<{ text: string; src: number; sport: number; same: boolean }> = [];
    let bufSeen: ArrayBufferLike | null = null;
    const s = b.udp.bind(0, 7, () => {
      throw new Error('onMessage must not run when onSkb is set');
    });
    s.onSkb = (skb, off, len, sock) => {
      bufSeen = skb.data.buffer;
      inPlace.push({ text: new TextDecoder().decode(skb.data.subarray(off, off + len)), src: ipv4Src(skb), sport: l4SrcPort(skb), same: sock === s });
    };
    a.udp.bind(0, 4000, () => {}).sendTo(B, 7, new TextEncoder().encode('zero-copy'));
    sim.run();
    expect(inPlace).toEqual([{ text: 'zero-copy', src: A, sport: 4000, same: true }]);
    expect(bufSeen).not.toBeNull();

    const copies: Uint8Array[] = [];
    b.udp.bind(0, 8, (d) => copies.push(d));
    const frames = capture([b.mustDev('eth0')]);
    a.udp.bind(0, 4001, () => {}).sendTo(B, 8, new TextEncoder().encode('copy'));
    sim.run();
    expect(frames.length).toBeGreaterThan(0);
    expect(copies[0]!.buffer.byteLength).toBe(4); // its own buffer, not the frame's
    expect(new TextDecoder().decode(copies[0])).toBe('copy');
  });
});

describe('output route cache', () => {
  it('returns the same route object until the FIB changes, and follows route and address changes', () => {
    const { a } = lan();
    const r1 = ipRouteOutput(a, B)!;
    expect(ipRouteOutput(a, B)).toBe(r1); // cached: no new object
    expect(r1.dev.name).toBe('eth0');
    expect(r1.nexthop).toBe(B | 0);
    expect(r1.src).toBe(A | 0);
    // a different requested source is a different route
    const withSrc = ipRouteOutput(a, B, parseIp('172.17.0.9'));
    expect(withSrc!.src).toBe(parseIp('172.17.0.9') | 0);
    expect(ipRouteOutput(a, B)!.src).toBe(A | 0);
    // a route change flushes it
    a.addRoute({ dst: '172.17.0.3/32', via: '172.17.0.1' });
    const r2 = ipRouteOutput(a, B)!;
    expect(r2).not.toBe(r1);
    expect(r2.nexthop).toBe(parseIp('172.17.0.1') | 0);
    a.delRoute({ dst: '172.17.0.3/32' });
    expect(ipRouteOutput(a, B)!.nexthop).toBe(B | 0);
    // a remote destination is routed via the gateway, with the source selected once
    const far = ipRouteOutput(a, parseIp('8.8.8.8'))!;
    expect(far.nexthop).toBe(parseIp('172.17.0.1') | 0);
    expect(far.src).toBe(A | 0);
    // so does the link going down (no route at all; the default route is gone for good, as in Linux)
    a.setLinkUp('eth0', false);
    expect(ipRouteOutput(a, B)).toBeNull();
    a.setLinkUp('eth0', true);
    expect(ipRouteOutput(a, B)!.dev.name).toBe('eth0');
    expect(ipRouteOutput(a, parseIp('8.8.8.8'))).toBeNull();
  });

  it('dstCheck: a kept route stays valid until the FIB changes or the route leaves the cache', () => {
    const { a } = lan();
    const r1 = ipRouteOutput(a, B)!;
    expect(dstCheck(r1)).toBe(true);
    ipRouteOutput(a, parseIp('172.17.0.4')); // another destination: r1 stays
    expect(dstCheck(r1)).toBe(true);
    a.addAddress('eth0', '172.17.0.20/16'); // any FIB change
    expect(dstCheck(r1)).toBe(false);
    const r2 = ipRouteOutput(a, B)!;
    expect(r2).not.toBe(r1);
    expect(dstCheck(r2)).toBe(true);
    // the same destination asked with another source is another route; both stay valid (as two
    // sockets' dst caches do) and both are found again
    const r3 = ipRouteOutput(a, B, parseIp('172.17.0.20'))!;
    expect(r3.src).toBe(parseIp('172.17.0.20') | 0);
    expect(dstCheck(r2)).toBe(true);
    expect(dstCheck(r3)).toBe(true);
    expect(ipRouteOutput(a, B)).toBe(r2);
    expect(ipRouteOutput(a, B, parseIp('172.17.0.20'))).toBe(r3);
    // a FIB change makes every one of them stale
    a.addRoute({ dst: '10.9.0.0/16', via: '172.17.0.1' });
    expect(dstCheck(r2)).toBe(false);
    expect(dstCheck(r3)).toBe(false);
    // an object that never came from ipRouteOutput is never valid
    expect(dstCheck({ ...r3, obsolete: undefined } as never)).toBe(false);
  });

  it('keeps the routes of up to 16 sources per destination; the oldest leaves the cache (and is stale) after that', () => {
    const { a } = lan();
    for (let k = 0; k < 20; k++) a.addAddress('eth0', `172.17.1.${k + 1}/16`);
    const src = (k: number): number => parseIp(`172.17.1.${k + 1}`);
    const rts = Array.from({ length: 16 }, (_, k) => ipRouteOutput(a, B, src(k))!);
    rts.forEach((r, k) => {
      expect(r.src).toBe(src(k) | 0);
      expect(dstCheck(r)).toBe(true);
      expect(ipRouteOutput(a, B, src(k))).toBe(r);
    });
    const r16 = ipRouteOutput(a, B, src(16))!;
    expect(dstCheck(r16)).toBe(true);
    expect(dstCheck(rts[0]!)).toBe(false); // the oldest left
    for (let k = 1; k < 16; k++) expect(dstCheck(rts[k]!)).toBe(true);
    expect(ipRouteOutput(a, B, src(0))).not.toBe(rts[0]);
  });

  it('a deleted neighbour entry is not reused through the route: the next datagram resolves again', () => {
    const { sim, a, b } = lan();
    let n = 0;
    b.udp.bind(0, 7, () => n++);
    const s = a.udp.bind(0, 4000, () => {});
    s.sendTo(B, 7, new Uint8Array(1));
    sim.run();
    s.sendTo(B, 7, new Uint8Array(1)); // via the route's cached neighbour
    sim.run();
    expect(n).toBe(2);
    const solicits = a.stat('ArpSolicits');
    const eth0 = a.mustDev('eth0');
    expect(a.neigh.delete(eth0, B)).toBe(true);
    s.sendTo(B, 7, new Uint8Array(1));
    sim.run();
    expect(a.stat('ArpSolicits')).toBe(solicits + 1);
    expect(n).toBe(3);
    expect(a.neigh.get(eth0, B)!.mac).toBe(b.mustDev('eth0').mac);
  });

  it('the neighbour entry is written into the Ethernet header from its MAC halves', () => {
    const { sim, a, b } = lan();
    b.udp.bind(0, 7, () => {});
    const frames = capture([b.mustDev('eth0')]);
    a.udp.bind(0, 4000, () => {}).sendTo(B, 7, new Uint8Array(1));
    sim.run();
    const udp = frames.filter((f) => f.dir === 'rx' && f.bytes[23] === 17);
    expect(udp).toHaveLength(1);
    const dv = new DataView(udp[0]!.bytes.buffer);
    expect(dv.getUint16(0) * 2 ** 32 + dv.getUint32(2)).toBe(b.mustDev('eth0').mac);
    expect(dv.getUint16(6) * 2 ** 32 + dv.getUint32(8)).toBe(MAC_A);
    expect(dv.getUint16(12)).toBe(0x0800);
  });
});

describe('FIB lookup cache (last destination)', () => {
  it('a repeated lookup answers from the last result until any FIB change: route, address, link state, sysctl', () => {
    const { sim, a, b } = lan();
    const r1 = a.routeLookup(B);
    expect(a.routeLookup(B)).toBe(r1); // the same frozen result, no new lookup
    expect(r1.type).toBe('unicast');
    expect(r1.nexthop).toBe(B | 0);
    // another destination in between, then back: still right
    expect(a.routeLookup(A).type).toBe('local');
    expect(a.routeLookup(B)).toBe(r1);
    // a more specific route right after a cached lookup of the same destination
    a.addRoute({ dst: '172.17.0.3/32', via: '172.17.0.1' });
    const r2 = a.routeLookup(B);
    expect(r2).not.toBe(r1);
    expect(r2.gateway).toBe(parseIp('172.17.0.1') | 0);
    a.delRoute({ dst: '172.17.0.3/32' });
    expect(a.routeLookup(B).gateway).toBe(0);
    // a new local address: the destination that was unicast becomes local at once
    expect(a.routeLookup(parseIp('172.17.0.30')).type).toBe('unicast');
    a.addAddress('eth0', '172.17.0.30/16');
    expect(a.routeLookup(parseIp('172.17.0.30')).type).toBe('local');
    // link down: the connected route's result is not served from the cache
    expect(a.routeLookup(B).dev!.name).toBe('eth0');
    a.setLinkUp('eth0', false);
    expect(a.routeLookup(B).dev).toBeNull();
    a.setLinkUp('eth0', true);
    expect(a.routeLookup(B).dev!.name).toBe('eth0');
    // the type alone (the receive path's question) follows the same changes
    const z = parseIp('172.17.0.40');
    expect([a.fib.lookupType(z), a.fib.lookupType(z)]).toEqual(['unicast', 'unicast']);
    a.addAddress('eth0', '172.17.0.40/16');
    expect(a.fib.lookupType(z)).toBe('local');
    expect(a.fib.lookupType(parseIp('172.17.255.255'))).toBe('broadcast');
    expect(a.fib.lookupType(z)).toBe('local');
    a.delAddress('eth0', '172.17.0.40/16');
    expect(a.fib.lookupType(z)).toBe('unicast');
    a.addRoute({ dst: '172.17.0.40/32', type: 'blackhole' });
    expect(a.fib.lookupType(z)).toBe(a.routeLookup(z).type);
    // and the packet path agrees: b receives for its one address, then after it changes addresses
    let got = 0;
    b.udp.bind(0, 7, () => got++);
    const s = a.udp.bind(0, 4000, () => {});
    s.sendTo(B, 7, new Uint8Array(4));
    sim.run();
    s.sendTo(B, 7, new Uint8Array(4));
    sim.run();
    expect(got).toBe(2);
    expect(b.stat('InAddrErrors')).toBe(0);
  });
});

describe('local addresses (isLocalAddress)', () => {
  it('follows every address change: a third and fourth address, deletions, the device leaving', () => {
    const { a } = lan();
    const x = parseIp('10.9.0.1');
    const y = parseIp('10.9.0.2');
    expect([a.isLocalAddress(parseIp('127.0.0.1')), a.isLocalAddress(A), a.isLocalAddress(B), a.isLocalAddress(0)]).toEqual([true, true, false, false]);
    a.addAddress('eth0', '10.9.0.1/24');
    expect(a.isLocalAddress(x)).toBe(true);
    a.addAddress('eth0', '10.9.0.2/24');
    expect([a.isLocalAddress(x), a.isLocalAddress(y)]).toEqual([true, true]);
    a.delAddress('eth0', '10.9.0.1/24');
    expect([a.isLocalAddress(x), a.isLocalAddress(y), a.isLocalAddress(A)]).toEqual([false, true, true]);
    a.delAddress('eth0', '172.17.0.2/16');
    expect([a.isLocalAddress(A), a.isLocalAddress(y), a.isLocalAddress(parseIp('127.0.0.1'))]).toEqual([false, true, true]);
    a.removeDevice('eth0');
    expect([a.isLocalAddress(y), a.isLocalAddress(parseIp('127.0.0.1'))]).toEqual([false, true]);
  });

  it('a datagram arriving with one of the receiver\'s own addresses as source is a martian, counted once it is added', () => {
    const { sim, a, b } = lan();
    let got = 0;
    b.udp.bind(0, 7, () => got++);
    const s = a.udp.bind(0, 4000, () => {});
    s.sendTo(B, 7, new Uint8Array(4));
    sim.run();
    expect(got).toBe(1);
    b.addAddress('eth0', '172.17.0.2/32'); // a's address is now also one of b's
    s.sendTo(B, 7, new Uint8Array(4));
    sim.run();
    expect(got).toBe(1);
    expect(b.stat('InMartianSrc')).toBe(1);
    b.delAddress('eth0', '172.17.0.2/32');
    s.sendTo(B, 7, new Uint8Array(4));
    sim.run();
    expect(got).toBe(2);
  });
  it('answers as a scan of the addresses for any set of them, 0.0.0.0 and duplicates included (the hashed table past the second)', () => {
    const addr = fc.oneof(fc.constantFrom(0, 1, 0x80000000, 0xffffffff, 0x7f000001), fc.integer({ min: 0, max: 0xffffffff }));
    fc.assert(
      fc.property(fc.uniqueArray(addr, { maxLength: 40 }), fc.array(addr, { maxLength: 20 }), fc.nat(40), (added, probes, removeAt) => {
        const { a } = lan();
        for (const x of added) a.addAddress('eth0', `${ipToString(x)}/32`);
        const gone = added[removeAt % Math.max(1, added.length)];
        if (gone !== undefined) a.delAddress('eth0', `${ipToString(gone)}/32`);
        const scan = (x: number): boolean => a.addresses().some((i) => i.local === x >>> 0);
        for (const x of [...added, ...probes, 0, parseIp('127.0.0.1'), A, B]) expect(a.isLocalAddress(x)).toBe(scan(x));
      }),
      { numRuns: 200 },
    );
  });
});

describe('MASQUERADE source (masqueradeSource, remembered)', () => {
  it('answers as inet_select_addr computed afresh through address, route and device changes', () => {
    type Op =
      | { k: 'ask'; dev: number; dst: number }
      | { k: 'add'; dev: number; ip: number; len: number }
      | { k: 'del'; i: number }
      | { k: 'route'; via: number }
      | { k: 'rename'; dev: number }
      | { k: 'remove'; dev: number };
    const ip = fc.constantFrom(0x0a000001, 0x0a000002, 0x0a010005, 0xac110001, 0xac110009, 0xc0a80001, 0x08080808);
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ k: fc.constant('ask' as const), dev: fc.nat(3), dst: ip }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('add' as const), dev: fc.nat(3), ip, len: fc.constantFrom(8, 16, 24, 32) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('del' as const), i: fc.nat(10) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('route' as const), via: ip }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('rename' as const), dev: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('remove' as const), dev: fc.nat(3) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const { host } = lan();
        const names = ['docker0', 'vetha', 'vethb', 'nosuch'];
        let renamed = 0;
        const fresh = (outDev: string, dst: number): number => {
          const dev = host.dev(outDev);
          if (!dev) return 0;
          const r = host.fib.lookup(dst >>> 0);
          return host.selectSourceAddr(dev, r.dev === dev ? r.nexthop : dst >>> 0, 'global');
        };
        for (const o of ops) {
          try {
            if (o.k === 'ask') {
              const name = names[o.dev]!;
              expect(host.masqueradeSource(name, o.dst)).toBe(fresh(name, o.dst));
            } else if (o.k === 'add') host.addAddress(names[o.dev]!, `${ipToString(o.ip)}/${o.len}`);
            else if (o.k === 'del') {
              const a = host.addresses().filter((x) => x.dev !== host.lo)[o.i];
              if (a) host.delAddress(a.dev.name, `${ipToString(a.local)}/${a.prefixLen}`);
            } else if (o.k === 'route') host.addRoute({ dst: 'default', via: ipToString(o.via) });
            else if (o.k === 'rename') {
              const name = names[o.dev]!;
              host.setLinkUp(name, false);
              const to = `r${renamed++}`;
              host.renameDevice(name, to);
              names[names.indexOf(name)] = to;
              names[o.dev] = name; // the old name is asked again: now no device has it
            } else host.removeDevice(names[o.dev]!);
          } catch (e) {
            // a refused change (no such device, route unreachable, address exists) changes nothing
            if (!(e instanceof DockernetError)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('follows a new default route (the nexthop picks the address), a rename of a down device and its removal', () => {
    const { host } = lan();
    host.addAddress('docker0', '10.0.0.1/8');
    const out = parseIp('8.8.8.8');
    // no route: the nexthop is the destination, outside both subnets: the first primary address
    expect(host.masqueradeSource('docker0', out)).toBe(parseIp('172.17.0.1'));
    host.addRoute({ dst: 'default', via: '10.0.0.2' });
    expect(host.masqueradeSource('docker0', out)).toBe(parseIp('10.0.0.1'));
    // vetha has no address of its own: a global address of another device
    host.setLinkUp('vetha', false);
    expect(host.masqueradeSource('vetha', out)).toBe(parseIp('172.17.0.1'));
    host.renameDevice('vetha', 'vethz');
    expect([host.masqueradeSource('vetha', out), host.masqueradeSource('vethz', out)]).toEqual([0, parseIp('172.17.0.1')]);
    host.removeDevice('vethz');
    expect(host.masqueradeSource('vethz', out)).toBe(0);
  });
});

describe('addrtype (addrType through the FIB cache)', () => {
  it('answers from the local table alone, as a direct lookup there, through address, route and link changes', () => {
    type Op =
      | { k: 'ask'; ip: number }
      | { k: 'addr'; ip: number; len: number }
      | { k: 'del'; i: number }
      | { k: 'route'; ip: number; len: number; type: 'unicast' | 'blackhole' | 'broadcast' | 'local'; table: 'main' | 'local' }
      | { k: 'link'; up: boolean };
    const ip = fc.oneof(fc.constantFrom(0x0a000001, 0x0a0000ff, 0x0a000000, 0xac110001, 0xac11ffff, 0x7f000001, 0x08080808), fc.integer({ min: 0, max: 0xffffffff }));
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ k: fc.constant('ask' as const), ip }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('addr' as const), ip, len: fc.constantFrom(8, 24, 31, 32) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('del' as const), i: fc.nat(6) }) },
      {
        weight: 2,
        arbitrary: fc.record({
          k: fc.constant('route' as const),
          ip,
          len: fc.constantFrom(0, 8, 24, 32),
          type: fc.constantFrom('unicast' as const, 'blackhole' as const, 'broadcast' as const, 'local' as const),
          table: fc.constantFrom('main' as const, 'local' as const),
        }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('link' as const), up: fc.boolean() }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const { host } = lan();
        const direct = (x: number): string => {
          const a = x >>> 0;
          if (a === 0) return 'UNSPEC';
          if (a === 0xffffffff) return 'BROADCAST';
          if (a >>> 28 === 0xe) return 'MULTICAST';
          const r = host.fib.local.lookup(a);
          return r?.type === 'local' ? 'LOCAL' : r?.type === 'broadcast' ? 'BROADCAST' : 'UNICAST';
        };
        for (const o of ops) {
          try {
            if (o.k === 'ask') {
              // the FIB's cache is filled first for the same address (the packet path's order)
              host.fib.lookup(o.ip >>> 0);
              expect(host.addrType(o.ip)).toBe(direct(o.ip));
            } else if (o.k === 'addr') host.addAddress('docker0', `${ipToString(o.ip)}/${o.len}`);
            else if (o.k === 'del') {
              const a = host.addresses().filter((x) => x.dev !== host.lo)[o.i];
              if (a) host.delAddress(a.dev.name, `${ipToString(a.local)}/${a.prefixLen}`);
            } else if (o.k === 'route') {
              const net = o.len === 0 ? 0 : (o.ip & (-1 << (32 - o.len))) >>> 0;
              host.addRoute({ dst: `${ipToString(net)}/${o.len}`, type: o.type, table: o.table, dev: o.type === 'blackhole' ? undefined : 'docker0' });
            } else host.setLinkUp('docker0', o.up);
          } catch (e) {
            if (!(e instanceof DockernetError)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('empty rulesets', () => {
  it('a namespace whose ruleset is empty skips netfilter; rules, a DROP policy and a flush are seen at once', () => {
    const { sim, a, b } = lan();
    let n = 0;
    b.udp.bind(0, 7, () => n++);
    const s = a.udp.bind(0, 4000, () => {});
    const send = (): void => {
      s.sendTo(B, 7, new Uint8Array(1));
      sim.run();
    };
    send();
    expect(n).toBe(1);
    expect(b.nf.iptables(['-A', 'INPUT', '-p', 'udp', '--dport', '7', '-j', 'DROP']).exitCode).toBe(0);
    send();
    expect(n).toBe(1); // dropped by the new rule
    expect(b.nf.iptables(['-F', 'INPUT']).exitCode).toBe(0);
    send();
    expect(n).toBe(2);
    expect(b.nf.iptables(['-P', 'INPUT', 'DROP']).exitCode).toBe(0); // a policy alone registers the hook
    send();
    expect(n).toBe(2);
    expect(b.nf.iptables(['-P', 'INPUT', 'ACCEPT']).exitCode).toBe(0);
    // a rule in a user chain only (not reachable) and a nat rule on the sender: still delivered
    expect(b.nf.iptables(['-N', 'MINE']).exitCode).toBe(0);
    expect(b.nf.iptables(['-A', 'MINE', '-j', 'DROP']).exitCode).toBe(0);
    expect(a.nf.iptables(['-t', 'nat', '-A', 'OUTPUT', '-p', 'udp', '--dport', '7', '-j', 'DNAT', '--to-destination', '172.17.0.3:8']).exitCode).toBe(0);
    b.udp.bind(0, 8, () => (n += 100));
    send();
    expect(n).toBe(102); // the sender's DNAT ran: its OUTPUT hook was not skipped
  });
});

describe('Counters (numeric slots)', () => {
  it('by name and by slot reach the same counter; snapshot is sorted; inc(name, 0) creates it; reset forgets', () => {
    const c = new Counters();
    const slot = counterSlot('TestFastpathZ');
    expect(counterSlot('TestFastpathZ')).toBe(slot);
    c.add(slot);
    c.inc('TestFastpathZ', 2);
    c.inc('TestFastpathA', 0);
    expect(c.get('TestFastpathZ')).toBe(3);
    expect(c.get('TestFastpathA')).toBe(0);
    expect(c.get('NeverSeenCounterName')).toBe(0);
    expect(Object.keys(c.snapshot())).toEqual(['TestFastpathA', 'TestFastpathZ']);
    expect(c.snapshot()).toEqual({ TestFastpathA: 0, TestFastpathZ: 3 });
    const other = new Counters();
    expect(other.snapshot()).toEqual({});
    other.inc('TestFastpathA');
    expect(c.get('TestFastpathA')).toBe(0); // sets are independent
    c.reset();
    expect(c.snapshot()).toEqual({});
    expect(c.get('TestFastpathZ')).toBe(0);
  });
});
