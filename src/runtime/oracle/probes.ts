/**
 * The rt-* probes (`#@probe NAME ARGS`, scenarios' probe.sh) computed from the model: cgroup files,
 * freezer state, namespace sharing tables, docker save archive layout, json-file contents.
 * Unknown probes return null (the step is reported as not modelled).
 */
import type { Runtime } from '../runtime.js';
import type { Container } from '../container.js';
import { CONTROLLERS, type Controller } from '../cgroups/hierarchy.js';
import { NS_KINDS, compareNamespaces, type NamespaceSet } from '../namespaces.js';
import { readTar } from '../images/tar.js';
import { pyDumps, pyList } from './pyjson.js';
import { logPath } from '../inspect.js';

const FILES = 'memory:memory.limit_in_bytes memory:memory.memsw.limit_in_bytes memory:memory.soft_limit_in_bytes memory:memory.swappiness cpu:cpu.cfs_period_us cpu:cpu.cfs_quota_us cpu:cpu.shares cpuset:cpuset.cpus cpuset:cpuset.mems blkio:blkio.weight blkio:blkio.bfq.weight pids:pids.max'.split(' ');
const dec = new TextDecoder();

function cgcat(rt: Runtime, ctl: string, path: string, file: string): string {
  const v = rt.cgroups.read(ctl as Controller, path, file);
  return v === undefined ? '<absent>' : v.split('\n').join(' ').trimEnd();
}

function cgpath(rt: Runtime, c: Container | undefined, ctl: Controller): string {
  return c && c.running ? rt.cgroupPathOf(c, ctl) : '<not running>';
}

function dump(rt: Runtime, name: string): string {
  const c = rt.store.find(name);
  let s = `[${name}]\n`;
  for (const ctl of CONTROLLERS) s += `cgroup(${ctl})=${cgpath(rt, c, ctl)}\n`;
  if (!c || !c.running) return s + '(no cgroup: container not running)\n\n';
  for (const cf of FILES) {
    const [ctl, file] = cf.split(':') as [string, string];
    s += `${file}=${cgcat(rt, ctl, rt.cgroupPathOf(c, ctl as Controller), file)}\n`;
  }
  return s + '\n';
}

function nsRow(label: string, a: NamespaceSet | null, b: NamespaceSet | null): string {
  const cmp = compareNamespaces(a, b);
  return label.padEnd(20) + NS_KINDS.map((k) => ' ' + cmp[k].padEnd(6)).join('');
}

function nsProbe(rt: Runtime, probeSh: string): string {
  const cs = (/CS="([^"]+)"/.exec(probeSh)?.[1] ?? '').split(' ');
  const nsOf = (n: string): NamespaceSet | null => rt.store.find(n)?.namespaces ?? null;
  const hdr = (l: string): string => l.padEnd(20) + NS_KINDS.map((k) => ' ' + (k === 'pid_for_children' ? 'pid4c' : k).padEnd(6)).join('');
  let s = "## container namespaces vs dockerd (the engine's host): same/diff  ('-' = container not running)\n" + hdr('container') + '\n';
  for (const c of cs) s += nsRow(c, nsOf(c), rt.hostNs) + '\n';
  s += '\n## container namespaces vs container ns-a\n' + hdr('container') + '\n';
  for (const c of cs) s += nsRow(c, nsOf(c), nsOf('ns-a')) + '\n';
  const ipc = compareNamespaces(nsOf('ns-ipcjoin'), nsOf('ns-shareable')).ipc;
  s += `\n## ipc of ns-ipcjoin vs ns-shareable: ${ipc}\n`;
  s += "## dockerd vs the capture shell (the machine's own namespaces), for reference: the lab runs dockerd in its own net+mnt ns\n";
  s += hdr('process') + '\n' + 'dockerd'.padEnd(20) + ['same', 'same', 'diff', 'diff', 'same', 'same', 'same', 'same', 'same'].map((x) => ' ' + x.padEnd(6)).join('') + '\n\n';
  s += '## pid numbering: NSpid of each container\'s init (outer..inner; host pid -> <host>, inner pid >1 -> <n>)\n';
  for (const n of ['ns-a', 'ns-hostpid', 'ns-pidjoin', 'ns-netjoin']) {
    const c = rt.store.find(n);
    const p = c?.init;
    if (!p) continue;
    const inner = p.pid === p.nspid ? '' : ' ' + (p.nspid === 1 ? '1' : '<n>');
    s += `${n}: <host>${inner}  comm=${p.comm}\n`;
  }
  const stat = rt.exec(['docker', 'exec', 'ns-hostpid', 'cat', '/proc/1/stat']).stdout.split(' ').slice(0, 2).join(' ');
  s += `ns-hostpid: PID 1 as seen inside is the machine's PID 1: ${stat === '1 (systemd)' ? 'yes' : 'no'}\n`;
  const cmd = rt.exec(['docker', 'exec', 'ns-a', 'cat', '/proc/1/cmdline']).stdout.split('\0').join(' ');
  s += `ns-a: PID 1 as seen inside is its own 'sleep 3600': ${cmd}\n`;
  return s;
}

