/**
 * Runs programs as processes of containers over virtual time: pid allocation in the container's
 * pid namespace, cgroup membership (pids limit on fork, memory charges and OOM kills), signals,
 * and the freezer.
 */
import { DockernetError } from '../core/errors.js';
import type { Runtime } from './runtime.js';
import type { Container } from './container.js';
import { emptyList } from './types.js';
import { Proc, ProcessKilled, type OutputSink, type ProgramContext, type ProgramRun, type ProgramWait } from './process.js';
import type { CgroupNode } from './cgroups/hierarchy.js';

/** The hierarchies a process is attached to (its tasks), as runc does for a container's processes. */
const TASK_CONTROLLERS = ['pids', 'memory', 'freezer', 'cpu'] as const;

/** A process's pid in the tasks of its container's groups (deferred from its start: `CgroupFs.defer`). */
function addTasks(rt: Runtime, p: Proc): void {
  for (const ctl of TASK_CONTROLLERS) rt.cgroups.h(ctl).get(rt.cgroupPathOf(p.container, ctl), true)!.addTask(p.pid);
}

/** A fork refused by the pids controller. */
export class ForkFailed extends Error {
  constructor() {
    super('Resource temporarily unavailable');
    this.name = 'ForkFailed';
  }
}

/** Options of {@link ProcessManager.spawn}. */
export interface SpawnOptions {
  /** The container's init (PID 1 of a new pid namespace, or of the host's when --pid host). */
  init?: boolean;
  out: OutputSink;
  env?: Map<string, string>;
  /** Standard input, all of it then end of file (default '': /dev/null). */
  stdin?: string;
  /** Working directory (default: the container's WorkingDir, else /). */
  cwd?: string;
  /** Called with the exit status. */
  onExit?: (code: number) => void;
  /** `argv` is the caller's to give away (a new exact-size array nobody changes): the process keeps it, no copy. */
  ownArgv?: boolean;
}

/** Process table of the engine. */
export class ProcessManager {
  /** A sleep's timer ran out: the process goes on (one function for every sleeping process). */
  private readonly sleepOver: (p: Proc) => void;
  /** Every live process by host pid. */
  readonly procs = new Map<number, Proc>();
  constructor(private readonly rt: Runtime) {
    // a local first, then stored: V8 allocates a function literal assigned straight to a property in the
    // old generation, and its closure would keep the whole runtime alive through every scavenge
    // (docs/performance.md)
    const sleepOver = (p: Proc): void => {
      p.timer = null;
      const wake = p.sleepWake;
      p.sleepWake = null;
      wake?.disarm();
      this.step(p);
    };
    this.sleepOver = sleepOver;
  }

  private allocPid(c: Container, init: boolean): { pid: number; nspid: number } {
    const hostPid = this.rt.hostNs.pid;
    const pid = hostPid.nextPid++;
    const ns = c.namespaces!.pid;
    if (ns === hostPid) return { pid, nspid: pid };
    const nspid = init && ns.nextPid === 1 ? ns.nextPid++ : ns.nextPid++;
    return { pid, nspid };
  }

  private cgroupNodes(c: Container, ctl: 'pids' | 'memory'): CgroupNode | undefined {
    return this.rt.cgroups.h(ctl).get(this.rt.cgroupPathOf(c, ctl));
  }

  /** Checks the pids limits along the container's pids cgroup path. Throws ForkFailed. */
  checkFork(c: Container): void {
    const node = this.cgroupNodes(c, 'pids');
    if (!node) return;
    for (const a of node.ancestry()) {
      const max = a.files.get('pids.max');
      if (!max || max === 'max') continue;
      let n = 0;
      for (const s of a.subtree()) n += s.taskCount;
      if (n + 1 > Number(max)) throw new ForkFailed();
    }
  }

