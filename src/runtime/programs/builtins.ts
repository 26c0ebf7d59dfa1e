/**
 * Busybox applets the runtime registers: echo, cat (files, or stdin), hostname, sleep, sh, busybox (applet
 * dispatch), ps, rm, ls, env, dd (allocates its block size: the OOM test), true, false, yes (burns
 * CPU), httpd (serves forever; the network layer may replace it).
 */
import type { Runtime } from '../runtime.js';
import { procPath, type Program, type ProgramContext, type ProgramRun } from '../process.js';
import { shProgram } from './sh.js';
import { ramInBytes } from '../units.js';
import { SECOND, type Nanos } from '../../core/time.js';

function parseDuration(s: string): Nanos | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$/.exec(s);
  if (!m) return null;
  const mul = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * mul * SECOND);
}

/**
 * `sleep`'s body. One generator function for every process: a generator function created per call
 * gives each process its own hidden class and prototype object, and V8 allocates hidden classes in
 * the old generation, where that one keeps its function and what it closes over (the process's
 * context, its container, the engine) alive through every scavenge (docs/performance.md).
 */
function* sleepFor(d: number): ProgramRun {
  yield { sleep: d };
  return 0;
}

/** `dd`'s body (declared once, as `sleepFor`). */
function* ddRun(ctx: ProgramContext, bytes: number): ProgramRun {
  if (ctx.alloc(bytes) === 'blocked') yield* forever();
  ctx.free(bytes);
  ctx.stderr('1+0 records in\n1+0 records out\n');
  return 0;
}

function* forever(): ProgramRun {
  for (;;) yield { forever: true };
}

/** `busybox ps [-o cols]`. */
function ps(rt: Runtime): Program {
  return (ctx, argv) => {
    const c = ctx.container;
    const ns = c.namespaces!.pid;
    const procs = [...rt.procman.procs.values()].filter((p) => p.container.namespaces?.pid === ns && !p.done).sort((a, b) => a.nspid - b.nspid);
    const oi = argv.indexOf('-o');
    if (oi >= 0) {
      const cols = (argv[oi + 1] ?? '').split(',');
      const head = cols.map((k) => ({ comm: 'COMMAND', args: 'COMMAND', pid: 'PID', user: 'USER' })[k] ?? k.toUpperCase());
      const rows = procs.map((p) => cols.map((k) => (k === 'comm' ? p.comm : k === 'args' ? p.argv.join(' ') : k === 'pid' ? String(p.nspid) : 'root')));
      const fmt = (r: string[]): string => r.map((v, i) => (i < r.length - 1 ? v.padEnd(16) : v)).join(' ').trimEnd();
      return { stdout: [head, ...rows].map(fmt).join('\n') + '\n', exitCode: 0 };
    }
    const lines = ['PID   USER     COMMAND', ...procs.map((p) => `${String(p.nspid).padStart(5)} root     ${p.argv.join(' ')}`)];
    return { stdout: lines.join('\n') + '\n', exitCode: 0 };
  };
}

/** Registers every builtin program on `rt.programs`. */
export function registerBuiltins(rt: Runtime): void {
  const reg = (n: string, p: Program): void => rt.programs.register(n, p);
  reg('echo', (_c, a) => {
    let i = 1;
    let nl = true;
    while (a[i] === '-n' || a[i] === '-e') {
      if (a[i] === '-n') nl = false;
      i++;
    }
    return { stdout: a.slice(i).join(' ') + (nl ? '\n' : ''), exitCode: 0 };
  });
  reg('true', () => ({ exitCode: 0 }));
  reg('false', () => ({ exitCode: 1 }));
  reg('hostname', (ctx) => ({ stdout: (ctx.container.namespaces?.uts.hostname ?? '') + '\n', exitCode: 0 }));
  reg('cat', (ctx, a) => {
    let out = '';
    let err = '';
    let code = 0;
    const files = a.length > 1 ? a.slice(1) : ['-'];
    for (const f of files) {
      const t = f === '-' ? ctx.stdin : rt.files.readText(ctx.container, procPath(ctx, f));
      if (t === undefined) {
        err += `cat: can't open '${f}': No such file or directory\n`;
        code = 1;
      } else out += t;
    }
    return { stdout: out, stderr: err, exitCode: code };
  });
  reg('rm', (ctx, a) => {
    let err = '';
    let code = 0;
    const force = a.includes('-f') || a.includes('-rf');
    for (const f of a.slice(1).filter((x) => !x.startsWith('-'))) {
      if (!rt.files.remove(ctx.container, procPath(ctx, f)) && !force) {
        err += `rm: can't remove '${f}': No such file or directory\n`;
        code = 1;
      }
    }
    return { stderr: err, exitCode: code };
  });
  reg('ls', (ctx, a) => {
    const dirs = a.slice(1).filter((x) => !x.startsWith('-'));
    return { stdout: rt.files.list(ctx.container, procPath(ctx, dirs[0] ?? '.')).map((n) => n + '\n').join(''), exitCode: 0 };
  });
  reg('env', (ctx) => ({ stdout: [...ctx.env].map(([k, v]) => `${k}=${v}\n`).join(''), exitCode: 0 }));
  reg('sleep', (_ctx, a) => {
    const d = parseDuration(a[1] ?? '');
    if (d === null) return { stderr: `sleep: invalid number '${a[1] ?? ''}'\n`, exitCode: 1 };
    return sleepFor(d);
  });
  reg('dd', (ctx, a) => {
    const bs = a.find((x) => x.startsWith('bs='));
    const bytes = bs ? ramInBytes(bs.slice(3)) : 512;
    return ddRun(ctx, bytes);
  });
  reg('yes', (ctx) => {
    ctx.busy(1);
    return forever();
  });
  reg('stress', (ctx, a) => {
    const i = a.indexOf('--cpu');
    ctx.busy(i >= 0 ? Number(a[i + 1] ?? 1) : 1);
    return forever();
  });
  reg('httpd', () => forever());
  reg('sh', shProgram(rt));
  reg('ps', ps(rt));
  reg('busybox', (ctx, a) => {
    if (a.length < 2) return { stdout: 'BusyBox v1.36.1 multi-call binary.\n', exitCode: 0 };
    const p = rt.programs.get(a[1]!);
    if (!p) return { stderr: `${a[1]}: applet not found\n`, exitCode: 127 };
    return p(ctx, a.slice(1));
  });
}
