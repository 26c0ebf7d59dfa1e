/**
 * Reads a docker-compose.yml with the `yaml` library and validates the parts dockernet models
 * (services, networks, aliases, ports, expose, network_mode, static addresses, depends_on).
 * Every problem is a {@link ComposeError} naming the path of the bad key
 * (`services.web.ports[1]: …`); nothing else is ever thrown, whatever the input.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { UsageError } from '../../core/errors.js';
import type { ComposeNetwork, ComposePort, ComposeProject, ComposeService, ComposeServiceNetwork } from './model.js';

/**
 * The `yaml` library, loaded on the first Compose file: loading it takes ~45 ms, which every
 * `import 'dockernet'` and every CLI command paid before, Compose or not.
 */
let yaml: typeof Yaml | null = null;
function yamlLib(): typeof Yaml {
  return (yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}

/** Largest Compose file accepted (bytes). */
export const COMPOSE_MAX_BYTES = 1024 * 1024;

/** A bad Compose file: `path` is the key that is wrong (`services.web.ports[0]`). */
export class ComposeError extends UsageError {
  /** Dotted path of the offending key ('' for the whole file). */
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ComposeError';
    this.path = path;
  }
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Compose's project-name normalisation: lower case, only `[a-z0-9_-]`, starting with a letter or digit. */
export function normalizeProjectName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9_-]/g, '');
  return n.replace(/^[^a-z0-9]+/, '');
}

/** Options of {@link loadCompose}. */
export interface ComposeLoadOptions {
  /** Project name (`-p`); default: `name:` in the file, else the folder name. */
  project?: string;
  /** Folder of the file (the default project name). */
  dirName?: string;
}

