#!/usr/bin/env node
// dockernet benchmark runner (`npm run bench`). See docs/performance.md for what is measured and how.
//
//   node bench/run.mjs [--filter NAME] [--runs N] [--quick] [--json] [--profile] [--kernel] [--large] [--out DIR]
//
// Builds every bench/*.bench.ts with esbuild (bundling src/ directly, so a benchmark does not wait for the
// public barrel), then runs each case in a fresh `node --expose-gc` child, `--runs` times (default 5; fresh
// world per run; a case marked processPerRun, a cold start, gets a fresh child per run), and reports the
// median. Results: DIR/latest.json and DIR/latest.md (DIR = bench/results,
// nothing with --quick unless --out is given); --json also prints the JSON on stdout.
//   --filter NAME  only benchmarks whose name contains NAME (comma-separated list allowed)
//   --case TEXT    only cases whose label starts with TEXT
//   --quick        smoke run: 1 run, 1/1000 of the operations, small cases only; results are not written
//   --large        include the large scaling cases (10,000 containers, 1,000,000 conntrack entries)
//   --only-large   only the large cases;  --ops-scale X  multiply every case's timed operation count by X
//                  (the warm-up keeps its full length, so the timed run starts from the same steady state)
//   --profile      also run each case once under `node --cpu-prof` and print the top self-time functions
//   --alloc-profile  sample allocations (collected ones too) during the first run and print the top sites
//   --kernel       also run the real-kernel baseline (bench/kernel/run.sh, needs root) for the ratio
//   --compare REV  A/B against git revision REV: its benchmarks are built from a temporary worktree and each
//                  case runs as alternating pairs (REV, this tree) --runs times, so load from other processes
//                  falls on both sides alike; reports both medians, the median of the per-pair ratios, and
//                  CPU time; results in DIR/compare-latest.{json,md}. A benchmark file REV lacks is copied in
//                  (it then runs against REV's sources)
//   --instructions count the instructions of each case's timed body under valgrind's callgrind (V8
//                  single-threaded) instead of timing it: the same count every run, whatever the machine's
//                  load; one run per case (per pair with --compare) unless --runs is given; results in
//                  DIR/instructions-latest.{json,md} (bench/instructions.mjs); BENCH_NODE_FLAGS (environment)
//                  adds node flags to the counted child (`--no-opt --always-sparkplug`: unoptimized code only)
//   --lines N      with --instructions: also the N functions and source lines that ran the most
//                  instructions per operation (callgrind per address + V8's jitdump, node --perf-prof)
//   --cache-sim    with --instructions: also simulated L1 and last-level data cache misses per operation
//                  (with --lines: the lines with the most last-level misses)
//   --deopts       instead of timing: V8's deoptimizations inside each case's timed body (one run per case,
//                  traced with --trace-deopt-verbose), with the src/ line of each; results in
//                  DIR/deopts-latest.{json,md} (bench/deopts.mjs)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, tmpdir, release, loadavg, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countInstructions, haveValgrind } from './instructions.mjs';
import { traceDeopts } from './deopts.mjs';
import { sourceLine } from './sourcemap.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

function parseArgs(argv) {
  const o = { compare: null, opsScale: 1, onlyLarge: false, allocProfile: false, filter: null, runs: 5, quick: false, json: false, profile: false, kernel: false, large: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--filter') o.filter = argv[++i].split(',');
    else if (a === '--runs') {
      o.runs = Number(argv[++i]);
      o.runsGiven = true;
    }
    else if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--alloc-profile') o.allocProfile = true;
    else if (a === '--kernel') o.kernel = true;
    else if (a === '--large') o.large = true;
    else if (a === '--only-large') o.large = o.onlyLarge = true;
    else if (a === '--ops-scale') o.opsScale = Number(argv[++i]);
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--compare') o.compare = argv[++i];
    else if (a === '--instructions') o.instructions = true;
    else if (a === '--lines') o.lines = Number(argv[++i]);
    else if (a === '--cache-sim') o.cacheSim = true;
    else if (a === '--case') o.caseFilter = argv[++i];
    else if (a === '--deopts') o.deopts = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1).filter((l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith('//'))).join('\n') + '\n');
      process.exit(0);
    } else {
      process.stderr.write(`run.mjs: unknown option ${a}\n`);
      process.exit(2);
    }
  }
  if (o.quick && !(o.instructions && o.runsGiven)) o.runs = 1;
  if (o.instructions) {
    if (!o.runsGiven) o.runs = 1; // a count does not change from run to run
    if (!haveValgrind()) {
      process.stderr.write('run.mjs: --instructions needs valgrind (apt-get install valgrind)\n');
      process.exit(2);
    }
  }
  return o;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    os: `${platform()} ${release()}`,
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

