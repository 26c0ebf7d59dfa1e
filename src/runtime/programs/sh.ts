/**
 * A tiny `sh -c` (busybox ash subset) running as a generator over virtual time: builtins (echo,
 * printf, test/[, true, false, exit, trap, kill, cd, export, wait), external programs as child
 * processes (they count against pids.max: "sh: can't fork"), background jobs, redirections into
 * and out of the container's filesystem, pipes (each stage's stdout is the next one's stdin; the
 * stages run one after the other), and the exit status conventions (127 not found, 137 OOM-killed).
 */
import type { Runtime } from '../runtime.js';
import { procPath, type OutputSink, type Program, type ProgramContext, type ProgramWait } from '../process.js';
import { normalise } from '../images/layer.js';
import { ForkFailed } from '../procman.js';
import { casePatternMatches, parseSh, ShSyntaxError, type Node, type Redir, type Word } from './sh-parse.js';
import { evalArith } from './arith.js';
import { testExpr } from './test-expr.js';

class ShExit extends Error {
  constructor(readonly code: number) {
    super('exit');
  }
}

type Gen = Generator<ProgramWait, number, void>;

/** Shell state of one `sh` process. */
class Shell {
  vars = new Map<string, string>();
  status = 0;
  traps = new Map<number, string>();
  /** A trapped signal's action waiting to run after the current command. */
  pendingTrap: string | null = null;
  /** Standard input of the command being run: the shell's own, or the previous pipe stage's output. */
  input: string;
  /** 0-based script line of the simple command being run (ash's "line N" in builtin errors). */
  line = 0;
  constructor(readonly rt: Runtime, readonly ctx: ProgramContext, readonly args: string[]) {
    for (const [k, v] of ctx.env) this.vars.set(k, v);
    this.vars.set('PWD', ctx.cwd);
    this.input = ctx.stdin;
  }

  expandWord(w: Word): string[] {
    let out = '';
    let split = false;
    for (const p of w) {
      if (p.q === 'single') out += p.text;
      else {
        const e = this.expandText(p.text);
        if (p.q === 'none' && e !== p.text) split = true;
        out += e;
      }
    }
    if (split) return out.split(/[ \t\n]+/).filter((s) => s !== '');
    return [out];
  }

  expandText(s: string): string {
    return s.replace(/\$\(\((.*?)\)\)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*|[?$#0-9])/g, (_m, arith: string, braced: string, plain: string) => {
      if (arith !== undefined) return String(evalArith(arith, (n) => this.vars.get(n) ?? ''));
      const name = braced ?? plain;
      if (name === '?') return String(this.status);
      if (name === '$') return String(this.ctx.proc.nspid);
      if (name === '#') return String(Math.max(0, this.args.length - 1));
      if (/^\d$/.test(name)) return this.args[Number(name)] ?? '';
      return this.vars.get(name) ?? '';
    });
  }

