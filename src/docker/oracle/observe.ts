/**
 * The fidelity harness: replays a scenario (setup.sh host steps + scenario.docker) in a fresh
 * engine and collects the same files as the oracle's capture (tools/oracle.py `capture`),
 * normalised with the same rules and tokens, keyed by their path relative to `observed/`.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SECOND } from '../../core/time.js';
import type { NetNamespace } from '../../netns/netns.js';
import { devDisplay, ipAddr, ipLink, ipRoute, setDevDisplay } from '../../netns/iproute.js';
import { httpdListeners } from '../programs/httpd.js';
import { bridgeFdbShow, bridgeLinkShow, defaultMcList, solicitedNodeMac } from '../../link/bridge/text.js';
import type { NetDevice } from '../../link/netdev.js';
import { ipToString, macToString } from '../../wire/addr.js';
import { splitCommandLine } from '../../runtime/cli/split.js';
import type { Container } from '../../runtime/container.js';
import { Engine, iptablesSave } from '../engine.js';
import { networkDoc } from '../commands/network.js';
import { connectedUdp, proxiesOf } from '../ports/proxy.js';
import { Normalizer, type NormalizeMapping } from './normalize.js';
import { pyJson } from './pyjson.js';
import { runSetupScript } from './setup.js';
import { reachMatrix } from './reach.js';
import { runProbeScript } from './probe.js';

/** Options of {@link observeScenario}. */
export interface ObserveOptions {
  /** Engine seed (default 1). */
  seed?: number | string;
  /**
   * First host port the allocator hands out for `-p 80`/`-P`. Default: 32768 when the scenario's
   * `lab.json` says `freshDaemon`, else 40000 (a daemon that already handed out ports in earlier
   * captures).
   */
  firstDynamicPort?: number;
  /** Skip the reach matrix (it sends packets; the static files do not need it). */
  skipReach?: boolean;
}

/** What a scenario's optional `lab.json` records about the daemon it was captured on. */
interface LabFacts {
  /**
   * The daemon was started just before the capture: its port allocator starts at Docker's first
   * ephemeral port (32768) and docker0 never had carrier before the scenario.
   */
  freshDaemon?: boolean;
  /**
   * When the lab imported `mini:latest` (RFC 3339): start-dockerd.sh builds it anew when the daemon's
   * data root has none, so its files' mtimes (httpd's Last-Modified and ETag) are that moment.
   */
  miniImported?: string;
}

function labFacts(dir: string): LabFacts {
  const f = join(dir, 'lab.json');
  if (!existsSync(f)) return {};
  const v = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
  const imported = v['miniImported'];
  if (imported !== undefined && (typeof imported !== 'string' || Number.isNaN(Date.parse(imported)))) throw new Error(`${f}: miniImported must be an RFC 3339 time, got ${JSON.stringify(imported)}`);
  return { freshDaemon: v['freshDaemon'] === true, miniImported: imported };
}

