import { describe, expect, it } from 'vitest';
import { RecordingTracer } from '../../src/core/trace.js';
import { SECOND } from '../../src/core/time.js';
import { BR_NF_ACCEPT, BR_NF_DROP, BR_NF_LOCAL, BR_NF_STOLEN, type BrNfHookPoint } from '../../src/link/bridge/nf.js';
import { MAC_BROADCAST } from '../../src/wire/addr.js';
import { BR_MAC, lab } from './bridge-setup.js';
import { dstOf, frame, mac } from './helpers.js';

const ARP = 0x0806;

describe('bridge: learning and forwarding', () => {
  it('floods an unknown unicast to every port but the ingress one, and learns the source', () => {
    const { sim, br, c, up } = lab(3);
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([0, 1, 1]);
    expect(up).toHaveLength(0); // unknown unicast is not passed up
    const f = br.fdbLookup(c[0]!.mac)!;
    expect(f.port).toBe(c[0]!.port);
    expect([f.isLocal, f.isStatic]).toEqual([false, false]);
  });

  it('once learned, forwards to exactly the one port', () => {
    const { sim, c } = lab(4);
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac)); // flood, learns c0
    c[1]!.ctr.xmit(frame(c[0]!.mac, c[1]!.mac)); // known: only c0
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([1, 1, 1, 1]);
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac)); // now c1 is known too
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([1, 2, 1, 1]);
  });

  it('moves an address that shows up on another port', () => {
    const { sim, br, c } = lab(3);
    const roaming = mac(0x999);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, roaming));
    sim.drain();
    expect(br.fdbLookup(roaming)!.port).toBe(c[0]!.port);
    c[2]!.ctr.xmit(frame(MAC_BROADCAST, roaming));
    sim.drain();
    expect(br.fdbLookup(roaming)!.port).toBe(c[2]!.port);
  });

  it('floods broadcast and multicast to all other ports and passes them up', () => {
    const { sim, c, up } = lab(3);
    c[1]!.ctr.xmit(frame(MAC_BROADCAST, c[1]!.mac, ARP));
    c[1]!.ctr.xmit(frame(0x01005e000001, c[1]!.mac));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([2, 0, 2]);
    expect(up.map(dstOf)).toEqual([MAC_BROADCAST, 0x01005e000001]);
    expect(up.map((s) => s.pktType)).toEqual([1, 2]);
    expect(up[0]!.inDev).toBe('docker0');
    // the copies are distinct buffers
    expect(new Set([c[0]!.got[0], c[2]!.got[0], up[0]]).size).toBe(3);
  });

  it('never learns a multicast source: such frames are dropped', () => {
    const { sim, br, c } = lab(2);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, 0x01005e0000aa));
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, 0));
    sim.drain();
    expect(br.fdb.has(0x01005e0000aa)).toBe(false);
    expect(br.fdb.has(0)).toBe(false);
    expect(c[1]!.got).toHaveLength(0);
    expect(br.counters.get('invalid-source')).toBe(2);
  });

  it('does not bridge link-local control frames (pause), passes other 01:80:c2 groups to the port device', () => {
    const { sim, c } = lab(2);
    const own: number[] = [];
    c[0]!.host.rxHandler = (_d, s) => own.push(dstOf(s));
    c[0]!.ctr.xmit(frame(0x0180c2000001, c[0]!.mac, 0x8808));
    c[0]!.ctr.xmit(frame(0x0180c200000e, c[0]!.mac, 0x88cc)); // LLDP
    c[0]!.ctr.xmit(frame(0x0180c2000000, c[0]!.mac, 0x0026)); // STP group address: bridged, STP is off
    sim.drain();
    expect(own).toEqual([0x0180c200000e]);
    expect(c[1]!.got.map(dstOf)).toEqual([0x0180c2000000]);
  });
});

