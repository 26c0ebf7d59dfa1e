/**
 * The user property of docs/guides/property-testing.md: "no container on network A can reach a
 * container on network B unless it is attached to both", written against the engine the way a
 * user would, with dockernet's arbitraries.
 */
import fc from 'fast-check';
import { engineFromSeed, engineSeed } from '../../src/arbitraries/engine.js';
import { topology, toDockerCommands, type ContainerSpec, type Topology } from '../../src/arbitraries/topology.js';
import type { Engine } from '../../src/docker/engine.js';
import { ncTcp, ping } from '../../src/netns/index.js';
import { ipToString } from '../../src/wire/addr.js';

/** The networks a container is attached to (`bridge` for the default). */
export function networksOf(c: ContainerSpec): string[] {
  return c.mode.kind === 'user' ? c.mode.networks : c.mode.kind === 'bridge' ? ['bridge'] : [];
}

/** How `from` reached `to`, or null when nothing got through. */
export function reach(e: Engine, from: string, to: string, viaPublishedPorts = true): string | null {
  const src = e.runtime.store.find(from)!;
  const dst = e.runtime.store.find(to)!;
  const ns = e.sandboxes.of(src).sb!.ns;
  const dstSb = e.sandboxes.of(dst).sb!;
  // 1. the target's own addresses: ping, and its web server on port 80
  for (const ep of dstSb.endpoints) {
    const ip = ipToString(ep.ip);
    if (ping(ns, ip, { count: 1 }).received) return `ping ${ip}`;
    if (ncTcp(ns, ip, 80, 'GET / HTTP/1.0\r\n\r\n').response.includes('hello')) return `tcp ${ip}:80`;
  }
  if (!viaPublishedPorts) return null;
  // 2. the target's published TCP ports, at every gateway address the source can see
  for (const gw of e.sandboxes.of(src).sb!.endpoints.map((ep) => ipToString(ep.network.gateway))) {
    for (const p of dstSb.ports) {
      if (p.proto !== 'tcp') continue;
      if (ncTcp(ns, gw, p.hostPort, 'GET / HTTP/1.0\r\n\r\n').response.includes('hello')) return `tcp ${gw}:${p.hostPort}`;
    }
  }
  return null;
}

/** A pair that shares no network yet reaches, or null. */
export function isolationViolation(t: Topology, seed: number, viaPublishedPorts = true): { from: string; to: string; how: string } | null {
  const e = engineFromSeed(seed);
  for (const line of toDockerCommands(t)) e.exec(line);
  for (const a of t.containers)
    for (const b of t.containers) {
      if (a === b) continue;
      const shared = networksOf(a).filter((n) => networksOf(b).includes(n));
      if (shared.length) continue;
      const how = reach(e, a.name, b.name, viaPublishedPorts);
      if (how) return { from: a.name, to: b.name, how };
    }
  return null;
}

/** The property, as a user writes it. */
export const isolationProperty = fc.property(
  topology({ host: false, none: false, container: false, maxContainers: 4, maxNetworks: 2 }),
  engineSeed(),
  (t, seed) => isolationViolation(t, seed) === null,
);

/** The refined property: without published ports, networks are isolated. */
export const directIsolationProperty = fc.property(
  topology({ host: false, none: false, container: false, maxContainers: 4, maxNetworks: 2 }),
  engineSeed(),
  (t, seed) => isolationViolation(t, seed, false) === null,
);
