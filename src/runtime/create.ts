/**
 * `ContainerCreate`: the daemon's request validation (network-mode conflicts, resources, log
 * options, names), then the container record: id, name, hostname, rootfs, mounts and the `create`
 * event. Errors are DockernetErrors with Docker's text; `leftBehind` is never set here (create
 * failures leave no container).
 */
import { DockernetError } from '../core/errors.js';
import type { Runtime } from './runtime.js';
import { Container } from './container.js';
import { ContainerStore } from './store.js';
import type { RunRequest } from './cli/run-options.js';
import { defaultSwap, verifyResources } from './cgroups/resources.js';
import { validateLogConfig } from './logging/drivers.js';
import { LogDriverError } from './logging/driver.js';
import { RootFs } from './images/layer.js';
import { setupMounts } from './mounts.js';
import { emptyRecord } from './types.js';

const NO_ARGS: readonly string[] = [];

/** What create returns: the container and daemon warnings (printed on stderr). */
export interface CreateResult {
  container: Container;
  warnings: string[];
}

/** A daemon error (`Error response from daemon: ...`). */
export function daemonError(message: string, exitCode = 1): DockernetError {
  return new DockernetError('EDAEMON', message, exitCode);
}

function validateNetMode(rt: Runtime, req: RunRequest): void {
  const hc = req.hostConfig;
  const cfg = req.config;
  const nm = hc.NetworkMode;
  const isContainer = nm.startsWith('container:');
  if (isContainer && cfg.Hostname !== '') throw daemonError('conflicting options: hostname and the network mode');
  if (hc.UTSMode === 'host' && cfg.Hostname !== '') throw daemonError('conflicting options: hostname and the UTS mode');
  if (isContainer && hc.Links && hc.Links.length) throw daemonError('conflicting options: container type network can\'t be used with links. This would result in undefined behavior');
  if (isContainer && (hc.Dns.length || hc.DnsSearch.length || hc.DnsOptions.length)) throw daemonError('conflicting options: dns and the network mode');
  if (isContainer && hc.ExtraHosts && hc.ExtraHosts.length) throw daemonError('conflicting options: custom host-to-IP mapping and the network mode');
  if (isContainer && cfg.MacAddress) throw daemonError('conflicting options: mac-address and the network mode');
  if (isContainer && (Object.keys(hc.PortBindings).length || hc.PublishAllPorts)) throw daemonError('conflicting options: port publishing and the container type network mode');
  if (isContainer && cfg.ExposedPorts && Object.keys(cfg.ExposedPorts).length) throw daemonError('conflicting options: port exposing and the container type network mode');
  if (isContainer) rt.store.get(nm.slice('container:'.length));
  if (hc.PidMode.startsWith('container:')) rt.store.get(hc.PidMode.slice('container:'.length));
  if (hc.IpcMode.startsWith('container:')) rt.store.get(hc.IpcMode.slice('container:'.length));
}