describe('bridge: local delivery and br_dev_xmit', () => {
  it('passes frames for the bridge MAC up to the bridge device (not to any port)', () => {
    const { sim, br, c, up } = lab(3);
    c[0]!.ctr.xmit(frame(BR_MAC, c[0]!.mac));
    sim.drain();
    expect(up).toHaveLength(1);
    expect(up[0]!.pktType).toBe(0);
    expect(up[0]!.inDev).toBe('docker0');
    expect(up[0]!.iif).toBe(3);
    expect(c.map((x) => x.got.length)).toEqual([0, 0, 0]);
    expect(br.stats.rxPackets).toBe(1);
  });

  it('passes frames for a port MAC (a local fdb entry) up too', () => {
    const { sim, br, c, up } = lab(2);
    const local = br.fdbLookup(c[1]!.host.mac)!;
    expect([local.isLocal, local.isStatic, local.port]).toEqual([true, true, c[1]!.port]);
    c[0]!.ctr.xmit(frame(c[1]!.host.mac, c[0]!.mac));
    sim.drain();
    expect(up).toHaveLength(1);
    expect(c[1]!.got).toHaveLength(0);
  });

  it('transmits on the bridge device: broadcast to all ports, unicast to the learned port, unknown flooded', () => {
    const { sim, br, c } = lab(3);
    br.xmit(frame(MAC_BROADCAST, BR_MAC, ARP));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([1, 1, 1]);
    c[2]!.ctr.xmit(frame(BR_MAC, c[2]!.mac)); // learn c2
    sim.drain();
    br.xmit(frame(c[2]!.mac, BR_MAC));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([1, 1, 2]);
    br.xmit(frame(mac(0x777), BR_MAC));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([2, 2, 3]);
    expect(br.stats.txPackets).toBe(3);
    br.xmit(frame(BR_MAC, BR_MAC)); // to itself: no port
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([2, 2, 3]);
  });

  it('a bridge that is down neither transmits nor forwards', () => {
    const { sim, br, c, up } = lab(2);
    br.adminUp = false;
    expect(br.operUp).toBe(false);
    br.xmit(frame(MAC_BROADCAST, BR_MAC));
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(c[1]!.got).toHaveLength(0);
    expect(up).toHaveLength(0);
    expect(br.stats.txDropped).toBe(1);
    expect(br.counters.get('port-state')).toBe(1);
  });
});

describe('bridge: ports', () => {
  it('addPort sets master/portHandler and reuses the lowest free port number', () => {
    const { br, c } = lab(3);
    expect(c.map((x) => x.port.portNo)).toEqual([1, 2, 3]);
    expect(c[0]!.host.master).toBe(br);
    expect(c[0]!.host.portHandler).toBe(c[0]!.port.handler);
    expect(c[1]!.port.portId).toBe(0x8002);
    expect(br.removePort(c[1]!.host)).toBe(true);
    expect(c[1]!.host.master).toBeNull();
    expect(c[1]!.host.portHandler).toBeNull();
    expect(br.fdb.has(c[1]!.host.mac)).toBe(false);
    expect(br.removePort(c[1]!.host)).toBe(false);
    const p = br.addPort(c[1]!.host);
    expect(p.portNo).toBe(2);
    expect(br.ports.map((x) => x.portNo)).toEqual([1, 2, 3]);
    expect(() => br.addPort(c[0]!.host)).toThrow(/busy/);
    expect(() => br.addPort(br)).toThrow();
  });

  it('port numbers: the lowest free number first, after removals in any order (find_portno)', () => {
    const { br, c } = lab(4);
    br.removePort(c[2]!.host);
    br.removePort(c[0]!.host);
    expect(br.addPort(c[2]!.host).portNo).toBe(1);
    expect(br.addPort(c[0]!.host).portNo).toBe(3);
    br.removePort(c[3]!.host);
    expect(br.addPort(c[3]!.host).portNo).toBe(4);
  });

  it('removing a port forgets what was learned on it', () => {
    const { sim, br, c } = lab(2);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(br.fdb.has(c[0]!.mac)).toBe(true);
    br.removePort(c[0]!.host);
    expect(br.fdb.has(c[0]!.mac)).toBe(false);
    expect(sim.pendingTimers).toBe(0);
  });

  it('bridge MTU is the minimum of the port MTUs unless set by the user', () => {
    const { br, c } = lab(2);
    expect(br.mtu).toBe(1500);
    br.removePort(c[1]!.host);
    c[1]!.host.mtu = 1400;
    br.addPort(c[1]!.host);
    expect(br.mtu).toBe(1400);
    br.removePort(c[1]!.host);
    br.removePort(c[0]!.host);
    expect(br.mtu).toBe(1500);
    br.setMtu(9000);
    br.addPort(c[1]!.host);
    expect(br.mtu).toBe(9000);
  });

  it('carrier: a bridge is LOWER_UP only with a forwarding port', () => {
    const { br, c } = lab(1);
    expect(br.operUp).toBe(true);
    c[0]!.ctr.adminUp = false;
    expect(br.operUp).toBe(false);
    c[0]!.ctr.adminUp = true;
    br.removePort(c[0]!.host);
    expect(br.operUp).toBe(false);
  });

  it('does not forward to a port whose link is down, and floods skip it', () => {
    const { sim, br, c } = lab(3);
    c[2]!.ctr.xmit(frame(MAC_BROADCAST, c[2]!.mac));
    sim.drain();
    c[2]!.ctr.adminUp = false;
    c[0]!.ctr.xmit(frame(c[2]!.mac, c[0]!.mac));
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([1, 2, 0]);
    expect(br.counters.get('port-down')).toBe(1);
  });

  it('drops frames larger than the egress port MTU', () => {
    const { sim, br, c } = lab(2);
    c[1]!.host.mtu = 1000;
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac, 0x0800, 1100));
    sim.drain();
    expect(c[1]!.got).toHaveLength(0);
    expect(br.counters.get('mtu')).toBe(1);
  });

  it('isolated ports do not talk to each other, only to non-isolated ones', () => {
    const { sim, c } = lab(3);
    c[0]!.port.isolated = true;
    c[1]!.port.isolated = true;
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([0, 0, 1]);
  });

  it('flood flags: flood off stops unknown unicast, bcast_flood off stops broadcast from ports only', () => {
    const { sim, br, c } = lab(3);
    c[1]!.port.flood = false;
    c[2]!.port.bcastFlood = false;
    c[0]!.ctr.xmit(frame(mac(0x555), c[0]!.mac));
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([0, 1, 1]);
    br.xmit(frame(MAC_BROADCAST, BR_MAC));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([1, 2, 2]);
  });

  it('learning off: the source is not learned', () => {
    const { sim, br, c } = lab(2);
    c[0]!.port.learning = false;
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(br.fdb.has(c[0]!.mac)).toBe(false);
  });
});

