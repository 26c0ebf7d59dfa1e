/**
 * busybox `httpd -f -p PORT -h DIR`: an HTTP server on the container's namespace serving the
 * container's files under DIR (the lab image's /www/index.html is `hello`), until the process ends.
 */
import type { Program, ProgramRun } from '../../runtime/process.js';
import type { NetNamespace } from '../../netns/netns.js';
import type { TcpListener, TcpSocket } from '../../netns/socket/tcp.js';
import { EPOCH_MS } from '../../runtime/units.js';
import { US } from '../../core/time.js';
import type { Engine } from '../engine.js';
import { netnsAsIs } from './netns-of.js';
import { latin1 } from './stream.js';
import { utf8Text } from '../../core/text.js';

/** What /www/index.html of `mini:latest` serves. */
export const HTTPD_BODY = 'hello\n';

/** The last second {@link httpDate} formatted, and its text (a scan of many servers answers within one second). */
let dateSecond = NaN;
let dateText = '';

function httpDate(ns: NetNamespace): string {
  const ms = EPOCH_MS + Math.floor(ns.sim.now / 1e6);
  const second = Math.floor(ms / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(ms).toUTCString();
  }
  return dateText;
}

function errorPage(status: string, text: string): string {
  return `<HTML><HEAD><TITLE>${status}</TITLE></HEAD>\n<BODY><H1>${status}</H1>\n${text}\n</BODY></HTML>\n`;
}

/**
 * busybox httpd's answer to one request (measured in the kernel lab): a URL that is missing or
 * does not start with `/` is `400 Bad Request`, a method other than GET/HEAD `501 Not
 * Implemented`, a missing file `404 Not Found`; otherwise the file under `home` (a directory's
 * index.html) with Last-Modified/ETag (HEAD sends the body too, as busybox does).
 */
