/**
 * A namespace made with `{ loopback: false }` has no `lo` until `addLoopback()`; made then, before
 * anything else is configured, it leaves the namespace exactly as one that had `lo` from the start.
 */
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { DockernetError } from '../../src/core/errors.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import { connect, ipAddr, ipLink, ipRoute, NetNamespace, ping } from '../../src/netns/index.js';

/** A host and a container namespace joined by a veth; the container's `lo` made at once or later. */
function pair(loopback: boolean): { host: NetNamespace; ns: NetNamespace } {
  const sim = new Sim();
  const rng = new Rng(5);
  const host = new NetNamespace(sim, 'host', rng.fork('host'));
  const ns = new NetNamespace(sim, 'ctr', rng.fork('ctr'), { loopback });
  ns.ipv6 = false;
  // a few devices in the host first, so that the veth's ends do not get ifindex 1 or 2 by chance
  connect(host, 'vethx', host, 'vethy');
  connect(host, 'veth0', ns, 'eth0', { macA: 0x0a0000000001, macB: 0x02420a000002 });
  return { host, ns };
}

/** Configures the inside as a sandbox does on first use: `lo` first (if missing), then eth0's address and route. */
function configure(host: NetNamespace, ns: NetNamespace): void {
  ns.addLoopback();
  ns.addAddress('eth0', '10.0.0.2/24');
  ns.addRoute({ dst: 'default', via: '10.0.0.1' });
  host.addAddress('veth0', '10.0.0.1/24');
}

const view = (ns: NetNamespace): string => [ipLink(ns), ipAddr(ns), ipRoute(ns), ipRoute(ns, { table: 'local' }), JSON.stringify(ns.addrs.map((a) => [a.dev.name, a.local]))].join('\n');

describe('a namespace made without lo', () => {
  it('has no lo, address or local route until addLoopback, and no device gets ifindex 1', () => {
    const { ns } = pair(false);
    expect(ns.hasLoopback).toBe(false);
    expect(ns.devices().map((d) => d.name)).toEqual(['eth0']);
    expect(ns.addrs).toEqual([]);
    expect(ipRoute(ns, { table: 'local' })).toBe('');
    expect(() => ns.lo).toThrow(DockernetError);
    expect(() => ns.lo).toThrow('Cannot find device "lo"');
    // a device added without an ifindex of its own skips 1, which lo will take
    const br = ns.addDevice(new BridgeDevice(ns.sim, 'br0', 0x020000000001));
    expect(br.ifindex).toBe(2);
    expect(ns.devByIndex(1)).toBeUndefined();
  });

  it('becomes, with lo made first, the same as a namespace that had lo from the start', () => {
    const lazy = pair(false);
    const eager = pair(true);
    expect(lazy.ns.devices().find((d) => d.name === 'eth0')!.ifindex).toBe(eager.ns.devices().find((d) => d.name === 'eth0')!.ifindex);
    configure(lazy.host, lazy.ns);
    configure(eager.host, eager.ns);
    const lo = lazy.ns.lo;
    expect(lo.ifindex).toBe(1);
    expect(lo.adminUp).toBe(true);
    expect(lazy.ns.addLoopback()).toBe(lo); // once only
    expect(view(lazy.ns)).toBe(view(eager.ns));
    expect(view(lazy.host)).toBe(view(eager.host));
    expect(ipRoute(lazy.ns, { table: 'local' })).toContain('local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1');
    // and it works: loopback and the wire
    expect(ping(lazy.ns, '127.0.0.1', { count: 1 }).received).toBe(1);
    expect(ping(lazy.ns, '10.0.0.1', { count: 1 }).received).toBe(1);
  });

  it('is torn down without lo, and lo cannot be deleted or moved once made', () => {
    const a = pair(false);
    a.ns.destroy();
    expect(a.ns.devices()).toEqual([]);
    expect(a.host.dev('veth0')).toBeUndefined();
    const b = pair(false);
    const lo = b.ns.addLoopback();
    expect(() => b.ns.removeDevice(lo)).toThrow('Operation not supported');
    expect(() => b.ns.moveDevice(lo, b.host)).toThrow('Invalid argument');
    b.ns.destroy();
    expect(b.ns.devices().map((d) => `${d.name} ${d.adminUp}`)).toEqual(['lo false']);
  });
});
