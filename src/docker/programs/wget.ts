/**
 * busybox 1.35 `wget` as the `mini:latest` build has it (Debian busybox-static): HTTP/1.1 GET (or
 * POST with `--post-data`/`--post-file`) through the container's namespace, names through
 * /etc/hosts and the container's nameserver, and busybox's texts, measured in the kernel lab:
 *
 * - `Connecting to HOST (IP:PORT)`, `writing to stdout` / `saving to 'FILE'`, the progress line,
 *   `written to stdout` / `'FILE' saved` on stderr unless `-q`;
 * - `-S` shows the response headers (two spaces before each, the blank line included);
 * - `--spider` checks only (`remote file exists`);
 * - errors: `bad address 'x'`, `bad port 'x'`, `can't connect to remote host (IP): Connection
 *   refused`, `error getting response: Connection reset by peer`, `server returned error:
 *   HTTP/1.1 404 Not Found`, `can't open 'index.html': File exists` — all exit 1;
 * - `-T` is parsed but this build has no FEATURE_WGET_TIMEOUT and dies of SIGSEGV (exit 139, no
 *   output); `--timeout` is an unrecognized option (the oracle's NOTES 41 saw the same crash).
 */
import type { Program, ProgramContext, ProgramRun, ProgramWait } from '../../runtime/process.js';
import { ipToString } from '../../wire/addr.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';
import { resolveHost } from './resolver.js';
import { getopt, lookupPort } from './getopt.js';
import { Stream, bytesOf, latin1 } from './stream.js';
import { WGET_USAGE } from './usage.js';

const LONG = {
  continue: false, quiet: false, 'server-response': false, 'output-document': true, 'output-file': true, 'directory-prefix': true,
  proxy: true, 'user-agent': true, tries: true, header: true, 'post-data': true, spider: false, 'no-check-certificate': false,
  'post-file': true, 'passive-ftp': false, 'no-cache': false, 'no-verbose': false, 'no-clobber': false, 'no-host-directories': false, 'no-parent': false,
} as const;

const SHORT_OF: Record<string, string> = { continue: 'c', quiet: 'q', 'server-response': 'S', 'output-document': 'O', 'output-file': 'o', 'directory-prefix': 'P', proxy: 'Y', 'user-agent': 'U', tries: 't' };

/** A parsed `wget` command line. */
interface WgetArgs {
  quiet: boolean;
  showHeaders: boolean;
  spider: boolean;
  output: string | null;
  prefix: string | null;
  userAgent: string;
  headers: string[];
  postData: string | null;
  postFile: string | null;
  crash: boolean;
  urls: string[];
}

function parseWget(argv: string[]): WgetArgs | { stderr: string; exitCode: number } {
  if (argv[1] === '--help') return { stderr: WGET_USAGE, exitCode: 0 };
  const g = getopt(argv.slice(1), { short: 'cqSO:o:P:Y:U:T:t:n:', long: LONG });
  if ('error' in g) return { stderr: `wget: ${g.error}\n${WGET_USAGE}`, exitCode: 1 };
  const a: WgetArgs = { quiet: false, showHeaders: false, spider: false, output: null, prefix: null, userAgent: 'Wget', headers: [], postData: null, postFile: null, crash: false, urls: g.args };
  for (const o of g.opts) {
    const k = SHORT_OF[o.name] ?? o.name;
    if (k === 'q') a.quiet = true;
    else if (k === 'S') a.showHeaders = true;
    else if (k === 'O') a.output = o.value;
    else if (k === 'P') a.prefix = o.value;
    else if (k === 'U') a.userAgent = o.value;
    else if (k === 'T') a.crash = true;
    else if (k === 'spider') a.spider = true;
    else if (k === 'header') a.headers.push(o.value);
    else if (k === 'post-data') a.postData = o.value;
    else if (k === 'post-file') a.postFile = o.value;
  }
  if (!a.urls.length) return { stderr: WGET_USAGE, exitCode: 1 };
  return a;
}

