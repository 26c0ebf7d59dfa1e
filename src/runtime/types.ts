/**
 * Docker API structs (20.10, API 1.41) as plain objects whose key order is the daemon's JSON order,
 * so `docker inspect` can serialise them as they are.
 */

/** `container.Config` (and an image's `config` / `container_config`). */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  MacAddress?: string;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
}

/** A published port binding. */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** `mount.Mount` from `--mount`. */
export interface MountSpec {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
}

/** `container.HostConfig` (daemon JSON order). */
export interface HostConfig {
  Binds: string[] | null;
  ContainerIDFile: string;
  LogConfig: { Type: string; Config: Record<string, string> };
  NetworkMode: string;
  PortBindings: Record<string, PortBinding[]>;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  AutoRemove: boolean;
  VolumeDriver: string;
  VolumesFrom: string[] | null;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  CgroupnsMode: string;
  Dns: string[];
  DnsOptions: string[];
  DnsSearch: string[];
  ExtraHosts: string[] | null;
  GroupAdd: string[] | null;
  IpcMode: string;
  Cgroup: string;
  Links: string[] | null;
  OomScoreAdj: number;
  PidMode: string;
  Privileged: boolean;
  PublishAllPorts: boolean;
  ReadonlyRootfs: boolean;
  SecurityOpt: string[] | null;
  UTSMode: string;
  UsernsMode: string;
  ShmSize: number;
  Runtime: string;
  ConsoleSize: [number, number];
  Isolation: string;
  CpuShares: number;
  Memory: number;
  NanoCpus: number;
  CgroupParent: string;
  BlkioWeight: number;
  BlkioWeightDevice: unknown[];
  BlkioDeviceReadBps: unknown[];
  BlkioDeviceWriteBps: unknown[];
  BlkioDeviceReadIOps: unknown[];
  BlkioDeviceWriteIOps: unknown[];
  CpuPeriod: number;
  CpuQuota: number;
  CpuRealtimePeriod: number;
  CpuRealtimeRuntime: number;
  CpusetCpus: string;
  CpusetMems: string;
  Devices: unknown[];
  DeviceCgroupRules: string[] | null;
  DeviceRequests: unknown[] | null;
  KernelMemory: number;
  KernelMemoryTCP: number;
  MemoryReservation: number;
  MemorySwap: number;
  MemorySwappiness: number | null;
  OomKillDisable: boolean;
  PidsLimit: number | null;
  Ulimits: unknown[];
  CpuCount: number;
  CpuPercent: number;
  IOMaximumIOps: number;
  IOMaximumBandwidth: number;
  Mounts?: MountSpec[];
  MaskedPaths: string[];
  ReadonlyPaths: string[];
  Init?: boolean;
}

/** Per-network endpoint settings requested on the command line (`--network-alias`, `--ip`...). */
export interface EndpointRequest {
  Aliases: string[];
  IPv4Address: string;
  IPv6Address: string;
  Links: string[];
}

/** An empty `container.Config`. */
export function newContainerConfig(): ContainerConfig {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
  };
}

/** Docker's default masked paths (non-privileged containers). */
export const MASKED_PATHS = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
/** Docker's default read-only paths. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * One frozen empty list shared by every HostConfig field that holds nothing (the daemon replaces
 * such a field, never appends to it; an append would throw rather than leak into other containers).
 */
export function emptyList<T>(): T[] {
  return EMPTY_LIST as unknown as T[];
}
const EMPTY_LIST: readonly never[] = Object.freeze([]);

/**
 * One frozen empty object shared by every Go map or empty struct of a Config or HostConfig that
 * holds nothing (`Labels`, `LogConfig.Config`, the `{}` of an exposed port): 56 bytes each otherwise.
 * Such a field is replaced, never edited in place.
 */
export function emptyRecord<T>(): Record<string, T> {
  return EMPTY_RECORD as Record<string, T>;
}
const EMPTY_RECORD: Readonly<Record<string, never>> = Object.freeze({});
const SHARED_MASKED_PATHS: readonly string[] = Object.freeze([...MASKED_PATHS]);
const SHARED_READONLY_PATHS: readonly string[] = Object.freeze([...READONLY_PATHS]);
const NO_CONSOLE_SIZE: readonly [number, number] = Object.freeze([0, 0] as [number, number]);

