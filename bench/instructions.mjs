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
// An instruction is not a nanosecond: cache and TLB misses (the 10,000-container cases' cost), page
// faults and the machine's speed are not in the count. It is for A/B comparisons of the packet path
// and bring-up, where a change moves the count by a few percent that wall time cannot resolve.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether valgrind is installed (the `--instructions` mode needs it). */
export function haveValgrind() {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** The `totals:` line of a callgrind output file (all events of the first kind: Ir). */
function callgrindTotal(file) {
  const m = /^totals:\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no totals in ${file}`);
  return Number(m[1]);
}

/**
 * Runs case `ci` of bundle `file` once under callgrind; returns the child's JSON line with
 * `instructions` (the timed body's count) and `instructionsPerOp` added to its run.
 */
export function countInstructions(child, file, ci, copts) {
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
        process.execPath,
        '--expose-gc',
        '--single-threaded',
        child,
        file,
        String(ci),
        JSON.stringify({ ...copts, runs: 1, memoryPass: false, heapSnapshot: false, allocProfile: false, instructions: true }),
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    if (r.status !== 0) throw new Error((r.stderr || `valgrind exited ${r.status}`).trim().split('\n').filter((l) => !l.startsWith('==')).slice(0, 8).join('\n'));
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    // dump 1: start-up, set-up and warm-up; dump 2: the timed body; the last file: after it
    const body = callgrindTotal(`${out}.2`);
    const run = res.runs[0];
    run.instructions = body;
    run.instructionsPerOp = body / run.ops;
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
