/**
 * `docker logs [--tail N] [-t] [-f] [--since T] [--until T]`: stored messages of drivers that can
 * be read, stdout to stdout and stderr to stderr.
 */
import type { ExecResult, Runtime } from '../runtime.js';
import { parseFlags } from '../cli/flags.js';
import { Out, daemonFailure, flagError } from './output.js';
import { fixedNano } from '../events.js';
import { DockernetError } from '../../core/errors.js';

/** `docker logs`. */
export function logsCommand(rt: Runtime, args: string[]): ExecResult {
  let p;
  try {
    p = parseFlags(
      [
        { name: 'follow', short: 'f', kind: 'bool' },
        { name: 'timestamps', short: 't', kind: 'bool' },
        { name: 'tail', short: 'n', kind: 'string' },
        { name: 'since', kind: 'string' },
        { name: 'until', kind: 'string' },
        { name: 'details', kind: 'bool' },
      ],
      args,
    );
  } catch (e) {
    return flagError(rt.cliStyle, 'logs', (e as Error).message);
  }
  const out = new Out();
  try {
    const c = rt.store.get(p.args[0] ?? '');
    const type = c.hostConfig.LogConfig.Type;
    const msgs = type === 'none' ? undefined : c.log?.read() ?? [];
    if (!msgs) throw new DockernetError('EDAEMON', 'configured logging driver does not support reading');
    const tail = String(p.values.get('tail') ?? 'all');
    const n = tail === 'all' || !/^\d+$/.test(tail) ? msgs.length : Number(tail);
    const ts = !!p.values.get('timestamps');
    for (const m of msgs.slice(msgs.length - n)) {
      const text = (ts ? `${fixedNano(m.time)} ` : '') + m.line;
      if (m.stream === 'stdout') out.stdout += text;
      else out.stderr += text;
    }
  } catch (e) {
    daemonFailure(out, e);
  }
  return out.result();
}
