/**
 * busybox 1.35 `nc` (the `mini:latest` build: NC_SERVER and NC_EXTRA, not the nc-1.10 compatible
 * one, so no `-u`/`-z`): `nc [-iN] [-wN] [-l] [-p PORT] [-f FILE|IPADDR PORT] [-e PROG]`.
 *
 * Client: resolve (/etc/hosts, then the container's nameserver), connect (`can't connect to remote
 * host (IP): Connection refused`), then copy stdin to the socket — at stdin's end of file a
 * `shutdown(SHUT_WR)` — and the socket to stdout until the peer closes (exit 0, also on a reset:
 * busybox treats a failed read as end of file). `-l [-p PORT] [ADDR]` accepts one connection and
 * does the same. `-w SECS` is an alarm over resolving, connecting and accepting only
 * (`nc: timed out`, exit 1). `-i SECS` sleeps after each block copied. `-e PROG [ARGS]` runs
 * PROG once the connection is up with what the peer sent until its FIN as stdin, and sends
 * PROG's stdout back (a program in the simulator reads its stdin whole; `-ll` accepts again).
 */
import type { Program, ProgramContext, ProgramRun, ProgramWait } from '../../runtime/process.js';
import { Waker } from '../../runtime/process.js';
import { SECOND } from '../../core/time.js';
import { DockernetError } from '../../core/errors.js';
import { ipToString, tryParseIp } from '../../wire/addr.js';
import type { NetNamespace } from '../../netns/netns.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';
import { resolveHost } from './resolver.js';
import { getopt, lookupPort, xatou } from './getopt.js';
import { AcceptQueue, Stream, TIMED_OUT, bytesOf, latin1, withDeadline } from './stream.js';
import { NC_USAGE } from './usage.js';

/** A parsed `nc` command line. */
interface NcArgs {
  listen: number;
  lport: number;
  wait: number;
  delay: number;
  file: string | null;
  exec: string[] | null;
  args: string[];
}

function parseNc(argv: string[]): NcArgs | { stderr: string } {
  const g = getopt(argv.slice(1), { short: 'lp:w:i:f:e:', swallow: 'e' });
  if ('error' in g) return { stderr: `nc: ${g.error}\n${NC_USAGE}` };
  const a: NcArgs = { listen: 0, lport: 0, wait: 0, delay: 0, file: null, exec: null, args: g.args };
  for (const o of g.opts) {
    // each option is checked as getopt returns it: the first bad value is the one reported
    if (o.name === 'l') a.listen++;
    else if (o.name === 'e') a.exec = [o.value, ...g.swallowed];
    else if (o.name === 'f') a.file = o.value;
    else {
      const n = o.name === 'p' ? lookupPort(o.value) : xatou(o.value);
      if (typeof n !== 'number') return { stderr: `nc: ${n.error}\n` };
      if (o.name === 'p') a.lport = n;
      else if (o.name === 'w') a.wait = n;
      else a.delay = n;
    }
  }
  const n = a.args.length;
  if ((a.listen && a.file !== null) || (a.file !== null ? n > 0 : a.listen ? n > 1 : n === 0 || n > 2)) return { stderr: NC_USAGE };
  return a;
}

/** Copies stdin to the connection and the connection to stdout until the peer closes. */
function* pump(ctx: ProgramContext, s: Stream, delayNs: number): ProgramRun {
  const input = bytesOf(ctx.stdin);
  // poll() sees stdin readable first: its data (one read of up to 1 KiB at a time), then its EOF.
  // Each write() returns once the kernel has handled what it sent (the packet queue drains: a
  // local peer's immediate ACK comes back first), so the next block or the shutdown follows it.
  for (let i = 0; i < input.length; i += 1024) {
    s.write(input.subarray(i, i + 1024));
    yield { sleep: delayNs };
  }
  s.shutdown();
  if (delayNs) yield { sleep: delayNs };
  for (;;) {
    const d = yield* s.read();
    if (!d) return 0;
    ctx.stdout(latin1(d));
    if (delayNs) yield { sleep: delayNs };
  }
}