describe('bridge: hairpin', () => {
  it('with hairpin off, a frame for an address learned on the ingress port is dropped', () => {
    const { sim, br, c } = lab(2);
    const other = mac(0x321);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, other)); // "other" lives behind port 0
    c[0]!.ctr.xmit(frame(other, c[0]!.mac));
    sim.drain();
    expect(c[0]!.got).toHaveLength(0);
    expect(c[1]!.got).toHaveLength(1); // only the broadcast
    expect(br.counters.get('hairpin')).toBe(1);
  });

  it('with hairpin on, it goes back out of the ingress port (including floods)', () => {
    const { sim, c } = lab(2);
    c[0]!.port.hairpin = true;
    const other = mac(0x321);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, other));
    c[0]!.ctr.xmit(frame(other, c[0]!.mac));
    sim.drain();
    expect(c[0]!.got.map(dstOf)).toEqual([MAC_BROADCAST, other]);
  });
});

describe('bridge: ageing', () => {
  it('ages a learned entry out after exactly 300 s of virtual time, not before', () => {
    const { sim, br, c } = lab(2);
    sim.advance(5 * SECOND);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(br.fdb.get(c[0]!.mac)!.updated).toBe(5 * SECOND);
    sim.advance(300 * SECOND - 1);
    expect(br.fdb.has(c[0]!.mac)).toBe(true);
    expect(br.fdbLookup(c[0]!.mac)).not.toBeNull();
    sim.advance(1);
    expect(br.fdb.has(c[0]!.mac)).toBe(false); // removed by the GC timer
    expect(sim.pendingTimers).toBe(0);
    // local entries never age
    expect(br.fdb.has(BR_MAC)).toBe(true);
    expect(br.fdb.has(c[0]!.host.mac)).toBe(true);
  });

  it('lookup expires lazily even before the GC timer runs', () => {
    const { sim, br, c } = lab(2);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    // move the clock without firing timers: a lookup alone must see the entry as gone
    (sim as unknown as { t: number }).t = 300 * SECOND;
    expect(br.fdbLookup(c[0]!.mac)).toBeNull();
    expect(br.fdb.has(c[0]!.mac)).toBe(false);
    expect(sim.pendingTimers).toBe(0); // last dynamic entry gone: GC timer cancelled
  });

  it('traffic refreshes an entry; after expiry the next frame is flooded again', () => {
    const { sim, br, c } = lab(3);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    sim.advance(200 * SECOND);
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac)); // refresh at 200 s
    sim.drain();
    sim.advance(250 * SECOND); // 450 s: older than 300 s since learning, but refreshed
    expect(br.fdbLookup(c[0]!.mac)!.updated).toBe(200 * SECOND);
    expect(c.map((x) => x.got.length)).toEqual([0, 2, 2]);
    c[1]!.ctr.xmit(frame(c[0]!.mac, c[1]!.mac)); // c0 still known: one port
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([1, 2, 2]);
    sim.advance(50 * SECOND); // 500 s: c0 expires; c1 (learned at 450 s) stays
    expect(br.fdb.has(c[0]!.mac)).toBe(false);
    expect(br.fdb.has(c[1]!.mac)).toBe(true);
    c[1]!.ctr.xmit(frame(c[0]!.mac, c[1]!.mac)); // unknown again: flooded
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([2, 2, 3]);
    sim.run();
    expect(br.fdb.size).toBe(4); // only local entries left
    expect(sim.pendingTimers).toBe(0);
    expect(sim.now).toBe(800 * SECOND); // c1 was refreshed at 500 s
  });

  it('records `used` when forwarding', () => {
    const { sim, br, c } = lab(2);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    sim.advance(7 * SECOND);
    c[1]!.ctr.xmit(frame(c[0]!.mac, c[1]!.mac));
    sim.drain();
    const f = br.fdb.get(c[0]!.mac)!;
    expect([f.updated, f.used]).toEqual([0, 7 * SECOND]);
  });

  it('the ageing time is settable and applies at once; no GC timer without dynamic entries', () => {
    const { sim, br, c } = lab(2);
    expect(sim.pendingTimers).toBe(0);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(sim.pendingTimers).toBe(1);
    sim.advance(20 * SECOND);
    br.setAgeingTime(10 * SECOND);
    expect(br.fdb.has(c[0]!.mac)).toBe(false);
    expect(sim.pendingTimers).toBe(0);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    sim.advance(10 * SECOND - 1);
    expect(br.fdb.has(c[0]!.mac)).toBe(true);
    sim.advance(1);
    expect(br.fdb.has(c[0]!.mac)).toBe(false);
    expect(sim.pendingTimers).toBe(0);
  });

  it('many entries learned at different times each expire on time with a single GC timer', () => {
    const { sim, br, c } = lab(2);
    for (let i = 0; i < 10; i++) {
      c[0]!.ctr.xmit(frame(MAC_BROADCAST, mac(0x1000 + i)));
      sim.drain();
      expect(sim.pendingTimers).toBe(1);
      sim.advance(10 * SECOND);
    }
    // at 100 s; entry i learned at 10 i s, expires at 300 + 10 i s
    for (let i = 0; i < 10; i++) {
      sim.runUntil((300 + 10 * i) * SECOND - 1);
      expect(br.fdb.has(mac(0x1000 + i))).toBe(true);
      sim.runUntil((300 + 10 * i) * SECOND);
      expect(br.fdb.has(mac(0x1000 + i))).toBe(false);
    }
    expect(sim.pendingTimers).toBe(0);
  });
});

