/**
 * `docker port CONTAINER [PRIVATE_PORT[/PROTO]]` as the 20.10 CLI prints it: one line per host
 * binding, `HostIp:HostPort` joined with a plain colon (`:::8080`), lines sorted.
 */
import type { ExecResult } from '../../runtime/runtime.js';
import type { Engine } from '../engine.js';

/** Runs `docker port`. */
export function portCommand(e: Engine, args: string[]): ExecResult {
  if (args.length < 1 || args.length > 2) return { stdout: '', stderr: `"docker port" requires at least 1 and at most 2 arguments.\nSee 'docker port --help'.\n\nUsage:  docker port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nList port mappings or a specific mapping for the container\n`, exitCode: 1 };
  const c = e.runtime.store.find(args[0]!);
  if (!c) return { stdout: '', stderr: `Error: No such container: ${args[0]}\n`, exitCode: 1 };
  const sb = e.sandboxes.of(c).sb;
  const ports = c.running && sb ? sb.ports : [];
  if (args[1]) {
    const [p, proto = 'tcp'] = args[1].split('/') as [string, string?];
    const hits = ports.filter((m) => String(m.containerPort) === p && m.proto === proto);
    if (!hits.length) return { stdout: '', stderr: `Error: No public port '${p}/${proto}' published for ${args[0]}\n`, exitCode: 1 };
    return { stdout: hits.map((m) => `${m.hostIp}:${m.hostPort}\n`).join(''), stderr: '', exitCode: 0 };
  }
  const lines = ports.map((m) => `${m.containerPort}/${m.proto} -> ${m.hostIp}:${m.hostPort}`);
  lines.sort();
  return { stdout: lines.map((l) => l + '\n').join(''), stderr: '', exitCode: 0 };
}
