/**
 * `docker inspect` documents (daemon JSON order, API 1.41) of containers and images, and the
 * 28.x client's re-marshalled view that `--format` templates see.
 */
import type { Runtime } from './runtime.js';
import type { Container } from './container.js';
import { ImageStore, type ImageRecord } from './images/store.js';
import { rfc3339Nano } from './units.js';
import { DOCKER_VERSION } from './images/base.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Default NetworkSettings before any network layer fills it. */
function emptyNetworkSettings(): Record<string, unknown> {
  return {
    Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, Ports: {}, SandboxKey: '',
    SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: '', Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', MacAddress: '', Networks: {},
  };
}

/** The container's json-file path (or '' for other drivers). */
export function logPath(rt: Runtime, c: Container): string {
  return c.hostConfig.LogConfig.Type === 'json-file' ? `${rt.dataRoot}/containers/${c.id}/${c.id}-json.log` : '';
}

/** `docker inspect` of a container, with every inspect provider applied. */
export function containerInspect(rt: Runtime, c: Container): Record<string, unknown> {
  const s = c.state;
  const dir = `${rt.dataRoot}/containers/${c.id}`;
  const hc = JSON.parse(JSON.stringify(c.hostConfig)) as Record<string, unknown>;
  const doc: Record<string, unknown> = {
    Id: c.id,
    Created: rfc3339Nano(c.created),
    Path: c.path,
    Args: c.args,
    State: {
      Status: s.Status,
      Running: s.Running,
      Paused: s.Paused,
      Restarting: s.Restarting,
      OOMKilled: s.OOMKilled,
      Dead: s.Dead,
      Pid: s.Pid,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt === null ? ZERO_TIME : rfc3339Nano(s.StartedAt),
      FinishedAt: s.FinishedAt === null ? ZERO_TIME : rfc3339Nano(s.FinishedAt),
    },
    Image: c.imageId,
    ResolvConfPath: `${dir}/resolv.conf`,
    HostnamePath: `${dir}/hostname`,
    HostsPath: `${dir}/hosts`,
    LogPath: logPath(rt, c),
    Name: c.name,
    RestartCount: c.restartCount,
    Driver: 'vfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: c.execIds,
    HostConfig: hc,
    GraphDriver: { Data: null, Name: 'vfs' },
    Mounts: c.mounts.map((m) => ({ ...m })),
    Config: JSON.parse(JSON.stringify(c.config)),
    NetworkSettings: emptyNetworkSettings(),
  };
  for (const p of rt.inspectProviders) p(c, doc);
  return doc;
}

/** The 28.x CLI's struct order of HostConfig (ConsoleSize after VolumesFrom, no KernelMemory*). */
export function clientView(rt: Runtime, doc: Record<string, unknown>): Record<string, unknown> {
  if (rt.cliStyle !== 'v28' || !doc['HostConfig']) return doc;
  const hc = doc['HostConfig'] as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hc)) {
    if (k === 'ConsoleSize' || k === 'KernelMemory' || k === 'KernelMemoryTCP') continue;
    out[k] = v;
    if (k === 'VolumesFrom') out['ConsoleSize'] = hc['ConsoleSize'];
  }
  return { ...doc, HostConfig: out };
}

/** `docker image inspect` of an image. */
export function imageInspect(rt: Runtime, img: ImageRecord): Record<string, unknown> {
  const cfg = img.config;
  const size = ImageStore.size(img);
  return {
    Id: img.id,
    RepoTags: rt.images.tagsOf(img.id),
    RepoDigests: [],
    Parent: img.parent,
    Comment: cfg.comment || String(cfg.history[cfg.history.length - 1]?.['comment'] ?? ''),
    Created: cfg.created,
    Container: cfg.container ?? '',
    ContainerConfig: cfg.container_config,
    DockerVersion: cfg.docker_version ?? DOCKER_VERSION,
    Author: cfg.author ?? '',
    Config: cfg.config,
    Architecture: cfg.architecture,
    Os: cfg.os,
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: null, Name: 'vfs' },
    RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids },
    Metadata: { LastTagTime: img.lastTagTime === null ? ZERO_TIME : rfc3339Nano(img.lastTagTime) },
  };
}