describe('bridge: br_netfilter hook', () => {
  type Call = [BrNfHookPoint, string | null, string | null];
  function hooked(n: number, verdict: (p: BrNfHookPoint, out: string | null) => number = () => BR_NF_ACCEPT) {
    const l = lab(n);
    const calls: Call[] = [];
    l.br.nfHook = (point, _skb, inPort, outPort) => {
      calls.push([point, inPort?.name ?? null, outPort?.name ?? null]);
      return verdict(point, outPort?.name ?? null);
    };
    return { ...l, calls };
  }

  it('bridged unicast: PRE_ROUTING, FORWARD, POST_ROUTING with the right ports', () => {
    const { sim, c, calls } = hooked(3);
    c[1]!.ctr.xmit(frame(MAC_BROADCAST, c[1]!.mac, ARP)); // ARP: not hooked
    sim.drain();
    expect(calls).toEqual([]);
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac));
    sim.drain();
    expect(calls).toEqual([
      ['PRE_ROUTING', 'veth0', null],
      ['FORWARD', 'veth0', 'veth1'],
      ['POST_ROUTING', 'veth0', 'veth1'],
    ]);
  });

  it('to the bridge: PRE_ROUTING then LOCAL_IN', () => {
    const { sim, c, calls, up } = hooked(2);
    c[0]!.ctr.xmit(frame(BR_MAC, c[0]!.mac));
    sim.drain();
    expect(calls).toEqual([
      ['PRE_ROUTING', 'veth0', null],
      ['LOCAL_IN', 'veth0', null],
    ]);
    expect(up).toHaveLength(1);
  });

  it('floods: FORWARD and POST_ROUTING once per egress port, LOCAL_IN for the copy passed up', () => {
    const { sim, c, calls } = hooked(3);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(calls).toEqual([
      ['PRE_ROUTING', 'veth0', null],
      ['FORWARD', 'veth0', 'veth2'],
      ['POST_ROUTING', 'veth0', 'veth2'],
      ['FORWARD', 'veth0', 'veth1'],
      ['POST_ROUTING', 'veth0', 'veth1'],
      ['LOCAL_IN', 'veth0', null],
    ]);
  });

  it('frames the bridge device transmits are not hooked', () => {
    const { sim, br, c, calls } = hooked(2);
    br.xmit(frame(MAC_BROADCAST, BR_MAC));
    sim.drain();
    expect(calls).toEqual([]);
    expect(c[0]!.got).toHaveLength(1);
  });

  it('DROP at PRE_ROUTING stops the frame before learning', () => {
    const { sim, br, c, up } = hooked(2, (p) => (p === 'PRE_ROUTING' ? BR_NF_DROP : BR_NF_ACCEPT));
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(c[1]!.got).toHaveLength(0);
    expect(up).toHaveLength(0);
    expect(br.fdb.has(c[0]!.mac)).toBe(false);
    expect(br.counters.get('nf-drop')).toBe(1);
  });

  it('DROP at FORWARD stops only that egress copy', () => {
    const { sim, c, up } = hooked(3, (p, out) => (p === 'FORWARD' && out === 'veth1' ? BR_NF_DROP : BR_NF_ACCEPT));
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(c.map((x) => x.got.length)).toEqual([0, 0, 1]);
    expect(up).toHaveLength(1);
  });

  it('DROP at POST_ROUTING and at LOCAL_IN; STOLEN stops silently', () => {
    const a = hooked(2, (p) => (p === 'POST_ROUTING' || p === 'LOCAL_IN' ? BR_NF_DROP : BR_NF_ACCEPT));
    a.c[0]!.ctr.xmit(frame(MAC_BROADCAST, a.c[0]!.mac));
    a.sim.drain();
    expect(a.c[1]!.got).toHaveLength(0);
    expect(a.up).toHaveLength(0);
    expect(a.br.counters.get('nf-drop')).toBe(2);
    const b = hooked(2, (p) => (p === 'PRE_ROUTING' ? BR_NF_STOLEN : BR_NF_ACCEPT));
    b.c[0]!.ctr.xmit(frame(MAC_BROADCAST, b.c[0]!.mac));
    b.sim.drain();
    expect(b.c[1]!.got).toHaveLength(0);
    expect(b.br.counters.get('nf-drop')).toBe(0);
  });

  it('verdict 3 at PRE_ROUTING (DNAT to a non-bridged address) passes the frame up with the bridge MAC', () => {
    const { sim, c, up, calls } = hooked(2, (p) => (p === 'PRE_ROUTING' ? BR_NF_LOCAL : BR_NF_ACCEPT));
    c[0]!.ctr.xmit(frame(c[1]!.mac, c[0]!.mac));
    sim.drain();
    expect(c[1]!.got).toHaveLength(0);
    expect(up).toHaveLength(1);
    expect(dstOf(up[0]!)).toBe(BR_MAC);
    expect(up[0]!.pktType).toBe(0);
    expect(calls.map((x) => x[0])).toEqual(['PRE_ROUTING', 'LOCAL_IN']);
  });

  it('the hook may rewrite the destination MAC at PRE_ROUTING; the bridge re-reads it', () => {
    const l = lab(3);
    l.c[2]!.ctr.xmit(frame(MAC_BROADCAST, l.c[2]!.mac, ARP));
    l.sim.drain();
    l.br.nfHook = (point, skb) => {
      if (point === 'PRE_ROUTING') skb.data.set([0x02, 0, 0, 0, 0x01, 0x02], 0); // c2's MAC
      return BR_NF_ACCEPT;
    };
    l.c[0]!.ctr.xmit(frame(l.c[1]!.mac, l.c[0]!.mac));
    l.sim.drain();
    expect(l.c.map((x) => x.got.length)).toEqual([1, 1, 1]); // the ARP to c0 and c1, the rewritten frame to c2 only
    expect(dstOf(l.c[2]!.got[0]!)).toBe(l.c[2]!.mac);
  });
});

