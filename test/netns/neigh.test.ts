import { describe, expect, it } from 'vitest';
import { SECOND } from '../../src/core/time.js';
import { connect, DEFAULT_NEIGH_PARMS, ping, NudState } from '../../src/netns/index.js';
import { parseIp } from '../../src/wire/addr.js';
import { capture, hex, lan } from './helpers.js';
import fc from 'fast-check';

const isArp = (b: Uint8Array): boolean => b[12] === 0x08 && b[13] === 0x06;

describe('neighbour table (ARP) in virtual time', () => {
  it('unanswered ARP: 3 broadcast requests 1 s apart, FAILED at 3 s, ICMP host unreachable to the local sender', () => {
    const { sim, a } = lan();
    const frames = capture([a.mustDev('eth0')]);
    const errors: Array<{ t: number; type: number; code: number; from: number }> = [];
    const sock = a.ping.open({ onReply() {}, onError: (_seq, from, type, code) => errors.push({ t: sim.now, type, code, from }) });
    a.ping.send(sock, parseIp('172.17.0.99'), 0);
    sim.advance(10 * SECOND);
    const reqs = frames.filter((f) => f.dir === 'tx' && isArp(f.bytes));
    expect(reqs.map((f) => f.t)).toEqual([0, SECOND, 2 * SECOND]);
    for (const r of reqs) expect(hex(r.bytes.subarray(0, 6))).toBe('ffffffffffff');
    expect(errors).toEqual([{ t: 3 * SECOND, type: 3, code: 1, from: parseIp('172.17.0.2') }]);
    expect(a.neigh.show()).toBe('172.17.0.99 dev eth0  FAILED\n');
    expect(a.counters.get('ArpResFailed')).toBe(1);
    // no echo request ever left: it waited in the queue and was dropped
    expect(frames.filter((f) => !isArp(f.bytes)).length).toBe(0);
  });

  it('parms: the defaults until a namespace changes its own copy; the change applies to that namespace only', () => {
    const { sim, a, b } = lan();
    expect({ ...b.neigh.parms }).toEqual({ ...DEFAULT_NEIGH_PARMS });
    a.neigh.parms.mcastProbes = 1;
    a.neigh.parms.retransTime = 2 * SECOND;
    expect(b.neigh.parms.mcastProbes).toBe(3);
    expect(DEFAULT_NEIGH_PARMS.mcastProbes).toBe(3);
    const fa = capture([a.mustDev('eth0')]);
    const fb = capture([b.mustDev('eth0')]);
    const sa = a.ping.open({ onReply() {}, onError() {} });
    const sb = b.ping.open({ onReply() {}, onError() {} });
    a.ping.send(sa, parseIp('172.17.0.99'), 0);
    b.ping.send(sb, parseIp('172.17.0.98'), 0);
    sim.advance(10 * SECOND);
    const reqs = (f: typeof fa): number[] => f.filter((x) => x.dir === 'tx' && isArp(x.bytes)).map((x) => x.t);
    expect(reqs(fa)).toEqual([0]);
    expect(reqs(fb)).toEqual([0, SECOND, 2 * SECOND]);
    expect(a.neigh.show()).toBe('172.17.0.99 dev eth0  FAILED\n');
  });

  it('ping tool reports Destination Host Unreachable after the ARP timeout', () => {
    const { a } = lan();
    const r = ping(a, '172.17.0.99', { timeoutNs: 5 * SECOND });
    expect(r.received).toBe(0);
    expect(r.icmpErrors.map((e) => e.text)).toEqual(['Destination Host Unreachable']);
  });

  it('STALE → DELAY → PROBE (unicast) → REACHABLE, and REACHABLE → STALE after reachable_time', () => {
    const { sim, a, b } = lan();
    ping(a, '172.17.0.3');
    const e = b.neigh.get(b.mustDev('eth0'), parseIp('172.17.0.2'))!;
    expect(b.neigh.state(e)).toBe(NudState.DELAY);
    const frames = capture([b.mustDev('eth0')]);
    sim.advance(5 * SECOND - 1);
    expect(b.neigh.state(e)).toBe(NudState.DELAY);
    sim.advance(1);
    // delay_first_probe_time passed: a unicast probe to the cached MAC, answered at once
    const probe = frames.find((f) => f.dir === 'tx' && isArp(f.bytes))!;
    expect(probe.t).toBe(5 * SECOND);
    expect(hex(probe.bytes.subarray(0, 6))).toBe('0242ac110002');
    expect(hex(probe.bytes.subarray(20, 22))).toBe('0001');
    expect(b.neigh.state(e)).toBe(NudState.REACHABLE);
    // reachable_time is random in [15 s, 45 s)
    expect(e.reachableTime).toBeGreaterThanOrEqual(15 * SECOND);
    expect(e.reachableTime).toBeLessThan(45 * SECOND);
    sim.advance(e.reachableTime);
    expect(b.neigh.state(e)).toBe(NudState.STALE);
  });

  it('PROBE without answers → FAILED after 3 unicast probes', () => {
    const { sim, a, b } = lan();
    ping(a, '172.17.0.3');
    a.setLinkUp('eth0', false);
    const e = b.neigh.get(b.mustDev('eth0'), parseIp('172.17.0.2'))!;
    const frames = capture([b.mustDev('eth0')]);
    sim.advance(20 * SECOND);
    const probes = frames.filter((f) => f.dir === 'tx' && isArp(f.bytes));
    expect(probes.map((f) => f.t)).toEqual([5 * SECOND, 6 * SECOND, 7 * SECOND]);
    expect(b.neigh.state(e)).toBe(NudState.FAILED);
  });

  it('answers ARP only for its own addresses', () => {
    const { sim, a, b } = lan();
    const frames = capture([b.mustDev('eth0')]);
    const sock = a.ping.open({ onReply() {} });
    a.ping.send(sock, parseIp('172.17.0.77'), 0);
    sim.advance(4 * SECOND);
    expect(frames.filter((f) => f.dir === 'tx').length).toBe(0);
    expect(frames.filter((f) => f.dir === 'rx').length).toBe(3);
    // b does not learn a from requests that are not for it
    expect(b.neigh.show()).toBe('');
  });
});