function answer(ns: NetNamespace, files: FileSource, home: string, request: string): string {
  const [method, url] = requestLine(request);
  const head = (status: string): string => `HTTP/1.1 ${status}\r\nDate: ${httpDate(ns)}\r\nConnection: close\r\n`;
  const fail = (status: string, text: string): string => `${head(status)}Content-type: text/html\r\n\r\n${errorPage(status, text)}`;
  if (!url || !url.startsWith('/')) return fail('400 Bad Request', 'Unsupported method');
  if (method !== 'GET' && method !== 'HEAD') return fail('501 Not Implemented', 'The requested method is not recognized');
  const q = url.search(/[?#]/);
  const rel = decodeURIComponent(q < 0 ? url : url.slice(0, q));
  const base = `${home.endsWith('/') ? home.slice(0, -1) : home}${rel}`;
  // a URL ending in `/` names a directory: its index.html
  let path = rel.endsWith('/') ? `${base}index.html` : base;
  let file = files.file(path);
  if (file?.data === undefined && !rel.endsWith('/')) {
    path = `${base}/index.html`;
    file = files.file(path);
  }
  const body = file?.data === undefined ? undefined : utf8Text(file.data);
  if (body === undefined) return fail('404 Not Found', 'The requested URL was not found');
  // busybox: Last-Modified is the file's mtime, the ETag "<mtime hex>-<size hex>"
  const secs = file!.mtime ?? Math.floor((EPOCH_MS + ns.sim.now / 1e6) / 1000);
  const etag = `"${secs.toString(16)}-${body.length.toString(16)}"`;
  return `${head('200 OK')}Content-type: text/html\r\nAccept-Ranges: bytes\r\nLast-Modified: ${utcString(secs)}\r\nETag: ${etag}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

/** The method and URL of a request's first line (split at runs of white space, as before a `\n`). */
function requestLine(request: string): [string, string | undefined] {
  let end = request.indexOf('\n');
  if (end < 0) end = request.length;
  if (end > 0 && request.charCodeAt(end - 1) === 13) end--;
  const words = request.slice(0, end).split(/\s+/);
  return [words[0] ?? '', words[1]];
}

/** The last mtime {@link utcString} formatted, and its text (every answer of a scan serves the same file). */
let utcSecs = NaN;
let utcText = '';

/** Unix seconds as an HTTP date (`Date.toUTCString`). */
function utcString(secs: number): string {
  if (secs !== utcSecs) {
    utcSecs = secs;
    utcText = new Date(secs * 1000).toUTCString();
  }
  return utcText;
}

/** Reads files of the container the server runs in. */
interface FileSource {
  /** A file's content and mtime (Unix seconds, when it has one); undefined when missing or a directory. */
  file(path: string): { readonly data?: Uint8Array; readonly mtime?: number } | undefined;
}

/**
 * How long after the request arrives the connection's httpd child answers (virtual time):
 * `httpd -f` forks a child per connection, which is woken by the request, reads and parses it and
 * opens the file. The kernel's immediate ACK of the request, and a client's FIN sent right after
 * its request, both come first.
 */
export const HTTPD_REPLY_LATENCY = 200 * US;

/**
 * The child's write() calls: a 200 answer is two, the header block (send_headers) and then the
 * file (sendfile); an error answer is one (its page is built into the header buffer).
 */
function replyWrites(reply: string): string[] {
  if (!reply.startsWith('HTTP/1.1 200 ')) return [reply];
  const i = reply.indexOf('\r\n\r\n') + 4;
  return i < reply.length ? [reply.slice(0, i), reply.slice(i)] : [reply];
}

/**
 * Sends `writes` one write() at a time, then shutdown(SHUT_WR) and exit (busybox
 * `log_and_exit`). Each write is a system call: the segments it sends, and what the peer's kernel
 * answers at once (an ACK), are handled before the call returns (softirq on the same CPU), so the
 * next one starts after the packet queue has drained.
 */
function writeAll(ns: NetNamespace, s: TcpSocket, writes: string[], i = 0): void {
  if (s.state !== 'ESTABLISHED' && s.state !== 'CLOSE_WAIT') return;
  if (i === 0) s.consume(); // the child has read the request
  if (i === writes.length) {
    s.close();
    s.consume(true); // _exit: the receive queue (a client's FIN) is freed
    return;
  }
  s.send(writes[i]!);
  ns.sim.defer(() => writeAll(ns, s, writes, i + 1));
}

/** Serves `home` on `port`: each request (once its header block has arrived) gets its answer, then close. */
function serve(ns: NetNamespace, port: number, files: FileSource, home: string): TcpListener {
  // each connection's request so far, until it is whole (then ANSWERED), kept on its socket
  return ns.tcp.listen(0, port, (s) => (s.manualRead = true), {
    onData(s, data) {
      const prev = s.userData;
      if (prev === ANSWERED) return;
      const b = prev === null ? latin1(data) : (prev as string) + latin1(data);
      if (b.includes('\r\n\r\n') || b.includes('\n\n')) {
        s.userData = ANSWERED;
        ns.sim.schedule(HTTPD_REPLY_LATENCY, () => writeAll(ns, s, replyWrites(answer(ns, files, home, b))));
      } else s.userData = b;
    },
    onEnd(s) {
      // the client's FIN before a whole request: read() returns end of file and the child exits
      if (s.userData !== ANSWERED && s.state === 'CLOSE_WAIT') s.close();
    },
  });
}

/** A connection's {@link TcpSocket.userData} once its request has been answered. */
const ANSWERED = Symbol('answered');

/** Listeners opened by httpd processes, by namespace (host-mode ones show as `*:PORT` in ss). */
export const httpdListeners = new WeakMap<object, Set<number>>();

/** The httpd applet. */
export function httpdProgram(e: Engine): Program {
  return (ctx, argv) => {
    let port = 80;
    let home = '/';
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-p') port = Number((argv[++i] ?? '80').split(':').pop());
      else if (a.startsWith('-p')) port = Number(a.slice(2).split(':').pop());
      else if (a === '-h') home = argv[++i] ?? '/';
      else if (a.startsWith('-h')) home = a.slice(2);
    }
    const files: FileSource = { file: (path) => e.runtime.files.file(ctx.container, path) };
    // httpd listens on 0.0.0.0: starting it leaves the namespace's configuration to its first frame
    const ns = netnsAsIs(ctx);
    let l: TcpListener | null = null;
    if (ns) {
      try {
        l = serve(ns, port, files, home);
        let set = httpdListeners.get(ns);
        if (!set) {
          set = new Set();
          httpdListeners.set(ns, set);
        }
        set.add(port);
      } catch (err) {
        return { stderr: `httpd: bind: ${(err as Error).message}\n`, exitCode: 1 };
      }
    }
    return httpdRun(ns, l, port);
  };
}

/** The run of one `httpd`, declared once (not a generator function per call: see `sleepFor` in runtime/programs/builtins.ts). */
function* httpdRun(ns: NetNamespace | null, l: TcpListener | null, port: number): ProgramRun {
  try {
    yield { forever: true };
    return 0;
  } finally {
    l?.close();
    if (ns) httpdListeners.get(ns)?.delete(port);
  }
}