/** busybox's `smart_ulltoa5`: a size in at most 5 characters (`    6`, ` 1000`, `1464k`). */
export function size5(n: number): string {
  const units = ' kMGTPEZY';
  let v = n;
  let i = 0;
  while (v >= 100000) {
    v = Math.floor(v / 1024);
    i++;
  }
  return i === 0 ? String(v).padStart(5) : `${v}${units[i]}`.padStart(5);
}

/** The progress bar busybox leaves on stderr when a transfer completes. */
export function progressLine(name: string, bytes: number): string {
  return `${name.padEnd(20).slice(0, 20)} 100% |${'*'.repeat(32)}| ${size5(bytes)}  0:00:00 ETA\n`;
}

/** A URL as busybox's parse_url splits it. */
interface Target {
  /** `host[:port]` as written. */
  host: string;
  port: number;
  /** Path without the leading `/`. */
  path: string;
}

function parseUrl(url: string): Target | string {
  let rest = url;
  let port = 80;
  const sep = url.indexOf('://');
  if (sep >= 0) {
    const scheme = url.slice(0, sep);
    rest = url.slice(sep + 3);
    if (scheme === 'http') port = 80;
    else if (scheme === 'https') port = 443;
    else if (scheme === 'ftp') port = 21;
    else return `not an http or ftp url: ${scheme}`;
  }
  let cut = rest.length;
  for (const c of ['/', '?', '#']) {
    const i = rest.indexOf(c);
    if (i >= 0 && i < cut) cut = i;
  }
  let host = rest.slice(0, cut);
  let path = rest.slice(cut);
  if (path.startsWith('/')) path = path.slice(1);
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  return { host, port, path };
}

/** Splits `host[:port]` as xhost2sockaddr does; the error text on a bad port. */
function hostPort(t: Target): { name: string; port: number } | string {
  const c = t.host.lastIndexOf(':');
  if (c < 0) return { name: t.host, port: t.port };
  const p = lookupPort(t.host.slice(c + 1));
  if (typeof p !== 'number') return p.error;
  return { name: t.host.slice(0, c), port: p };
}

/** Reads one line (up to `\n`, CR stripped) from the stream; null at end of file / error. */
function* readLine(s: Stream, buf: { data: string }): Generator<ProgramWait, string | null, void> {
  for (;;) {
    const nl = buf.data.indexOf('\n');
    if (nl >= 0) {
      const line = buf.data.slice(0, nl).replace(/\r$/, '');
      buf.data = buf.data.slice(nl + 1);
      return line;
    }
    const d = yield* s.read();
    if (!d) return null;
    buf.data += latin1(d);
  }
}

class WgetError {
  constructor(readonly message: string) {}
}

