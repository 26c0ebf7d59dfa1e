/**
 * `docker network create|rm|connect|disconnect|inspect|ls|prune` with the 20.10 CLI's flags,
 * output and error texts.
 */
import { DockernetError } from '../../core/errors.js';
import type { ExecResult } from '../../runtime/runtime.js';
import { parseFlags, FlagError, type FlagSpec } from '../../runtime/cli/flags.js';
import { goIndent, goJson } from '../../runtime/gojson.js';
import { inspectWithTemplate } from '../../runtime/template.js';
import { renderList } from '../../runtime/commands/table.js';
import { rfc3339Nano } from '../../runtime/units.js';
import { cidrContains, ipToString, tryParseIp } from '../../wire/addr.js';
import type { Engine } from '../engine.js';
import { newId } from '../ids.js';
import { IpamError } from '../ipam/errors.js';
import { parseSubnet } from '../ipam/ipam.js';
import type { IpamConfigEntry, Network, DriverName } from '../network/model.js';
import { networkInspectDoc } from '../network/inspect.js';

const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', exitCode: 0 });
const fail = (stderr: string, exitCode = 1, stdout = ''): ExecResult => ({ stdout, stderr, exitCode });

/** Dispatches `docker network SUB ...`. */
export function networkCommand(e: Engine, args: string[]): ExecResult {
  const sub = args[0];
  const rest = args.slice(1);
  try {
    switch (sub) {
      case 'create':
        return create(e, rest);
      case 'rm':
      case 'remove':
        return remove(e, rest);
      case 'connect':
        return connect(e, rest);
      case 'disconnect':
        return disconnect(e, rest);
      case 'inspect':
        return inspect(e, rest);
      case 'ls':
      case 'list':
        return list(e, rest);
      case 'prune':
        return prune(e, rest);
      default:
        return fail(`docker: '${['network', ...args].join(' ')}' is not a docker command.\nSee 'docker --help'\n`);
    }
  } catch (err) {
    if (err instanceof FlagError) return fail(`${err.message}\nSee 'docker network ${sub} --help'.\n`, 125);
    if (err instanceof DockernetError) return fail(`Error response from daemon: ${err.message}\n`);
    throw err;
  }
}

const CREATE_FLAGS: FlagSpec[] = [
  { name: 'driver', short: 'd', kind: 'string' },
  { name: 'subnet', kind: 'list' },
  { name: 'gateway', kind: 'list' },
  { name: 'ip-range', kind: 'list' },
  { name: 'aux-address', kind: 'list' },
  { name: 'internal', kind: 'bool' },
  { name: 'attachable', kind: 'bool' },
  { name: 'ipv6', kind: 'bool' },
  { name: 'opt', short: 'o', kind: 'list' },
  { name: 'label', kind: 'list' },
  { name: 'ipam-driver', kind: 'string' },
  { name: 'ipam-opt', kind: 'list' },
  { name: 'scope', kind: 'string' },
  { name: 'ingress', kind: 'bool' },
  { name: 'config-only', kind: 'bool' },
  { name: 'config-from', kind: 'string' },
];

function kv(list: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const s of list) {
    const i = s.indexOf('=');
    if (i < 0) o[s] = '';
    else o[s.slice(0, i)] = s.slice(i + 1);
  }
  return o;
}

