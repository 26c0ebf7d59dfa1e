/**
 * `docker logs [--tail N] [-t] [-f] [--since T] [--until T]`: stored messages of drivers that can
 * be read, stdout to stdout and stderr to stderr.
 */
import type { ExecResult, Runtime } from '../runtime.js';
import { Out, daemonFailure, commandFlags } from './output.js';
import { fixedNano } from '../events.js';
import { DockernetError } from '../../core/errors.js';
import { EPOCH_MS } from '../units.js';

/** `docker logs`. */
export function logsCommand(rt: Runtime, args: string[]): ExecResult {
  const p = commandFlags(
    rt.cliStyle,
    'logs',
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
  if ('exitCode' in p) return p;
  const out = new Out();
  try {
    const c = rt.store.get(p.args[0] ?? '');
    const type = c.hostConfig.LogConfig.Type;
    const msgs = type === 'none' ? undefined : c.log?.read() ?? [];
    if (!msgs) throw new DockernetError('EDAEMON', 'configured logging driver does not support reading');
    const tail = String(p.values.get('tail') ?? 'all');
    const n = tail === 'all' || !/^\d+$/.test(tail) ? msgs.length : Number(tail);
    const ts = !!p.values.get('timestamps');
    const bound = (k: string, d: number): number => {
      const s = p.values.get(k) as string | undefined;
      if (s === undefined) return d;
      const rel = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(s);
      if (rel) return rt.sim.now - Number(rel[1]) * { s: 1e9, m: 60e9, h: 3600e9 }[rel[2] as 's']!;
      const t = Date.parse(s);
      return Number.isNaN(t) ? (/^\d+(\.\d+)?$/.test(s) ? Number(s) * 1e9 - EPOCH_MS * 1e6 : d) : (t - EPOCH_MS) * 1e6;
    };
    const since = bound('since', -Infinity);
    const until = bound('until', Infinity);
    for (const m of msgs.slice(msgs.length - n).filter((x) => x.time >= since && x.time <= until)) {
      const text = (ts ? `${fixedNano(m.time)} ` : '') + m.line;
      if (m.stream === 'stdout') out.stdout += text;
      else out.stderr += text;
    }
  } catch (e) {
    daemonFailure(out, e);
  }
  return out.result();
}
