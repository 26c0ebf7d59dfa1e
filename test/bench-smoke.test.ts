// Smoke run of every benchmark (bench/*.bench.ts): builds each small case's world, runs a handful of
// operations and checks the functional facts the case declares (packets delivered, flows created, ...).
// No timing is asserted anywhere; this only keeps the benchmarks from rotting.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { spawnSync as spawnSyncTop } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Bench } from '../bench/lib.js';

const BENCH = resolve(__dirname, '../bench');
const files = readdirSync(BENCH).filter((f) => f.endsWith('.bench.ts')).sort();

describe('benchmarks (smoke)', () => {
  it('there are benchmark files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const f of files) {
    describe(f, () => {
      it('every small case builds, runs a few operations and shows the expected facts', async () => {
        const bench = ((await import(pathToFileURL(join(BENCH, f)).href)) as { default: Bench }).default;
        expect(bench.cases.length).toBeGreaterThan(0);
        for (const c of bench.cases) {
          if (c.large) continue;
          const b = await c.setup(true);
          const warm = Math.min(c.warmup, 3);
          const ops = Math.max(1, Math.min(c.ops, 20));
          b.run(warm);
          b.run(ops);
          expect(b.done, `${bench.name}/${c.label}: operations done`).toBe(warm + ops);
          expect(b.facts(), `${bench.name}/${c.label}: facts`).toMatchObject(c.expected(b.done));
        }
      });
    });
  }
});

describe('bench/run.mjs --quick', () => {
  it('builds the benchmarks, runs every small case in a child process and reports each one', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [join(BENCH, 'run.mjs'), '--quick', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { machine: { cores: number; node: string }; benches: Array<{ name: string; cases: Array<{ error?: string; ops: number; nsPerOp: number; retainedBytesPerOp: number | null }> }> };
    expect(res.machine.node).toBe(process.version);
    expect(res.benches.length).toBe(files.length);
    for (const b of res.benches) {
      expect(b.cases.length, b.name).toBeGreaterThan(0);
      for (const c of b.cases) {
        expect(c.error, `${b.name}`).toBeUndefined();
        expect(c.ops).toBeGreaterThan(0);
        // the untimed memory pass ran in a fresh world and reported its retained bytes
        expect(Number.isFinite(c.retainedBytesPerOp), `${b.name}: retained bytes`).toBe(true);
      }
    }
  }, 300_000);
});

describe('bench/run.mjs --instructions', () => {
  const hasValgrind = spawnSyncTop('valgrind', ['--version']).status === 0;
  it.skipIf(!hasValgrind)('counts the timed body of a case under callgrind, the same count in two runs', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [join(BENCH, 'run.mjs'), '--instructions', '--quick', '--filter', 'l2-bridge', '--case', '10 containers', '--runs', '2', '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { benches: Array<{ name: string; cases: Array<{ label: string; error?: string; runs: Array<{ ops: number; instructions: number }> }> }> };
    expect(res.benches.map((b) => b.name)).toEqual(['l2-bridge']);
    const cases = res.benches[0]!.cases;
    expect(cases.map((c) => c.label)).toEqual(['10 containers']);
    const [a, b] = cases[0]!.runs;
    expect(a!.ops).toBeGreaterThan(0);
    // a frame through veth, bridge and veth is some hundreds of instructions, not zero and not millions
    expect(a!.instructions / a!.ops).toBeGreaterThan(100);
    expect(a!.instructions / a!.ops).toBeLessThan(1_000_000);
    // deterministic: V8 single-threaded under callgrind (measured: 0.04 % apart)
    expect(Math.abs(a!.instructions - b!.instructions) / a!.instructions).toBeLessThan(0.01);
  }, 300_000);
});

describe('bench/run.mjs --deopts', () => {
  it('reads a bailout out of V8 trace text: function, reason and source line', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'deopt-test-'));
    try {
      const script = join(dir, 'd.js');
      // line 1 is the function; it is optimized for small integers, then given a string
      writeFileSync(script, 'function addOne(x) { return x + 1; }\n%PrepareFunctionForOptimization(addOne);\naddOne(1); addOne(2);\n%OptimizeFunctionOnNextCall(addOne);\naddOne(3);\naddOne("s");\n');
      const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--trace-deopt-verbose', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const { parseDeopts } = (await import(pathToFileURL(join(BENCH, 'deopts.mjs')).href)) as {
        parseDeopts: (t: string) => { bailouts: Array<{ fn: string; kind: string; reason: string; at: string }> };
      };
      const { bailouts } = parseDeopts(r.stdout);
      expect(bailouts.length).toBe(1);
      expect(bailouts[0]!.fn).toBe('addOne');
      expect(bailouts[0]!.kind).toBe('deopt-eager');
      expect(bailouts[0]!.at).toBe('d.js:1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('traces the timed body of a case and reports its deoptimizations', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [join(BENCH, 'run.mjs'), '--deopts', '--quick', '--filter', 'l2-bridge', '--case', '10 containers', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { benches: Array<{ name: string; cases: Array<{ label: string; ops: number; bailouts: number; sites: unknown[] }> }> };
    expect(res.benches.map((b) => b.name)).toEqual(['l2-bridge']);
    const c = res.benches[0]!.cases[0]!;
    expect(c.label).toBe('10 containers');
    expect(c.ops).toBeGreaterThan(0);
    expect(Number.isInteger(c.bailouts)).toBe(true);
    expect(c.sites.length).toBeLessThanOrEqual(c.bailouts);
  }, 120_000);
});
