// Instruction counts of a benchmark case's timed body (`node bench/run.mjs --instructions`).
//
// The child runs under `valgrind --tool=callgrind` with V8 single-threaded (`--single-threaded`: no
// concurrent compiler or GC threads, so when optimized code arrives does not depend on how valgrind
// schedules threads). The child calls `os.loadavg()` right before and right after the timed body
// (bench/child.ts, option `instructions`), and `--dump-before=uv_loadavg` makes callgrind write a
// dump at each call: the second dump holds exactly the body's instructions. The same build, case and
// operation count give the same count in every run, whatever else the machine is doing, which wall
// time on a shared VM does not (the same docker0 case reads 380 or 860 ns from one run to the next).
//
// BENCH_NODE_FLAGS (environment) adds node flags to the child: `--no-opt --always-sparkplug` counts
// what a cold process runs before V8 optimizes anything (every function as baseline code from its
// first call), the same count every run, where a cold bring-up's time moves by ±15 %.
//
// An instruction is not a nanosecond: cache and TLB misses (the 10,000-container cases' cost), page
// faults and the machine's speed are not in the count. It is for A/B comparisons of the packet path
// and bring-up, where a change moves the count by a few percent that wall time cannot resolve.
//
// With `lines`, the child also runs with `node --perf-prof` (V8 writes a jitdump: every piece of
// machine code it makes, with its address range and a table from code addresses to positions in
// the bundled script) and callgrind records a count per instruction address (`--dump-instr=yes`);
// each address's count goes to the source line its code came from (jitdump position, then the
// bundle's source map back to src/), so the report says which lines of src/ the instructions of
// the timed body ran. Code V8 made and threw away before the body is not in the count; code inlined
// into another function is attributed to its own line, the function it was inlined into is named in
// brackets. `--perf-prof` adds ~0.1 % to a count.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceLine } from './sourcemap.mjs';

/** Whether valgrind is installed (the `--instructions` mode needs it). */
export function haveValgrind() {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * The event totals of a callgrind output file by event name (`Ir`, and with the cache simulation
 * `Dr`, `Dw`, `I1mr`, `D1mr`, `D1mw`, `ILmr`, `DLmr`, `DLmw`).
 */
function callgrindTotals(file) {
  const text = readFileSync(file, 'utf8');
  const ev = /^events:\s+(.*)$/m.exec(text);
  const m = /^totals:\s+(.*)$/m.exec(text);
  if (!ev || !m) throw new Error(`no totals in ${file}`);
  const names = ev[1].trim().split(/\s+/);
  const vals = m[1].trim().split(/\s+/).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, vals[i] ?? 0]));
}

/**
 * The simulated last-level cache: this machine's L2 (one core's, from sysfs) where it has one.
 * Callgrind simulates two levels and takes the host's last level, here a 300 MiB L3 that the VM
 * reports and shares with other guests, in which nothing a benchmark touches would ever miss;
 * a miss of the private L2 is the cost the large worlds pay.
 */
function l2AsLastLevel() {
  try {
    const d = '/sys/devices/system/cpu/cpu0/cache/index2';
    const rd = (f) => readFileSync(join(d, f), 'utf8').trim();
    if (rd('level') !== '2' || rd('type') !== 'Unified') return [];
    const size = Number.parseInt(rd('size'), 10) * 1024; // "2048K"
    return [`--LL=${size},${rd('ways_of_associativity')},${rd('coherency_line_size')}`];
  } catch {
    return [];
  }
}

/**
 * Runs case `ci` of bundle `file` once under callgrind; returns the child's JSON line with
 * `instructions` (the timed body's count) and `instructionsPerOp` added to its run. With `cache`,
 * callgrind also simulates the caches (`--cache-sim=yes`: this machine's L1 and, as the last level,
 * its L2): `d1MissesPerOp` (first-level data cache misses, reads and writes) and `llMissesPerOp`
 * (data misses of the simulated last level), deterministic like the count.
 */
