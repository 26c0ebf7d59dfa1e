/**
 * `docker events --since T --until T [--filter k=v] [--format F]`: the recorded stream between two
 * virtual instants (Unix seconds, RFC 3339 times or durations before now), without waiting.
 */
import type { ExecResult, Runtime } from '../runtime.js';
import { Out, commandFlags } from './output.js';
import { formatEvent, type EngineEvent } from '../events.js';
import { EPOCH_MS } from '../units.js';
import { GoTemplate, TemplateError } from '../template.js';

function parseTime(rt: Runtime, s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1e9 - EPOCH_MS * 1e6;
  const d = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s);
  if (d) return rt.sim.now - Number(d[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[d[2] as 'ms']!;
  const t = Date.parse(s);
  if (!Number.isNaN(t)) return (t - EPOCH_MS) * 1e6;
  return 0;
}

function matches(e: EngineEvent, filters: string[]): boolean {
  return filters.every((f) => {
    const [k, v = ''] = f.split('=') as [string, string?];
    if (k === 'type') return e.Type === v;
    if (k === 'event') return e.Action === v || e.Action.startsWith(v + ':');
    if (k === 'container') return e.Type === 'container' && (e.Actor.ID.startsWith(v) || e.Actor.Attributes['name'] === v);
    if (k === 'image') return e.Actor.Attributes['image'] === v;
    return true;
  });
}

/**
 * The API's `events.Message` in its JSON order: the deprecated status/id/from (containers and
 * images only), Type, Action, Actor, scope, time (Unix s) and timeNano.
 */
export function eventMessage(e: EngineEvent): Record<string, unknown> {
  const legacy = e.Type === 'container' || e.Type === 'image';
  return {
    status: legacy ? e.Action : undefined,
    id: legacy ? e.Actor.ID : undefined,
    from: e.Type === 'container' ? e.Actor.Attributes['image'] : undefined,
    Type: e.Type,
    Action: e.Action,
    Actor: { ID: e.Actor.ID, Attributes: Object.fromEntries(Object.keys(e.Actor.Attributes).sort().map((k) => [k, e.Actor.Attributes[k]])) },
    scope: 'local',
    time: Math.floor(EPOCH_MS / 1000 + e.time / 1e9),
    timeNano: Math.round(EPOCH_MS * 1e6 + e.time),
  };
}

/** `docker events`. */
export function eventsCommand(rt: Runtime, args: string[]): ExecResult {
  const p = commandFlags(rt.cliStyle, 'events', [{ name: 'since', kind: 'string' }, { name: 'until', kind: 'string' }, { name: 'filter', short: 'f', kind: 'list' }, { name: 'format', kind: 'string' }], args);
  if ('exitCode' in p) return p;
  const since = p.values.has('since') ? parseTime(rt, String(p.values.get('since'))) : 0;
  const until = p.values.has('until') ? parseTime(rt, String(p.values.get('until'))) : rt.sim.now;
  const out = new Out();
  const fmt = p.values.get('format') as string | undefined;
  // the 20.10 CLI: "Error parsing format: …" with status 64, for a template that does not parse and
  // for the first event it cannot execute on (kernel lab)
  const missingKey = (k: string): string => `can't evaluate field ${k} in type *events.Message`;
  let t: GoTemplate | null = null;
  try {
    t = fmt ? new GoTemplate(fmt, { missingKey }) : null;
    for (const e of rt.events.between(since, until)) {
      if (!matches(e, (p.values.get('filter') as string[]) ?? [])) continue;
      if (t) out.line(t.execute(eventMessage(e)));
      else out.line(formatEvent(e));
    }
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { stdout: out.stdout, stderr: `Error parsing format: ${err.message}\n`, exitCode: 64 };
  }
  return out.result();
}