describe('bridge: traces', () => {
  it('reports fdb-forward, flood, local and drop for traced frames only', () => {
    const { sim, c } = lab(3);
    const tr = new RecordingTracer();
    sim.tracer = tr;
    const send = (from: number, dst: number) => {
      const s = frame(dst, c[from]!.mac);
      s.traced = true;
      c[from]!.ctr.xmit(s);
      sim.drain();
    };
    c[1]!.ctr.xmit(frame(MAC_BROADCAST, c[1]!.mac)); // untraced: learns c1, no events
    sim.drain();
    expect(tr.events).toEqual([]);
    send(0, c[1]!.mac);
    send(0, MAC_BROADCAST);
    send(0, BR_MAC);
    c[0]!.port.hairpin = false;
    send(1, c[1]!.mac); // c1 is behind port 1: hairpin drop
    const b = tr.events.filter((e) => e.layer === 'bridge');
    expect(b.map((e) => e.kind)).toEqual(['fdb-forward', 'flood', 'local', 'local', 'drop']);
    expect(b[0]!.data).toMatchObject({ port: 'veth1', learned: true });
    expect(b[1]!.data).toMatchObject({ ports: ['veth2', 'veth1'], pktType: 'broadcast' });
    expect(b[4]!.data).toMatchObject({ reason: 'hairpin', port: 'veth1' });
  });
});

