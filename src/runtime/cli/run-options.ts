/**
 * `docker run` / `docker create` options: the flag table (runtime and network flags) and the
 * conversion to the API's `Config` + `HostConfig`, as the 20.10 CLI's `parse()` does it.
 */
import { share } from '../../core/intern.js';
import { FlagError, parseFlags, type FlagSpec } from './flags.js';
import { parseExpose, parsePortSpecs } from './ports.js';
import { ramInBytes } from '../units.js';
import { emptyList, emptyRecord, newContainerConfig, newHostConfig, type ContainerConfig, type HostConfig, type MountSpec } from '../types.js';

function nanoCpus(text: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) throw new Error(`failed to parse ${text} as a rational number`);
  const v = Math.round(Number(text) * 1e9);
  if (Math.abs(Number(text) * 1e9 - v) > 1e-6) throw new Error('value is too precise');
  return v;
}

function memSwap(text: string): number {
  return text === '-1' ? -1 : ramInBytes(text);
}

/** The default of a list flag that is not given (read, never kept or changed). */
const NO_STRINGS = Object.freeze([]) as readonly string[] as string[];
const L = 'list' as const;
const S = 'string' as const;
const B = 'bool' as const;

/** Every flag `docker run` accepts here (`docker create` is the same without -d/--rm semantics). */
export const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'detach', short: 'd', kind: B },
  { name: 'interactive', short: 'i', kind: B },
  { name: 'tty', short: 't', kind: B },
  { name: 'attach', short: 'a', kind: L },
  { name: 'rm', kind: B },
  { name: 'name', kind: S },
  { name: 'env', short: 'e', kind: L },
  { name: 'env-file', kind: L },
  { name: 'label', short: 'l', kind: L },
  { name: 'volume', short: 'v', kind: L },
  { name: 'mount', kind: L },
  { name: 'volumes-from', kind: L },
  { name: 'volume-driver', kind: S },
  { name: 'tmpfs', kind: L },
  { name: 'read-only', kind: B },
  { name: 'network', kind: L, aliases: ['net'] },
  { name: 'network-alias', kind: L, aliases: ['net-alias'] },
  { name: 'ip', kind: S },
  { name: 'ip6', kind: S },
  { name: 'mac-address', kind: S },
  { name: 'hostname', short: 'h', kind: S },
  { name: 'domainname', kind: S },
  { name: 'add-host', kind: L },
  { name: 'dns', kind: L },
  { name: 'dns-search', kind: L },
  { name: 'dns-option', kind: L, aliases: ['dns-opt'] },
  { name: 'link', kind: L },
  { name: 'publish', short: 'p', kind: L },
  { name: 'publish-all', short: 'P', kind: B },
  { name: 'expose', kind: L },
  { name: 'memory', short: 'm', kind: 'custom', parse: ramInBytes },
  { name: 'memory-swap', kind: 'custom', parse: memSwap },
  { name: 'memory-reservation', kind: 'custom', parse: ramInBytes },
  { name: 'memory-swappiness', kind: 'int' },
  { name: 'kernel-memory', kind: 'custom', parse: ramInBytes },
  { name: 'oom-kill-disable', kind: B },
  { name: 'oom-score-adj', kind: 'int' },
  { name: 'cpus', kind: 'custom', parse: nanoCpus },
  { name: 'cpu-shares', short: 'c', kind: 'int' },
  { name: 'cpu-period', kind: 'int' },
  { name: 'cpu-quota', kind: 'int' },
  { name: 'cpu-rt-period', kind: 'int' },
  { name: 'cpu-rt-runtime', kind: 'int' },
  { name: 'cpuset-cpus', kind: S },
  { name: 'cpuset-mems', kind: S },
  { name: 'blkio-weight', kind: 'uint16' },
  { name: 'pids-limit', kind: 'int' },
  { name: 'shm-size', kind: 'custom', parse: ramInBytes },
  { name: 'cgroup-parent', kind: S },
  { name: 'cgroupns', kind: S },
  { name: 'pid', kind: S },
  { name: 'ipc', kind: S },
  { name: 'uts', kind: S },
  { name: 'userns', kind: S },
  { name: 'log-driver', kind: S },
  { name: 'log-opt', kind: L },
  { name: 'restart', kind: S },
  { name: 'entrypoint', kind: S },
  { name: 'workdir', short: 'w', kind: S },
  { name: 'user', short: 'u', kind: S },
  { name: 'group-add', kind: L },
  { name: 'privileged', kind: B },
  { name: 'cap-add', kind: L },
  { name: 'cap-drop', kind: L },
  { name: 'security-opt', kind: L },
  { name: 'device', kind: L },
  { name: 'ulimit', kind: L },
  { name: 'init', kind: B },
  { name: 'stop-signal', kind: S },
  { name: 'stop-timeout', kind: 'int' },
  { name: 'pull', kind: S },
  { name: 'platform', kind: S },
  { name: 'runtime', kind: S },
  { name: 'sig-proxy', kind: B },
];

