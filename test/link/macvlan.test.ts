import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { createMacvlan, macvlanPortOf } from '../../src/link/macvlan.js';
import { createVethPair } from '../../src/link/veth.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { MAC_BROADCAST } from '../../src/wire/addr.js';
import { dstOf, frame, mac } from './helpers.js';

/** mvpar0 (parent, host namespace) ↔ mvlan0 (the "LAN"), with macvlans mv0..mv{n-1} on mvpar0. */
function lan(n: number) {
  const sim = new Sim();
  const [par, wire] = createVethPair(sim, 'mvpar0', 0x0200005000fe, 'mvlan0', 0x020000500001);
  par.adminUp = wire.adminUp = true;
  const host: SkBuff[] = [];
  const lanGot: SkBuff[] = [];
  par.rxHandler = (_d, s) => host.push(s);
  wire.rxHandler = (_d, s) => lanGot.push(s);
  const mv = Array.from({ length: n }, (_x, i) => {
    const v = createMacvlan(sim, par, `mv${i}`, 0x0242c0a83202 + i);
    v.adminUp = true;
    const got: SkBuff[] = [];
    v.rxHandler = (_d, s) => got.push(s);
    return { v, got };
  });
  return { sim, par, wire, host, lanGot, mv };
}

describe('macvlan (bridge mode)', () => {
  it('delivers to a sibling directly, never out of the parent', () => {
    const { sim, par, mv, lanGot, host } = lan(3);
    mv[0]!.v.xmit(frame(mv[1]!.v.mac, mv[0]!.v.mac));
    sim.run();
    expect(mv.map((x) => x.got.length)).toEqual([0, 1, 0]);
    expect(mv[1]!.got[0]!.inDev).toBe('mv1');
    expect(mv[1]!.got[0]!.pktType).toBe(0);
    expect(lanGot).toHaveLength(0);
    expect(host).toHaveLength(0);
    expect(par.stats.txPackets).toBe(0);
  });

  it('sends other unicast out of the parent; the LAN answers to the right macvlan', () => {
    const { sim, wire, mv, lanGot, host } = lan(2);
    mv[1]!.v.xmit(frame(wire.mac, mv[1]!.v.mac));
    sim.run();
    expect(lanGot.map(dstOf)).toEqual([wire.mac]);
    wire.xmit(frame(mv[1]!.v.mac, wire.mac));
    sim.run();
    expect(mv.map((x) => x.got.length)).toEqual([0, 1]);
    expect(host).toHaveLength(0);
  });

  it('broadcast from a macvlan: to all siblings and out of the parent, not to the parent stack', () => {
    const { sim, mv, lanGot, host } = lan(3);
    mv[0]!.v.xmit(frame(MAC_BROADCAST, mv[0]!.v.mac, 0x0806));
    sim.run();
    expect(mv.map((x) => x.got.length)).toEqual([0, 1, 1]);
    expect(lanGot).toHaveLength(1);
    expect(host).toHaveLength(0);
    expect(new Set([mv[1]!.got[0], mv[2]!.got[0], lanGot[0]]).size).toBe(3);
  });

  it('broadcast from the LAN: to every macvlan and to the parent own stack', () => {
    const { sim, wire, mv, host } = lan(2);
    wire.xmit(frame(MAC_BROADCAST, wire.mac, 0x0806));
    sim.run();
    expect(mv.map((x) => x.got.length)).toEqual([1, 1]);
    expect(host).toHaveLength(1);
  });

  it('unicast from the LAN for the parent (or an unknown MAC) reaches only the parent stack', () => {
    const { sim, par, wire, mv, host } = lan(2);
    wire.xmit(frame(par.mac, wire.mac));
    wire.xmit(frame(mac(0x4444), wire.mac));
    sim.run();
    expect(host.map((s) => s.pktType)).toEqual([0, 3]);
    expect(mv.map((x) => x.got.length)).toEqual([0, 0]);
  });

  it('host ↔ macvlan isolation: what the parent sends never reaches its macvlans', () => {
    const { sim, par, mv, lanGot } = lan(2);
    par.xmit(frame(mv[0]!.v.mac, par.mac));
    par.xmit(frame(MAC_BROADCAST, par.mac));
    mv[0]!.v.xmit(frame(par.mac, mv[0]!.v.mac)); // to the parent's MAC: out on the wire, not to the host stack
    sim.run();
    expect(mv.map((x) => x.got.length)).toEqual([0, 0]);
    expect(lanGot).toHaveLength(3);
  });

  it('a macvlan that is down is invisible: unicast for it goes out / to the parent stack', () => {
    const { sim, wire, mv, host, lanGot } = lan(2);
    mv[1]!.v.adminUp = false;
    mv[0]!.v.xmit(frame(mv[1]!.v.mac, mv[0]!.v.mac));
    wire.xmit(frame(mv[1]!.v.mac, wire.mac));
    mv[0]!.v.xmit(frame(MAC_BROADCAST, mv[0]!.v.mac));
    sim.run();
    expect(mv[1]!.got).toHaveLength(0);
    expect(lanGot).toHaveLength(2);
    expect(host).toHaveLength(1);
  });

  it('carrier follows the parent; destroy detaches and frees the parent', () => {
    const { sim, par, wire, mv } = lan(2);
    expect(mv[0]!.v.operUp).toBe(true);
    wire.adminUp = false;
    expect(mv[0]!.v.operUp).toBe(false);
    wire.adminUp = true;
    expect(mv[0]!.v.kind).toBe('macvlan');
    expect(macvlanPortOf(par)!.vlans).toHaveLength(2);
    mv[0]!.v.destroy();
    mv[1]!.v.destroy();
    expect(macvlanPortOf(par)).toBeUndefined();
    expect(par.portHandler).toBeNull();
    const br = new BridgeDevice(sim, 'br0', mac(1));
    br.addPort(par); // now free to be enslaved
    expect(() => createMacvlan(sim, par, 'mvX', mac(2))).toThrow(/busy/);
  });

  it('refuses a parent that is a bridge port and a duplicate MAC', () => {
    const { sim, par, mv } = lan(1);
    expect(() => createMacvlan(sim, par, 'dup', mv[0]!.v.mac)).toThrow(/in use/);
    const br = new BridgeDevice(sim, 'br0', mac(1));
    expect(() => br.addPort(par)).toThrow(/busy/);
  });
});
