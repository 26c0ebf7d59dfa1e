/**
 * The object layouts the packet path's classes document ("field order is the object layout"): V8
 * lays a class's fields out in the order they are first made, which is the order of parameter
 * properties, then initializers, then the constructor's assignments (tsconfig's
 * useDefineForClassFields: false). These tests read that order back, so a reordered declaration or
 * a changed compiler setting shows here instead of as cache misses in a benchmark.
 */
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import { FdbEntry } from '../../src/link/bridge/fdb.js';
import { createVethPair } from '../../src/link/veth.js';
import { Conntrack, CtEntry } from '../../src/netfilter/conntrack.js';
import { SkBuff } from '../../src/wire/skbuff.js';

describe('documented object layouts', () => {
  it('an FDB entry starts with what the lookup reads: lo, hi, hnext', () => {
    expect(Object.keys(new FdbEntry(0x02420a000002, null, false, false, 5e9)).slice(0, 3)).toEqual(['lo', 'hi', 'hnext']);
  });

  it('a device starts with what a transmit reads, then what a receive reads; a bridge port with its bridge and device', () => {
    const sim = new Sim();
    const [a] = createVethPair(sim, 'veth0', 0x020000000001, 'eth0', 0x020000000002);
    expect(Object.keys(a).slice(0, 14)).toEqual(['sim', 'up', 'tapList', 'peer', 'txPackets', 'txBytes', 'mtu', 'rxPackets', 'rxBytes', 'macHi', 'macLo', 'ifindex', 'name', 'portHandler']);
    const br = new BridgeDevice(sim, 'br0', 0x020000000003);
    const p = br.addPort(a);
    expect(Object.keys(p).slice(0, 3)).toEqual(['br', 'dev', 'linkGen']);
  });

  it('a packet starts with its bytes, length and view, then what a bridged frame reads and writes', () => {
    expect(Object.keys(SkBuff.alloc(60)).slice(0, 7)).toEqual(['data', 'len', 'view', 'traced', 'pktType', 'iif', 'inDev']);
  });

  it('a conntrack entry has its tuples first, in declaration order', () => {
    const e = new CtEntry(17, 0xac110002, 0x0a000001, 1234, 53, 0, new Conntrack(new Sim()));
    expect(Object.keys(e).slice(0, 8)).toEqual(['oS', 'oD', 'oP', 'rS', 'rD', 'rP', 'info', 'status']);
  });
});