/** One retrieval; throws WgetError with busybox's message. */
function* retrieve(e: Engine, ctx: ProgramContext, a: WgetArgs, url: string): Generator<ProgramWait, void, void> {
  const first = parseUrl(url);
  if (typeof first === 'string') throw new WgetError(first);
  let target: Target = first;
  const say = (t: string): void => {
    if (!a.quiet) ctx.stderr(t);
  };
  for (let redirects = 0; ; redirects++) {
    const hp = hostPort(target);
    if (typeof hp === 'string') throw new WgetError(hp);
    const dst = hp.name === '' ? -1 : yield* resolveHost(ctx, hp.name);
    if (dst < 0) throw new WgetError(`bad address '${hp.name}'`);
    say(`Connecting to ${target.host} (${ipToString(dst)}:${hp.port})\n`);
    const ns = netnsOf(ctx);
    const s = new Stream();
    try {
      const err = ns ? yield* s.connect(ns, dst, hp.port) : 'Network is unreachable';
      if (err !== null) throw new WgetError(`can't connect to remote host (${ipToString(dst)}): ${err}`);
      let body: string | null = a.postData;
      if (a.postFile !== null) {
        body = e.runtime.files.readText(ctx.container, a.postFile) ?? null;
        if (body === null) throw new WgetError(`can't open '${a.postFile}': No such file or directory`);
      }
      let req = `${body !== null ? 'POST' : 'GET'} /${target.path} HTTP/1.1\r\nHost: ${target.host}\r\nUser-Agent: ${a.userAgent}\r\n`;
      for (const h of a.headers) req += `${h}\r\n`;
      if (body !== null) req += `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n`;
      req += `Connection: close\r\n\r\n${body ?? ''}`;
      s.write(bytesOf(req));
      const buf = { data: '' };
      const status = yield* readLine(s, buf);
      if (status === null) throw new WgetError(s.error ? `error getting response: ${s.error}` : 'error getting response');
      if (a.showHeaders) ctx.stderr(`  ${status}\n`);
      const code = Number(/^HTTP\/\S+\s+(\d+)/.exec(status)?.[1] ?? 0);
      const ok = (code >= 200 && code <= 206) || (code >= 300 && code <= 303);
      if (!ok) throw new WgetError(`server returned error: ${status}`);
      const headers = new Map<string, string>();
      for (;;) {
        const h = yield* readLine(s, buf);
        if (h === null) break;
        if (a.showHeaders) ctx.stderr(`  ${h}\n`);
        if (h === '') break;
        const c = h.indexOf(':');
        if (c > 0) headers.set(h.slice(0, c).toLowerCase(), h.slice(c + 1).trim());
      }
      const loc = headers.get('location');
      if (code >= 300 && loc !== undefined && redirects < 5) {
        const next = loc.includes('://') ? parseUrl(loc) : { ...target, path: loc.replace(/^\//, '') };
        if (typeof next === 'string') throw new WgetError(next);
        target = next;
        continue;
      }
      if (a.spider) {
        say('remote file exists\n');
        return;
      }
      // where the body goes: -O FILE, -O - (stdout), else the URL's last path component
      const toStdout = a.output === '-';
      let file = a.output;
      if (file === null) {
        const base = target.path.replace(/[?#].*$/, '');
        const last = base.slice(base.lastIndexOf('/') + 1);
        file = last === '' ? 'index.html' : last;
        if (a.prefix !== null) file = `${a.prefix.replace(/\/$/, '')}/${file}`;
      }
      const path = file.startsWith('/') ? file : `/${file}`;
      if (!toStdout && path !== '/dev/null') {
        const dir = path.slice(0, path.lastIndexOf('/')) || '/';
        if (dir !== '/' && !e.runtime.files.exists(ctx.container, dir)) throw new WgetError(`can't open '${file}': No such file or directory`);
        if (a.output === null && e.runtime.files.exists(ctx.container, path)) throw new WgetError(`can't open '${file}': File exists`);
      }
      say(toStdout ? 'writing to stdout\n' : `saving to '${file}'\n`);
      const len = headers.has('content-length') ? Number(headers.get('content-length')) : -1;
      let data = buf.data;
      while (len < 0 || data.length < len) {
        const d = yield* s.read();
        if (!d) break;
        data += latin1(d);
      }
      if (len >= 0) data = data.slice(0, len);
      if (toStdout) ctx.stdout(data);
      else if (path !== '/dev/null') e.runtime.files.writeFile(ctx.container, path, bytesOf(data));
      say(progressLine(toStdout ? '-' : file.slice(file.lastIndexOf('/') + 1), data.length));
      say(toStdout ? 'written to stdout\n' : `'${file}' saved\n`);
      return;
    } finally {
      s.close();
    }
  }
}

/** The wget applet. */
export function wgetProgram(e: Engine): Program {
  return (ctx, argv) => {
    const a = parseWget(argv);
    if ('stderr' in a) return a;
    // -T without FEATURE_WGET_TIMEOUT writes through a null pointer: SIGSEGV before any output
    if (a.crash) return { exitCode: 139 };
    return wgetRun(e, ctx, a);
  };
}

/** The run of one `wget`, declared once (not a generator function per call: see `sleepFor` in runtime/programs/builtins.ts). */
function* wgetRun(e: Engine, ctx: ProgramContext, a: WgetArgs): ProgramRun {
  for (const url of a.urls) {
    try {
      yield* retrieve(e, ctx, a, url);
    } catch (err) {
      if (err instanceof WgetError) {
        ctx.stderr(`wget: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  }
  return 0;
}