  *run(n: Node, out: OutputSink): Gen {
    switch (n.t) {
      case 'list':
        for (const it of n.items) {
          if (it.bg) this.status = this.background(it.node, out);
          else this.status = yield* this.run(it.node, out);
          if (this.pendingTrap !== null) {
            const action = this.pendingTrap;
            this.pendingTrap = null;
            this.status = yield* this.run(parseSh(action), out);
          }
        }
        return this.status;
      case 'and': {
        const a = yield* this.run(n.a, out);
        return a === 0 ? yield* this.run(n.b, out) : a;
      }
      case 'or': {
        const a = yield* this.run(n.a, out);
        return a !== 0 ? yield* this.run(n.b, out) : a;
      }
      case 'pipe': {
        const saved = this.input;
        let code = 0;
        try {
          for (let i = 0; i < n.cmds.length; i++) {
            let piped = '';
            const last = i === n.cmds.length - 1;
            const stage: OutputSink = last ? out : { write: (st, t) => (st === 'stdout' ? (piped += t) : out.write(st, t)) };
            code = yield* this.run(n.cmds[i]!, stage);
            this.input = piped;
          }
        } finally {
          this.input = saved;
        }
        return code;
      }
      case 'while':
        for (let guard = 0; guard < 1_000_000; guard++) {
          const c = yield* this.run(n.cond, out);
          if ((c === 0) === n.until) break;
          yield* this.run(n.body, out);
        }
        return 0;
      case 'if':
        if ((yield* this.run(n.cond, out)) === 0) return yield* this.run(n.then, out);
        return n.else ? yield* this.run(n.else, out) : 0;
      case 'for':
        for (const v of n.items.flatMap((w) => this.expandWord(w))) {
          this.vars.set(n.name, v);
          yield* this.run(n.body, out);
        }
        return this.status;
      case 'simple':
        return yield* this.simple(n, out);
      case 'group': {
        const r = this.redirect(n, out);
        if (r.stdin === null) return 1;
        const saved = this.input;
        this.input = r.stdin;
        try {
          return yield* this.run(n.body, r.sink);
        } finally {
          this.input = saved;
          r.done();
        }
      }
      case 'case': {
        const v = this.expandWord(n.word).join(' ');
        const arm = n.arms.find((a) => a.pats.some((p) => casePatternMatches(this.expandWord(p).join(' '), v)));
        this.status = 0;
        return arm ? yield* this.run(arm.body, out) : 0;
      }
      case 'func':
        // shell functions are parsed but not run by this sh (no container script defines one)
        this.status = 0;
        return 0;
    }
  }

  private redirect(n: { redirs: Redir[] }, out: OutputSink): { sink: OutputSink; done: () => void; stdin: string | null } {
    const files: Array<{ path: string; append: boolean; buf: string }> = [];
    let stdin: string | null = this.input;
    const targets: Record<number, ((t: string) => void) | null> = { 1: (t) => out.write('stdout', t), 2: (t) => out.write('stderr', t) };
    for (const r of n.redirs) {
      const target = this.expandWord(r.target).join(' ');
      if (r.op === '<') {
        const t = target === '/dev/null' ? '' : this.rt.files.readText(this.ctx.container, procPath(this.ctx, target));
        if (t === undefined) {
          out.write('stderr', `sh: can't open ${target}: no such file\n`);
          stdin = null;
        } else stdin = t;
      } else if (r.op === '>&') {
        const fdTarget = Number(target);
        targets[r.fd] = targets[fdTarget] ?? null;
      } else if (r.op === '>' || r.op === '>>') {
        if (target === '/dev/null') targets[r.fd] = null;
        else {
          const f = { path: procPath(this.ctx, target), append: r.op === '>>', buf: '' };
          files.push(f);
          targets[r.fd] = (t) => (f.buf += t);
        }
      }
    }
    const t1 = targets[1];
    const t2 = targets[2];
    return {
      stdin,
      sink: { write: (s, text) => (s === 'stdout' ? t1 : t2)?.(text) },
      done: () => {
        for (const f of files) {
          const prev = f.append ? (this.rt.files.readText(this.ctx.container, f.path) ?? '') : '';
          this.rt.files.writeFile(this.ctx.container, f.path, prev + f.buf);
        }
      },
    };
  }

  *simple(n: Extract<Node, { t: 'simple' }>, out: OutputSink): Gen {
    this.line = n.line;
    const argv = n.words.flatMap((w) => this.expandWord(w));
    if (argv.length === 0) {
      for (const [k, w] of n.assigns) this.vars.set(k, this.expandWord(w).join(' '));
      return 0;
    }
    const { sink, done, stdin } = this.redirect(n, out);
    if (stdin === null) return 1;
    try {
      const b = this.builtin(argv, sink, stdin);
      if (b !== null) return b;
      const env = new Map(this.vars);
      for (const [k, w] of n.assigns) env.set(k, this.expandWord(w).join(' '));
      try {
        const code = yield* this.ctx.run(argv, sink, stdin);
        if (code === 137) sink.write('stderr', 'Killed\n');
        return code;
      } catch (e) {
        if (e instanceof ForkFailed) {
          sink.write('stderr', "sh: can't fork: Resource temporarily unavailable\n");
          return 2;
        }
        throw e;
      }
    } finally {
      done();
    }
  }

