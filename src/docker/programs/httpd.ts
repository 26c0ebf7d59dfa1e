/**
 * busybox `httpd -f -p PORT -h DIR`: an HTTP server on the container's namespace that answers
 * every request with the lab image's page (`hello`), until the process ends.
 */
import type { Program, ProgramRun } from '../../runtime/process.js';
import type { NetNamespace } from '../../netns/netns.js';
import type { TcpListener, TcpSocket } from '../../netns/socket/tcp.js';
import { EPOCH_MS } from '../../runtime/units.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';

/** What /www/index.html of `mini:latest` serves. */
export const HTTPD_BODY = 'hello\n';

/** mtime of /www/index.html in `mini:latest`, as Last-Modified and ETag show it. */
const LAST_MODIFIED = 'Mon, 23 Nov 2026 14:26:57 GMT';
const ETAG = '"6b044d31-6"';

function httpDate(ns: NetNamespace): string {
  return new Date(EPOCH_MS + Math.floor(ns.sim.now / 1e6)).toUTCString();
}

/** busybox httpd's answer to any GET: the static page with its headers, then close. */
function serve(ns: NetNamespace, port: number): TcpListener {
  const bufs = new WeakMap<TcpSocket, string>();
  return ns.tcp.listen(0, port, () => {}, {
    onData(s, data) {
      let b = bufs.get(s) ?? '';
      for (const x of data) b += String.fromCharCode(x);
      bufs.set(s, b);
      if (b.includes('\r\n\r\n') || b.includes('\n\n')) {
        s.send(
          `HTTP/1.1 200 OK\r\nDate: ${httpDate(ns)}\r\nConnection: close\r\nContent-type: text/html\r\nAccept-Ranges: bytes\r\n` +
            `Last-Modified: ${LAST_MODIFIED}\r\nETag: ${ETAG}\r\nContent-Length: ${HTTPD_BODY.length}\r\n\r\n${HTTPD_BODY}`,
        );
        s.close();
      }
    },
    onEnd(s) {
      if (s.state === 'CLOSE_WAIT') s.close();
    },
  });
}

/** Listeners opened by httpd processes, by namespace (host-mode ones show as `*:PORT` in ss). */
export const httpdListeners = new WeakMap<object, Set<number>>();

/** The httpd applet. */
export function httpdProgram(_e: Engine): Program {
  return (ctx, argv) => {
    let port = 80;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-p') port = Number((argv[++i] ?? '80').split(':').pop());
      else if (a.startsWith('-p')) port = Number(a.slice(2).split(':').pop());
    }
    const ns = netnsOf(ctx);
    let l: TcpListener | null = null;
    if (ns) {
      try {
        l = serve(ns, port);
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
    return (function* (): ProgramRun {
      try {
        yield { forever: true };
        return 0;
      } finally {
        l?.close();
        if (ns) httpdListeners.get(ns)?.delete(port);
      }
    })();
  };
}