async function buildBenches(outdir, filter, benchDir = HERE) {
  const files = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => !filter || filter.some((x) => f.includes(x)))
    .sort();
  const entryPoints = [join(benchDir, 'child.ts'), ...files.map((f) => join(benchDir, f))];
  await build({
    entryPoints,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    packages: 'external',
    logLevel: 'warning',
  });
  return files.map((f) => join(outdir, f.replace(/\.ts$/, '.mjs')));
}

/** A time in ns as ns, µs or ms with 3–4 significant digits. */
function nsText(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' ms';
  if (n >= 1e4) return (n / 1e3).toFixed(2) + ' µs';
  return n.toFixed(1) + ' ns';
}

function fmt(n, digits = 0) {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (Math.abs(n) >= 1e4) return (n / 1e3).toFixed(1) + ' k';
  return n.toFixed(digits);
}

/** Top self-time functions of a .cpuprofile. */
function profileTop(file, top = 30) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  let total = 0;
  for (const [id, t] of dt) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const where = sourceLine(cf.url, cf.lineNumber + 1, cf.columnNumber + 1) ?? (cf.url ? `${cf.url.replace(/^.*\//, '')}:${cf.lineNumber + 1}` : '');
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + t);
    total += t;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, t]) => ({ fn, selfPct: +((100 * t) / total).toFixed(1) }));
}

/** The benchmark modules of `benchFiles` that --filter selects, with their file. */
async function* selectedBenches(o, benchFiles) {
  for (const f of benchFiles) {
    const bench = (await import(pathToFileURL(f).href)).default;
    if (o.filter && !o.filter.some((x) => bench.name.includes(x) || f.includes(x))) continue;
    yield [f, bench];
  }
}

/** The cases of `bench` that the options select (large ones only with --large, --case prefix), with their index. */
function* selectedCases(o, bench) {
  for (let ci = 0; ci < bench.cases.length; ci++) {
    const c = bench.cases[ci];
    if (c.large && (o.quick || !o.large)) continue;
    if (o.onlyLarge && !c.large) continue;
    if (o.caseFilter && !c.label.startsWith(o.caseFilter)) continue;
    yield [ci, c];
  }
}

/**
 * `--compare REV`: each case as alternating pairs (REV's bundle, this tree's bundle), one run each, both
 * through this tree's child (so both report CPU time). REV's benchmarks come from a temporary worktree.
 */
