/**
 * The topology arbitraries are valid by construction: every generated command succeeds on a fresh
 * engine, names are unique, custom subnets do not overlap, and what the engine ends with matches
 * the topology (containers running, attached to the networks they were given).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineFromSeed, engineSeed, runCommands } from '../../src/arbitraries/engine.js';
import { topology, toDockerCommands, type Topology } from '../../src/arbitraries/topology.js';
import { parseCidr } from '../../src/wire/addr.js';

function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  const len = Math.min(x.len, y.len);
  const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((x.addr & m) >>> 0) === ((y.addr & m) >>> 0);
}

describe('topology()', () => {
  it('is valid by construction: unique names, disjoint subnets, gateways inside, unique host ports', () => {
    fc.assert(
      fc.property(topology({ maxNetworks: 5, maxContainers: 8 }), (t: Topology) => {
        const names = [...t.networks.map((n) => n.name), ...t.containers.map((c) => c.name)];
        expect(new Set(names).size).toBe(names.length);
        const subnets = t.networks.flatMap((n) => (n.subnet ? [n.subnet] : []));
        for (let i = 0; i < subnets.length; i++) for (let j = i + 1; j < subnets.length; j++) expect(overlaps(subnets[i]!, subnets[j]!)).toBe(false);
        for (const s of subnets) expect(overlaps(s, '172.16.0.0/12') || overlaps(s, '192.168.0.0/16')).toBe(false);
        const ports = t.containers.flatMap((c) => c.ports.filter((p) => p.hostPort).map((p) => `${p.proto}/${p.hostPort}`));
        expect(new Set(ports).size).toBe(ports.length);
        for (const c of t.containers) {
          const m = c.mode;
          if (m.kind === 'container') {
            const owner = t.containers.findIndex((o) => o.name === m.of);
            expect(owner).toBeGreaterThanOrEqual(0);
            expect(owner).toBeLessThan(t.containers.indexOf(c));
            expect(['bridge', 'user', 'none']).toContain(t.containers[owner]!.mode.kind);
          }
          if (c.mode.kind !== 'user') expect(c.aliases).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every generated command succeeds on a fresh engine and the containers end up where the topology says', () => {
    fc.assert(
      fc.property(topology(), engineSeed(), (t, seed) => {
        const e = engineFromSeed(seed);
        const run = runCommands(e, toDockerCommands(t));
        expect(run.failed).toEqual([]);
        for (const c of t.containers) {
          const st = e.exec(`docker inspect -f '{{.State.Status}} {{.HostConfig.NetworkMode}}' ${c.name}`).stdout.trim();
          // Docker stores container:NAME as container:<full id of NAME>
          const ownerId = (n: string) => e.exec(`docker inspect -f '{{.Id}}' ${n}`).stdout.trim();
          const mode = c.mode.kind === 'user' ? c.mode.networks[0] : c.mode.kind === 'bridge' ? 'default' : c.mode.kind === 'container' ? `container:${ownerId(c.mode.of)}` : c.mode.kind;
          expect(st).toBe(`running ${mode}`);
          if (c.mode.kind === 'user') {
            const nets = e.exec(`docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' ${c.name}`).stdout.trim().split(' ').sort();
            expect(nets).toEqual([...c.mode.networks].sort());
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
