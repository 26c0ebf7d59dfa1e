/**
 * IPAM invariants:
 * - a pool never hands out one address twice, never the network or broadcast address, and frees
 *   on release (the lowest free address comes back at once);
 * - in the engine, after any command sequence, the running containers' addresses on a network are
 *   distinct, inside the subnet, never the gateway/network/broadcast, and exactly the pool's
 *   allocations besides the gateway; removing every container frees them all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/arbitraries/commands.js';
import { engineFromSeed, engineSeed, runCommands } from '../../src/arbitraries/engine.js';
import { ipv4Subnet } from '../../src/arbitraries/addresses.js';
import { AddressPool } from '../../src/docker/ipam/pool.js';
import type { Engine } from '../../src/docker/engine.js';
import { cidrBroadcast, ipToString } from '../../src/wire/addr.js';
import { runs } from './runs.js';

type PoolOp = { op: 'alloc' } | { op: 'release'; pick: number } | { op: 'static'; host: number };

const poolOp: fc.Arbitrary<PoolOp> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: 'alloc' as const }) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ op: 'release' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((host) => ({ op: 'static' as const, host })) },
);

describe('AddressPool', () => {
  it('never hands out an address twice nor the network/broadcast address; frees on release', () => {
    fc.assert(
      fc.property(ipv4Subnet({ minLen: 22, maxLen: 30 }), fc.array(poolOp, { maxLength: 80 }), (subnet, ops) => {
        const pool = new AddressPool(subnet);
        const bcast = cidrBroadcast(subnet);
        const held = new Set<number>();
        for (const o of ops) {
          if (o.op === 'alloc') {
            let ip: number;
            try {
              ip = pool.allocate();
            } catch (e) {
              // exhausted: every host address is held
              expect((e as Error).message).toBe('No available addresses on this pool');
              expect(held.size).toBe(bcast - subnet.addr - 1);
              continue;
            }
            expect(held.has(ip)).toBe(false);
            expect(ip).toBeGreaterThan(subnet.addr);
            expect(ip).toBeLessThan(bcast);
            // lowest free: nothing below it is free
            for (let x = subnet.addr + 1; x < ip; x++) expect(held.has(x)).toBe(true);
            held.add(ip);
          } else if (o.op === 'release') {
            if (!held.size) continue;
            const ip = [...held][o.pick % held.size]!;
            pool.release(ip);
            held.delete(ip);
            expect(pool.isAllocated(ip)).toBe(false);
          } else {
            const ip = (subnet.addr + (o.host % (bcast - subnet.addr + 1))) >>> 0;
            let ok = true;
            try {
              pool.allocate(ip);
            } catch (e) {
              ok = false;
              expect((e as Error).message).toBe('Address already in use');
            }
            expect(ok).toBe(!held.has(ip) && ip !== subnet.addr && ip !== bcast);
            if (ok) held.add(ip);
          }
          expect(pool.allocatedCount).toBe(held.size);
        }
      }),
      { numRuns: runs(300) },
    );
  });
});

function checkEngineAddresses(e: Engine): void {
  for (const n of e.networks) {
    if (!n.pool) continue;
    const seen = new Map<number, string>();
    for (const c of e.runtime.store.list()) {
      const sb = e.sandboxes.of(c).sb;
      if (!sb) continue;
      for (const ep of sb.endpoints) {
        if (ep.network !== n) continue;
        const where = `${c.name} on ${n.name} (${n.pool.cidr})`;
        expect(seen.has(ep.ip), `${ipToString(ep.ip)} given to ${seen.get(ep.ip)} and ${where}`).toBe(false);
        seen.set(ep.ip, c.name);
        expect(n.pool.contains(ep.ip), where).toBe(true);
        expect(ep.ip, where).not.toBe(n.gateway);
        expect(ep.ip, where).not.toBe(n.pool.subnet.addr);
        expect(ep.ip, where).not.toBe(cidrBroadcast(n.pool.subnet));
        expect(n.pool.isAllocated(ep.ip), where).toBe(true);
      }
    }
    // the pool holds exactly the gateway and the running endpoints' addresses
    expect(n.pool.allocated(), n.name).toEqual([n.gateway, ...seen.keys()].sort((a, b) => a - b).map(ipToString));
  }
}

describe('IPAM in the engine', () => {
  it('after any command sequence: distinct addresses, never gateway/network/broadcast, no leaks; rm frees all', () => {
    fc.assert(
      fc.property(commands({ maxContainers: 5, maxChurn: 8 }), engineSeed(), (s, seed) => {
        const e = engineFromSeed(seed);
        runCommands(e, s.commands);
        checkEngineAddresses(e);
        const names = e.runtime.store.list().map((c) => c.name.replace(/^\//, ''));
        if (names.length) expect(e.exec(`docker rm -f ${names.join(' ')}`).exitCode).toBe(0);
        for (const n of e.networks) if (n.pool) expect(n.pool.allocated(), n.name).toEqual([ipToString(n.gateway)]);
      }),
      { numRuns: runs(30) },
    );
  });
});