/** `-e PROG`: PROG gets what the peer sent (until its FIN) on stdin; its stdout goes back. */
function* runExec(ctx: ProgramContext, s: Stream, argv: string[]): ProgramRun {
  let input = '';
  for (;;) {
    const d = yield* s.read();
    if (!d) break;
    input += latin1(d);
  }
  const name = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
  let code: number;
  try {
    code = yield* ctx.run([name, ...argv.slice(1)], { write: (st, t) => (st === 'stdout' ? s.write(bytesOf(t)) : ctx.stderr(t)) }, input);
  } catch (e) {
    if (e instanceof DockernetError) {
      ctx.stderr(`nc: can't execute '${argv[0]}': No such file or directory\n`);
      return 1;
    }
    throw e;
  }
  s.shutdown();
  return code;
}

/** Resolves and connects `s` (client mode). null when connected, else the exit status. */
function* connectPhase(ctx: ProgramContext, ns: NetNamespace | null, a: NcArgs, s: Stream): Generator<ProgramWait, number | null, void> {
  const host = a.args[0]!;
  const port = a.args[1] === undefined ? 0 : lookupPort(a.args[1]);
  if (typeof port !== 'number') {
    ctx.stderr(`nc: ${port.error}\n`);
    return 1;
  }
  const dst = yield* resolveHost(ctx, host);
  if (dst < 0) {
    ctx.stderr(`nc: bad address '${host}'\n`);
    return 1;
  }
  const err = ns ? yield* s.connect(ns, dst, port, a.lport || undefined) : 'Network is unreachable';
  if (err !== null) {
    ctx.stderr(`nc: can't connect to remote host (${ipToString(dst)}): ${err}\n`);
    return 1;
  }
  return null;
}

/** Listens and accepts one connection into `s` (`-l`). null when accepted, else the exit status. */
function* listenPhase(ctx: ProgramContext, ns: NetNamespace | null, a: NcArgs, s: Stream, st: { queue: AcceptQueue | null }): Generator<ProgramWait, number | null, void> {
  let addr = 0;
  if (a.args[0] !== undefined) {
    addr = tryParseIp(a.args[0]);
    if (addr < 0) {
      ctx.stderr(`nc: bad address '${a.args[0]}'\n`);
      return 1;
    }
  }
  if (!ns) {
    yield { forever: true };
    return 1;
  }
  try {
    st.queue = new AcceptQueue(ns, addr, a.lport, new Waker());
  } catch (err) {
    if (err instanceof DockernetError) {
      ctx.stderr(`nc: bind: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  yield* s.accept(st.queue);
  // without -e the listening socket is closed once a connection is accepted
  if (!a.exec) {
    st.queue.close();
    st.queue = null;
  }
  return null;
}

/** The nc applet. */
export function ncProgram(e: Engine): Program {
  return (ctx, argv) => {
    if (argv[1] === '--help') return { stderr: NC_USAGE, exitCode: 0 };
    const a = parseNc(argv);
    if ('stderr' in a) return { stderr: a.stderr, exitCode: 1 };
    if (a.file !== null) {
      const t = e.runtime.files.readText(ctx.container, a.file);
      if (t === undefined) return { stderr: `nc: can't open '${a.file}': No such file or directory\n`, exitCode: 1 };
      return { stdout: t, exitCode: 0 };
    }
    const ns = netnsOf(ctx);
    const deadline = a.wait ? ctx.sim.now + a.wait * SECOND : null;
    return ncRun(ctx, ns, a, deadline);
  };
}

/** The run of one `nc`, declared once (not a generator function per call: see `sleepFor` in runtime/programs/builtins.ts). */
function* ncRun(ctx: ProgramContext, ns: NetNamespace | null, a: NcArgs, deadline: number | null): ProgramRun {
  const delayNs = a.delay * SECOND;
  const st: { queue: AcceptQueue | null } = { queue: null };
  let stream = new Stream();
  try {
    const r = yield* withDeadline(ctx.sim, deadline, a.listen ? listenPhase(ctx, ns, a, stream, st) : connectPhase(ctx, ns, a, stream));
    if (r === TIMED_OUT) {
      ctx.stderr('nc: timed out\n');
      return 1;
    }
    if (r !== null) return r;
    if (!a.exec) return yield* pump(ctx, stream, delayNs);
    for (;;) {
      const code = yield* runExec(ctx, stream, a.exec);
      // -ll: a forked child serves each connection while the parent accepts the next
      if (a.listen < 2 || !st.queue) return code;
      stream.close();
      stream = new Stream();
      yield* stream.accept(st.queue);
    }
  } finally {
    stream.close();
    st.queue?.close();
  }
}