  private background(node: Node, out: OutputSink): number {
    if (node.t !== 'simple') return 0;
    const argv = node.words.flatMap((w) => this.expandWord(w));
    try {
      this.rt.procman.checkFork(this.ctx.container);
      this.rt.procman.spawn(this.ctx.container, argv, { out });
      return 0;
    } catch (e) {
      if (e instanceof ForkFailed) {
        out.write('stderr', "sh: can't fork: Resource temporarily unavailable\n");
        throw new ShExit(2);
      }
      out.write('stderr', `sh: ${argv[0]}: not found\n`);
      return 127;
    }
  }

  /** ash's cd: `cd` alone goes $HOME (else /), `cd -` to $OLDPWD and prints it; PWD/OLDPWD follow. */
  private cd(a: string[], out: OutputSink): number {
    let dir = a[0] ?? (this.vars.get('HOME') || '/');
    const dash = dir === '-';
    if (dash) dir = this.vars.get('OLDPWD') ?? '';
    if (dir === '') {
      if (dash) out.write('stdout', this.ctx.cwd + '\n');
      return 0;
    }
    const target = normalise(procPath(this.ctx, dir));
    const err = !this.rt.files.exists(this.ctx.container, target) ? 'No such file or directory' : !this.rt.files.isDir(this.ctx.container, target) ? 'Not a directory' : null;
    if (err) {
      out.write('stderr', `sh: cd: line ${this.line}: can't cd to ${dir}: ${err}\n`);
      return 2;
    }
    this.vars.set('OLDPWD', this.ctx.cwd);
    this.ctx.cwd = target;
    this.vars.set('PWD', target);
    if (dash) out.write('stdout', target + '\n');
    return 0;
  }

  private builtin(argv: string[], out: OutputSink, stdin: string): number | null {
    const [cmd, ...a] = argv as [string, ...string[]];
    switch (cmd) {
      case 'head': {
        // busybox's standalone shell runs applets without a link in /bin (`… | head -1`)
        let n = 10;
        const files: string[] = [];
        for (let i = 0; i < a.length; i++) {
          const x = a[i]!;
          if (x === '-n') n = Number(a[++i]);
          else if (/^-\d+$/.test(x)) n = Number(x.slice(1));
          else if (/^-n\d+$/.test(x)) n = Number(x.slice(2));
          else files.push(x);
        }
        let text = stdin;
        if (files.length) {
          const t = this.rt.files.readText(this.ctx.container, procPath(this.ctx, files[0]!));
          if (t === undefined) {
            out.write('stderr', `head: can't open '${files[0]}': No such file or directory\n`);
            return 1;
          }
          text = t;
        }
        const lines = text.split(/(?<=\n)/);
        out.write('stdout', lines.slice(0, n).join(''));
        return 0;
      }
      case 'echo': {
        let nl = true;
        let i = 0;
        while (a[i] === '-n' || a[i] === '-e') {
          if (a[i] === '-n') nl = false;
          i++;
        }
        out.write('stdout', a.slice(i).join(' ') + (nl ? '\n' : ''));
        return 0;
      }
      case 'printf':
        out.write('stdout', printf(a[0] ?? '', a.slice(1)));
        return 0;
      case 'true':
      case ':':
        return 0;
      case 'false':
        return 1;
      case 'test':
      case '[':
        return testExpr(cmd === '[' ? a.slice(0, -1) : a, (p) => this.rt.files.exists(this.ctx.container, procPath(this.ctx, p)));
      case 'exit':
        throw new ShExit(a[0] !== undefined ? Number(a[0]) & 255 : this.status);
      case 'export':
        for (const x of a) {
          const eq = x.indexOf('=');
          if (eq > 0) this.vars.set(x.slice(0, eq), x.slice(eq + 1));
        }
        return 0;
      case 'cd':
        return this.cd(a, out);
      case 'pwd':
        out.write('stdout', this.ctx.cwd + '\n');
        return 0;
      case 'wait':
        return 0;
      case 'trap': {
        const action = a[0] ?? '';
        for (const s of a.slice(1)) this.traps.set(s === 'TERM' || s === 'SIGTERM' || s === '15' ? 15 : s === 'INT' || s === '2' ? 2 : 1, action);
        return 0;
      }
      case 'kill': {
        let sig = 15;
        const pids: string[] = [];
        for (const x of a) {
          if (/^-(\d+)$/.test(x)) sig = Number(x.slice(1));
          else if (/^-(KILL|TERM|INT|HUP)$/.test(x)) sig = { KILL: 9, TERM: 15, INT: 2, HUP: 1 }[x.slice(1)]!;
          else pids.push(x);
        }
        for (const pid of pids) {
          const target = [...this.ctx.container.procs].find((p) => String(p.nspid) === pid);
          if (!target) continue;
          // the kernel drops signals to a pid namespace's init that it has no handler for, even SIGKILL
          if (target.isInit && !(target.onSignal && sig !== 9)) continue;
          this.rt.procman.signal(target, sig);
        }
        return 0;
      }
      default:
        return null;
    }
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Backslash escapes of printf's format (and of `%b` arguments): `\n`, `\r`, `\t`, `\\`, `\NNN` octal… */
function printfUnescape(s: string): string {
  return s.replace(/\\(0?[0-7]{1,3}|.)/g, (m, e: string) => (/^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8) & 255) : (ESCAPES[e] ?? m)));
}

