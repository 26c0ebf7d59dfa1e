import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { SECOND } from '../../src/core/time.js';
import { connect, createNetns, ping } from '../../src/netns/index.js';
import type { NetNamespace } from '../../src/netns/index.js';
import { parseIp } from '../../src/wire/addr.js';
import { capture } from './helpers.js';

/** h0 — R1 — … — Rk — h1; link j joins node j (10.0.j.1) and node j+1 (10.0.j.2). */
function chain(k: number): { sim: Sim; h0: NetNamespace; h1: NetNamespace; routers: NetNamespace[] } {
  const sim = new Sim();
  const nodes: NetNamespace[] = [];
  for (let i = 0; i <= k + 1; i++) nodes.push(createNetns(sim, i === 0 ? 'h0' : i === k + 1 ? 'h1' : `r${i}`, new Rng(i + 7)));
  for (let j = 0; j <= k; j++) {
    connect(nodes[j]!, `right${j}`, nodes[j + 1]!, `left${j}`);
    nodes[j]!.addAddress(`right${j}`, `10.0.${j}.1/24`);
    nodes[j + 1]!.addAddress(`left${j}`, `10.0.${j}.2/24`);
  }
  nodes[0]!.addRoute({ dst: 'default', via: '10.0.0.2' });
  nodes[k + 1]!.addRoute({ dst: 'default', via: `10.0.${k}.1` });
  for (let i = 1; i <= k; i++) {
    const r = nodes[i]!;
    r.setSysctl('ip_forward', 1);
    if (i < k) r.addRoute({ dst: 'default', via: `10.0.${i}.2` });
    if (i > 1) r.addRoute({ dst: '10.0.0.0/24', via: `10.0.${i - 1}.1` });
  }
  return { sim, h0: nodes[0]!, h1: nodes[k + 1]!, routers: nodes.slice(1, k + 1) };
}

describe('forwarding through router namespaces', () => {
  it('TTL drops by one per hop; TTL ≤ hops gives time exceeded from the router where it ran out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), (k, ttl) => {
        const { h0, h1 } = chain(k);
        const dst = `10.0.${k}.2`;
        const seen = capture([h1.mustDev(`left${k}`)]);
        const r = ping(h0, dst, { ttl, timeoutNs: 2 * SECOND });
        if (ttl > k) {
          expect(r.received).toBe(1);
          expect(r.replies[0]!.ttl).toBe(64 - k);
          const req = seen.find((f) => f.dir === 'rx' && f.bytes[23] === 1)!;
          expect(req.bytes[22]).toBe(ttl - k);
        } else {
          expect(r.received).toBe(0);
          expect(r.icmpErrors.length).toBe(1);
          expect(r.icmpErrors[0]!.text).toBe('Time to live exceeded');
          // sent by router `ttl`, from its address towards h0
          expect(r.icmpErrors[0]!.from).toBe(`10.0.${ttl - 1}.2`);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('ip_forward = 0: dropped silently, counted as InAddrErrors', () => {
    const { h0, routers } = chain(1);
    routers[0]!.setSysctl('ip_forward', 0);
    const r = ping(h0, '10.0.1.2');
    expect(r.received).toBe(0);
    expect(r.icmpErrors).toEqual([]);
    expect(routers[0]!.counters.get('InAddrErrors')).toBe(1);
  });

  it('no route on the router: ICMP net unreachable back to the sender', () => {
    const { h0, routers } = chain(1);
    const r = ping(h0, '192.0.2.1');
    expect(r.received).toBe(0);
    expect(r.icmpErrors.map((e) => [e.from, e.text])).toEqual([['10.0.0.2', 'Destination Net Unreachable']]);
    expect(routers[0]!.counters.get('InNoRoutes')).toBe(1);
  });

  it('ARP fails on the far side: ICMP host unreachable from the router after 3 s', () => {
    const { sim, h0, routers } = chain(1);
    const t0 = sim.now;
    const r = ping(h0, '10.0.1.77', { timeoutNs: 5 * SECOND });
    expect(sim.now - t0).toBe(5 * SECOND);
    expect(r.icmpErrors.map((e) => [e.from, e.text])).toEqual([['10.0.0.2', 'Destination Host Unreachable']]);
    expect(routers[0]!.counters.get('ArpResFailed')).toBe(1);
  });

  it('MTU: a DF datagram larger than the next link gets "fragmentation needed" with the MTU', () => {
    const { h0, routers } = chain(1);
    routers[0]!.mustDev('right1').mtu = 1000;
    const errs: Array<[number, number]> = [];
    const s = h0.ping.open({ onReply() {}, onError: (_q, _f, t, c) => errs.push([t, c]) });
    h0.ping.send(s, parseIp('10.0.1.2'), 0, { payload: new Uint8Array(1200) });
    h0.sim.advance(SECOND);
    expect(errs).toEqual([[3, 4]]);
  });
});

describe('ICMP error rate limit', () => {
  it('a burst of 6 errors per destination, then one per second (icmp_ratelimit)', () => {
    const { sim, h0, routers } = chain(1);
    const errs: number[] = [];
    const s = h0.ping.open({ onReply() {}, onError: () => errs.push(sim.now) });
    for (let i = 0; i < 10; i++) h0.ping.send(s, parseIp('10.0.1.2'), i, { ttl: 1 });
    sim.advance(SECOND / 2);
    expect(errs.length).toBe(6);
    expect(routers[0]!.counters.get('IcmpRateLimited')).toBe(4);
    sim.advance(SECOND / 2);
    for (let i = 0; i < 3; i++) h0.ping.send(s, parseIp('10.0.1.2'), 20 + i, { ttl: 1 });
    sim.advance(SECOND / 2);
    expect(errs.length).toBe(7);
  });
});