async function compare(o, outdir, log) {
  const git = (...a) => {
    const r = spawnSync('git', ['-C', ROOT, ...a], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  const rev = git('rev-parse', '--short', o.compare);
  const wt = mkdtempSync(join(tmpdir(), `dockernet-base-${rev}-`));
  git('worktree', 'add', '--detach', '--force', wt, rev);
  process.on('exit', () => spawnSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', wt]));
  // a benchmark this tree added runs on REV's sources too (its file copied into the worktree)
  for (const f of readdirSync(HERE)) if (f.endsWith('.bench.ts') && !existsSync(join(wt, 'bench', f))) writeFileSync(join(wt, 'bench', f), readFileSync(join(HERE, f)));
  // bundles go under this tree's bench/.build, so `packages: external` resolves this tree's node_modules
  const baseFiles = await buildBenches(join(outdir, 'base'), o.filter, join(wt, 'bench'));
  const newFiles = await buildBenches(outdir, o.filter);
  const child = join(outdir, 'child.mjs');
  const results = { machine: machine(), date: new Date().toISOString(), options: o, base: rev, head: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '', benches: [] };
  log(`dockernet bench --compare ${rev} (HEAD ${results.head}${results.dirty ? ' + uncommitted changes' : ''}) — ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}, ${o.runs} alternating pair(s) per case, load ${results.machine.loadavg.join(' ')}`);
  const runOnce = (f, ci) => {
    const copts = { runs: 1, quick: o.quick, heapSnapshot: false, allocProfile: false, opsScale: o.quick ? 0.001 : o.opsScale };
    if (o.instructions) return countInstructions(child, f, ci, copts).runs[0];
    const r = spawnSync(process.execPath, ['--expose-gc', child, f, String(ci), JSON.stringify(copts)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').slice(0, 8).join('\n'));
    return JSON.parse(r.stdout.trim().split('\n').pop()).runs[0];
  };
  for (const nf of newFiles) {
    const bench = (await import(pathToFileURL(nf).href)).default;
    const bf = baseFiles.find((x) => x.endsWith('/' + nf.split('/').pop()));
    if (!bf) {
      log(`\n## ${bench.name}: not in ${rev}`);
      continue;
    }
    const baseBench = (await import(pathToFileURL(bf).href)).default;
    const br = { name: bench.name, unit: bench.unit, cases: [] };
    log(`\n## ${bench.name}`);
    for (const [ci, c] of selectedCases(o, bench)) {
      const bi = baseBench.cases.findIndex((x) => x.label === c.label);
      if (bi < 0) {
        log(`  ${c.label}: not in ${rev}`);
        continue;
      }
      const pairs = [];
      try {
        for (let r = 0; r < o.runs; r++) pairs.push({ base: runOnce(bf, bi), now: runOnce(nf, ci) });
      } catch (e) {
        log(`  ${c.label}: FAILED\n${e.message}`);
        process.exitCode = 1;
        continue;
      }
      const med = (side, k) => median(pairs.map((p) => p[side][k]));
      const cr = {
        label: c.label,
        baseNsPerOp: med('base', 'nsPerOp'),
        nowNsPerOp: med('now', 'nsPerOp'),
        pairRatio: median(pairs.map((p) => p.now.nsPerOp / p.base.nsPerOp)),
        baseCpuNsPerOp: med('base', 'cpuNsPerOp'),
        nowCpuNsPerOp: med('now', 'cpuNsPerOp'),
        cpuPairRatio: median(pairs.map((p) => p.now.cpuNsPerOp / p.base.cpuNsPerOp)),
        baseAllocBytesPerOp: med('base', 'allocatedBytes') / pairs[0].base.ops,
        nowAllocBytesPerOp: med('now', 'allocatedBytes') / pairs[0].now.ops,
        pairs,
      };
      if (o.instructions) {
        cr.baseInstructionsPerOp = med('base', 'instructionsPerOp');
        cr.nowInstructionsPerOp = med('now', 'instructionsPerOp');
        cr.instructionsRatio = median(pairs.map((p) => p.now.instructionsPerOp / p.base.instructionsPerOp));
        br.cases.push(cr);
        log(`  ${c.label.padEnd(28)} ${rev} ${fmt(cr.baseInstructionsPerOp).padStart(8)}  now ${fmt(cr.nowInstructionsPerOp).padStart(8)} instructions/${bench.unit}  ×${cr.instructionsRatio.toFixed(3)}`);
        continue;
      }
      br.cases.push(cr);
      log(
        `  ${c.label.padEnd(28)} ${rev} ${nsText(cr.baseNsPerOp).padStart(10)}  now ${nsText(cr.nowNsPerOp).padStart(10)}  ×${cr.pairRatio.toFixed(2)} (pairs)` +
          `  cpu ${nsText(cr.baseCpuNsPerOp)} → ${nsText(cr.nowCpuNsPerOp)} ×${cr.cpuPairRatio.toFixed(2)}  alloc ${cr.baseAllocBytesPerOp.toFixed(1)} → ${cr.nowAllocBytesPerOp.toFixed(1)} B/${bench.unit}`,
      );
    }
    results.benches.push(br);
  }
  const md = o.instructions
    ? [
        `A/B in instructions (callgrind, V8 single-threaded; bench/instructions.mjs): ${rev} against HEAD ${results.head}${results.dirty ? ' + uncommitted changes' : ''}; ${o.runs} pair(s) per case; Node ${results.machine.node}; ${results.date}.`,
        '',
        '| benchmark | case | before instructions/op | now instructions/op | now ÷ before |',
        '|---|---|---:|---:|---:|',
        ...results.benches.flatMap((b) => b.cases.map((c) => `| ${b.name} | ${c.label} | ${c.baseInstructionsPerOp.toFixed(0)} | ${c.nowInstructionsPerOp.toFixed(0)} | ${c.instructionsRatio.toFixed(3)} |`)),
      ].join('\n') + '\n'
    : [
    `A/B: ${rev} against HEAD ${results.head}${results.dirty ? ' + uncommitted changes' : ''}; ${o.runs} alternating pair(s) per case; ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}; load at start ${results.machine.loadavg.join(' ')}; ${results.date}.`,
    '',
    '| benchmark | case | before ns/op (median) | now ns/op (median) | now ÷ before (median of pairs) | CPU ns/op before → now | CPU ratio | allocated B/op before → now |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...results.benches.flatMap((b) =>
      b.cases.map(
        (c) =>
          `| ${b.name} | ${c.label} | ${c.baseNsPerOp.toFixed(1)} | ${c.nowNsPerOp.toFixed(1)} | ${c.pairRatio.toFixed(2)} | ${c.baseCpuNsPerOp.toFixed(1)} → ${c.nowCpuNsPerOp.toFixed(1)} | ${c.cpuPairRatio.toFixed(2)} | ${c.baseAllocBytesPerOp.toFixed(1)} → ${c.nowAllocBytesPerOp.toFixed(1)} |`,
      ),
    ),
  ].join('\n') + '\n';
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  if (o.quick && !o.out) return;
  const dir = o.out ?? join(HERE, 'results');
  mkdirSync(dir, { recursive: true });
  const base = o.instructions ? 'compare-instructions-latest' : 'compare-latest';
  writeFileSync(join(dir, `${base}.json`), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(dir, `${base}.md`), md);
  log(`\nwrote ${join(dir, base + '.json')} and ${base}.md`);
}

/** `--instructions`: each case's timed body counted under callgrind (bench/instructions.mjs). */
async function instructions(o, benchFiles, child) {
  const results = { machine: machine(), date: new Date().toISOString(), options: o, benches: [] };
  const log = (s) => (o.json ? process.stderr : process.stdout).write(s + '\n');
  log(`dockernet bench --instructions — callgrind, V8 single-threaded, Node ${results.machine.node}, ${o.runs} run(s) per case${o.quick ? ' (quick)' : ''}`);
  for await (const [f, bench] of selectedBenches(o, benchFiles)) {
    const br = { name: bench.name, title: bench.title, unit: bench.unit, cases: [] };
    log(`\n## ${bench.name}: ${bench.title}`);
    for (const [ci, c] of selectedCases(o, bench)) {
      const copts = { runs: 1, quick: o.quick, opsScale: o.quick ? 0.001 : o.opsScale };
      let runs;
      try {
        runs = Array.from({ length: o.runs }, (_, r) => countInstructions(child, f, ci, copts, r === 0 ? (o.lines ?? 0) : 0, !!o.cacheSim).runs[0]);
      } catch (e) {
        log(`  ${c.label}: FAILED\n${e.message}`);
        br.cases.push({ label: c.label, params: c.params, error: e.message.split('\n').slice(0, 8).join('\n') });
        process.exitCode = 1;
        continue;
      }
      const per = runs.map((r) => r.instructionsPerOp);
      const cr = { label: c.label, params: c.params, ops: runs[0].ops, instructionsPerOp: median(per), min: Math.min(...per), max: Math.max(...per), runs };
      br.cases.push(cr);
      if (o.cacheSim) {
        cr.d1MissesPerOp = median(runs.map((r) => r.d1MissesPerOp));
        cr.llMissesPerOp = median(runs.map((r) => r.llMissesPerOp));
      }
      log(
        `  ${c.label.padEnd(40)} ${fmt(cr.instructionsPerOp).padStart(9)} instructions/${bench.unit}${runs.length > 1 ? `  (${fmt(cr.min)}–${fmt(cr.max)})` : ''}` +
          (o.cacheSim ? `  D1 misses ${cr.d1MissesPerOp.toFixed(1)}  LL misses ${cr.llMissesPerOp.toFixed(2)}` : '') +
          `  over ${cr.ops} ${bench.unit}s`,
      );
      const prof = runs[0].profile;
      if (prof) {
        log(`    by function:`);
        for (const x of prof.functions) log(`      ${x.perOp.toFixed(1).padStart(8)}  ${x.where}`);
        log(`    by source line:`);
        for (const x of prof.lines) log(`      ${x.perOp.toFixed(1).padStart(8)}  ${x.where}`);
        if (prof.builtinCalls?.length) {
          log(`    calls into V8 builtins and the runtime by call site: calls, instructions in the call (a generic call's include its JS callee):`);
          for (const x of prof.builtinCalls) log(`      ${x.callsPerOp.toFixed(2).padStart(8)} ${x.perOp.toFixed(1).padStart(8)}  ${x.where}`);
        }
        if (prof.d1MissLines) {
          log(`    first-level data cache misses by source line:`);
          for (const x of prof.d1MissLines) log(`      ${x.perOp.toFixed(3).padStart(8)}  ${x.where}`);
        }
        if (prof.llMissLines) {
          log(`    last-level data cache misses by source line:`);
          for (const x of prof.llMissLines) log(`      ${x.perOp.toFixed(3).padStart(8)}  ${x.where}`);
        }
      }
    }
    results.benches.push(br);
  }
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  if (o.quick && !o.out) return;
  const dir = o.out ?? join(HERE, 'results');
  mkdirSync(dir, { recursive: true });
  const md = [
    `Instructions per operation of each case's timed body (callgrind, V8 single-threaded; bench/instructions.mjs); Node ${results.machine.node} (V8 ${results.machine.v8}), ${results.machine.cpu}; ${results.date}.`,
    ...results.benches.flatMap((b) => [
      '',
      `### ${b.name}: ${b.title}`,
      '',
      `| case | instructions/${b.unit} |${o.cacheSim ? ` D1 misses/${b.unit} | LL misses/${b.unit} |` : ''} ${b.unit}s counted |`,
      o.cacheSim ? '|---|---:|---:|---:|---:|' : '|---|---:|---:|',
      ...b.cases.map((c) =>
        c.error
          ? `| ${c.label} | failed |${o.cacheSim ? ' | |' : ''} |`
          : `| ${c.label} | ${c.instructionsPerOp.toFixed(0)} |${o.cacheSim ? ` ${c.d1MissesPerOp.toFixed(1)} | ${c.llMissesPerOp.toFixed(2)} |` : ''} ${c.ops} |`,
      ),
    ]),
  ].join('\n') + '\n';
  writeFileSync(join(dir, 'instructions-latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(dir, 'instructions-latest.md'), md);
  log(`\nwrote ${join(dir, 'instructions-latest.json')} and instructions-latest.md`);
}

/** `--deopts`: the deoptimizations inside each case's timed body (bench/deopts.mjs). */
async function deopts(o, benchFiles, child) {
  const results = { machine: machine(), date: new Date().toISOString(), options: o, benches: [] };
  const log = (s) => (o.json ? process.stderr : process.stdout).write(s + '\n');
  log(`dockernet bench --deopts — V8 deoptimizations in each case's timed body, Node ${results.machine.node}${o.quick ? ' (quick)' : ''}`);
  for await (const [f, bench] of selectedBenches(o, benchFiles)) {
    const br = { name: bench.name, title: bench.title, unit: bench.unit, cases: [] };
    results.benches.push(br);
    log(`\n## ${bench.name}: ${bench.title}`);
    for (const [ci, c] of selectedCases(o, bench)) {
      let t;
      try {
        t = traceDeopts(child, f, ci, { quick: o.quick, opsScale: o.quick ? 0.001 : o.opsScale });
      } catch (e) {
        log(`  ${c.label}: FAILED\n${e.message}`);
        br.cases.push({ label: c.label, params: c.params, error: e.message });
        process.exitCode = 1;
        continue;
      }
      // the same bailout (function, reason, place) counted once, with how many times it happened
      const groups = new Map();
      for (const x of t.bailouts) {
        const key = `${x.fn}|${x.kind}|${x.reason}|${x.at}|${x.inlinedAt.join('<')}`;
        const g = groups.get(key);
        if (g) g.count++;
        else groups.set(key, { ...x, count: 1 });
      }
      const cr = { label: c.label, params: c.params, ops: t.ops, bailouts: t.bailouts.length, invalidated: t.invalidated.length, sites: [...groups.values()].sort((a, b) => b.count - a.count) };
      br.cases.push(cr);
      log(`  ${c.label.padEnd(40)} ${String(cr.bailouts).padStart(4)} bailouts, ${cr.invalidated} code objects invalidated, over ${cr.ops} ${bench.unit}s`);
      cr.invalidatedFns = [...new Set(t.invalidated.map((x) => `${x.fn} (${x.reason})`))];
      if (cr.invalidatedFns.length) log(`      invalidated: ${cr.invalidatedFns.join(', ')}`);
      for (const x of cr.sites) log(`      ${String(x.count).padStart(3)}×  ${x.fn} (${x.kind}: ${x.reason}) at ${x.at}${x.inlinedAt.length ? `, inlined at ${x.inlinedAt.join(', ')}` : ''}`);
    }
  }
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  if (o.quick && !o.out) return;
  const dir = o.out ?? join(HERE, 'results');
  mkdirSync(dir, { recursive: true });
  const md = [
    `V8 deoptimizations inside each case's timed body (\`--trace-deopt-verbose\` over the first timed run; bench/deopts.mjs); Node ${results.machine.node} (V8 ${results.machine.v8}); ${results.date}.`,
    ...results.benches.flatMap((b) => [
      '',
      `### ${b.name}: ${b.title}`,
      '',
      `| case | bailouts | code invalidated | ${b.unit}s | where |`,
      '|---|---:|---:|---:|---|',
      ...b.cases.map((c) => (c.error ? `| ${c.label} | failed | | | |` : `| ${c.label} | ${c.bailouts} | ${c.invalidated} | ${c.ops} | ${c.sites.map((x) => `${x.count}× \`${x.fn}\` ${x.reason} (${x.at})`).join('; ')} |`)),
    ]),
  ].join('\n') + '\n';
  writeFileSync(join(dir, 'deopts-latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(dir, 'deopts-latest.md'), md);
  log(`\nwrote ${join(dir, 'deopts-latest.json')} and deopts-latest.md`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  // one build directory per runner process (inside bench/ so bundles resolve node_modules), so concurrent
  // runs (the smoke test, a profile run) never pull the files from under each other
  const outdir = join(HERE, '.build', `run-${process.pid}`);
  mkdirSync(outdir, { recursive: true });
  process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
  if (o.compare) {
    await compare(o, outdir, (s) => (o.json ? process.stderr : process.stdout).write(s + '\n'));
    return;
  }
  const benchFiles = await buildBenches(outdir, o.filter);
  const child = join(outdir, 'child.mjs');
  if (o.instructions) {
    await instructions(o, benchFiles, child);
    return;
  }
  if (o.deopts) {
    await deopts(o, benchFiles, child);
    return;
  }
  const results = { machine: machine(), date: new Date().toISOString(), options: o, benches: [], kernel: null };
  const log = (s) => (o.json ? process.stderr : process.stdout).write(s + '\n');
  log(`dockernet bench — ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}, ${o.runs} run(s) per case${o.quick ? ' (quick)' : ''}`);
  for await (const [f, bench] of selectedBenches(o, benchFiles)) {
    const br = { name: bench.name, title: bench.title, unit: bench.unit, cases: [] };
    log(`\n## ${bench.name}: ${bench.title}`);
    for (const [ci, c] of selectedCases(o, bench)) {
      const copts = { runs: o.runs, quick: o.quick, heapSnapshot: (c.heapSnapshot ?? !!bench.heapSnapshot) && !o.quick && !c.large, memoryPass: true, allocProfile: o.allocProfile, opsScale: o.quick ? 0.001 : o.opsScale };
      // a cold-start case runs each of its runs in a fresh process; the heap snapshots (first run only) too
      const children = c.processPerRun ? Array.from({ length: o.runs }, (_, r) => ({ ...copts, runs: 1, heapSnapshot: copts.heapSnapshot && r === 0, memoryPass: copts.memoryPass && r === 0, allocProfile: copts.allocProfile && r === 0 })) : [copts];
      let raw = null;
      let failure = null;
      for (const cc of children) {
        const r = spawnSync(process.execPath, ['--expose-gc', child, f, String(ci), JSON.stringify(cc)], { encoding: 'utf8', maxBuffer: 64 << 20 });
        if (r.status !== 0) {
          failure = r.stderr;
          break;
        }
        const one = JSON.parse(r.stdout.trim().split('\n').pop());
        if (raw === null) raw = one;
        else raw.runs.push(...one.runs);
      }
      if (failure !== null) {
        log(`  ${c.label}: FAILED\n${failure}`);
        br.cases.push({ label: c.label, params: c.params, error: failure.trim().split('\n').slice(0, 8).join('\n') });
        process.exitCode = 1;
        continue;
      }
      const m = (k) => median(raw.runs.map((x) => x[k]));
      // retained bytes come from the untimed memory pass of the first run only (bench/child.ts)
      const retained = raw.runs.map((x) => x.retainedBytes).filter((x) => x !== undefined && x !== null);
      const mRetained = retained.length ? median(retained) : NaN;
      const cr = {
        label: c.label,
        params: c.params,
        ops: raw.runs[0].ops,
        runs: raw.runs.length,
        opsPerSec: m('opsPerSec'),
        nsPerOp: m('nsPerOp'),
        minNsPerOp: Math.min(...raw.runs.map((x) => x.nsPerOp)),
        maxNsPerOp: Math.max(...raw.runs.map((x) => x.nsPerOp)),
        setupMs: m('setupNs') / 1e6,
        allocatedBytesPerOp: m('allocatedBytes') / raw.runs[0].ops,
        retainedBytesPerOp: mRetained / raw.runs[0].ops,
        retainedPerMillionOps: (mRetained / raw.runs[0].ops) * 1e6,
        scavengesPerMillionOps: (m('scavenges') / raw.runs[0].ops) * 1e6,
        pageFaultsPerOp: m('pageFaultsPerOp'),
        facts: raw.facts,
        heapGrowth: raw.heapGrowth,
        allocSites: raw.allocSites,
        raw: raw.runs,
      };
      if (o.profile) {
        const pdir = mkdtempSync(join(tmpdir(), 'dnprof-'));
        const pr = spawnSync(
          process.execPath,
          ['--expose-gc', '--cpu-prof', '--cpu-prof-dir', pdir, child, f, String(ci), JSON.stringify({ ...copts, runs: 1, heapSnapshot: false, allocProfile: false })],
          { encoding: 'utf8' },
        );
        const pf = readdirSync(pdir).find((x) => x.endsWith('.cpuprofile'));
        if (pr.status === 0 && pf) cr.profile = profileTop(join(pdir, pf));
        rmSync(pdir, { recursive: true, force: true });
      }
      br.cases.push(cr);
      log(
        `  ${c.label.padEnd(28)} ${fmt(cr.opsPerSec).padStart(9)} ${bench.unit}/s  ${cr.nsPerOp.toFixed(1).padStart(8)} ns/${bench.unit}` +
          `  alloc ${cr.allocatedBytesPerOp.toFixed(1)} B/${bench.unit}  faults ${cr.pageFaultsPerOp.toPrecision(2)}/${bench.unit}  retained ${fmt(cr.retainedPerMillionOps)} B/M  setup ${cr.setupMs.toFixed(1)} ms` +
          `  ${JSON.stringify(cr.facts)}`,
      );
      if (cr.heapGrowth) for (const h of cr.heapGrowth.slice(0, 8)) log(`      heap +${h.bytesPerOp.toFixed(1)} B/${bench.unit} ${h.name} (${h.countPerOp.toFixed(2)}/${bench.unit})`);
      if (cr.allocSites) for (const a of cr.allocSites.slice(0, 8)) log(`      alloc ${a.bytesPerOp.toFixed(1)} B/${bench.unit} ${a.site}`);
      if (cr.profile) for (const p of cr.profile.slice(0, 10)) log(`      ${String(p.selfPct).padStart(5)}%  ${p.fn}`);
    }
    results.benches.push(br);
  }
  if (o.kernel) {
    const k = spawnSync('bash', [join(HERE, 'kernel/run.sh'), '--runs', String(o.quick ? 1 : o.runs), '--seconds', o.quick ? '0.5' : '3'], {
      encoding: 'utf8',
    });
    const lines = k.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const byCase = {};
    for (const l of lines) (byCase[l.case] ??= []).push(l.rx.pps);
    results.kernel = { status: k.status, summary: k.stderr.trim(), medianPps: Object.fromEntries(Object.entries(byCase).map(([c, v]) => [c, median(v)])), runs: lines };
    log(`\n## kernel baseline\n${k.stderr.trim()}`);
  }
  const md = markdown(results);
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  if (o.quick && !o.out) return; // smoke runs leave nothing behind
  const dir = o.out ?? join(HERE, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(dir, 'latest.md'), md);
  log(`\nwrote ${join(dir, 'latest.json')} and latest.md`);
}

function markdown(res) {
  const m = res.machine;
  const out = [];
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}; Node ${m.node} (V8 ${m.v8}); load average at start ${m.loadavg.join(' ')}.`);
  out.push(`Median of ${res.options.runs} run(s) per case, each in a fresh world; ${res.date}.`);
  out.push('Retained bytes and heap snapshots: an untimed pass of the same operations in a fresh world after the first timed run, between precise (memory-reducing) collections.');
  for (const b of res.benches) {
    out.push('', `### ${b.name}: ${b.title}`, '');
    out.push(`| case | ${b.unit}/s | ns/${b.unit} (median) | min–max ns | allocated B/${b.unit} | page faults/${b.unit} | retained B per M ${b.unit}s | setup ms | facts |`);
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const c of b.cases) {
      if (c.error) {
        out.push(`| ${c.label} | failed | | | | | | | ${c.error.split('\n')[0].replace(/\|/g, '\\|')} |`);
        continue;
      }
      const facts = Object.entries(c.facts).map(([k, v]) => `${k}=${v}`).join(', ');
      out.push(
        `| ${c.label} | ${fmt(c.opsPerSec)} | ${c.nsPerOp.toFixed(1)} | ${c.minNsPerOp.toFixed(1)}–${c.maxNsPerOp.toFixed(1)} | ${c.allocatedBytesPerOp.toFixed(1)} | ${(c.pageFaultsPerOp ?? 0).toPrecision(2)} | ${fmt(c.retainedPerMillionOps)} | ${c.setupMs.toFixed(1)} | ${facts} |`,
      );
    }
    for (const c of b.cases) {
      if (!c.heapGrowth) continue;
      out.push('', `Heap snapshot growth per ${b.unit}, ${c.label} (top constructors):`, '');
      out.push(`| constructor | bytes/${b.unit} | objects/${b.unit} |`, '|---|---:|---:|');
      for (const h of c.heapGrowth.slice(0, 12)) out.push(`| ${h.name.replace(/\|/g, '\\|')} | ${h.bytesPerOp.toFixed(1)} | ${h.countPerOp.toFixed(2)} |`);
    }
  }
  if (res.kernel) {
    out.push('', '### Real kernel (bench/kernel/run.sh)', '', '| case | received pps (median) |', '|---|---:|');
    for (const [c, v] of Object.entries(res.kernel.medianPps)) out.push(`| ${c} | ${fmt(v)} |`);
  }
  return out.join('\n') + '\n';
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