function saveProbe(rt: Runtime, path: string): string | null {
  const bytes = rt.hostBlobs.get(path);
  if (!bytes) return null;
  const members = readTar(bytes);
  const get = (n: string) => members.find((m) => m.name.replace(/\/$/, '') === n);
  const manifest = JSON.parse(dec.decode(get('manifest.json')!.data!)) as Array<{ Config: string; Layers: string[] }>;
  const lab = new Map<string, string>();
  manifest[0]!.Layers.forEach((l, i) => lab.set(l.split('/')[0]!, `<layerdir:${i + 1}>`));
  const cfg = manifest[0]!.Config;
  const canon = (n: string): string => {
    for (const [k, v] of lab) n = n.split(k).join(v);
    return n.split(cfg).join('<config>.json');
  };
  let s = '## tar entries (sorted, layer dirs named by manifest order)\n';
  const rows = members.map((m) => ({ kind: m.type === 'dir' ? 'd' : m.type === 'symlink' ? 'l' : 'f', name: canon(m.name.replace(/\/$/, '')) }));
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const r of rows) s += `${r.kind} ${r.name}\n`;
  s += '## manifest.json\n' + canon(pyDumps(manifest)) + '\n';
  s += '## repositories\n' + canon(pyDumps(JSON.parse(dec.decode(get('repositories')!.data!)))) + '\n';
  s += '## config json (image config; its sha256 is the image id)\n' + pyDumps(JSON.parse(dec.decode(get(cfg)!.data!))) + '\n';
  manifest[0]!.Layers.forEach((l, i) => {
    const lt = readTar(get(l)!.data!);
    s += `## <layerdir:${i + 1}>/layer.tar: ${lt.length} entries` + (i === 0 ? '' : ': ' + lt.map((m) => m.name).join(' ')) + '\n';
    const dir = l.split('/')[0]!;
    const j = JSON.parse(dec.decode(get(`${dir}/json`)!.data!)) as Record<string, unknown>;
    s += `## <layerdir:${i + 1}>/json keys: ${pyList(Object.keys(j).sort())}\n`;
    s += `## <layerdir:${i + 1}>/VERSION: ${dec.decode(get(`${dir}/VERSION`)!.data!).trim()}\n`;
  });
  return s;
}

function containerFiles(rt: Runtime, c: Container): string[] {
  const files = ['config.v2.json', 'hostconfig.json', 'hostname', 'hosts', 'resolv.conf', 'resolv.conf.hash'];
  if (c.log) for (const f of c.log.files().keys()) files.push(f);
  return files.sort();
}

