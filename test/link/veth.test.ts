import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FdbEntry } from '../../src/link/bridge/fdb.js';
import { Sim } from '../../src/core/scheduler.js';
import { RecordingTracer } from '../../src/core/trace.js';
import { createVethPair } from '../../src/link/veth.js';
import { createLoopback } from '../../src/link/loopback.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { MAC_BROADCAST } from '../../src/wire/addr.js';
import { frame, mac } from './helpers.js';

function pair() {
  const sim = new Sim();
  const [a, b] = createVethPair(sim, 'veth0', mac(1), 'eth0', mac(2));
  a.ifindex = 7;
  b.ifindex = 8;
  const gotA: SkBuff[] = [];
  const gotB: SkBuff[] = [];
  a.rxHandler = (_d, s) => gotA.push(s);
  b.rxHandler = (_d, s) => gotB.push(s);
  return { sim, a, b, gotA, gotB };
}

describe('veth', () => {
  it('delivers a frame to the peer through the sim queue, not recursively', () => {
    const { sim, a, b, gotB } = pair();
    a.adminUp = b.adminUp = true;
    const skb = frame(mac(2), mac(1));
    a.xmit(skb);
    expect(gotB).toHaveLength(0); // queued, not delivered yet
    sim.run();
    expect(gotB).toEqual([skb]);
    expect(skb.inDev).toBe('eth0');
    expect(skb.iif).toBe(8);
    expect(skb.pktType).toBe(0); // PACKET_HOST: dst is eth0's MAC
    expect(a.stats).toMatchObject({ txPackets: 1, txBytes: 60, txDropped: 0 });
    expect(b.stats).toMatchObject({ rxPackets: 1, rxBytes: 60, rxDropped: 0 });
  });

  it('works in both directions and classifies pktType', () => {
    const { sim, a, b, gotA } = pair();
    a.adminUp = b.adminUp = true;
    b.xmit(frame(MAC_BROADCAST, mac(2)));
    b.xmit(frame(0x01005e000001, mac(2)));
    b.xmit(frame(mac(99), mac(2)));
    sim.run();
    expect(gotA.map((s) => s.pktType)).toEqual([1, 2, 3]);
  });

  it('operUp (LOWER_UP) only when both ends are admin-up', () => {
    const { a, b } = pair();
    expect([a.operUp, b.operUp]).toEqual([false, false]);
    a.adminUp = true;
    expect([a.operUp, b.operUp]).toEqual([false, false]);
    b.adminUp = true;
    expect([a.operUp, b.operUp]).toEqual([true, true]);
    expect(a.peer).toBe(b);
    expect(a.peerIfindex).toBe(8);
    expect(b.peerIfindex).toBe(7);
    expect(a.kind).toBe('veth');
  });

  it('drops (txDropped) when either end is down', () => {
    const { sim, a, b, gotB, gotA } = pair();
    a.adminUp = true;
    a.xmit(frame(mac(2), mac(1)));
    b.adminUp = true;
    a.adminUp = false;
    a.xmit(frame(mac(2), mac(1)));
    b.xmit(frame(mac(1), mac(2)));
    sim.run();
    expect(gotB).toHaveLength(0);
    expect(gotA).toHaveLength(0);
    expect(a.stats.txDropped).toBe(2);
    expect(b.stats.txDropped).toBe(1);
    expect(a.stats.txPackets + b.stats.txPackets).toBe(0);
  });

  it('a frame in flight when the peer goes down is dropped on receive', () => {
    const { sim, a, b, gotB } = pair();
    a.adminUp = b.adminUp = true;
    a.xmit(frame(mac(2), mac(1)));
    b.adminUp = false;
    sim.run();
    expect(gotB).toHaveLength(0);
    expect(b.stats.rxDropped).toBe(1);
  });

  it('drops frames longer than 14 + MTU, accepts exactly 14 + MTU', () => {
    const { sim, a, b, gotB } = pair();
    a.adminUp = b.adminUp = true;
    a.xmit(frame(mac(2), mac(1), 0x0800, 1514));
    a.xmit(frame(mac(2), mac(1), 0x0800, 1515));
    b.mtu = 1000;
    a.xmit(frame(mac(2), mac(1), 0x0800, 1014));
    a.xmit(frame(mac(2), mac(1), 0x0800, 1015));
    sim.run();
    expect(gotB.map((s) => s.len)).toEqual([1514, 1014]);
    expect(a.stats.txDropped).toBe(2);
    expect(a.stats.txPackets).toBe(2);
  });

  it('counts a frame as rxDropped when no handler is set or it is shorter than a header', () => {
    const { sim, a, b } = pair();
    a.adminUp = b.adminUp = true;
    b.rxHandler = null;
    a.xmit(frame(mac(2), mac(1)));
    a.xmit(frame(mac(2), mac(1), 0x0800, 10));
    sim.run();
    expect(b.stats.rxDropped).toBe(2);
  });

  it('reports rx/tx to the tracer only for traced frames', () => {
    const { sim, a, b } = pair();
    const tr = new RecordingTracer();
    sim.tracer = tr;
    a.adminUp = b.adminUp = true;
    a.xmit(frame(mac(2), mac(1)));
    const t = frame(mac(2), mac(1));
    t.traced = true;
    a.xmit(t);
    sim.run();
    expect(tr.events.map((e) => `${e.layer}/${e.kind}/${(e.data as { dev: string }).dev}`)).toEqual(['dev/tx/veth0', 'dev/rx/eth0']);
  });

  it('taps see tx on the sender and rx on the receiver', () => {
    const { sim, a, b } = pair();
    a.adminUp = b.adminUp = true;
    const seen: string[] = [];
    a.taps.push((d, _s, dir) => seen.push(`${d.name}:${dir}`));
    b.taps.push((d, _s, dir) => seen.push(`${d.name}:${dir}`));
    a.xmit(frame(mac(2), mac(1)));
    sim.run();
    expect(seen).toEqual(['veth0:tx', 'eth0:rx']);
  });

  it('each device has taps of its own: a tap on one device sees nothing of another, removing it stops it', () => {
    const { sim, a, b } = pair();
    const [c, d] = createVethPair(sim, 'veth1', mac(3), 'eth1', mac(4));
    a.adminUp = b.adminUp = c.adminUp = d.adminUp = true;
    d.rxHandler = () => {};
    // no device has been asked for its taps: none sees a frame, and none shares a list with another
    c.xmit(frame(mac(4), mac(3)));
    sim.run();
    expect(a.taps).not.toBe(c.taps);
    expect(b.taps).not.toBe(d.taps);
    expect([a.taps.length, b.taps.length, c.taps.length, d.taps.length]).toEqual([0, 0, 0, 0]);
    const seen: string[] = [];
    const tap = (dev: { name: string }, _s: SkBuff, dir: string): void => void seen.push(`${dev.name}:${dir}`);
    d.taps.push(tap);
    expect(b.taps).toHaveLength(0);
    a.xmit(frame(mac(2), mac(1)));
    c.xmit(frame(mac(4), mac(3)));
    sim.run();
    expect(seen).toEqual(['eth1:rx']);
    d.taps.splice(d.taps.indexOf(tap), 1);
    c.xmit(frame(mac(4), mac(3)));
    sim.run();
    expect(seen).toEqual(['eth1:rx']);
    // a list assigned whole is the one used
    b.taps = [tap];
    a.xmit(frame(mac(2), mac(1)));
    sim.run();
    expect(seen).toEqual(['eth1:rx', 'eth0:rx']);
  });
});