/** Creates a container from a parsed run/create request. Throws on refusal (nothing left behind). */
export function createContainer(rt: Runtime, req: RunRequest): CreateResult {
  const img = rt.images.resolve(req.image);
  if (!img) throw daemonError(`No such image: ${req.image.includes(':') ? req.image : req.image + ':latest'}`);
  const hc = req.hostConfig;
  const cfg = req.config;
  validateNetMode(rt, req);
  const warnings = (() => {
    try {
      return verifyResources(hc, { ncpu: rt.ncpu, memNodes: rt.memNodes, blkioWeight: rt.blkioWeight });
    } catch (e) {
      throw daemonError((e as Error).message);
    }
  })();
  const rp = hc.RestartPolicy;
  if (!['no', 'always', 'unless-stopped', 'on-failure', ''].includes(rp.Name)) throw daemonError(`invalid restart policy '${rp.Name}'`);
  if (rp.MaximumRetryCount < 0) throw daemonError('maximum retry count cannot be negative');
  if (rp.MaximumRetryCount > 0 && rp.Name !== 'on-failure') throw daemonError(`maximum retry count cannot be used with restart policy '${rp.Name}'`);
  if (hc.LogConfig.Type === '') hc.LogConfig.Type = 'json-file';
  try {
    validateLogConfig(hc.LogConfig.Type, hc.LogConfig.Config);
  } catch (e) {
    if (e instanceof LogDriverError) throw daemonError(e.message);
    throw e;
  }
  if (hc.NetworkMode === 'host' && Object.keys(hc.PortBindings).length) warnings.push('WARNING: Published ports are discarded when using host network mode');
  // name
  let name: string;
  if (req.name !== null) {
    const bad = ContainerStore.validateName(req.name);
    if (bad) throw daemonError(bad);
    name = '/' + req.name.replace(/^\//, '');
    const owner = rt.store.nameOwner(name);
    if (owner) throw daemonError(`Conflict. The container name "${name}" is already in use by container "${owner.id}". You have to remove (or rename) that container to be able to reuse that name.`);
  } else name = rt.store.newName(rt.rng);
  const id = rt.store.newId(rt.rng);
  // daemon-side defaults
  defaultSwap(hc);
  if (hc.IpcMode === '') hc.IpcMode = 'private';
  if (hc.CgroupnsMode === '') hc.CgroupnsMode = 'host';
  if (hc.ShmSize === 0) hc.ShmSize = 67108864;
  if (hc.Runtime === '') hc.Runtime = 'runc';
  const imgCfg = img.config.config as Record<string, unknown>;
  if (cfg.Hostname === '') {
    if (hc.NetworkMode === 'host') cfg.Hostname = rt.hostname;
    else if (hc.NetworkMode.startsWith('container:')) cfg.Hostname = rt.store.get(hc.NetworkMode.slice(10)).config.Hostname;
    else cfg.Hostname = id.slice(0, 12);
  }
  const imgEnv = (imgCfg['Env'] as string[] | null) ?? [];
  if (imgEnv.length) {
    const keys = new Set((cfg.Env ?? []).map((e) => e.split('=')[0]));
    cfg.Env = [...imgEnv.filter((e) => !keys.has(e.split('=')[0])), ...(cfg.Env ?? [])];
  }
  if (cfg.Cmd === null && cfg.Entrypoint === null) cfg.Cmd = (imgCfg['Cmd'] as string[] | null) ?? null;
  if (cfg.Entrypoint === null) cfg.Entrypoint = (imgCfg['Entrypoint'] as string[] | null) ?? null;
  if (cfg.WorkingDir === '') cfg.WorkingDir = (imgCfg['WorkingDir'] as string) ?? '';
  if (cfg.Labels === null || Object.keys(cfg.Labels).length === 0) {
    const labels = imgCfg['Labels'] as Record<string, string> | null;
    cfg.Labels = labels && Object.keys(labels).length ? { ...labels } : emptyRecord();
  }
  if (imgCfg['Volumes']) cfg.Volumes = { ...(imgCfg['Volumes'] as Record<string, Record<string, never>>), ...(cfg.Volumes ?? {}) };
  if (imgCfg['ExposedPorts']) cfg.ExposedPorts = { ...(imgCfg['ExposedPorts'] as Record<string, Record<string, never>>), ...(cfg.ExposedPorts ?? {}) };
  // read only below: either list as it is when the other is empty
  const ep = cfg.Entrypoint ?? NO_ARGS;
  const cm = cfg.Cmd ?? NO_ARGS;
  const argvFull = ep.length === 0 ? cm : cm.length === 0 ? ep : ep.concat(cm);
  if (argvFull.length === 0) throw daemonError('No command specified');
  // PidMode/IpcMode store the full id even when a name was given
  if (hc.PidMode.startsWith('container:')) hc.PidMode = 'container:' + rt.store.get(hc.PidMode.slice(10)).id;
  if (hc.IpcMode.startsWith('container:')) hc.IpcMode = 'container:' + rt.store.get(hc.IpcMode.slice(10)).id;
  if (hc.NetworkMode.startsWith('container:')) hc.NetworkMode = 'container:' + rt.store.get(hc.NetworkMode.slice(10)).id;
  const c = new Container(id, name, rt.sim.now, cfg, hc, img.id, new RootFs(img.layers));
  c.path = argvFull[0]!;
  c.args = argvFull.slice(1);
  setupMounts(rt, c);
  c.etc.set('/etc/hostname', cfg.Hostname + '\n');
  c.request = req;
  rt.store.add(c);
  try {
    rt.hooks.run('afterCreate', c);
  } catch (e) {
    rt.store.delete(c);
    throw e;
  }
  rt.events.emit('container', 'create', c.id, rt.containerAttrs(c));
  return { container: c, warnings };
}