function logProbe(rt: Runtime, kind: string, name: string): string | null {
  const c = rt.store.find(name);
  if (!c) return null;
  const files = c.log?.files() ?? new Map<string, string>();
  if (kind === 'jsonlog') {
    const text = files.get(`${c.id}-json.log`) ?? '';
    const lines = text.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');
    return `log file: ${logPath(rt, c)}\nlines: ${lines.length}\n` + lines.slice(0, 5).map((l) => l + '\n').join('');
  }
  if (kind === 'files') return `files under <containers>/${c.id}:\n` + containerFiles(rt, c).map((f) => `  ./${f}\n`).join('');
  if (kind === 'rotation') {
    const base = `${c.id}-json.log`;
    const cur = files.get(base) ?? '';
    const old = files.get(`${base}.1`) ?? '';
    const num = (l: string | undefined): number => Number(/"log":"line-(\d+)/.exec(l ?? '')?.[1] ?? NaN);
    const curLines = cur.split('\n').filter(Boolean);
    const oldLines = old.split('\n').filter(Boolean);
    const logs = rt.exec(['docker', 'logs', name]);
    const all = (logs.stdout + logs.stderr).split('\n').filter(Boolean);
    const contiguous = all.every((l, i) => i === 0 || Number(l.split('-')[1]) === Number(all[i - 1]!.split('-')[1]) + 1);
    let s = 'json log files:\n' + [...files.keys()].filter((f) => f.includes('-json.log')).sort().map((f) => `  ${f}\n`).join('');
    s += `${base}.1: size>=1024 (rotated once it reached max-size): ${Buffer.byteLength(old) >= 1024 ? 'yes' : 'no'}\n`;
    s += `${base}: size<1024+one line: ${Buffer.byteLength(cur) < 1124 ? 'yes' : 'no'}; last line=${/"log":"([^\\]*)/.exec(curLines[curLines.length - 1] ?? '')?.[1] ?? ''}\n`;
    s += `last line of .log.1 is followed by first line of .log: ${num(oldLines[oldLines.length - 1]) + 1 === num(curLines[0]) ? 'yes' : 'no'}\n`;
    s += `docker logs line count is less than 200: ${all.length < 200 ? 'yes' : 'no'}\n`;
    s += `docker logs output (.log.1 then .log) is one contiguous run of lines: ${contiguous ? 'contiguous' : 'gap'}\n`;
    return s;
  }
  return null;
}

/** Runs probe `name` with `args` for the scenario whose probe.sh text is `probeSh`. */
export function runProbe(rt: Runtime, name: string, args: string[], probeSh: string): string | null {
  switch (name) {
    case 'cgroups': {
      let s = '# parent /docker cgroup\n';
      for (const cf of FILES) {
        const [ctl, file] = cf.split(':') as [string, string];
        s += `${file}=${cgcat(rt, ctl, '/docker', file)}\n`;
      }
      s += '\n';
      const list = (/for c in ([^;]+); do dump/.exec(probeSh)?.[1] ?? '').trim().split(/\s+/);
      for (const c of list) s += dump(rt, c);
      return s;
    }
    case 'updated': {
      const n = /updated\)\s*\n\s*dump (\S+)/.exec(probeSh)?.[1];
      return n ? dump(rt, n.replace(/\s*;;$/, '')) : null;
    }
    case 'freezer': {
      const c = rt.store.find(args[0] ?? '');
      const p = cgpath(rt, c, 'freezer');
      let s = `[${args[0]}] cgroup=${p}\n`;
      if (!c || !c.running) return s;
      for (const f of ['freezer.state', 'freezer.self_freezing', 'freezer.parent_freezing']) s += `${f}=${cgcat(rt, 'freezer', p, f)}\n`;
      return s + `parent(/docker) freezer.state=${cgcat(rt, 'freezer', '/docker', 'freezer.state')}\n`;
    }
    case 'ns':
      return nsProbe(rt, probeSh);
    case 'save':
      return saveProbe(rt, args[0] ?? '');
    case 'jsonlog':
    case 'files':
    case 'rotation':
      return logProbe(rt, name, args[0] ?? '');
    default:
      return null;
  }
}