/** Parses and validates Compose text. */
export function loadCompose(text: string, opts: ComposeLoadOptions = {}): ComposeProject {
  if (typeof text !== 'string') throw new ComposeError('', 'compose file is not text');
  if (text.length > COMPOSE_MAX_BYTES) throw new ComposeError('', `compose file too large (${text.length} bytes; the limit is ${COMPOSE_MAX_BYTES})`);
  let data: unknown;
  try {
    const doc = yamlLib().parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      const pos = e.linePos?.[0];
      throw new ComposeError('', `invalid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof ComposeError) throw e;
    throw new ComposeError('', `invalid YAML: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  return validate(data, opts);
}

/** Validates an already-parsed Compose document. */
export function validate(data: unknown, opts: ComposeLoadOptions = {}): ComposeProject {
  if (data === null || data === undefined) throw new ComposeError('', 'empty compose file');
  if (!isObj(data)) throw new ComposeError('', 'top level must be a mapping');
  for (const k of Object.keys(data))
    if (!['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets'].includes(k) && !k.startsWith('x-'))
      throw new ComposeError(k, 'additional property not allowed');
  let name = opts.project ?? (typeof data.name === 'string' ? data.name : opts.dirName ?? 'project');
  if (data.name !== undefined && typeof data.name !== 'string') throw new ComposeError('name', 'must be a string');
  name = normalizeProjectName(name);
  if (!name) throw new ComposeError('name', 'project name must contain at least one letter or digit');
  if (!isObj(data.services)) throw new ComposeError('services', data.services === undefined ? 'no services defined' : 'must be a mapping');
  const netDefs = data.networks === undefined || data.networks === null ? {} : data.networks;
  if (!isObj(netDefs)) throw new ComposeError('networks', 'must be a mapping');
  const services: ComposeService[] = [];
  for (const [sname, def] of Object.entries(data.services)) services.push(service(sname, def, netDefs));
  if (!services.length) throw new ComposeError('services', 'no services defined');
  const used = new Set<string>();
  for (const s of services) for (const n of s.networks) used.add(n.network);
  // compose creates the networks its services use (the implicit `default` included)
  const networks: ComposeNetwork[] = [];
  for (const key of Object.keys(netDefs)) if (used.has(key)) networks.push(network(name, key, netDefs[key]));
  if (used.has('default') && !('default' in netDefs)) networks.push(network(name, 'default', null));
  // network_mode: service:NAME must name a service
  for (const s of services) {
    const m = s.networkMode;
    if (m && m.startsWith('service:') && !services.some((x) => x.name === m.slice(8))) throw new ComposeError(`services.${s.name}.network_mode`, `service "${m.slice(8)}" not found`);
    for (const d of s.dependsOn) if (!services.some((x) => x.name === d)) throw new ComposeError(`services.${s.name}.depends_on`, `service "${d}" not found`);
  }
  return { name, services: orderByDependencies(services), networks };
}

function str(path: string, x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' && Number.isFinite(x)) return String(x);
  throw new ComposeError(path, 'must be a string');
}

function strList(path: string, x: unknown): string[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw new ComposeError(path, 'must be a list');
  return x.map((v, i) => str(`${path}[${i}]`, v));
}

function labels(path: string, x: unknown): Record<string, string> {
  if (x === undefined || x === null) return {};
  if (Array.isArray(x)) {
    const out: Record<string, string> = {};
    x.forEach((v, i) => {
      const s = str(`${path}[${i}]`, v);
      const eq = s.indexOf('=');
      out[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? '' : s.slice(eq + 1);
    });
    return out;
  }
  if (!isObj(x)) throw new ComposeError(path, 'must be a mapping or a list');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) out[k] = v === null ? '' : str(`${path}.${k}`, v);
  return out;
}

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function service(name: string, def: unknown, netDefs: Obj): ComposeService {
  const p = `services.${name}`;
  if (!SERVICE_NAME.test(name)) throw new ComposeError(p, 'invalid service name: use letters, digits, "_", "." and "-"');
  if (!isObj(def)) throw new ComposeError(p, 'must be a mapping');
  if (def.image === undefined && def.build === undefined) throw new ComposeError(p, 'has neither an image nor a build context specified');
  const image = def.image === undefined ? `${name}:latest` : str(`${p}.image`, def.image);
  let command: string[] | null = null;
  if (def.command !== undefined && def.command !== null) {
    if (typeof def.command === 'string') command = splitShell(`${p}.command`, def.command);
    else command = strList(`${p}.command`, def.command);
  }
  const networkMode = def.network_mode === undefined || def.network_mode === null ? null : str(`${p}.network_mode`, def.network_mode);
  if (networkMode !== null && !/^(host|none|bridge|service:.+|container:.+)$/.test(networkMode)) throw new ComposeError(`${p}.network_mode`, `unsupported value "${networkMode}"`);
  if (networkMode !== null && def.networks !== undefined) throw new ComposeError(`${p}.networks`, '"network_mode" and "networks" cannot be combined');
  const networks: ComposeServiceNetwork[] = [];
  if (networkMode === null) {
    if (def.networks === undefined || def.networks === null) networks.push({ network: 'default', aliases: [], ipv4Address: null });
    else if (Array.isArray(def.networks)) def.networks.forEach((n, i) => networks.push({ network: str(`${p}.networks[${i}]`, n), aliases: [], ipv4Address: null }));
    else if (isObj(def.networks)) {
      for (const [n, cfg] of Object.entries(def.networks)) {
        const np = `${p}.networks.${n}`;
        if (cfg === null || cfg === undefined) {
          networks.push({ network: n, aliases: [], ipv4Address: null });
          continue;
        }
        if (!isObj(cfg)) throw new ComposeError(np, 'must be a mapping');
        const ip = cfg.ipv4_address === undefined || cfg.ipv4_address === null ? null : str(`${np}.ipv4_address`, cfg.ipv4_address);
        if (ip !== null && !IPV4.test(ip)) throw new ComposeError(`${np}.ipv4_address`, `invalid IPv4 address "${ip}"`);
        networks.push({ network: n, aliases: strList(`${np}.aliases`, cfg.aliases), ipv4Address: ip });
      }
    } else throw new ComposeError(`${p}.networks`, 'must be a list or a mapping');
    for (const n of networks) if (n.network !== 'default' && !(n.network in netDefs)) throw new ComposeError(`${p}.networks`, `service "${name}" refers to undefined network ${n.network}: invalid compose project`);
  }
  const ports: ComposePort[] = [];
  if (def.ports !== undefined && def.ports !== null) {
    if (!Array.isArray(def.ports)) throw new ComposeError(`${p}.ports`, 'must be a list');
    def.ports.forEach((x, i) => ports.push(...port(`${p}.ports[${i}]`, x)));
  }
  const expose = strList(`${p}.expose`, def.expose);
  expose.forEach((e, i) => {
    if (!/^\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$/.test(e)) throw new ComposeError(`${p}.expose[${i}]`, `invalid port "${e}"`);
  });
  let dependsOn: string[] = [];
  if (Array.isArray(def.depends_on)) dependsOn = strList(`${p}.depends_on`, def.depends_on);
  else if (isObj(def.depends_on)) dependsOn = Object.keys(def.depends_on);
  else if (def.depends_on !== undefined && def.depends_on !== null) throw new ComposeError(`${p}.depends_on`, 'must be a list or a mapping');
  const containerName = def.container_name === undefined || def.container_name === null ? null : str(`${p}.container_name`, def.container_name);
  if (containerName !== null && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(containerName)) throw new ComposeError(`${p}.container_name`, `invalid container name "${containerName}"`);
  const hostname = def.hostname === undefined || def.hostname === null ? null : str(`${p}.hostname`, def.hostname);
  return { name, image, command, containerName, hostname, ports, expose, networks, networkMode, dependsOn, labels: labels(`${p}.labels`, def.labels) };
}

function portNum(path: string, s: string): number {
  if (!/^\d{1,5}$/.test(s)) throw new ComposeError(path, `invalid port "${s}"`);
  const n = Number(s);
  if (n < 1 || n > 65535) throw new ComposeError(path, `port ${n} out of range 1-65535`);
  return n;
}

function port(path: string, x: unknown): ComposePort[] {
  if (isObj(x)) {
    const target = portNum(`${path}.target`, str(`${path}.target`, x.target));
    const published = x.published === undefined || x.published === null ? null : portNum(`${path}.published`, str(`${path}.published`, x.published));
    const protocol = x.protocol === undefined ? 'tcp' : str(`${path}.protocol`, x.protocol);
    if (protocol !== 'tcp' && protocol !== 'udp') throw new ComposeError(`${path}.protocol`, `unsupported protocol "${protocol}"`);
    const hostIp = x.host_ip === undefined ? '' : str(`${path}.host_ip`, x.host_ip);
    if (hostIp && !IPV4.test(hostIp)) throw new ComposeError(`${path}.host_ip`, `invalid IPv4 address "${hostIp}"`);
    return [{ hostIp, published, target, protocol }];
  }
  const s = str(path, x);
  const m = /^(?:(\d+\.\d+\.\d+\.\d+):)?(?:(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(tcp|udp))?$/.exec(s);
  if (!m) throw new ComposeError(path, `invalid port "${s}": expected [[HOST_IP:]HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`);
  const hostIp = m[1] ?? '';
  if (hostIp && !IPV4.test(hostIp)) throw new ComposeError(path, `invalid IPv4 address "${hostIp}"`);
  const protocol = (m[4] ?? 'tcp') as 'tcp' | 'udp';
  const range = (r: string): number[] => {
    const [a, b] = r.split('-');
    const lo = portNum(path, a!);
    const hi = b === undefined ? lo : portNum(path, b);
    if (hi < lo || hi - lo > 1000) throw new ComposeError(path, `invalid port range "${r}"`);
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  };
  const targets = range(m[3]!);
  const pubs = m[2] === undefined || m[2] === '' ? null : range(m[2]);
  if (pubs && pubs.length !== targets.length) throw new ComposeError(path, `port ranges of different sizes in "${s}"`);
  return targets.map((t, i) => ({ hostIp, published: pubs ? pubs[i]! : null, target: t, protocol }));
}

function network(project: string, key: string, def: unknown): ComposeNetwork {
  const p = `networks.${key}`;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(key)) throw new ComposeError(p, 'invalid network name');
  const d = def === null || def === undefined ? {} : def;
  if (!isObj(d)) throw new ComposeError(p, 'must be a mapping');
  const external = d.external === true || isObj(d.external);
  if (d.external !== undefined && typeof d.external !== 'boolean' && !isObj(d.external)) throw new ComposeError(`${p}.external`, 'must be a boolean');
  const explicit = d.name === undefined ? null : str(`${p}.name`, d.name);
  const name = explicit ?? (external ? key : `${project}_${key}`);
  const driver = d.driver === undefined ? 'bridge' : str(`${p}.driver`, d.driver);
  if (!['bridge', 'macvlan', 'host', 'none'].includes(driver)) throw new ComposeError(`${p}.driver`, `unsupported driver "${driver}"`);
  if (d.internal !== undefined && typeof d.internal !== 'boolean') throw new ComposeError(`${p}.internal`, 'must be a boolean');
  const subnets: ComposeNetwork['subnets'] = [];
  if (d.ipam !== undefined && d.ipam !== null) {
    if (!isObj(d.ipam)) throw new ComposeError(`${p}.ipam`, 'must be a mapping');
    const cfg = d.ipam.config;
    if (cfg !== undefined && cfg !== null) {
      if (!Array.isArray(cfg)) throw new ComposeError(`${p}.ipam.config`, 'must be a list');
      cfg.forEach((c, i) => {
        const cp = `${p}.ipam.config[${i}]`;
        if (!isObj(c)) throw new ComposeError(cp, 'must be a mapping');
        const subnet = str(`${cp}.subnet`, c.subnet);
        if (!/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/.test(subnet)) throw new ComposeError(`${cp}.subnet`, `invalid subnet "${subnet}"`);
        const gateway = c.gateway === undefined ? null : str(`${cp}.gateway`, c.gateway);
        if (gateway !== null && !IPV4.test(gateway)) throw new ComposeError(`${cp}.gateway`, `invalid IPv4 address "${gateway}"`);
        const ipRange = c.ip_range === undefined ? null : str(`${cp}.ip_range`, c.ip_range);
        subnets.push({ subnet, gateway, ipRange });
      });
    }
  }
  return { key, name, driver, external, internal: d.internal === true, subnets, labels: labels(`${p}.labels`, d.labels), driverOpts: labels(`${p}.driver_opts`, d.driver_opts) };
}

/** `depends_on` order: a service after everything it depends on; ties keep file order. Cycles are errors. */
function orderByDependencies(services: ComposeService[]): ComposeService[] {
  const out: ComposeService[] = [];
  const state = new Map<string, 1 | 2>();
  const byName = new Map(services.map((s) => [s.name, s]));
  const visit = (s: ComposeService, chain: string[]): void => {
    const st = state.get(s.name);
    if (st === 2) return;
    if (st === 1) throw new ComposeError(`services.${s.name}.depends_on`, `dependency cycle: ${[...chain, s.name].join(' -> ')}`);
    state.set(s.name, 1);
    const deps = [...s.dependsOn];
    if (s.networkMode?.startsWith('service:')) deps.push(s.networkMode.slice(8));
    for (const d of deps) visit(byName.get(d)!, [...chain, s.name]);
    state.set(s.name, 2);
    out.push(s);
  };
  for (const s of services) visit(s, []);
  return out;
}

/** Splits a `command:` string the way Compose does (shell-like words, quotes). */
function splitShell(path: string, s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = null;
      else if (c === '\\' && q === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (q) throw new ComposeError(path, 'unterminated quote');
  if (has || cur) out.push(cur);
  return out;
}