  /** Creates a process running `argv` in container `c` (whose namespaces must exist). */
  spawn(c: Container, argv: string[], opts: SpawnOptions): Proc {
    const prog = this.rt.programs.get(argv[0] ?? '');
    if (!prog) throw new DockernetError('ENOEXEC', `exec: "${argv[0]}": executable file not found in $PATH`, 127);
    const { pid, nspid } = this.allocPid(c, !!opts.init);
    // an exact-size copy, kept while it runs (none when the caller hands its own array over)
    const p = new Proc(pid, nspid, opts.ownArgv ? argv : argv.slice(), c, !!opts.init && nspid === 1);
    this.attach(p);
    if (opts.onExit) p.exitHooks = p.exitHooks.concat([opts.onExit]); // exact size (push would reserve 17 slots)
    const ctx = this.context(p, opts.out, opts.env ?? new Map(), opts.stdin ?? '', opts.cwd ?? (c.config.WorkingDir || '/'));
    let r;
    try {
      r = prog(ctx, argv);
    } catch (e) {
      if (e instanceof ProcessKilled) {
        this.rt.sim.defer(() => this.exit(p, e.exitCode));
        return p;
      }
      throw e;
    }
    if ('exitCode' in r && typeof (r as { exitCode: unknown }).exitCode === 'number' && !('next' in r)) {
      const res = r as { stdout?: string; stderr?: string; exitCode: number };
      if (res.stdout) opts.out.write('stdout', res.stdout);
      if (res.stderr) opts.out.write('stderr', res.stderr);
      this.rt.sim.defer(() => this.exit(p, res.exitCode));
    } else {
      p.gen = r as ProgramRun;
      this.rt.sim.defer(() => this.step(p));
    }
    return p;
  }

  private attach(p: Proc): void {
    this.procs.set(p.pid, p);
    p.container.procs = p.container.procs.concat([p]); // exact size (a Set's table is 152 bytes)
    // made when anything next reads the cgroup trees (CgroupFs.defer), after the groups of the start
    this.rt.cgroups.defer(addTasks, this.rt, p);
    p.frozen = p.container.state.Paused;
  }

  private detach(p: Proc): void {
    this.procs.delete(p.pid);
    const rest = p.container.procs.filter((x) => x !== p);
    // exact size: filter's result has room to grow, and the list lives as long as the container
    p.container.procs = rest.length ? rest.slice() : emptyList<Proc>();
    for (const ctl of TASK_CONTROLLERS) this.rt.cgroups.h(ctl).get(this.rt.cgroupPathOf(p.container, ctl))?.removeTask(p.pid);
    if (p.memory) this.rt.memory.uncharge(p.container, p.memory);
  }

  private context(p: Proc, out: OutputSink, env: Map<string, string>, stdin: string, cwd: string): ProgramContext {
    return new ProcContext(this, this.rt, p, out, env, stdin, cwd);
  }

  /** Runs a child program to completion inside the parent's generator (fork + exec + wait). */
  *runChild(parent: Proc, argv: string[], out: OutputSink, env: Map<string, string>, stdin = '', cwd = '/'): Generator<ProgramWait, number, void> {
    const c = parent.container;
    const prog = this.rt.programs.get(argv[0] ?? '');
    if (!prog) {
      out.write('stderr', `sh: ${argv[0]}: not found\n`);
      return 127;
    }
    this.checkFork(c);
    const { pid, nspid } = this.allocPid(c, false);
    const child = new Proc(pid, nspid, argv, c, false);
    this.attach(child);
    try {
      const r = prog(this.context(child, out, env, stdin, cwd), argv);
      if (!('next' in r)) {
        if (r.stdout) out.write('stdout', r.stdout);
        if (r.stderr) out.write('stderr', r.stderr);
        return r.exitCode;
      }
      return yield* r;
    } catch (e) {
      if (e instanceof ProcessKilled) return e.exitCode;
      throw e;
    } finally {
      child.done = true;
      this.detach(child);
    }
  }

  /** Advances a long-running process until its next wait. */
  step(p: Proc): void {
    if (p.done || !p.gen) return;
    if (p.frozen) {
      p.pendingResume = true;
      return;
    }
    let r: IteratorResult<ProgramWait, number>;
    try {
      r = p.gen.next();
    } catch (e) {
      if (e instanceof ProcessKilled) return this.exit(p, e.exitCode);
      throw e;
    }
    if (r.done) return this.exit(p, r.value);
    const w = r.value;
    const seq = ++p.waitSeq;
    if ('sleep' in w) {
      p.sleepWake = w.wake ?? null;
      p.timer = this.rt.sim.scheduleCall(w.sleep, this.sleepOver, p);
    }
    // woken: resume after the event that woke it (never inside a socket callback)
    w.wake?.arm(() =>
      this.rt.sim.defer(() => {
        if (p.done || p.waitSeq !== seq) return;
        this.rt.sim.cancel(p.timer as never);
        p.timer = null;
        p.sleepWake = null;
        this.step(p);
      }),
    );
  }

