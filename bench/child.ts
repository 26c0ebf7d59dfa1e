/**
 * Child side of the benchmark runner: `node --expose-gc child.mjs BENCH_FILE CASE_INDEX OPTIONS_JSON`.
 * Runs one case `runs` times (fresh world each run) and prints one JSON line with the raw numbers.
 *
 * Per run it measures: wall time of `body.run(ops)` (process.hrtime) and the process's CPU time over it
 * (process.cpuUsage), bytes allocated during it (V8
 * GCProfiler: heap used at the end minus at the start plus what every GC in between freed), the number
 * of scavenges/mark-compacts, and the minor page faults (first touches of memory pages: the heap growing).
 *
 * Memory (`memoryPass`, first run only): after the timed run, an untimed pass in a fresh world (the
 * same setup and warm-up), whose `ops` operations run between two precise collections (`gc()`, V8's
 * "collect all available garbage"), gives the bytes retained per operation; with `heapSnapshot`, V8 heap snapshots around that pass give the growth
 * by constructor name. Not around the timed run: the scavenges just before it leave the old
 * generation's garbage behind (up to ~16 KB per dropped `Engine`), and the precise collections (and a
 * heap snapshot's) throw away optimized code that the timed run would then have to rebuild (the
 * precise collections of the timed runs come before their warm-up: {@link youngGc}).
 */
import { pathToFileURL } from 'node:url';
import { GCProfiler, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { factMismatches, type Bench } from './lib.js';

interface ChildOptions {
  runs: number;
  /** Sample allocations (including garbage collected ones) during the first timed run and report the top sites. */
  allocProfile?: boolean;
  quick: boolean;
  heapSnapshot: boolean;
  /** Measure retained memory in an untimed pass after the first timed run (see the file comment). */
  memoryPass?: boolean;
  opsScale: number;
  /**
   * Mark the timed body for an instruction count: `os.loadavg()` (libuv's `uv_loadavg`) right before
   * and right after it, so `valgrind --tool=callgrind --dump-before=uv_loadavg` writes the body's
   * counts as the second dump (bench/instructions.mjs). Nothing else in the child calls it.
   */
  instructions?: boolean;
  /**
   * Trace V8's deoptimizations during the first timed body only (`--trace-deopt-verbose` switched on
   * right before it and off right after; the runner sends the traces to a file with
   * `--redirect-code-traces-to`, bench/deopts.mjs).
   */
  deopts?: boolean;
}

const gc = (globalThis as { gc?: (o?: { type: 'minor'; execution: 'sync' | 'async' }) => void }).gc;

/**
 * Two young-generation collections (scavenges). Node 20's V8 (11.3) runs a scavenge for `gc()` with
 * any options object — `gc({ type: 'major', execution: 'sync' })`, which this function called until
 * the thirteenth session believing it a mark-compact, shows as "Scavenge ... testing" in
 * `--trace-gc` — and a full collection only for `gc()` without arguments, V8's memory-reducing
 * "collect all available garbage", after which V8 throws away optimized code (`--trace-deopt`: 77
 * code objects marked for deoptimization in the next 1,000 containers of a warm bring-up, and 120
 * functions optimized again), so a short timed run right after it measured re-optimization: warm
 * bring-up read ~200 µs per container instead of ~80 µs. The full collection therefore runs
 * before the warm-up ({@link main}), which re-optimizes, and only these scavenges just before the
 * timed body.
 */
function youngGc(): void {
  if (!gc) throw new Error('child.mjs must run with --expose-gc');
  gc({ type: 'minor', execution: 'sync' });
  gc({ type: 'minor', execution: 'sync' });
}

/** Two memory-reducing collections: every unreachable object gone, for a retained-bytes reading. */
function preciseGc(): void {
  if (!gc) throw new Error('child.mjs must run with --expose-gc');
  gc();
  gc();
}

/** Sums self sizes by node name from a .heapsnapshot file. */
function heapByName(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields: string[] = meta.node_fields;
  const types: string[] = meta.node_types[0];
  const nf = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const nodes: number[] = snap.nodes;
  const strings: string[] = snap.strings;
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < nodes.length; i += nf) {
    const type = types[nodes[i + iType]!]!;
    let name = strings[nodes[i + iName]!]!;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)';
    else if (type === 'code') name = '(code)';
    else if (type === 'closure') name = `(closure)`;
    else if (type === 'number') name = '(heap number)';
    else if (type === 'hidden' || type === 'object shape') name = `(${type})`;
    else if (type === 'array') name = `(array) ${name.length > 40 ? name.slice(0, 40) : name}`;
    const e = out.get(name) ?? { size: 0, count: 0 };
    e.size += nodes[i + iSize]!;
    e.count++;
    out.set(name, e);
  }
  return out;
}

