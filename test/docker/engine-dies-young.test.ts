// A dead engine must be garbage at the next scavenge, not promoted to V8's old generation and kept
// until a mark-compact (a property suite makes an engine per run). Two ways to keep it alive across
// scavenges were found and removed: a function literal assigned straight to a property (V8's parser
// allocates it in the old generation, and its closure context with `this` survives every scavenge)
// and an entry in a long-lived WeakMap keyed by a young object (the scavenger treats its value as
// strong). This runs the published build in a child with --expose-gc and a young generation large
// enough that no scavenge falls inside the measured engines, then reads how much of them the two
// minor collections moved to the old generation.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * Runs the built package in a child with --expose-gc and a young generation of `semi` MB: `warm`
 * engines made by `make` (JavaScript: the body of `mk(i)`, returning the engine), two full collections,
 * then `measured` more (seeds from `firstSeed`, the last kept alive) and two minor collections. Returns
 * the old-generation bytes those two scavenges promoted, per measured engine.
 */
function promoted(o: { make: string; warm: number; measured: number; firstSeed: number; semi: number }): { promotedPerEngine: number; alive: boolean } {
  const script = `
const v8 = require('node:v8');
const { Engine } = require('./dist/index.cjs');
const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
const mk = (i) => { ${o.make} };
let keep = null;
for (let i = 0; i < ${o.warm}; i++) keep = mk(i);
gc(); gc();
const o0 = old();
for (let i = 0; i < ${o.measured}; i++) keep = mk(${o.firstSeed} + i);
gc({ type: 'minor' }); gc({ type: 'minor' });
console.log(JSON.stringify({ promotedPerEngine: (old() - o0) / ${o.measured}, alive: keep !== null }));
`;
  const out = execFileSync(process.execPath, ['--expose-gc', `--max-semi-space-size=${o.semi}`, '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as { promotedPerEngine: number; alive: boolean };
}

describe.skipIf(!existsSync(join(ROOT, 'dist/index.cjs')))('garbage collection of dropped engines', () => {
  it('moves almost nothing of 100 dropped engines to the old generation in two scavenges', () => {
    const r = promoted({ make: 'return new Engine({ seed: i + 1 });', warm: 200, measured: 100, firstSeed: 0, semi: 64 });
    expect(r.alive).toBe(true);
    // ~0.4-0.6 KB per engine now (code and feedback the JIT keeps); 30 KB when a bridge's GC timer
    // closure and the process table's sleep callback were class-field arrows
    expect(r.promotedPerEngine).toBeLessThan(5_000);
  });

  it('promotes little of an engine with a network, and little more when its container ran ping and nslookup', () => {
    // a generator function written inside a program's closure (one per call) gets a hidden class of
    // its own, which V8 allocates in the old generation and which points back at the function: every
    // engine whose container had run ping was promoted whole (~85 KB more than without)
    const make = (probe: boolean): string => `
  const e = new Engine({ seed: i + 1 });
  e.exec('docker network create n');
  e.exec('docker run -d --name web --network n mini:latest sleep 100000');
  e.exec('docker run -d --name db --network n mini:latest sleep 100000');
  ${probe ? "if (e.exec('docker exec web ping -c 1 db').exitCode !== 0 || e.exec('docker exec web nslookup db').exitCode !== 0) throw new Error('probe failed');" : 'void e.runtime.store.find("web").namespaces.net.handle;'}
  return e;`;
    const run = (probe: boolean): number => promoted({ make: make(probe), warm: 100, measured: 60, firstSeed: 100, semi: 128 }).promotedPerEngine;
    const without = run(false);
    const withProbes = run(true);
    // ~4 KB per engine with a network (19 KB while the iptables front-end kept every text it parsed,
    // a network's carrying its random bridge name); the probes add 3-6 KB (85-95 KB before)
    expect(without).toBeLessThan(9_000);
    expect(withProbes - without).toBeLessThan(20_000);
  });
});
