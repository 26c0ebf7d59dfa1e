/**
 * `docker volume create|ls|inspect|rm|prune` with Docker's messages ("volume is in use").
 */
import type { ExecResult, Runtime } from '../runtime.js';
import { Out, commandFlags } from './output.js';
import { VolumeStore, volumeInspect } from '../volumes.js';
import { volumeUsers } from '../lifecycle.js';
import { goIndent, goJson } from '../gojson.js';
import { inspectWithTemplate } from '../template.js';
import { humanSize, rfc3339Nano } from '../units.js';
import { renderList } from './table.js';

function createdAt(t: number): string {
  return rfc3339Nano(t).replace(/\.\d+Z$/, 'Z');
}

/** `docker volume ...`. */
export function volumeCommand(rt: Runtime, argv: string[]): ExecResult {
  const [sub = '', ...args] = argv;
  const out = new Out();
  const specs = {
    create: [{ name: 'name', kind: 'string' as const }, { name: 'label', kind: 'list' as const }, { name: 'driver', short: 'd', kind: 'string' as const }, { name: 'opt', short: 'o', kind: 'list' as const }],
    ls: [{ name: 'quiet', short: 'q', kind: 'bool' as const }, { name: 'format', kind: 'string' as const }, { name: 'filter', short: 'f', kind: 'list' as const }],
    inspect: [{ name: 'format', short: 'f', kind: 'string' as const }],
    rm: [{ name: 'force', short: 'f', kind: 'bool' as const }],
    prune: [{ name: 'force', short: 'f', kind: 'bool' as const }, { name: 'all', short: 'a', kind: 'bool' as const }, { name: 'filter', kind: 'list' as const }],
  };
  const spec = specs[sub as keyof typeof specs];
  if (!spec) return { stdout: '', stderr: `docker: 'volume ${sub}' is not a docker command.\nSee 'docker --help'\n`, exitCode: 1 };
  const p = commandFlags(rt.cliStyle, `volume ${sub}`, spec, args);
  if ('exitCode' in p) return p;
  const v = p.values;
  switch (sub) {
    case 'create': {
      const name = (v.get('name') as string | undefined) ?? p.args[0] ?? rt.rng.hex(64);
      const bad = VolumeStore.checkName(name);
      if (bad) {
        out.err(`Error response from daemon: ${bad}`);
        out.exitCode = 1;
        break;
      }
      const existed = !!rt.volumes.get(name);
      const vol = rt.volumes.ensure(name, rt.sim.now, !v.has('name') && !p.args[0]);
      const labels = (v.get('label') as string[] | undefined) ?? [];
      if (labels.length) vol.labels = Object.fromEntries(labels.map((l) => [l.split('=')[0], l.split('=').slice(1).join('=')]));
      if (!existed) rt.events.emit('volume', 'create', name, { driver: 'local' });
      out.line(name);
      break;
    }
    case 'ls': {
      const vols = rt.volumes.list().filter((x) => ((v.get('filter') as string[]) ?? []).every((f) => (f === 'dangling=true' ? !volumeUsers(rt, x.name).length : f.startsWith('name=') ? x.name.includes(f.slice(5)) : true)));
      if (v.get('quiet')) for (const x of vols) out.line(x.name);
      else return renderList(vols.map((x) => ({ Driver: 'local', Name: x.name, Mountpoint: x.mountpoint, Scope: 'local', Labels: '' })), (v.get('format') as string) ?? 'table {{.Driver}}\t{{.Name}}', { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE' }, { type: '*formatter.volumeContext' });
      break;
    }
    case 'inspect': {
      const docs: Array<Record<string, unknown>> = [];
      for (const n of p.args) {
        const x = rt.volumes.get(n);
        if (x) docs.push(volumeInspect(x, createdAt(x.created)));
        else {
          out.err(`Error: No such volume: ${n}`);
          out.exitCode = 1;
        }
      }
      const fmt = v.get('format') as string | undefined;
      if (fmt) {
        const r = inspectWithTemplate(fmt, docs);
        if (r.exitCode === 64) return r;
        out.stdout = r.stdout;
        out.stderr = r.stderr + out.stderr;
        if (r.exitCode) out.exitCode = r.exitCode;
      } else out.stdout = goIndent('[' + docs.map((d) => goJson(d)).join(',') + ']') + '\n' + out.stdout;
      break;
    }
    case 'rm':
      for (const n of p.args) {
        const x = rt.volumes.get(n);
        const users = volumeUsers(rt, n);
        if (!x) {
          out.err(`Error response from daemon: get ${n}: no such volume`);
          out.exitCode = 1;
        } else if (users.length) {
          out.err(`Error response from daemon: remove ${n}: volume is in use - [${users.join(', ')}]`);
          out.exitCode = 1;
        } else {
          rt.volumes.delete(n);
          rt.events.emit('volume', 'destroy', n, { driver: 'local' });
          out.line(n);
        }
      }
      break;
    case 'prune': {
      const gone = rt.volumes.list().filter((x) => !volumeUsers(rt, x.name).length);
      let bytes = 0;
      if (gone.length) out.line('Deleted Volumes:');
      for (const x of gone) {
        bytes += x.size;
        rt.volumes.delete(x.name);
        rt.events.emit('volume', 'destroy', x.name, { driver: 'local' });
        out.line(x.name);
      }
      if (gone.length) out.line('');
      out.line(`Total reclaimed space: ${humanSize(bytes)}`);
      break;
    }
  }
  return out.result();
}