  /** Delivers a signal. SIGKILL always ends the process; others end it unless handled or ignored by an init. */
  signal(p: Proc, sig: number): void {
    if (p.done) return;
    if (sig !== 9) {
      if (p.onSignal && p.onSignal(sig)) {
        if (p.gen && !p.timer && !p.frozen) this.rt.sim.defer(() => this.step(p));
        return;
      }
      if (p.isInit) return;
      if (p.frozen) {
        p.pendingResume = false;
      }
    }
    this.terminate(p, 128 + sig);
  }

  /** Ends a process with `code` right away (closing its generator). */
  terminate(p: Proc, code: number): void {
    if (p.done) return;
    this.rt.sim.cancel(p.timer as never);
    p.timer = null;
    const g = p.gen;
    p.gen = null;
    try {
      g?.return(code);
    } catch {
      /* a program's finally block failing does not keep it alive */
    }
    this.exit(p, code);
  }

  /** Marks a process exited and runs its exit hooks. */
  exit(p: Proc, code: number): void {
    if (p.done) return;
    p.done = true;
    p.exitCode = code;
    this.rt.sim.cancel(p.timer as never);
    this.detach(p);
    for (const h of p.exitHooks) h(code);
  }

  /** PID translation: the host pid of `nspid` as seen inside container `c` (undefined if none). */
  hostPidOf(c: Container, nspid: number): number | undefined {
    const ns = c.namespaces?.pid;
    for (const p of this.procs.values()) if (p.container.namespaces?.pid === ns && p.nspid === nspid) return p.pid;
    return undefined;
  }

  /** PID translation: how host pid `pid` appears inside container `c` (undefined if not visible there). */
  nsPidOf(c: Container, pid: number): number | undefined {
    const p = this.procs.get(pid);
    if (!p || !c.namespaces) return undefined;
    if (c.namespaces.pid === this.rt.hostNs.pid) return p.pid;
    return p.container.namespaces?.pid === c.namespaces.pid ? p.nspid : undefined;
  }

  /** Freezes (pause) or thaws (unpause) every process of a container. */
  setFrozen(c: Container, frozen: boolean): void {
    for (const p of [...c.procs]) {
      p.frozen = frozen;
      if (!frozen) this.rt.cpu.wake();
      if (!frozen && p.pendingResume) {
        p.pendingResume = false;
        this.rt.sim.defer(() => this.step(p));
      }
    }
  }
}

/**
 * A program's {@link ProgramContext}: its functions are own closures (a program may take them out of
 * the context), `onSignal` reads and writes the process's handler through an accessor on the class,
 * so every context has one shape (an object literal with a getter and setter was made in dictionary
 * mode: ~1.5 KB and a few microseconds per process started).
 */
class ProcContext implements ProgramContext {
  readonly sim: Runtime['sim'];
  readonly container: Container;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly run: ProgramContext['run'];
  readonly alloc: ProgramContext['alloc'];
  readonly free: ProgramContext['free'];
  readonly busy: ProgramContext['busy'];

  constructor(
    pm: ProcessManager,
    rt: Runtime,
    readonly proc: Proc,
    out: OutputSink,
    readonly env: Map<string, string>,
    readonly stdin: string,
    public cwd: string,
  ) {
    const p = proc;
    this.sim = rt.sim;
    this.container = p.container;
    // a local first, then stored: V8 allocates a function literal assigned straight to a property in the
    // old generation, and its closure would keep the process and runtime alive through every scavenge
    // (docs/performance.md)
    const stdout: ProcContext['stdout'] = (t) => out.write('stdout', t);
    const stderr: ProcContext['stderr'] = (t) => out.write('stderr', t);
    const run: ProgramContext['run'] = (argv, o, input) => pm.runChild(p, argv, o ?? out, env, input ?? stdin, this.cwd);
    const alloc: ProgramContext['alloc'] = (bytes) => rt.memory.charge(p, bytes);
    const busy: ProgramContext['busy'] = (threads) => {
      p.cpuThreads = threads;
      rt.cpu.wake();
    };
    const free: ProgramContext['free'] = (bytes) => {
      const b = Math.min(bytes, p.memory);
      p.memory -= b;
      rt.memory.uncharge(p.container, b);
    };
    this.stdout = stdout;
    this.stderr = stderr;
    this.run = run;
    this.alloc = alloc;
    this.busy = busy;
    this.free = free;
  }

  get onSignal(): ((sig: number) => boolean) | null {
    return this.proc.onSignal;
  }

  set onSignal(h: ((sig: number) => boolean) | null) {
    this.proc.onSignal = h;
  }
}