/** What `docker run`/`create` asks for: the API request plus client-only settings. */
export interface RunRequest {
  /** `--name` without the slash, or null. */
  name: string | null;
  /** Image reference as typed. */
  image: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** `-d`. */
  detach: boolean;
  /** Network endpoint settings for the first network (`--network-alias`, `--ip`, `--ip6`). */
  endpoint: { aliases: string[]; ipv4: string; ipv6: string };
  /** Every `--network` value in order (the first one is HostConfig.NetworkMode). */
  networks: string[];
  /** `--pull` policy (`missing` by default). */
  pull: string;
  /** Flags the user gave, by long name (for layers that need the raw text). */
  flags: Map<string, unknown>;
}

/** A client-side validation error (framed like a flag error but without the usage text). */
export class ClientError extends Error {
  /** The 20.10 CLI's wording when it differs from the 28.x one in `message`. */
  readonly v20: string;
  constructor(message: string, v20?: string) {
    super(message);
    this.name = 'ClientError';
    this.v20 = v20 ?? message;
  }
}

/** Go's net.ParseIP accepting the text: dotted IPv4, or IPv6 (hex groups, `::`, an IPv4 tail). */
function isIpAddress(s: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split('.').every((x) => Number(x) <= 255 && !(x.length > 1 && x.startsWith('0')));
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = s.split(':').filter((x) => x !== '');
  if (!groups.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x) || (x.includes('.') && isIpAddress(x)))) return false;
  return dbl.length === 2 ? groups.length < 8 : groups.length === 8 || (groups.length === 7 && groups[6]!.includes('.'));
}

function kvMap(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    const eq = s.indexOf('=');
    if (eq < 0) out[s] = '';
    else out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

/** Go maps marshal with sorted keys: keep map-typed fields sorted. */
function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const keys = Object.keys(o);
  if (keys.length === 0) return emptyRecord();
  const out: Record<string, T> = {};
  keys.sort();
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = o[keys[i]!]!;
  return out;
}

function parseMount(text: string): MountSpec {
  const m: MountSpec = { Type: 'volume', Target: '' };
  for (const field of text.split(',')) {
    const [k, v = ''] = field.split('=') as [string, string?];
    const key = k.toLowerCase();
    if (key === 'type') m.Type = v;
    else if (key === 'source' || key === 'src') m.Source = v;
    else if (key === 'target' || key === 'destination' || key === 'dst') m.Target = v;
    else if (key === 'readonly' || key === 'ro') m.ReadOnly = v === '' || v === 'true' || v === '1';
  }
  return m;
}

function restartPolicy(s: string): { Name: string; MaximumRetryCount: number } {
  if (s === '') return { Name: 'no', MaximumRetryCount: 0 };
  const [name, count] = s.split(':') as [string, string?];
  if (count !== undefined && !/^-?\d+$/.test(count)) throw new ClientError(`maximum retry count must be an integer`);
  return { Name: name, MaximumRetryCount: count === undefined ? 0 : Number(count) };
}

