/**
 * `docker ps`: filters (name, status, id, ancestor, label, exited, volume), `--format`, `-q`,
 * `-a`, `-n`, `-l`, `--no-trunc`, and the default table.
 */
import type { ExecResult, Runtime } from '../runtime.js';
import type { Container } from '../container.js';
import { Out, commandFlags } from './output.js';
import { renderList } from './table.js';
import { goTimeString, humanDuration } from '../units.js';

/** `docker ps` STATUS text. */
export function psStatus(rt: Runtime, c: Container): string {
  const s = c.state;
  if (s.Restarting) return `Restarting (${s.ExitCode}) ${humanDuration(rt.sim.now - (s.FinishedAt ?? 0))} ago`;
  if (s.Running) return `Up ${humanDuration(rt.sim.now - (s.StartedAt ?? 0))}${s.Paused ? ' (Paused)' : ''}`;
  if (s.Dead) return 'Dead';
  if (s.StartedAt === null) return 'Created';
  return `Exited (${s.ExitCode}) ${humanDuration(rt.sim.now - (s.FinishedAt ?? 0))} ago`;
}

function imageColumn(rt: Runtime, c: Container): string {
  const img = rt.images.resolve(c.config.Image);
  if (img && img.id === c.imageId) return c.config.Image;
  return c.imageId.slice(7, 19);
}

function matches(rt: Runtime, c: Container, filters: string[]): boolean {
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    const k = f.slice(0, i);
    (by.get(k) ?? by.set(k, []).get(k)!).push(f.slice(i + 1));
  }
  for (const [k, vals] of by) {
    const ok = vals.some((v) => {
      switch (k) {
        case 'name':
          return new RegExp(v).test(c.name.slice(1)) || new RegExp(v).test(c.name);
        case 'id':
          return c.id.startsWith(v);
        case 'status':
          return c.state.Status === v;
        case 'exited':
          return !c.running && c.state.StartedAt !== null && String(c.state.ExitCode) === v;
        case 'ancestor':
          return c.config.Image === v || rt.images.resolve(v)?.id === c.imageId;
        case 'label': {
          const [lk, lv] = v.split('=') as [string, string?];
          const labels = c.config.Labels ?? {};
          return lk in labels && (lv === undefined || labels[lk] === lv);
        }
        case 'volume':
          return c.mounts.some((m) => m.Name === v || m.Destination === v);
        default:
          return true;
      }
    });
    if (!ok) return false;
  }
  return true;
}

/** Template data of one ps row. */
export function psRow(rt: Runtime, c: Container, noTrunc: boolean): Record<string, unknown> {
  let cmd = JSON.stringify([c.path, ...c.args].join(' '));
  if (!noTrunc && [...cmd].length > 22) cmd = [...cmd].slice(0, 20).join('') + '…"';
  const extra: Record<string, string> = {};
  for (const [k, f] of rt.psFields) extra[k] = f(c);
  return {
    ID: noTrunc ? c.id : c.shortId,
    Image: imageColumn(rt, c),
    Command: cmd,
    CreatedAt: goTimeString(c.created),
    RunningFor: `${humanDuration(rt.sim.now - c.created)} ago`,
    Ports: '',
    State: c.state.Status,
    Status: psStatus(rt, c),
    Size: '0B',
    Names: c.name.slice(1),
    Labels: Object.entries(c.config.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    Mounts: c.mounts.map((m) => m.Name ?? m.Source).join(','),
    Networks: '',
    ...extra,
  };
}

/** `docker ps`. */
export function psCommand(rt: Runtime, args: string[]): ExecResult {
  const p = commandFlags(
    rt.cliStyle,
    'ps',
    [
      { name: 'all', short: 'a', kind: 'bool' },
      { name: 'quiet', short: 'q', kind: 'bool' },
      { name: 'no-trunc', kind: 'bool' },
      { name: 'filter', short: 'f', kind: 'list' },
      { name: 'format', kind: 'string' },
      { name: 'last', short: 'n', kind: 'int' },
      { name: 'latest', short: 'l', kind: 'bool' },
      { name: 'size', short: 's', kind: 'bool' },
    ],
    args,
  );
  if ('exitCode' in p) return p;
  const v = p.values;
  const noTrunc = !!v.get('no-trunc');
  let list = rt.store.list();
  const n = v.has('last') ? (v.get('last') as number) : v.get('latest') ? 1 : -1;
  const all = !!v.get('all') || n > 0;
  if (!all) list = list.filter((c) => c.running);
  list = list.filter((c) => matches(rt, c, (v.get('filter') as string[]) ?? []));
  if (n > 0) list = list.slice(0, n);
  const out = new Out();
  if (v.get('quiet')) {
    for (const c of list) out.line(noTrunc ? c.id : c.shortId);
    return out.result();
  }
  const format = (v.get('format') as string | undefined) ?? 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
  return renderList(list.map((c) => psRow(rt, c, noTrunc)), format, { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', RunningFor: 'CREATED', CreatedAt: 'CREATED AT', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', State: 'STATE', Networks: 'NETWORKS', Mounts: 'MOUNTS', Labels: 'LABELS', Size: 'SIZE' }, { type: '*formatter.ContainerContext', parseError: 'failed to parse template' });
}