/** Docker commands of a scenario file (`#` lines and blank lines skipped), as the capture parses them. */
export function scenarioCommands(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Replays `dir` and returns every observed file (path relative to observed/ → normalised text). */
export function observeScenario(dir: string, opts: ObserveOptions = {}): Map<string, string> {
  const lab = labFacts(dir);
  const e = new Engine({ seed: opts.seed ?? 1, runtime: lab.miniImported ? { baseImageTime: Date.parse(lab.miniImported) / 1000 } : {} });
  const fresh = lab.freshDaemon === true;
  // a daemon that already handed out host ports (most captures were not the first on their engine):
  // keeps docker-chosen ports away from small numbers that <eport:+K> would otherwise rewrite
  if (opts.firstDynamicPort !== undefined || !fresh) e.ports.skipTo(opts.firstDynamicPort ?? 40000);
  // and whose docker0 had carrier before (its IPv6 link-local stays after the last port left)
  if (!fresh) setDevDisplay(e.host.mustDev('docker0'), { ll6: true, tsoMaxSize: undefined });
  const ids = { containers: new Map<string, string>(), networks: new Map<string, string>() };
  const snapshot = (): void => {
    for (const c of e.runtime.store.list()) addId(ids.containers, c.id, c.name.slice(1));
    for (const n of e.networks) addId(ids.networks, n.id, n.name);
  };
  snapshot();
  const raw = new Map<string, string>();
  const setup = join(dir, 'setup.sh');
  if (existsSync(setup)) runSetupScript(e, readFileSync(setup, 'utf8'));
  // replay
  const lines: string[] = [];
  for (const line of scenarioCommands(readFileSync(join(dir, 'scenario.docker'), 'utf8'))) {
    splitCommandLine(line);
    const r = e.exec(line);
    lines.push('$ ' + line);
    if (r.stdout.trim()) lines.push(r.stdout.replace(/\n+$/, ''));
    for (const l of r.stderr.replace(/\n+$/, '').split('\n')) if (r.stderr.replace(/\n+$/, '')) lines.push('[stderr] ' + l);
    lines.push(`[exit ${r.exitCode}]`);
    snapshot();
  }
  raw.set('replay.txt', lines.join('\n') + '\n');
  e.sim.runUntil(e.sim.now + 2 * SECOND);
  const conts = e.runtime.store.list().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const mapping = buildMapping(e, ids, conts);
  collectStatic(e, conts, raw);
  if (!opts.skipReach) raw.set('reach.tsv', reachMatrix(e, conts));
  const mcList = (d: NetDevice): number[] => {
    const l = defaultMcList(d, true);
    const snm = solicitedNodeMac(d.mac);
    if (devDisplay(d).ll6 && !l.includes(snm)) l.push(snm);
    return l;
  };
  raw.set('host-bridge-fdb.txt', bridgeFdbShow(e.host.devices(), { mcList }).map((l) => l + '\n').join(''));
  const probe = join(dir, 'probe.sh');
  if (!opts.skipReach && existsSync(probe)) runProbeScript(e, readFileSync(probe, 'utf8'), raw);
  const norm = new Normalizer(mapping);
  const out = new Map<string, string>();
  for (const [rel, txt] of raw) out.set(rel, norm.text(txt, rel));
  return out;
}

function addId(m: Map<string, string>, id: string, name: string): void {
  if (m.has(id)) return;
  const used = new Set(m.values());
  let n = name;
  for (let k = 2; used.has(n); k++) n = `${name}#${k}`;
  m.set(id, n);
}

function running(c: Container): boolean {
  return c.running;
}

function netnsOfContainer(c: Container): NetNamespace | null {
  return (c.namespaces?.net.handle as NetNamespace | null) ?? null;
}

/** The mapping.json the capture writes: ids, veth tokens, random MACs, docker-chosen ports. */
function buildMapping(e: Engine, ids: { containers: Map<string, string>; networks: Map<string, string> }, conts: Container[]): NormalizeMapping {
  const veths: Record<string, string> = {};
  for (const c of conts) {
    const mode = c.hostConfig.NetworkMode;
    if (!running(c) || mode === 'host' || mode === 'none' || mode.startsWith('container:')) continue;
    const ns = netnsOfContainer(c);
    if (!ns) continue;
    for (const d of ns.devices()) {
      const peer = d.peer;
      if (peer === null || peer.owner !== e.host) continue;
      veths[peer.name] = d.name === 'eth0' ? `<veth:${c.name.slice(1)}>` : `<veth:${c.name.slice(1)}:${d.name}>`;
    }
  }
  const short2net = new Map<string, string>();
  for (const [id, name] of ids.networks) short2net.set(id.slice(0, 12), name);
  const macs: Record<string, string> = {};
  for (const d of e.host.devices()) {
    if (d.kind === 'loopback') continue;
    const n = d.name;
    let label: string;
    if (veths[n]) label = veths[n]!.slice(1, -1);
    else if (d.kind === 'bridge' && n.startsWith('br-') && short2net.has(n.slice(3))) label = 'br:' + short2net.get(n.slice(3));
    else label = n;
    macs[macToString(d.mac)] = label;
  }
  const eph = new Set<number>();
  for (const c of conts) {
    const sb = e.sandboxes.of(c).sb;
    if (!sb || !running(c)) continue;
    for (const m of sb.ports) {
      const key = `${m.containerPort}/${m.proto}`;
      const explicit = c.hostConfig.PortBindings[key];
      const chosen = !explicit || explicit.some((b) => !b.HostPort || b.HostPort === '0');
      if (chosen) eph.add(m.hostPort);
    }
  }
  const base = eph.size ? Math.min(...eph) : 0;
  const eports: Record<string, string> = {};
  for (const p of [...eph].sort((a, b) => a - b)) eports[String(p)] = `<eport:+${p - base}>`;
  return { containers: Object.fromEntries(ids.containers), networks: Object.fromEntries(ids.networks), veths, macs, eports };
}

function stripComments(t: string): string {
  return t
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}

function collectStatic(e: Engine, conts: Container[], raw: Map<string, string>): void {
  raw.set('host-iptables-save.txt', stripComments(iptablesSave(e, e.host)));
  raw.set('host-ip6tables-save.txt', '');
  raw.set('host-ip-addr.txt', ipAddr(e.host));
  raw.set('host-ip-link-details.txt', ipLink(e.host, { details: true }));
  raw.set('host-ip-route.txt', ipRoute(e.host));
  raw.set('host-bridge-link.txt', bridgeLinkShow(e.host.devices(), { details: true }).map((l) => l + '\n').join(''));
  raw.set('host-listeners.txt', hostListeners(e));
  for (const n of [...e.networks].sort((a, b) => (a.name < b.name ? -1 : 1))) raw.set(`networks/${n.name}.json`, pyJson(reduceNetwork(networkDoc(e, n))) + '\n');
  for (const c of conts) {
    const name = c.name.slice(1);
    const base = `containers/${name}/`;
    const ins = e.exec(['docker', 'inspect', name]);
    try {
      const doc = (JSON.parse(ins.stdout) as Record<string, unknown>[])[0]!;
      raw.set(base + 'inspect.json', pyJson(reduceContainer(doc)) + '\n');
    } catch {
      raw.set(base + 'inspect.json', ins.stdout + ins.stderr);
    }
    if (!running(c)) continue;
    for (const [fn, cmd] of [
      ['ip-addr.txt', ['ip', 'addr']],
      ['ip-route.txt', ['ip', 'route']],
      ['hosts.txt', ['cat', '/etc/hosts']],
      ['resolv.conf', ['cat', '/etc/resolv.conf']],
      ['hostname.txt', ['hostname']],
    ] as const) {
      const r = e.exec(['docker', 'exec', name, ...cmd]);
      raw.set(base + fn, r.stdout + (r.stderr.trim() ? '[stderr] ' + r.stderr : '') + (r.exitCode === 0 ? '' : `[exit ${r.exitCode}]\n`));
    }
    if (c.hostConfig.NetworkMode !== 'host') {
      const ns = netnsOfContainer(c);
      raw.set(base + 'iptables-save.txt', ns ? stripComments(iptablesSave(e, ns)) : '');
    }
  }
}

/**
 * `ss -Hlntu` of the host as the capture sorts it: docker-proxy sockets (`0.0.0.0`/`127.0.0.1`
 * and their `[::]` twins) and host-network httpd listeners, which busybox opens as dual-stack
 * `*:PORT` sockets with a backlog of 9.
 */
function hostListeners(e: Engine): string {
  interface Row {
    netid: string;
    state: string;
    sendq: number;
    addr: string;
    port: string;
    peer: string;
  }
  const rows: Row[] = [];
  const httpd = httpdListeners.get(e.host) ?? new Set<number>();
  for (const l of e.host.tcp.listening()) {
    if (httpd.has(l.lport) && l.laddr === 0) continue;
    rows.push({ netid: 'tcp', state: 'LISTEN', sendq: 4096, addr: ipToString(l.laddr), port: String(l.lport), peer: '0.0.0.0' });
  }
  for (const p of httpd) rows.push({ netid: 'tcp', state: 'LISTEN', sendq: 9, addr: '*', port: String(p), peer: '*' });
  for (const u of e.host.udp.list()) if (!connectedUdp.has(u)) rows.push({ netid: 'udp', state: 'UNCONN', sendq: 0, addr: ipToString(u.laddr), port: String(u.lport), peer: '0.0.0.0' });
  for (const p of proxiesOf(e))
    if (p.hostIp === '::') rows.push({ netid: p.proto, state: p.proto === 'tcp' ? 'LISTEN' : 'UNCONN', sendq: p.proto === 'tcp' ? 4096 : 0, addr: '[::]', port: String(p.hostPort), peer: '[::]' });
  const aw = Math.max(0, ...rows.map((r) => r.addr.length));
  const pw = Math.max(0, ...rows.map((r) => r.port.length));
  const ppw = Math.max(0, ...rows.map((r) => r.peer.length));
  const lines = rows.map((r) => `${r.netid} ${r.state} ${'0'.padEnd(6)} ${String(r.sendq).padEnd(6)} ${r.addr.padStart(aw)}:${r.port.padEnd(pw)} ${r.peer.padStart(ppw)}:*`);
  lines.sort();
  return lines.map((l) => l + '\n').join('');
}

type Doc = Record<string, unknown>;

/** tools/oracle.py `reduce_network`. */
export function reduceNetwork(n: Doc): Doc {
  const conts = Object.values((n['Containers'] as Record<string, Doc> | null) ?? {}).map((c) => ({
    Name: c['Name'],
    IPv4Address: c['IPv4Address'],
    IPv6Address: c['IPv6Address'],
    MacAddress: c['MacAddress'],
  }));
  conts.sort((a, b) => (String(a.Name ?? '') < String(b.Name ?? '') ? -1 : 1));
  return {
    Name: n['Name'],
    Driver: n['Driver'],
    Scope: n['Scope'],
    EnableIPv6: n['EnableIPv6'],
    IPAM: n['IPAM'],
    Internal: n['Internal'],
    Attachable: n['Attachable'],
    Options: n['Options'],
    Labels: n['Labels'],
    Containers: conts,
  };
}

/** tools/oracle.py `reduce_container`. */
export function reduceContainer(d: Doc): Doc {
  const ns = (d['NetworkSettings'] as Doc | undefined) ?? {};
  const nets: Doc = {};
  const src = (ns['Networks'] as Record<string, Doc> | null) ?? {};
  for (const k of Object.keys(src).sort()) {
    const x = src[k]!;
    const o: Doc = {};
    for (const f of ['NetworkID', 'IPAMConfig', 'Links', 'Aliases', 'IPAddress', 'IPPrefixLen', 'Gateway', 'MacAddress', 'DriverOpts', 'GlobalIPv6Address', 'IPv6Gateway']) o[f] = x[f] ?? null;
    nets[k] = o;
  }
  const st = d['State'] as Doc;
  const cfg = d['Config'] as Doc;
  const hc = d['HostConfig'] as Doc;
  const pick = (o: Doc, keys: string[]): Doc => Object.fromEntries(keys.map((k) => [k, o[k] ?? null]));
  return {
    Name: String(d['Name']).replace(/^\//, ''),
    Id: d['Id'],
    State: { Status: st['Status'], Running: st['Running'], ExitCode: st['ExitCode'] },
    RestartCount: d['RestartCount'] ?? null,
    Config: pick(cfg, ['Hostname', 'Domainname', 'ExposedPorts', 'Cmd', 'MacAddress']),
    HostConfig: pick(hc, ['NetworkMode', 'PortBindings', 'PublishAllPorts', 'Links', 'ExtraHosts', 'Dns', 'DnsSearch', 'DnsOptions']),
    NetworkSettings: {
      IPAddress: ns['IPAddress'] ?? null,
      IPPrefixLen: ns['IPPrefixLen'] ?? null,
      Gateway: ns['Gateway'] ?? null,
      MacAddress: ns['MacAddress'] ?? null,
      Ports: ns['Ports'] ?? null,
      Networks: nets,
    },
  };
}