/** Parses the words after `docker run` (or `docker create`). Throws FlagError / ClientError. */
export function parseRunArgs(argv: readonly string[]): RunRequest {
  const { values: f, args } = parseFlags(RUN_FLAGS, argv, false);
  if (args.length === 0) throw new FlagError('requires at least 1 argument');
  const g = <T>(k: string, d: T): T => (f.has(k) ? (f.get(k) as T) : d);
  const config = newContainerConfig();
  const hc = newHostConfig();
  const detach = g('detach', false);
  // one copy per distinct value across containers (these strings live as long as the container)
  const image = share(args[0]!);
  config.Image = image;
  const cmd = args.slice(1);
  for (let i = 0; i < cmd.length; i++) cmd[i] = share(cmd[i]!);
  config.Cmd = cmd.length ? cmd : null;
  if (f.has('entrypoint')) config.Entrypoint = [g('entrypoint', '')];
  config.Hostname = g('hostname', '');
  config.Domainname = g('domainname', '');
  config.User = g('user', '');
  config.WorkingDir = g('workdir', '');
  config.Tty = g('tty', false);
  const interactive = g('interactive', false);
  const attach = g<string[]>('attach', NO_STRINGS);
  if (!detach) {
    if (attach.length) {
      config.AttachStdin = attach.some((a) => a.toLowerCase() === 'stdin');
      config.AttachStdout = attach.some((a) => a.toLowerCase() === 'stdout');
      config.AttachStderr = attach.some((a) => a.toLowerCase() === 'stderr');
    } else {
      config.AttachStdout = true;
      config.AttachStderr = true;
      config.AttachStdin = interactive;
    }
  }
  config.OpenStdin = interactive;
  config.StdinOnce = interactive && !detach;
  const env = g<string[]>('env', NO_STRINGS).filter((e) => e.includes('='));
  config.Env = env.length ? env : null;
  config.Labels = sortKeys(kvMap(g<string[]>('label', NO_STRINGS)));
  if (f.has('mac-address')) {
    config.MacAddress = g('mac-address', '');
    // opts.ValidateMACAddress (net.ParseMAC)
    if (!/^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(config.MacAddress) && !/^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(config.MacAddress))
      throw new ClientError(`${config.MacAddress} is not a valid mac address`);
  }
  if (f.has('stop-signal')) config.StopSignal = g('stop-signal', '');
  if (f.has('stop-timeout')) config.StopTimeout = g('stop-timeout', 0);
  // ports
  let ports;
  try {
    ports = parsePortSpecs(g<string[]>('publish', NO_STRINGS));
    const ex = parseExpose(g<string[]>('expose', NO_STRINGS));
    for (let i = 0; i < ex.length; i++) ports.exposed[ex[i]!] = emptyRecord();
  } catch (e) {
    const m = (e as Error).message;
    // the 20.10 CLI capitalised go-connections' "Invalid containerPort/hostPort/ip address"
    throw new ClientError(m, m.replace(/^invalid (containerPort|hostPort|ip address|ranges specified)/, (_x, w: string) => `Invalid ${w}`));
  }
  // Go maps: encoding/json writes their keys sorted (net-20 q-d: 80/tcp before 80/udp whatever the flag order)
  if (Object.keys(ports.exposed).length) config.ExposedPorts = sortKeys(ports.exposed);
  hc.PortBindings = sortKeys(ports.bindings);
  if (f.has('publish-all')) hc.PublishAllPorts = g('publish-all', false);
  // volumes: "-v /ctr" is an anonymous volume (Config.Volumes), anything with a colon a bind/named
  const binds: string[] = [];
  const vols = g<string[]>('volume', NO_STRINGS);
  for (let i = 0; i < vols.length; i++) {
    const v = vols[i]!;
    if (v.includes(':')) binds.push(v);
    else (config.Volumes ??= {})[v] = {};
  }
  if (binds.length) hc.Binds = binds;
  if (f.has('mount')) hc.Mounts = g<string[]>('mount', NO_STRINGS).map(parseMount);
  const vf = g<string[]>('volumes-from', NO_STRINGS);
  if (vf.length) hc.VolumesFrom = vf;
  if (f.has('volume-driver')) hc.VolumeDriver = g('volume-driver', '');
  if (f.has('read-only')) hc.ReadonlyRootfs = g('read-only', false);
  // network
  const networks = g<string[]>('network', []);
  if (networks.length) hc.NetworkMode = share(networks[0]!);
  if (f.has('dns')) hc.Dns = g('dns', emptyList<string>());
  for (let i = 0; i < hc.Dns.length; i++) {
    const d = hc.Dns[i]!;
    if (!isIpAddress(d)) throw new FlagError(`invalid argument ${JSON.stringify(d)} for "--dns" flag: IP address is not correctly formatted: ${d}`, `invalid argument ${JSON.stringify(d)} for "--dns" flag: ${d} is not an ip address`);
  }
  if (f.has('dns-search')) hc.DnsSearch = g('dns-search', emptyList<string>());
  if (f.has('dns-option')) hc.DnsOptions = g('dns-option', emptyList<string>());
  const eh = g<string[]>('add-host', NO_STRINGS);
  for (let i = 0; i < eh.length; i++) {
    const h = eh[i]!;
    // opts.ValidateExtraHost: NAME:IP (or host-gateway)
    const c = h.indexOf(':');
    if (c <= 0) throw new FlagError(`invalid argument ${JSON.stringify(h)} for "--add-host" flag: bad format for add-host: ${JSON.stringify(h)}`);
    const ip = h.slice(c + 1);
    if (ip !== 'host-gateway' && !isIpAddress(ip)) throw new FlagError(`invalid argument ${JSON.stringify(h)} for "--add-host" flag: invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
  if (eh.length) hc.ExtraHosts = eh;
  const links = g<string[]>('link', NO_STRINGS);
  if (links.length) hc.Links = links;
  // resources
  if (f.has('memory')) hc.Memory = g('memory', 0);
  if (f.has('memory-swap')) hc.MemorySwap = g('memory-swap', 0);
  if (f.has('memory-reservation')) hc.MemoryReservation = g('memory-reservation', 0);
  if (f.has('kernel-memory')) hc.KernelMemory = g('kernel-memory', 0);
  const swappiness = g('memory-swappiness', -1);
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw new ClientError(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  if (swappiness !== -1) hc.MemorySwappiness = swappiness;
  if (f.has('oom-kill-disable')) hc.OomKillDisable = g('oom-kill-disable', false);
  if (f.has('oom-score-adj')) hc.OomScoreAdj = g('oom-score-adj', 0);
  if (f.has('cpus')) hc.NanoCpus = g('cpus', 0);
  if (f.has('cpu-shares')) hc.CpuShares = g('cpu-shares', 0);
  if (f.has('cpu-period')) hc.CpuPeriod = g('cpu-period', 0);
  if (f.has('cpu-quota')) hc.CpuQuota = g('cpu-quota', 0);
  if (f.has('cpu-rt-period')) hc.CpuRealtimePeriod = g('cpu-rt-period', 0);
  if (f.has('cpu-rt-runtime')) hc.CpuRealtimeRuntime = g('cpu-rt-runtime', 0);
  if (f.has('cpuset-cpus')) hc.CpusetCpus = g('cpuset-cpus', '');
  if (f.has('cpuset-mems')) hc.CpusetMems = g('cpuset-mems', '');
  if (f.has('blkio-weight')) hc.BlkioWeight = g('blkio-weight', 0);
  const pids = g('pids-limit', 0);
  if (pids !== 0) hc.PidsLimit = pids;
  if (f.has('shm-size')) hc.ShmSize = g('shm-size', 0);
  if (f.has('cgroup-parent')) hc.CgroupParent = g('cgroup-parent', '');
  // namespaces
  const pid = g<string>('pid', '');
  if (pid !== '' && pid !== 'host' && !pid.startsWith('container:')) throw new ClientError('--pid: invalid PID mode');
  if (pid !== '') hc.PidMode = pid;
  if (f.has('ipc')) hc.IpcMode = g('ipc', '');
  const uts = g<string>('uts', '');
  if (uts !== '' && uts !== 'host') throw new ClientError('--uts: invalid UTS mode');
  if (uts !== '') hc.UTSMode = uts;
  const userns = g<string>('userns', '');
  if (userns !== '' && userns !== 'host') throw new ClientError('--userns: invalid USER mode');
  if (userns !== '') hc.UsernsMode = userns;
  const cgns = g<string>('cgroupns', '');
  if (cgns !== '' && cgns !== 'host' && cgns !== 'private') throw new ClientError('--cgroupns: invalid CGROUP mode');
  if (cgns !== '') hc.CgroupnsMode = cgns;
  // logging
  hc.LogConfig = { Type: g('log-driver', ''), Config: {} };
  const logOpts = g<string[]>('log-opt', NO_STRINGS);
  for (let i = 0; i < logOpts.length; i++) {
    const o = logOpts[i]!;
    const eq = o.indexOf('=');
    if (eq < 0) throw new FlagError(`invalid argument ${JSON.stringify(o)} for "--log-opt" flag: invalid key value pair format in log-opt`);
    hc.LogConfig.Config[o.slice(0, eq)] = o.slice(eq + 1);
  }
  hc.LogConfig.Config = sortKeys(hc.LogConfig.Config);
  // policy and security
  hc.RestartPolicy = restartPolicy(g('restart', ''));
  if (f.has('rm')) hc.AutoRemove = g('rm', false);
  if (hc.AutoRemove && hc.RestartPolicy.Name !== 'no' && hc.RestartPolicy.Name !== '') throw new ClientError('conflicting options: cannot specify both --restart and --rm', 'Conflicting options: --restart and --rm');
  if (f.has('privileged')) hc.Privileged = g('privileged', false);
  const capAdd = g<string[]>('cap-add', NO_STRINGS);
  const capDrop = g<string[]>('cap-drop', NO_STRINGS);
  if (capAdd.length) hc.CapAdd = capAdd;
  if (capDrop.length) hc.CapDrop = capDrop;
  const sec = g<string[]>('security-opt', NO_STRINGS);
  if (sec.length) hc.SecurityOpt = sec;
  const ga = g<string[]>('group-add', NO_STRINGS);
  if (ga.length) hc.GroupAdd = ga;
  if (f.has('init')) hc.Init = g('init', false);
  if (hc.Privileged) {
    hc.MaskedPaths = [];
    hc.ReadonlyPaths = [];
  }
  if (f.has('runtime')) hc.Runtime = g('runtime', '');
  return {
    name: f.has('name') ? g('name', '') : null,
    image,
    config,
    hostConfig: hc,
    detach,
    endpoint: { aliases: g('network-alias', []), ipv4: g('ip', ''), ipv6: g('ip6', '') },
    networks,
    pull: g('pull', 'missing'),
    flags: f,
  };
}
