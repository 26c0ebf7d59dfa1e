/**
 * Traffic through random Docker topologies, with a capture tap on every device of every namespace:
 * - every frame any device emits or receives has valid IPv4 header and ICMP/UDP/TCP checksums
 *   (after NAT rewrites, docker-proxy relays, ICMP errors, the embedded DNS);
 * - a ping between two containers on one network keeps its TTL (bridged, not routed);
 * - after every timeout has passed, no conntrack entry is left in the host namespace.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineFromSeed, engineSeed } from '../../src/arbitraries/engine.js';
import { topology, toDockerCommands } from '../../src/arbitraries/topology.js';
import { SECOND } from '../../src/core/time.js';
import type { Engine } from '../../src/docker/engine.js';
import type { NetDevice } from '../../src/link/netdev.js';
import { ncTcp, ping } from '../../src/netns/index.js';
import type { NetNamespace } from '../../src/netns/netns.js';
import { ipToString } from '../../src/wire/addr.js';
import { checksumError, tapAll, type Captured } from './frames.js';
import { runs } from './runs.js';

function containerNamespaces(e: Engine): Array<{ name: string; ns: NetNamespace; ips: number[]; nets: string[] }> {
  const out: Array<{ name: string; ns: NetNamespace; ips: number[]; nets: string[] }> = [];
  for (const c of e.runtime.store.list()) {
    const sb = e.sandboxes.of(c).sb;
    if (!sb || sb.ns === e.host) continue;
    out.push({ name: c.name, ns: sb.ns, ips: sb.endpoints.map((ep) => ep.ip).filter(Boolean), nets: sb.endpoints.map((ep) => ep.network.name) });
  }
  return out;
}

describe('traffic through random Docker topologies', () => {
  it('every frame on every device has valid checksums; same-network pings are not routed; conntrack drains', () => {
    fc.assert(
      fc.property(topology({ maxContainers: 4, host: false }), engineSeed(), (t, seed) => {
        const e = engineFromSeed(seed);
        const frames: Captured[] = [];
        for (const line of toDockerCommands(t)) e.exec(line);
        const ctrs = containerNamespaces(e);
        const devs = new Set<NetDevice>(e.host.devices());
        for (const c of ctrs) for (const d of c.ns.devices()) devs.add(d);
        tapAll(devs, frames);

        const gateways = e.networks.filter((n) => n.pool).map((n) => ipToString(n.gateway));
        const published = ctrs.flatMap((c) => e.sandboxes.of(e.runtime.store.find(c.name)!).sb!.ports);
        for (const a of ctrs) {
          for (const b of ctrs) {
            if (a === b) continue;
            for (const ip of b.ips) {
              const r = ping(a.ns, ip, { count: 1 });
              const shared = a.nets.some((n) => b.nets.includes(n));
              // icc=false networks drop same-network traffic; otherwise a shared network answers
              if (r.received && shared) expect(r.replies[0]!.ttl).toBe(64);
              ncTcp(a.ns, ip, 80, 'GET / HTTP/1.0\r\n\r\n');
            }
          }
          for (const gw of gateways) for (const p of published) if (p.proto === 'tcp') ncTcp(a.ns, gw, p.hostPort, 'GET / HTTP/1.0\r\n\r\n');
        }
        for (const p of published) if (p.proto === 'tcp') ncTcp(e.host, gateways[0]!, p.hostPort, 'GET / HTTP/1.0\r\n\r\n');

        if (ctrs.filter((c) => c.ips.length).length >= 2) expect(frames.length).toBeGreaterThan(0);
        for (const f of frames) expect(checksumError(f.bytes), `${f.dev.name} ${f.dir}`).toBeNull();
        e.sim.advance(432_000 * SECOND + 600 * SECOND);
        expect(e.host.nf.conntrack.count).toBe(0);
      }),
      { numRuns: runs(15) },
    );
  });
});
