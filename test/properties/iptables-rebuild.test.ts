/**
 * Any docker command sequence leaves the host's iptables-save identical (up to the names that
 * differ between two engines) to rebuilding the same final state from scratch: the incremental
 * rule programming of create/run/stop/start/restart/rm/connect/disconnect/network rm never
 * leaves a stale rule behind, never loses one, and keeps Docker's order (within a container's
 * block; see `canonicalSave` for why blocks of different containers may swap).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/arbitraries/commands.js';
import { engineFromSeed, engineSeed, runCommands } from '../../src/arbitraries/engine.js';
import { canonicalSave, normalizedSave, rebuildCommands } from './engine-state.js';
import { runs } from './runs.js';
import { iptablesSave } from '../../src/docker/engine.js';

describe('iptables-save after any command sequence', () => {
  it('equals the rules of the same final state rebuilt from scratch', () => {
    fc.assert(
      fc.property(commands({ maxContainers: 4, maxNetworks: 3, maxChurn: 6 }), engineSeed(), (s, seed) => {
        const e = engineFromSeed(seed);
        const run = runCommands(e, s.commands);
        // the build part is valid by construction
        expect(run.results.slice(0, s.buildLength).filter((r) => r.exitCode !== 0)).toEqual([]);
        const rebuild = rebuildCommands(e);
        const fresh = engineFromSeed(seed + 1);
        const r2 = runCommands(fresh, rebuild);
        expect(r2.failed).toEqual([]);
        expect(canonicalSave(fresh)).toBe(canonicalSave(e));
      }),
      { numRuns: runs(30) },
    );
  });

  it('tells apart a tcp and a udp binding that got the same host port (a case the property found)', () => {
    const e = engineFromSeed(0);
    runCommands(e, [
      'docker network create net1',
      'docker run -d --name c1 --network none mini:latest sleep 100000',
      'docker run -d --name c2 --network net1 -p 80/tcp mini:latest sleep 100000',
      'docker run -d --name c3 -p 80/udp mini:latest sleep 100000',
      'docker network connect bridge c2',
    ]);
    const fresh = engineFromSeed(1);
    expect(runCommands(fresh, rebuildCommands(e)).failed).toEqual([]);
    // rebuilt, c2's tcp and c3's udp binding both get 32768 (in `e` c2 has 32769)
    expect(iptablesSave(fresh, fresh.host)).toMatch(/-p tcp -m tcp --dport 32768 -j DNAT/);
    expect(iptablesSave(fresh, fresh.host)).toMatch(/-p udp -m udp --dport 32768 -j DNAT/);
    expect(normalizedSave(fresh)).toMatch(/-p tcp -m tcp --dport <eport:c2:80\/tcp>/);
    expect(canonicalSave(fresh)).toBe(canonicalSave(e));
  });

  it('the comparison is not blind: one stale rule makes the two differ', () => {
    const e = engineFromSeed(5);
    runCommands(e, ['docker network create net1', 'docker run -d --name c1 --network net1 -p 8080:80 mini:latest sleep 100000']);
    const fresh = engineFromSeed(6);
    expect(runCommands(fresh, rebuildCommands(e)).failed).toEqual([]);
    expect(normalizedSave(fresh)).toBe(normalizedSave(e));
    expect(iptablesSave(e, e.host)).toMatch(/-j DNAT --to-destination 172\.18\.0\.2:80/);
    e.ipt.raw(['-t', 'nat', '-A', 'DOCKER', '-p', 'tcp', '--dport', '9999', '-j', 'DNAT', '--to-destination', '172.18.0.2:80']);
    expect(normalizedSave(fresh)).not.toBe(normalizedSave(e));
    expect(canonicalSave(fresh)).not.toBe(canonicalSave(e));
  });
});