describe('neighbour table storage', () => {
  it('lookups and the list order are those of one map per device (first device kept apart), through adds, deletes and device flushes', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('add' as const), d: fc.integer({ min: 0, max: 2 }), ip: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ k: fc.constant('del' as const), d: fc.integer({ min: 0, max: 2 }), ip: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ k: fc.constant('flush' as const), d: fc.integer({ min: 0, max: 2 }), ip: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const { host, a } = lan();
        connect(host, 'vx1', a, 'eth1');
        connect(host, 'vx2', a, 'eth2');
        const devs = ['eth0', 'eth1', 'eth2'].map((n) => a.mustDev(n));
        // the model: a Map of Maps in insertion order, as the table was before it kept its first device apart
        const model = new Map<number, Map<number, number>>();
        let mac = 0x0242_0000_0100;
        for (const o of ops) {
          const dev = devs[o.d]!;
          const ip = (0xac110000 + 10 * o.d + o.ip) | 0;
          if (o.k === 'add') {
            if (a.neigh.get(dev, ip) !== undefined) continue;
            a.neigh.addPermanent(dev, ip >>> 0, ++mac);
            let m = model.get(dev.ifindex);
            if (m === undefined) model.set(dev.ifindex, (m = new Map()));
            m.set(ip, mac);
          } else if (o.k === 'del') {
            expect(a.neigh.delete(dev, ip)).toBe(model.get(dev.ifindex)?.delete(ip) ?? false);
          } else {
            a.neigh.flushDev(dev);
            model.delete(dev.ifindex);
          }
          for (const d of devs) for (let x = 1; x <= 6; x++) {
            const ipx = (0xac110000 + 10 * devs.indexOf(d) + x) | 0;
            expect(a.neigh.get(d, ipx)?.mac).toBe(model.get(d.ifindex)?.get(ipx));
          }
          const want: string[] = [];
          for (const [i, m] of model) for (const [ipx, mx] of m) want.push(`${i}/${ipx >>> 0}/${mx}`);
          expect(a.neigh.list().map((e) => `${e.dev.ifindex}/${e.ip >>> 0}/${e.mac}`)).toEqual(want);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('neighbour entry storage', () => {
  it('the MAC reads back from its two halves', () => {
    const { a } = lan();
    const dev = a.mustDev('eth0');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (mac) => {
        const e = a.neigh.addPermanent(dev, 0xac110063, 0x0242ac110063);
        e.setMac(mac);
        expect(e.mac).toBe(mac);
      }),
    );
  });

  it('packets wait in a queue of their own only while unresolved; past unres_qlen the oldest are dropped, the rest leave in order', () => {
    const { sim, a, b } = lan();
    a.neigh.parms.unresQlen = 3;
    const got: number[] = [];
    b.udp.bind(0, 7, (d) => got.push(d[0]!));
    const sock = a.udp.bind(0, 4000, () => {});
    for (let i = 0; i < 5; i++) sock.sendTo(parseIp('172.17.0.3'), 7, new Uint8Array([i]));
    const e = a.neigh.get(a.mustDev('eth0'), parseIp('172.17.0.3'))!;
    expect(e.queue.length).toBe(3);
    expect(a.counters.get('ArpUnresDiscards')).toBe(2);
    sim.run();
    expect(got).toEqual([2, 3, 4]);
    expect(e.queue.length).toBe(0);
    // a resolved entry and one that never queued share the empty queue
    const other = a.neigh.addPermanent(a.mustDev('eth0'), 0xac110063, 0x0242ac110063);
    expect(e.queue).toBe(other.queue);
  });
});