function sortedObj(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

function boolOpt(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new DockernetError('EINVAL', `failed to parse ${v}: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/** The CLI's `consolidateIpam`: gateways and ranges must sit in a given subnet. */
function consolidateIpam(subnets: string[], ranges: string[], gateways: string[], aux: Array<[string, string]> = []): IpamConfigEntry[] | string {
  if (subnets.length < ranges.length || subnets.length < gateways.length) return 'every ip-range or gateway must have a corresponding subnet';
  const out: IpamConfigEntry[] = subnets.map((s) => ({ Subnet: s }));
  for (const r of ranges) {
    const rc = parseSubnet(r);
    const m = out.find((c) => cidrContains(parseSubnet(c.Subnet), rc.addr));
    if (!m) return `no matching subnet for range ${r}`;
    m.IPRange = r;
  }
  for (const g of gateways) {
    const ip = tryParseIp(g);
    const m = out.find((c) => ip >= 0 && cidrContains(parseSubnet(c.Subnet), ip));
    if (!m) return `no matching subnet for gateway ${g}`;
    m.Gateway = g;
  }
  for (const [k, a] of aux) {
    const ip = tryParseIp(a);
    const m = out.find((c) => ip >= 0 && cidrContains(parseSubnet(c.Subnet), ip));
    if (!m) return `no matching subnet for aux-address ${a}`;
    m.AuxiliaryAddresses = { ...m.AuxiliaryAddresses, [k]: a };
  }
  return out;
}

/** A value that formats like Go's `network.IPAMConfig` struct under `%v`. */
function goIpamConfig(c: IpamConfigEntry): IpamConfigEntry {
  const o = Object.create({
    goFormat(this: IpamConfigEntry): string {
      const aux = this.AuxiliaryAddresses ?? {};
      return `{${this.Subnet ?? ''} ${this.IPRange ?? ''} ${this.Gateway ?? ''} map[${Object.keys(aux).sort().map((k) => `${k}:${aux[k]}`).join(' ')}]}`;
    },
  });
  for (const k of ['Subnet', 'IPRange', 'Gateway', 'AuxiliaryAddresses'] as const) {
    if (c[k] !== undefined) Object.defineProperty(o, k, { value: c[k], enumerable: true });
  }
  return new Proxy(o, { get: (t, p) => (p in t ? t[p] : typeof p === 'string' && ['IPRange', 'Gateway', 'Subnet'].includes(p) ? '' : undefined) });
}

function create(e: Engine, argv: string[]): ExecResult {
  const { values: f, args } = parseFlags(CREATE_FLAGS, argv);
  if (args.length !== 1) return fail(`"docker network create" requires exactly 1 argument.\nSee 'docker network create --help'.\n\nUsage:  docker network create [OPTIONS] NETWORK\n\nCreate a network\n`);
  const name = args[0]!;
  const g = <T>(k: string, d: T): T => (f.has(k) ? (f.get(k) as T) : d);
  const driverArg: string = g<string>('driver', 'bridge');
  const subnets = g<string[]>('subnet', []);
  const ranges = g<string[]>('ip-range', []);
  const gateways = g<string[]>('gateway', []);
  const aux = g<string[]>('aux-address', []).map((x): [string, string] => {
    const i = x.indexOf('=');
    return i < 0 ? [x, ''] : [x.slice(0, i), x.slice(i + 1)];
  });
  // IPv6 networks: the packet path is IPv4 only. What real docker answers without an IPv6 subnet
  // is modelled; an IPv6 subnet is refused plainly rather than half-modelled.
  const v6 = subnets.find((s) => s.includes(':'));
  if (v6 !== undefined) throw new DockernetError('ENOTSUP', `dockernet models IPv4 networks only: IPv6 subnet ${v6} is not supported`);
  if (g('ipv6', false)) throw new DockernetError('EIPAM', 'could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
  let cfg: IpamConfigEntry[] | string;
  try {
    cfg = consolidateIpam(subnets, ranges, gateways, aux);
  } catch (err) {
    // the CLI parses the subnets itself only to place gateways and ranges
    return fail(`invalid subnet: ${(err as Error).message}\n`);
  }
  if (typeof cfg === 'string') return fail(`${cfg}\n`);
  // daemon createNetwork: predefined names, duplicates, then getIpamConfig, then the driver
  if (['bridge', 'host', 'none'].includes(name)) throw new DockernetError('EPERM', `operation is not permitted on predefined ${name} network`);
  if (e.networks.some((n) => n.name === name)) throw new DockernetError('EEXIST', `network with name ${name} already exists`);
  for (const c of cfg) {
    try {
      parseSubnet(c.Subnet!);
    } catch (err) {
      throw new DockernetError('EINVAL', `Invalid subnet ${c.Subnet} : ${(err as Error).message}`);
    }
  }
  if (!['bridge', 'macvlan'].includes(driverArg)) {
    if (driverArg === 'host' || driverArg === 'null') throw new DockernetError('EINVAL', `only one instance of "${driverArg}" network is allowed`);
    throw new DockernetError('ENOENT', `plugin "${driverArg}" not found`);
  }
  const driver = driverArg as DriverName;
  const options = sortedObj(kv(g<string[]>('opt', [])));
  let parent = '';
  if (driver === 'macvlan') {
    parent = options['parent'] ?? '';
    // libnetwork macvlan createNetwork: one network per parent, checked before the parent itself
    const taken = parent ? e.networks.find((x) => x.driver === 'macvlan' && x.parent === parent) : undefined;
    if (taken) throw new DockernetError('EEXIST', `network dm-${taken.id.slice(0, 12)} is already using parent interface ${parent}`);
    if (parent && !e.host.dev(parent)) {
      // libnetwork createVlanLink: a missing parent must be NAME.VLAN, and NAME must exist (its typo included)
      const dot = parent.indexOf('.');
      if (dot < 0) throw new DockernetError('EINVAL', `invalid subinterface vlan name ${parent}, example formatting is eth0.10`);
      const base = parent.slice(0, dot);
      if (!e.host.dev(base)) throw new DockernetError('EINVAL', `-o parent interface does was not found on the host: ${base}`);
      throw new DockernetError('EINVAL', `-o parent interface was not found on the host: ${parent}`);
    }
  }
  const icc = driver === 'bridge' ? boolOpt(options['com.docker.network.bridge.enable_icc'], true) : true;
  const masquerade = driver === 'bridge' ? boolOpt(options['com.docker.network.bridge.enable_ip_masquerade'], true) : true;
  if (cfg.length > 1) throw new DockernetError('EINVAL', driver === 'bridge' ? "bridge driver doesn't support multiple subnets" : 'multiple IPv4 subnets are not supported');
  const c0 = cfg[0];
  let pool;
  try {
    pool = e.ipam.requestPool({ subnet: c0?.Subnet, ipRange: c0?.IPRange });
  } catch (err) {
    if (err instanceof IpamError) throw new DockernetError('EIPAM', err.message);
    throw err;
  }
  const id = newId(e.rng);
  const n: Network = {
    id,
    name,
    driver,
    created: e.sim.now,
    internal: g('internal', false),
    attachable: g('attachable', false),
    options,
    labels: sortedObj(kv(g<string[]>('label', []))),
    ipamConfig: [],
    ipamOptions: sortedObj(kv(g<string[]>('ipam-opt', []))),
    pool,
    gateway: 0,
    bridgeName: driver === 'bridge' ? options['com.docker.network.bridge.name'] ?? `br-${id.slice(0, 12)}` : '',
    parent,
    icc,
    masquerade,
    predefined: false,
    endpoints: new Map(),
  };
  if (c0?.Subnet) n.userSubnet = true;
  if (driver === 'bridge') {
    const mtu = options['com.docker.network.driver.mtu'];
    if (mtu !== undefined && Number(mtu) > 0) n.mtu = Number(mtu);
    const bind = options['com.docker.network.bridge.host_binding_ipv4'];
    if (bind !== undefined && bind !== '' && bind !== '0.0.0.0') n.hostBindingIpv4 = bind;
  }
  n.gateway = pool.allocate(c0?.Gateway ? tryParseIp(c0.Gateway) : null);
  // libnetwork requests the gateway, then every auxiliary address: none of them goes to a container
  for (const [k, a] of Object.entries(c0?.AuxiliaryAddresses ?? {})) {
    try {
      pool.allocate(tryParseIp(a));
    } catch (err) {
      e.ipam.releasePool(pool);
      throw new DockernetError('EIPAM', `failed to allocate secondary ip address (${k}:${a}): ${(err as Error).message}`);
    }
  }
  n.ipamConfig = c0 ? [{ ...c0 }] : [{ Subnet: pool.cidr, Gateway: ipToString(n.gateway) }];
  if (driver === 'bridge') e.setupBridge(n);
  e.networks.push(n);
  return ok(id + '\n');
}

function remove(e: Engine, argv: string[]): ExecResult {
  const { args } = parseFlags([{ name: 'force', short: 'f', kind: 'bool' }], argv);
  let stdout = '';
  let stderr = '';
  let code = 0;
  for (const ref of args) {
    const n = e.findNetwork(ref);
    if (!n) {
      stderr += `Error: No such network: ${ref}\n`;
      code = 1;
      continue;
    }
    if (n.predefined) {
      stderr += `Error response from daemon: ${n.name} is a pre-defined network and cannot be removed\n`;
      code = 1;
      continue;
    }
    if (n.endpoints.size) {
      stderr += `Error response from daemon: error while removing network: network ${n.name} id ${n.id} has active endpoints\n`;
      code = 1;
      continue;
    }
    if (n.driver === 'bridge') e.teardownBridge(n);
    if (n.pool) e.ipam.releasePool(n.pool);
    e.networks.splice(e.networks.indexOf(n), 1);
    // a container that is not on it keeps its endpoint configuration, by name (net-22)
    for (const c of e.runtime.store.list()) {
      const a = e.sandboxes.of(c).attachments.get(n.id);
      if (a) a.removedNetwork = n.name;
    }
    stdout += ref + '\n';
  }
  return { stdout, stderr, exitCode: code };
}

function connect(e: Engine, argv: string[]): ExecResult {
  const { values: f, args } = parseFlags(
    [
      { name: 'alias', kind: 'list' },
      { name: 'ip', kind: 'string' },
      { name: 'ip6', kind: 'string' },
      { name: 'link', kind: 'list' },
      { name: 'link-local-ip', kind: 'list' },
      { name: 'driver-opt', kind: 'list' },
    ],
    argv,
  );
  if (args.length !== 2) return fail(`"docker network connect" requires exactly 2 arguments.\nSee 'docker network connect --help'.\n\nUsage:  docker network connect [OPTIONS] NETWORK CONTAINER\n\nConnect a container to a network\n`);
  const n = e.findNetwork(args[0]!);
  if (!n) throw new DockernetError('ENOENT', `network ${args[0]} not found`);
  const c = e.runtime.store.get(args[1]!);
  const st = e.sandboxes.of(c);
  if (c.hostConfig.NetworkMode.startsWith('container:')) throw new DockernetError('EINVAL', 'container sharing network namespace with another container or host cannot be connected to any other network');
  if (c.hostConfig.NetworkMode === 'host' || n.driver === 'host') throw new DockernetError('EINVAL', 'container cannot be disconnected from host network or connected to host network');
  // daemon connectToNetwork: an address on a predefined network is refused before libnetwork
  // looks for an existing endpoint
  const ip = (f.get('ip') as string | undefined) ?? '';
  if (n.predefined && ip) throw new DockernetError('EINVAL', 'user specified IP address is supported on user defined networks only');
  if (st.attachments.has(n.id)) throw new DockernetError('EEXIST', `endpoint with name ${c.name.slice(1)} already exists in network ${n.name}`);
  // --link CHILD[:ALIAS] on a user network: an embedded-DNS alias (EndpointSettings.Links)
  const links = n.predefined ? [] : [...((f.get('link') as string[] | undefined) ?? [])];
  const att = { networkId: n.id, aliases: n.predefined ? [] : [...((f.get('alias') as string[] | undefined) ?? [])], ipv4: ip, ipv6: (f.get('ip6') as string | undefined) ?? '', links, driverOpts: kv((f.get('driver-opt') as string[] | undefined) ?? []), fromConnect: true };
  st.attachments.set(n.id, att);
  if (c.running && st.sb) {
    try {
      e.sandboxes.join(c, st.sb, n, att);
    } catch (err) {
      st.attachments.delete(n.id);
      e.sandboxes.dnsNames.changed();
      throw err;
    }
    e.sandboxes.writeHosts(c);
  }
  return ok();
}

function disconnect(e: Engine, argv: string[]): ExecResult {
  const { args } = parseFlags([{ name: 'force', short: 'f', kind: 'bool' }], argv);
  if (args.length !== 2) return fail(`"docker network disconnect" requires exactly 2 arguments.\nSee 'docker network disconnect --help'.\n\nUsage:  docker network disconnect [OPTIONS] NETWORK CONTAINER\n\nDisconnect a container from a network\n`);
  const n = e.findNetwork(args[0]!);
  if (!n) throw new DockernetError('ENOENT', `network ${args[0]} not found`);
  const c = e.runtime.store.get(args[1]!);
  const st = e.sandboxes.of(c);
  if (!st.attachments.has(n.id)) throw new DockernetError('EINVAL', `container ${c.id} is not connected to network ${n.name}`);
  const ep = st.sb?.endpoints.find((x) => x.network === n);
  if (ep && st.sb) {
    e.sandboxes.leave(c, st.sb, ep);
    e.sandboxes.writeHosts(c);
  }
  st.attachments.delete(n.id);
  return ok();
}

/** The inspect document of a network. */
export function networkDoc(e: Engine, n: Network): Record<string, unknown> {
  const conts = [...n.endpoints.values()].map((ep) => {
    const c = e.runtime.store.find(ep.containerId);
    return { id: ep.containerId, name: c ? c.name.slice(1) : '', endpointId: ep.id, mac: ep.mac, ip: ep.ip };
  });
  return networkInspectDoc(n, rfc3339Nano(n.created), conts);
}

function inspect(e: Engine, argv: string[]): ExecResult {
  const { values: f, args } = parseFlags([{ name: 'format', short: 'f', kind: 'string' }, { name: 'verbose', short: 'v', kind: 'bool' }], argv);
  const docs: Record<string, unknown>[] = [];
  let stderr = '';
  for (const ref of args) {
    const n = e.findNetwork(ref);
    if (!n) {
      stderr += `Error: No such network: ${ref}\n`;
      continue;
    }
    docs.push(networkDoc(e, n));
  }
  const fmt = f.get('format') as string | undefined;
  if (fmt) {
    const views = docs.map((d) => {
      const ipam = d['IPAM'] as { Config: IpamConfigEntry[] };
      return { ...d, IPAM: { ...ipam, Config: ipam.Config.map(goIpamConfig) } };
    });
    const r = inspectWithTemplate(fmt, views);
    if (r.exitCode === 64) return r;
    return { stdout: r.stdout, stderr: r.stderr + stderr, exitCode: r.stderr || stderr ? 1 : 0 };
  }
  return { stdout: goIndent(goJson(docs), '    ') + '\n', stderr, exitCode: stderr ? 1 : 0 };
}

/**
 * `docker network ls --filter KEY=VALUE…` as the daemon applies it: values of one key are OR'ed,
 * keys AND'ed; `name` and `id` are regular expressions matched anywhere, `driver` and `scope`
 * exact, `type` custom|builtin, `label` KEY or KEY=VALUE, `dangling` true|false. A malformed
 * filter is the CLI's flag error, an unknown key the daemon's.
 */
function networkFilters(raw: string[]): ((n: Network) => boolean) | ExecResult {
  const byKey = new Map<string, string[]>();
  for (const r of raw) {
    const eq = r.indexOf('=');
    if (eq < 0) return fail(`invalid argument ${JSON.stringify(r)} for "-f, --filter" flag: bad format of filter (expected name=value)\nSee 'docker network ls --help'.\n`, 125);
    const k = r.slice(0, eq).trim().toLowerCase();
    byKey.set(k, [...(byKey.get(k) ?? []), r.slice(eq + 1).trim()]);
  }
  for (const k of byKey.keys()) if (!['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling'].includes(k)) throw new DockernetError('EINVAL', `Invalid filter '${k}'`);
  for (const v of byKey.get('type') ?? []) if (v !== 'custom' && v !== 'builtin') throw new DockernetError('EINVAL', `invalid filter: 'type'='${v}'`);
  for (const v of byKey.get('dangling') ?? []) if (!['true', 'false', '1', '0'].includes(v)) throw new DockernetError('EINVAL', `invalid filter 'dangling=${v}'`);
  const re = (v: string): RegExp | null => {
    try {
      return new RegExp(v);
    } catch {
      return null;
    }
  };
  const tests: Record<string, (n: Network, v: string) => boolean> = {
    name: (n, v) => !!re(v)?.test(n.name),
    id: (n, v) => !!re(v)?.test(n.id),
    driver: (n, v) => n.driver === v,
    scope: (_n, v) => v === 'local',
    type: (n, v) => (v === 'builtin') === n.predefined,
    label: (n, v) => {
      const eq = v.indexOf('=');
      return eq < 0 ? Object.hasOwn(n.labels, v) : n.labels[v.slice(0, eq)] === v.slice(eq + 1);
    },
    // filterNetworkByUse looks at the list response's Containers, which the list endpoint never
    // fills: every custom network counts as dangling (the lab lists networks with containers too)
    dangling: (n, v) => (v === 'true' || v === '1') === !n.predefined,
  };
  return (n) => [...byKey].every(([k, vs]) => vs.some((v) => tests[k]!(n, v)));
}

function list(e: Engine, argv: string[]): ExecResult {
  const { values: f } = parseFlags(
    [
      { name: 'quiet', short: 'q', kind: 'bool' },
      { name: 'no-trunc', kind: 'bool' },
      { name: 'format', kind: 'string' },
      { name: 'filter', short: 'f', kind: 'list' },
    ],
    argv,
  );
  const filters = networkFilters((f.get('filter') as string[] | undefined) ?? []);
  if (typeof filters === 'object' && 'exitCode' in filters) return filters;
  const nets = [...e.networks].filter(filters).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const trunc = !f.get('no-trunc');
  const id = (n: Network): string => (trunc ? n.id.slice(0, 12) : n.id);
  if (f.get('quiet')) return ok(nets.map((n) => id(n) + '\n').join(''));
  const fmt = f.get('format') as string | undefined;
  if (fmt) return renderList(nets.map((n) => ({ ID: id(n), Name: n.name, Driver: n.driver, Scope: 'local', IPv6: false, Internal: n.internal })), fmt, { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL' }, { type: '*formatter.networkContext' });
  const rows = [['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...nets.map((n) => [id(n), n.name, n.driver, 'local'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return ok(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n') + '\n');
}

function prune(e: Engine, argv: string[]): ExecResult {
  const { values: f } = parseFlags([{ name: 'force', short: 'f', kind: 'bool' }, { name: 'filter', kind: 'list' }], argv);
  if (!f.get('force')) return fail('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ');
  const gone: string[] = [];
  for (const n of [...e.networks]) {
    if (n.predefined || n.endpoints.size) continue;
    if (e.runtime.store.list().some((c) => e.sandboxes.of(c).attachments.has(n.id))) continue;
    if (n.driver === 'bridge') e.teardownBridge(n);
    if (n.pool) e.ipam.releasePool(n.pool);
    e.networks.splice(e.networks.indexOf(n), 1);
    gone.push(n.name);
  }
  return ok(gone.length ? `Deleted Networks:\n${gone.sort().map((x) => x + '\n').join('')}\n` : '');
}