export function countInstructions(child, file, ci, copts, lines = 0, cache = false) {
  const dir = mkdtempSync(join(tmpdir(), 'dnbench-cg-'));
  try {
    const out = join(dir, 'cg');
    const r = spawnSync(
      'valgrind',
      [
        '--tool=callgrind',
        '--smc-check=all-non-file', // V8 writes and patches machine code at run time
        '--dump-before=uv_loadavg',
        `--callgrind-out-file=${out}`,
        ...(lines ? ['--dump-instr=yes', '--compress-pos=no', '--compress-strings=no'] : []),
        ...(cache ? ['--cache-sim=yes', ...l2AsLastLevel()] : []),
        process.execPath,
        '--expose-gc',
        '--single-threaded',
        ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean) : []),
        ...(lines ? ['--perf-prof'] : []),
        child,
        file,
        String(ci),
        JSON.stringify({ ...copts, runs: 1, memoryPass: false, heapSnapshot: false, allocProfile: false, instructions: true }),
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20, cwd: dir }, // --perf-prof writes jit-PID.dump into the working directory
    );
    if (r.status !== 0) throw new Error((r.stderr || `valgrind exited ${r.status}`).trim().split('\n').filter((l) => !l.startsWith('==')).slice(0, 8).join('\n'));
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    // dump 1: start-up, set-up and warm-up; dump 2: the timed body; the last file: after it
    const t = callgrindTotals(`${out}.2`);
    const run = res.runs[0];
    run.instructions = t.Ir;
    run.instructionsPerOp = t.Ir / run.ops;
    if (cache) {
      run.d1MissesPerOp = (t.D1mr + t.D1mw) / run.ops;
      run.llMissesPerOp = (t.DLmr + t.DLmw) / run.ops;
    }
    if (lines) {
      const dump = readdirSync(dir).find((f) => /^jit-\d+\.dump$/.test(f));
      if (!dump) throw new Error('node --perf-prof wrote no jitdump');
      run.profile = topLines(`${out}.2`, join(dir, dump), run.ops, lines);
    }
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The machine code V8 reported in a jitdump: address ranges, names and address → script position tables. */
function parseJitdump(file) {
  const b = readFileSync(file);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cstr = (at) => {
    let e = at;
    while (b[e] !== 0) e++;
    return [b.toString('utf8', at, e), e + 1];
  };
  const codes = [];
  let debug = null;
  // header: magic, version, total size (u32 at 8), ...; then records: id u32, size u32, timestamp u64
  for (let off = dv.getUint32(8, true); off + 16 <= b.length; ) {
    const id = dv.getUint32(off, true);
    const size = dv.getUint32(off + 4, true);
    if (size === 0) break;
    const p = off + 16;
    if (id === 0) {
      // JIT_CODE_LOAD: pid, tid, vma, code_addr, code_size, code_index, name, code
      const addr = Number(dv.getBigUint64(p + 16, true));
      const [name] = cstr(p + 40);
      codes.push({ addr, end: addr + Number(dv.getBigUint64(p + 24, true)), name, positions: debug?.addr === addr ? debug.entries : null });
      debug = null;
    } else if (id === 2) {
      // JIT_CODE_DEBUG_INFO (precedes its load): code_addr, nr_entry, entries {addr, line, discrim, file}
      const addr = Number(dv.getBigUint64(p, true));
      const n = Number(dv.getBigUint64(p + 8, true));
      const entries = [];
      let q = p + 16;
      for (let i = 0; i < n; i++) {
        const a = Number(dv.getBigUint64(q, true));
        const line = dv.getUint32(q + 8, true);
        const col = dv.getUint32(q + 12, true);
        const [url, next] = cstr(q + 16);
        entries.push({ a, line, col, url });
        q = next;
      }
      debug = { addr, entries };
    }
    off += size;
  }
  return codes;
}

/**
 * Instructions per operation by source line from a callgrind dump with `--dump-instr=yes` and the
 * jitdump of the same process: the `top` source lines (each with the function whose machine code ran
 * it), the `top` functions (machine code objects: `*` optimized, `^` baseline, `~` interpreted) and
 * the `top` call sites in JIT code of calls into V8's builtins and runtime (a generic call, a string
 * compare, a write barrier, a call from baseline code: what optimized code would inline), with calls
 * and instructions per operation (callgrind's inclusive cost of the call, so a generic call's includes
 * the JS function it called); with the cache simulation, also first- and last-level data misses by line.
 */
