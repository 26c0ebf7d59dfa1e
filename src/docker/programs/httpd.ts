/**
 * busybox `httpd -f -p PORT -h DIR`: an HTTP server on the container's namespace that answers
 * every request with the lab image's page (`hello`), until the process ends.
 */
import type { Program, ProgramRun } from '../../runtime/process.js';
import { httpServer } from '../../netns/tools.js';
import type { TcpListener } from '../../netns/socket/tcp.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';

/** What /www/index.html of `mini:latest` serves. */
export const HTTPD_BODY = 'hello\n';

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
        l = httpServer(ns, port, HTTPD_BODY);
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