describe('bridge: buffers', () => {
  it('forwarding a learned unicast moves the same SkBuff without cloning; a flood to n ports clones n − 1 times and sends the original last', async () => {
    const { SkBuff } = await import('../../src/wire/skbuff.js');
    const { sim, c } = lab(4);
    c[1]!.ctr.xmit(frame(MAC_BROADCAST, c[1]!.mac, ARP));
    sim.drain();
    let clones = 0;
    const orig = SkBuff.prototype.cloneShared;
    SkBuff.prototype.cloneShared = function (this: InstanceType<typeof SkBuff>) {
      clones++;
      return orig.call(this);
    };
    try {
      const uni = frame(c[1]!.mac, c[0]!.mac);
      c[0]!.ctr.xmit(uni);
      sim.drain();
      expect(clones).toBe(0);
      expect(c[1]!.got.at(-1)).toBe(uni);
      const unknown = frame(mac(0xabc), c[0]!.mac);
      c[0]!.ctr.xmit(unknown);
      sim.drain();
      expect(clones).toBe(2); // 3 egress ports
      // port list is newest first, so the last port visited is port 1 (c0's own is skipped): c1 gets the original
      expect(c[1]!.got.at(-1)).toBe(unknown);
      expect(c[2]!.got.at(-1)).not.toBe(unknown);
      const bc = frame(MAC_BROADCAST, c[0]!.mac);
      c[0]!.ctr.xmit(bc);
      sim.drain();
      expect(clones).toBe(5); // broadcast: 3 clones for the ports, the original is passed up
    } finally {
      SkBuff.prototype.cloneShared = orig;
    }
  });
});

describe('bridge: pass-up classification and destroy', () => {
  it('passed-up frames keep the class the ingress port gave them (as Linux: only the bridge MAC is made PACKET_HOST)', () => {
    const { sim, c, up } = lab(2);
    c[0]!.ctr.xmit(frame(c[0]!.host.mac, c[0]!.mac)); // the ingress port's own MAC: HOST
    c[0]!.ctr.xmit(frame(c[1]!.host.mac, c[0]!.mac)); // another port's MAC: local entry, but OTHERHOST
    c[0]!.ctr.xmit(frame(BR_MAC, c[0]!.mac)); // HOST
    c[0]!.ctr.xmit(frame(0x333300000001, c[0]!.mac, 0x86dd)); // MULTICAST
    sim.drain();
    expect(up.map((s) => s.pktType)).toEqual([0, 3, 0, 2]);
  });

  it('destroy releases the ports and leaves no timer behind', () => {
    const { sim, br, c } = lab(2);
    c[0]!.ctr.xmit(frame(MAC_BROADCAST, c[0]!.mac));
    sim.drain();
    expect(sim.pendingTimers).toBe(1);
    br.destroy();
    expect(sim.pendingTimers).toBe(0);
    expect(c[0]!.host.master).toBeNull();
    expect(br.fdb.size).toBe(0);
  });
});