/**
 * busybox printf: the format's escapes, conversions `%s %b %c %d %i %u %x %X %o %%` with flags
 * and width, and the format reused while arguments remain.
 */
export function printf(format: string, args: string[]): string {
  const fmt = printfUnescape(format);
  let out = '';
  let k = 0;
  do {
    out += fmt.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sbcdiuxXo%])/g, (_m, flags: string, width: string, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const arg = args[k++] ?? '';
      let v: string;
      if (conv === 's') v = prec !== undefined ? arg.slice(0, Number(prec)) : arg;
      else if (conv === 'b') v = printfUnescape(arg);
      else if (conv === 'c') v = arg.slice(0, 1);
      else {
        const n = arg === '' ? 0 : Math.trunc(Number(arg)) || 0;
        v = conv === 'x' ? (n >>> 0).toString(16) : conv === 'X' ? (n >>> 0).toString(16).toUpperCase() : conv === 'o' ? (n >>> 0).toString(8) : String(n);
      }
      const w = Number(width || 0);
      if (v.length >= w) return v;
      if (flags.includes('-')) return v.padEnd(w);
      return flags.includes('0') && conv !== 's' ? v.padStart(w, '0') : v.padStart(w);
    });
  } while (k > 0 && k < args.length);
  return out;
}

/** The `sh` program: `sh -c SCRIPT [ARG0 ARGS...]`. */
export function shProgram(rt: Runtime): Program {
  return (ctx, argv) => {
    const ci = argv.indexOf('-c');
    if (ci < 0) return { exitCode: 0 };
    const script = argv[ci + 1] ?? '';
    const shell = new Shell(rt, ctx, [argv[ci + 2] ?? 'sh', ...argv.slice(ci + 3)]);
    let ast: Node;
    try {
      ast = parseSh(script);
    } catch (e) {
      if (e instanceof ShSyntaxError) return { stderr: `sh: ${e.message}\n`, exitCode: 2 };
      throw e;
    }
    ctx.onSignal = (sig) => {
      const action = shell.traps.get(sig);
      if (action === undefined) return false;
      shell.pendingTrap = action;
      return true;
    };
    const out: OutputSink = { write: (s, t) => (s === 'stdout' ? ctx.stdout(t) : ctx.stderr(t)) };
    return runScript(shell, ast, out);
  };
}

/** A script's run, declared once (not a generator function per call: see `sleepFor` in builtins.ts). */
function* runScript(shell: Shell, ast: Node, out: OutputSink): Gen {
  try {
    const code = yield* shell.run(ast, out);
    return code;
  } catch (e) {
    if (e instanceof ShExit) return e.code;
    throw e;
  }
}