function snapshot(tag: string): Map<string, { size: number; count: number }> {
  const file = join(tmpdir(), `dnbench-${process.pid}-${tag}.heapsnapshot`);
  writeHeapSnapshot(file);
  try {
    return heapByName(file);
  } finally {
    rmSync(file, { force: true });
  }
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((res, rej) => session.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r as T))));
}

/** Top allocation sites (innermost 3 frames) of a sampling heap profile, in bytes per operation. */
function allocTop(head: SamplingNode, ops: number): Array<{ site: string; bytesPerOp: number }> {
  const agg = new Map<string, number>();
  const walk = (n: SamplingNode, stack: string[]): void => {
    const cf = n.callFrame;
    const name = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').pop()}:${cf.lineNumber + 1}`;
    const st = stack.length > 8 ? [...stack.slice(-8), name] : [...stack, name];
    if (n.selfSize > 0) {
      const k = st.slice(-3).reverse().join(' < ');
      agg.set(k, (agg.get(k) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, st);
  };
  walk(head, []);
  return [...agg]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([site, b]) => ({ site, bytesPerOp: b / ops }));
}

async function main(): Promise<void> {
  const [file, idx, optsJson] = process.argv.slice(2);
  const opts: ChildOptions = JSON.parse(optsJson!);
  const mod = (await import(pathToFileURL(file!).href)) as { default: Bench };
  const bench = mod.default;
  const c = bench.cases[Number(idx)]!;
  const ops = Math.max(1, Math.round(c.ops * opts.opsScale));
  // --ops-scale shortens the timed run only: a warm-up scaled down with it leaves the JIT warming up
  // inside the timed run (the new-flow paths need ~10,000 flows to reach their steady state), which
  // made shortened large cases look several times slower than the full-length small ones
  const warmup = opts.quick ? Math.max(1, Math.round(c.warmup * opts.opsScale)) : c.warmup;
  const runs: unknown[] = [];
  let facts: Record<string, number> = {};
  let allocSites: Array<{ site: string; bytesPerOp: number }> | undefined;
  let heapGrowth: Array<{ name: string; bytesPerOp: number; countPerOp: number }> | undefined;
  for (let r = 0; r < opts.runs; r++) {
    youngGc();
    const s0 = process.hrtime.bigint();
    const b = await c.setup(opts.quick);
    const setupNs = Number(process.hrtime.bigint() - s0);
    // the set-up's garbage goes before the warm-up: left in the heap, it starts V8's incremental
    // marking, which then runs through the whole timed body of an allocation-free case (the main
    // thread never allocates to finish it), and every pointer store pays the marking write barrier
    // (10,000-container L2: 336 of 1,582 instructions per frame in Builtins_RecordWriteSaveFP).
    // A case without warm-up (a bring-up) keeps its heap as the set-up left it.
    if (warmup > 0) preciseGc();
    b.run(warmup);
    youngGc();
    const heap0 = process.memoryUsage().heapUsed;
    let session: Session | null = null;
    if (opts.allocProfile && r === 0) {
      session = new Session();
      session.connect();
      await post(session, 'HeapProfiler.enable');
      await post(session, 'HeapProfiler.startSampling', {
        samplingInterval: 512,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    const prof = new GCProfiler();
    prof.start();
    const cpu0 = process.cpuUsage();
    const faults0 = process.resourceUsage().minorPageFault;
    const t0 = process.hrtime.bigint();
    if (opts.instructions) loadavg();
    if (opts.deopts && r === 0) setFlagsFromString('--trace-deopt-verbose');
    b.run(ops);
    if (opts.deopts && r === 0) setFlagsFromString('--no-trace-deopt-verbose --no-trace-deopt');
    if (opts.instructions) loadavg();
    const t1 = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpu0);
    const faults = process.resourceUsage().minorPageFault - faults0;
    const heapEnd = process.memoryUsage().heapUsed;
    if (session) {
      const { profile } = await post<{ profile: { head: SamplingNode } }>(session, 'HeapProfiler.stopSampling');
      allocSites = allocTop(profile.head, ops);
      session.disconnect();
    }
    const gcs = prof.stop()?.statistics ?? [];
    let freed = 0;
    let scavenges = 0;
    let majors = 0;
    for (const g of gcs) {
      freed += g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize;
      if (g.gcType === 'Scavenge' || g.gcType === 'MinorMarkSweep' || g.gcType === 'MinorMarkCompact') scavenges++;
      else majors++;
    }
    const ns = Number(t1 - t0);
    const run = {
      ns,
      ops,
      nsPerOp: ns / ops,
      opsPerSec: (ops / ns) * 1e9,
      // CPU time of the process (all threads: V8's GC helpers too) over the timed body: unlike wall
      // time, it does not count the time this process waited for a core others were using
      cpuNsPerOp: ((cpu.user + cpu.system) * 1e3) / ops,
      // first touches of memory pages (the heap growing): each costs a kernel entry, ~14 µs on the
      // project's VM (docs/performance.md), so a case that grows the heap pays them in its time
      pageFaultsPerOp: faults / ops,
      setupNs,
      allocatedBytes: heapEnd - heap0 + freed,
      // set by the memory pass below (first run only)
      retainedBytes: undefined as number | undefined,
      scavenges,
      majorGcs: majors,
    };
    runs.push(run);
    if (b.done !== warmup + ops) throw new Error(`${bench.name}/${c.label}: body did ${b.done} operations, expected ${warmup + ops}`);
    facts = b.facts();
    const bad = factMismatches(facts, c.expected(b.done));
    if (bad.length) throw new Error(`${bench.name}/${c.label}: wrong facts after ${b.done} operations: ${bad.join('; ')}`);
    if (opts.memoryPass && r === 0) {
      // the memory pass: a fresh world (setup and warm-up as above), then the same number of
      // operations, untimed, between precise collections
      const m = await c.setup(opts.quick);
      m.run(warmup);
      preciseGc();
      const m0 = process.memoryUsage().heapUsed;
      const snapBefore = opts.heapSnapshot ? snapshot('before') : null;
      m.run(ops);
      preciseGc();
      run.retainedBytes = process.memoryUsage().heapUsed - m0;
      if (snapBefore) {
        const after = snapshot('after');
        const rows: Array<{ name: string; bytesPerOp: number; countPerOp: number }> = [];
        for (const [name, a] of after) {
          const bb = snapBefore.get(name) ?? { size: 0, count: 0 };
          const d = a.size - bb.size;
          if (d > 0) rows.push({ name, bytesPerOp: d / ops, countPerOp: (a.count - bb.count) / ops });
        }
        rows.sort((x, y) => y.bytesPerOp - x.bytesPerOp);
        heapGrowth = rows.slice(0, 20);
      }
      const mbad = factMismatches(m.facts(), c.expected(m.done));
      if (mbad.length) throw new Error(`${bench.name}/${c.label}: wrong facts after the memory pass: ${mbad.join('; ')}`);
    }
  }
  process.stdout.write(JSON.stringify({ bench: bench.name, case: c.label, params: c.params, runs, facts, heapGrowth, allocSites }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