function topLines(cgFile, jitFile, ops, top) {
  const codes = parseJitdump(jitFile);
  // 4 KiB pages → the code objects over them (a later object at the same address replaced an earlier one)
  const pages = new Map();
  for (const c of codes)
    for (let pg = Math.floor(c.addr / 4096); pg <= Math.floor((c.end - 1) / 4096); pg++) {
      let a = pages.get(pg);
      if (!a) pages.set(pg, (a = []));
      a.push(c);
    }
  const codeAt = (addr) => {
    let found = null;
    for (const c of pages.get(Math.floor(addr / 4096)) ?? []) if (addr >= c.addr && addr < c.end) found = c;
    return found;
  };
  const original = (url, line, col) => sourceLine(url, line, col) ?? `${url.replace(/^.*\//, '')}:${line}`;
  const where = new Map();
  const byLine = new Map();
  const byCode = new Map();
  const missByLine = new Map();
  let fn = '';
  let cfn = '';
  let ncalls = 0;
  let skip = false;
  let npos = 1;
  let iIr = 0;
  let iLL = [];
  let iD1 = [];
  const d1ByLine = new Map();
  // calls into V8's builtins and runtime (generic calls, string compares, write barriers...): the
  // callee's inclusive instructions by the JS source line that called it
  const builtinBySite = new Map();
  /** [source line with its code object, code object] of an instruction address. */
  const lineOf = (addr) => {
    let k = where.get(addr);
    if (k === undefined) {
      const c = fn.startsWith('0x') || fn.startsWith('???') ? codeAt(addr) : null;
      if (c === null) k = [fn, fn];
      else {
        let pos = null;
        for (const e of c.positions ?? []) {
          if (e.a > addr) break;
          pos = e;
        }
        const name = c.name.replace(/ file:\S*$/, '');
        k = [pos ? `${original(pos.url, pos.line, pos.col)}  [${name}]` : name, name];
      }
      where.set(addr, k);
    }
    return k;
  };
  for (const l of readFileSync(cgFile, 'utf8').split('\n')) {
    if (skip) {
      // the inclusive cost of a call: counted where the callee's instructions are, and (a call from
      // JIT code into a builtin or the runtime) by its call site
      skip = false;
      if ((fn.startsWith('0x') || fn.startsWith('???')) && !(cfn.startsWith('0x') || cfn.startsWith('???'))) {
        const cols = l.split(' ');
        const site = lineOf(parseInt(cols[0], 16))[0];
        if (site.includes('.ts:')) {
          const key = `${site.replace(/  \[.*\]$/, '')} -> ${cfn.replace(/\(.*$/, '')}`;
          const b = builtinBySite.get(key) ?? { calls: 0, n: 0 };
          b.calls += ncalls;
          b.n += Number(cols[npos + iIr] ?? 0);
          builtinBySite.set(key, b);
        }
      }
      continue;
    }
    if (l.startsWith('fn=')) fn = l.slice(3);
    else if (l.startsWith('cfn=')) cfn = l.slice(4);
    else if (l.startsWith('calls=')) {
      skip = true;
      ncalls = Number.parseInt(l.slice(6), 10);
    }
    else if (l.startsWith('positions:')) npos = l.slice(10).trim().split(/\s+/).length;
    else if (l.startsWith('events:')) {
      const names = l.slice(7).trim().split(/\s+/);
      iIr = names.indexOf('Ir');
      iLL = ['DLmr', 'DLmw'].map((n) => names.indexOf(n)).filter((i) => i >= 0);
      iD1 = ['D1mr', 'D1mw'].map((n) => names.indexOf(n)).filter((i) => i >= 0);
    } else if (l.startsWith('0x')) {
      // positions (instruction address, line), then the events; trailing zero events are left out
      const cols = l.split(' ');
      const k = lineOf(parseInt(cols[0], 16));
      const n = Number(cols[npos + iIr] ?? 0);
      byLine.set(k[0], (byLine.get(k[0]) ?? 0) + n);
      byCode.set(k[1], (byCode.get(k[1]) ?? 0) + n);
      if (iLL.length) {
        let miss = 0;
        for (const i of iLL) miss += Number(cols[npos + i] ?? 0);
        if (miss) missByLine.set(k[0], (missByLine.get(k[0]) ?? 0) + miss);
        let d1 = 0;
        for (const i of iD1) d1 += Number(cols[npos + i] ?? 0);
        if (d1) d1ByLine.set(k[0], (d1ByLine.get(k[0]) ?? 0) + d1);
      }
    }
  }
  const topOf = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, n]) => ({ where, perOp: +(n / ops).toFixed(m === d1ByLine || m === missByLine ? 3 : 1) }));
  const builtinCalls = [...builtinBySite]
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, top)
    .map(([where, b]) => ({ where, callsPerOp: +(b.calls / ops).toFixed(2), perOp: +(b.n / ops).toFixed(1) }));
  const res = { lines: topOf(byLine), functions: topOf(byCode), builtinCalls };
  if (iLL.length) return { ...res, d1MissLines: topOf(d1ByLine), llMissLines: topOf(missByLine) };
  return res;
}