/** The values the 20.10 CLI sends when no flag is given, in the daemon's JSON order (frozen values). */
const HOST_CONFIG_DEFAULTS = {
  Binds: null,
  ContainerIDFile: '',
  LogConfig: Object.freeze({ Type: '', Config: emptyRecord<string>() }),
  NetworkMode: 'default',
  PortBindings: emptyRecord<PortBinding[]>(),
  RestartPolicy: Object.freeze({ Name: 'no', MaximumRetryCount: 0 }),
  AutoRemove: false,
  VolumeDriver: '',
  VolumesFrom: null,
  CapAdd: null,
  CapDrop: null,
  CgroupnsMode: '',
  Dns: emptyList(),
  DnsOptions: emptyList(),
  DnsSearch: emptyList(),
  ExtraHosts: null,
  GroupAdd: null,
  IpcMode: '',
  Cgroup: '',
  Links: null,
  OomScoreAdj: 0,
  PidMode: '',
  Privileged: false,
  PublishAllPorts: false,
  ReadonlyRootfs: false,
  SecurityOpt: null,
  UTSMode: '',
  UsernsMode: '',
  ShmSize: 0,
  Runtime: '',
  ConsoleSize: NO_CONSOLE_SIZE as unknown as [number, number],
  Isolation: '',
  CpuShares: 0,
  Memory: 0,
  NanoCpus: 0,
  CgroupParent: '',
  BlkioWeight: 0,
  BlkioWeightDevice: emptyList(),
  BlkioDeviceReadBps: emptyList(),
  BlkioDeviceWriteBps: emptyList(),
  BlkioDeviceReadIOps: emptyList(),
  BlkioDeviceWriteIOps: emptyList(),
  CpuPeriod: 0,
  CpuQuota: 0,
  CpuRealtimePeriod: 0,
  CpuRealtimeRuntime: 0,
  CpusetCpus: '',
  CpusetMems: '',
  Devices: emptyList(),
  DeviceCgroupRules: null,
  DeviceRequests: null,
  KernelMemory: 0,
  KernelMemoryTCP: 0,
  MemoryReservation: 0,
  MemorySwap: 0,
  MemorySwappiness: null,
  OomKillDisable: false,
  PidsLimit: null,
  Ulimits: emptyList(),
  CpuCount: 0,
  CpuPercent: 0,
  IOMaximumIOps: 0,
  IOMaximumBandwidth: 0,
  MaskedPaths: SHARED_MASKED_PATHS as string[],
  ReadonlyPaths: SHARED_READONLY_PATHS as string[],
} satisfies HostConfig;

/** Every HostConfig field in the daemon's JSON order, the optional `Mounts` and `Init` included. */
const HOST_CONFIG_KEYS: readonly (keyof HostConfig)[] = (() => {
  const keys: (keyof HostConfig)[] = Object.keys(HOST_CONFIG_DEFAULTS) as (keyof HostConfig)[];
  keys.splice(keys.indexOf('MaskedPaths'), 0, 'Mounts');
  keys.push('Init');
  return Object.freeze(keys);
})();

/**
 * The prototype of every {@link newHostConfig}: the defaults, held once. A container's HostConfig owns
 * only the fields set for it (most of its ~65 stay at the default: ~450 bytes less per container than
 * a full copy), and its `toJSON` writes every field in the daemon's order, so `JSON.stringify` shows
 * the whole struct as before (an unset `Mounts` or `Init` is left out, as an undefined field always
 * was). The shared values are frozen (a field is replaced, never edited in place); the prototype
 * itself is not, since a frozen prototype's fields could not be assigned on the objects inheriting them.
 */
const HOST_CONFIG_PROTO: HostConfig = Object.assign(
  Object.create(Object.prototype, {
    toJSON: {
      value(this: HostConfig): Record<string, unknown> {
        const out: Record<string, unknown> = {};
        for (const k of HOST_CONFIG_KEYS) out[k] = this[k];
        return out;
      },
    },
  }) as HostConfig,
  HOST_CONFIG_DEFAULTS,
);

/**
 * A `container.HostConfig` with the values the 20.10 CLI sends when no flag is given: the defaults are
 * inherited (see HOST_CONFIG_PROTO), the objects a caller fills in (`LogConfig`, `PortBindings`,
 * `RestartPolicy`) are its own. Copy one with {@link copyHostConfig}, not a spread (which leaves the
 * defaults behind).
 */
export function newHostConfig(): HostConfig {
  const hc = Object.create(HOST_CONFIG_PROTO) as HostConfig;
  hc.LogConfig = { Type: '', Config: {} };
  hc.PortBindings = {};
  hc.RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };
  return hc;
}

/** A HostConfig with the same fields as `hc` (own fields copied, defaults inherited as in `hc`). */
export function copyHostConfig(hc: HostConfig): HostConfig {
  return Object.assign(Object.create(Object.getPrototypeOf(hc) as object) as HostConfig, hc);
}
