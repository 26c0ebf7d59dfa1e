// `bench/run.mjs --deopts`: which of V8's deoptimizations happen inside a case's timed body.
//
// A deoptimization in the timed body means the measured code was not in its steady state: a branch
// the warm-up never took (V8 optimized the function without feedback for it: "Insufficient type
// feedback"), a new object shape ("wrong map"), or code thrown away because an assumption it was
// built on changed ("marking dependent code"). The function then runs in the interpreter or baseline
// code until V8 optimizes it again, and with V8 single-threaded (as --instructions runs) the compiler's
// work is in the count. The child switches `--trace-deopt-verbose` on right before the first timed body
// and off right after it (bench/child.ts); V8 writes the traces to a file of their own
// (`--redirect-code-traces-to`), so they never mix with the child's JSON line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceLine } from './sourcemap.mjs';

/** Runs case `ci` of `benchFile` once with deoptimization tracing over its timed body. */
export function traceDeopts(child, benchFile, ci, copts) {
  const dir = mkdtempSync(join(tmpdir(), 'dockernet-deopts-'));
  const file = join(dir, 'deopts.txt');
  try {
    const r = spawnSync(process.execPath, ['--expose-gc', '--redirect-code-traces', `--redirect-code-traces-to=${file}`, child, benchFile, String(ci), JSON.stringify({ ...copts, runs: 1, deopts: true })], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').slice(0, 8).join('\n'));
    const run = JSON.parse(r.stdout.trim().split('\n').pop()).runs[0];
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {}
    return { ops: run.ops, ...parseDeopts(text) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A `<url:line:col>` of V8's trace as `src/…ts:line` (or the bundle's own name and line). */
function where(pos) {
  const m = /^(.*):(\d+):(\d+)$/.exec(pos);
  if (!m) return pos;
  return sourceLine(m[1], Number(m[2]), Number(m[3])) ?? `${m[1].replace(/^.*\//, '')}:${m[2]}`;
}

/**
 * The bailouts (eager, soft and lazy deoptimizations) and the dependency invalidations ("marking
 * dependent code … for deoptimization") of a `--trace-deopt-verbose` text. A bailout located in the
 * child's own lines (bench/child.ts: the call that switches tracing off) is not the case's.
 */
export function parseDeopts(text) {
  const bailouts = [];
  const invalidated = [];
  let cur = null;
  for (const line of text.split('\n')) {
    const b = /^\[bailout \(kind: ([^,]+), reason: (.*?)\): begin\. deoptimizing 0x[0-9a-f]+ <JSFunction ([^ >]*) ?\(sfi/.exec(line);
    if (b) {
      cur = { kind: b[1], reason: b[2], fn: b[3] || '(anonymous)', at: '', inlinedAt: [] };
      bailouts.push(cur);
      continue;
    }
    const d = /;;; deoptimize at <([^>]+)>(.*)$/.exec(line);
    if (d && cur && cur.at === '') {
      cur.at = where(d[1]);
      cur.inlinedAt = [...d[2].matchAll(/inlined at <([^>]+)>/g)].map((x) => where(x[1]));
      continue;
    }
    // "[marking dependent code 0x… <Code TURBOFAN> (0x… <SharedFunctionInfo NAME>) (opt id N) for deoptimization, reason: R]"
    const inv = /^\[marking dependent code .*?<SharedFunctionInfo ?([^>]*)>\).*? for deoptimization, reason: (.*)\]/.exec(line);
    if (inv) invalidated.push({ fn: inv[1] || '(anonymous)', reason: inv[2] });
  }
  return { bailouts: bailouts.filter((x) => !x.at.startsWith('bench/child.ts')), invalidated };
}