describe('loopback', () => {
  it('delivers transmitted frames back to itself', () => {
    const sim = new Sim();
    const lo = createLoopback(sim);
    expect([lo.name, lo.mtu, lo.mac, lo.kind]).toEqual(['lo', 65536, 0, 'loopback']);
    const got: SkBuff[] = [];
    lo.rxHandler = (_d, s) => got.push(s);
    lo.xmit(frame(0, 0));
    sim.run();
    expect(got).toHaveLength(0);
    expect(lo.stats.txDropped).toBe(1);
    lo.adminUp = true;
    lo.ifindex = 1;
    const skb = frame(0, 0, 0x0800, 65536 + 14);
    lo.xmit(skb);
    sim.run();
    expect(got).toEqual([skb]);
    expect(skb.inDev).toBe('lo');
    expect(skb.pktType).toBe(0);
    expect(lo.stats).toMatchObject({ txPackets: 1, rxPackets: 1 });
  });
});

describe('a MAC kept as two halves', () => {
  it('reads back as the 48-bit number it was given, on a device and in an FDB entry', () => {
    const [a] = createVethPair(new Sim(), 'veth0', 0x020000000001, 'eth0', 0x020000000002);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (m) => {
        a.mac = m;
        expect(a.mac).toBe(m);
        expect(new FdbEntry(m, null, false, false, 0).mac).toBe(m);
      }),
    );
  });
});
