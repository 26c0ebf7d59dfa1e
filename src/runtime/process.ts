/**
 * Processes over virtual time. A program is a function of (context, argv) that either finishes at
 * once (returns `{stdout, stderr, exitCode}`) or returns a generator that yields waits (`{sleep}`,
 * `{forever}`, either cut short by a {@link Waker}) and finally returns its exit status. A process
 * reads its standard input as one text given when it starts (`docker exec -i`, a shell pipe):
 * everything there, then end of file. Signals, the freezer (pause) and OOM kills act
 * on the generator: SIGKILL ends it (137), SIGTERM ends it (143) unless it is a PID 1 without a
 * handler, and a frozen process does not resume until thawed.
 */
import type { Sim, Timer } from '../core/scheduler.js';
import type { Nanos } from '../core/time.js';
import type { Container } from './container.js';

/**
 * Wakes a process waiting on it: a program yields `{ sleep, wake }` or `{ forever: true, wake }`
 * and a socket callback calls {@link Waker.wake} when the awaited event happened (poll()
 * returning early). A wake that arrives when nobody waits is remembered until the next wait.
 */
export class Waker {
  private resume: (() => void) | null = null;
  private pending = false;
  /** Resumes the waiting process (at the current instant, after the running event). */
  wake(): void {
    const r = this.resume;
    this.resume = null;
    if (r) r();
    else this.pending = true;
  }
  /** @internal the process manager arms the waker for one wait; runs `resume` at once if a wake is pending. */
  arm(resume: () => void): void {
    if (this.pending) {
      this.pending = false;
      resume();
    } else this.resume = resume;
  }
  /** @internal forgets the armed wait (the sleep ended first). */
  disarm(): void {
    this.resume = null;
  }
}

/** What a long-running program waits for: a time, or forever; either ends early on `wake`. */
export type ProgramWait = { sleep: Nanos; wake?: Waker } | { forever: true; wake?: Waker };
/** A long-running program body. */
export type ProgramRun = Generator<ProgramWait, number, void>;
/** The result of a program that finishes at once. */
export interface ProgramResult {
  stdout?: string;
  stderr?: string;
  exitCode: number;
}

/** Where a process's output goes. */
export interface OutputSink {
  write(stream: 'stdout' | 'stderr', text: string): void;
}

/** The exit hooks of a process without any (shared; a process gets its own list with the first hook). */
const NO_HOOKS: Array<(code: number) => void> = [];

/** Thrown inside a program to end its process (OOM kill, fork failure of a child...). */
export class ProcessKilled extends Error {
  constructor(readonly exitCode: number, readonly reason: 'oom' | 'signal') {
    super(`killed (${exitCode})`);
    this.name = 'ProcessKilled';
  }
}

/** Everything a program can use. */
export interface ProgramContext {
  readonly sim: Sim;
  readonly container: Container;
  readonly proc: Proc;
  /** Environment variables. */
  readonly env: Map<string, string>;
  /** Standard input: all of it, as latin-1 text, then end of file ('' = /dev/null, docker exec without -i). */
  readonly stdin: string;
  /** Working directory (absolute): WorkingDir or `exec -w`, changed by `sh`'s cd, inherited by children. */
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Installs a signal handler; return true from it when the signal was handled (not fatal). */
  onSignal: ((sig: number) => boolean) | null;
  /** Runs another program as a child process (`sh` uses it), with `stdin` (default: the parent's); yields until it exits. */
  run(argv: string[], out?: OutputSink, stdin?: string): Generator<ProgramWait, number, void>;
  /** Charges `bytes` of memory to the container's cgroup; throws ProcessKilled on OOM. */
  alloc(bytes: number): 'ok' | 'blocked';
  /** Releases memory charged with alloc. */
  free(bytes: number): void;
  /** Declares the process CPU-bound with `threads` busy threads (0: idle). */
  busy(threads: number): void;
}

/** A program: a function of its context and argv (argv[0] is the program name). */
export type Program = (ctx: ProgramContext, argv: string[]) => ProgramResult | ProgramRun;

/** Signal numbers used by docker. */
export const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15, STOP: 19 };

/** One process. */
export class Proc {
  /** Exit status once done. */
  exitCode = 0;
  done = false;
  /** A frozen (paused) process keeps its place; `pendingResume` records a wake-up that came meanwhile. */
  frozen = false;
  pendingResume = false;
  /** The running generator, if the program is long-running. */
  gen: ProgramRun | null = null;
  timer: Timer | null = null;
  /** The waker of the sleep {@link Proc.timer} is timing, disarmed when the sleep runs out. */
  sleepWake: Waker | null = null;
  /** Counts the waits the process has made, so a stale {@link Waker} cannot resume a later one. */
  waitSeq = 0;
  /** Memory charged by this process (bytes). */
  memory = 0;
  /** CPU-bound threads (0 = mostly sleeping); the CPU model charges time while > 0. */
  cpuThreads = 0;
  /** Called once when the process exits. */
  exitHooks: Array<(code: number) => void> = NO_HOOKS;
  /** Signal handler set by the program. */
  onSignal: ((sig: number) => boolean) | null = null;
  constructor(
    /** PID in the host's pid namespace. */
    readonly pid: number,
    /** PID inside the container's pid namespace. */
    readonly nspid: number,
    readonly argv: string[],
    readonly container: Container,
    /** PID 1 of its namespace (ignores signals it has no handler for). */
    readonly isInit: boolean,
  ) {}
  /** Command name (as `ps -o comm` prints it). */
  get comm(): string {
    const a = this.argv[0] ?? '';
    return a.slice(a.lastIndexOf('/') + 1).slice(0, 15);
  }
}

/** `path` as the process sees it: relative paths are taken from its working directory. */
export function procPath(ctx: Pick<ProgramContext, 'cwd'>, path: string): string {
  return path.startsWith('/') ? path : `${ctx.cwd.replace(/\/$/, '')}/${path}`;
}
