/**
 * `docker stop`, `restart`, `kill`, `rm`, `pause`, `unpause` and `update`.
 */
import { DockernetError } from '../../core/errors.js';
import type { ExecResult, Runtime } from '../runtime.js';
import type { Command } from './dispatch.js';
import type { FlagSpec } from '../cli/flags.js';
import { killContainer, pauseContainer, removeContainer, runUntil, startContainer, stopContainer, unpauseContainer } from '../lifecycle.js';
import { Out, daemonFailure, commandFlags } from './output.js';
import { SIGNALS } from '../process.js';
import { ramInBytes } from '../units.js';
import { applyResources, verifyResources } from '../cgroups/resources.js';
import { copyHostConfig, newHostConfig, type HostConfig } from '../types.js';

function each(rt: Runtime, cmd: string, args: string[], specs: FlagSpec[], fn: (ref: string, v: Map<string, unknown>, out: Out) => void): ExecResult {
  const p = commandFlags(rt.cliStyle, cmd, specs, args);
  if ('exitCode' in p) return p;
  const out = new Out();
  for (const ref of p.args) {
    try {
      fn(ref, p.values, out);
    } catch (e) {
      daemonFailure(out, e);
    }
  }
  return out.result();
}

const TIME: FlagSpec[] = [{ name: 'time', short: 't', kind: 'int' }];

function parseSignal(s: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : SIGNALS[s.toUpperCase().replace(/^SIG/, '')];
  if (n === undefined) throw new DockernetError('EDAEMON', `Invalid signal: ${s}`);
  return n;
}

function update(rt: Runtime, args: string[]): ExecResult {
  const specs: FlagSpec[] = [
    { name: 'memory', short: 'm', kind: 'custom', parse: ramInBytes },
    { name: 'memory-swap', kind: 'custom', parse: (t) => (t === '-1' ? -1 : ramInBytes(t)) },
    { name: 'memory-reservation', kind: 'custom', parse: ramInBytes },
    { name: 'kernel-memory', kind: 'custom', parse: ramInBytes },
    { name: 'cpu-shares', short: 'c', kind: 'int' },
    { name: 'cpus', kind: 'custom', parse: (t) => Math.round(Number(t) * 1e9) },
    { name: 'cpu-period', kind: 'int' },
    { name: 'cpu-quota', kind: 'int' },
    { name: 'cpuset-cpus', kind: 'string' },
    { name: 'cpuset-mems', kind: 'string' },
    { name: 'blkio-weight', kind: 'uint16' },
    { name: 'pids-limit', kind: 'int' },
    { name: 'restart', kind: 'string' },
  ];
  return each(rt, 'update', args, specs, (ref, v, out) => {
    const c = rt.store.get(ref);
    const next = copyHostConfig(c.hostConfig);
    next.RestartPolicy = { ...c.hostConfig.RestartPolicy };
    const map: Record<string, keyof HostConfig> = { memory: 'Memory', 'memory-swap': 'MemorySwap', 'memory-reservation': 'MemoryReservation', 'kernel-memory': 'KernelMemory', 'cpu-shares': 'CpuShares', cpus: 'NanoCpus', 'cpu-period': 'CpuPeriod', 'cpu-quota': 'CpuQuota', 'cpuset-cpus': 'CpusetCpus', 'cpuset-mems': 'CpusetMems', 'blkio-weight': 'BlkioWeight', 'pids-limit': 'PidsLimit' };
    for (const [flag, key] of Object.entries(map)) if (v.has(flag)) (next as unknown as Record<string, unknown>)[key] = v.get(flag);
    if (v.has('restart')) {
      const [name, n] = String(v.get('restart')).split(':') as [string, string?];
      next.RestartPolicy = { Name: name, MaximumRetryCount: n ? Number(n) : 0 };
    }
    const request = newHostConfig();
    for (const [flag, key] of Object.entries(map)) if (v.has(flag)) (request as unknown as Record<string, unknown>)[key] = v.get(flag);
    try {
      verifyResources(request, { ncpu: rt.ncpu, memNodes: rt.memNodes, blkioWeight: rt.blkioWeight }, true);
    } catch (e) {
      throw new DockernetError('EDAEMON', (e as Error).message);
    }
    if (v.has('memory') && !v.has('memory-swap') && c.hostConfig.MemorySwap > 0 && next.Memory > c.hostConfig.MemorySwap) {
      throw new DockernetError('EDAEMON', `Cannot update container ${c.id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`);
    }
    // a start's deferred cgroup writes read the limits when they run: make them with the old ones first
    rt.cgroups.flush();
    Object.assign(c.hostConfig, next);
    if (c.running) applyResources(rt.cgroups, (ctl) => rt.cgroupPathOf(c, ctl), c.hostConfig);
    rt.events.emit('container', 'update', c.id, rt.containerAttrs(c));
    out.line(ref);
  });
}

/** Lifecycle commands keyed by docker command name. */
export const lifecycleCommands: Record<string, Command> = {
  stop: (rt, a) =>
    each(rt, 'stop', a, TIME, (ref, v, out) => {
      const c = rt.store.get(ref);
      stopContainer(rt, c, v.has('time') ? (v.get('time') as number) : null);
      out.line(ref);
    }),
  restart: (rt, a) =>
    each(rt, 'restart', a, TIME, (ref, v, out) => {
      const c = rt.store.get(ref);
      // daemon ContainerRestart: a failure after the lookup reads "Cannot restart container NAME: …" (net-22)
      try {
        stopContainer(rt, c, v.has('time') ? (v.get('time') as number) : null);
        startContainer(rt, c);
      } catch (e) {
        if (e instanceof DockernetError) throw new DockernetError(e.code, `Cannot restart container ${ref}: ${e.message}`, e.exitCode);
        throw e;
      }
      rt.events.emit('container', 'restart', c.id, rt.containerAttrs(c));
      out.line(ref);
    }),
  kill: (rt, a) =>
    each(rt, 'kill', a, [{ name: 'signal', short: 's', kind: 'string' }], (ref, v, out) => {
      const c = rt.store.find(ref);
      if (!c) throw new DockernetError('EDAEMON', `Cannot kill container: ${ref}: No such container: ${ref}`);
      if (!c.running) throw new DockernetError('EDAEMON', `Cannot kill container: ${ref}: Container ${c.id} is not running`);
      const sig = parseSignal(String(v.get('signal') ?? 'KILL'));
      if (sig === 9) c.manualStop = true;
      killContainer(rt, c, sig);
      if (sig === 9) runUntil(rt, () => !c.running);
      out.line(ref);
    }),
  rm: (rt, a) =>
    each(rt, 'rm', a, [{ name: 'force', short: 'f', kind: 'bool' }, { name: 'volumes', short: 'v', kind: 'bool' }, { name: 'link', short: 'l', kind: 'bool' }], (ref, v, out) => {
      const c = rt.store.find(ref);
      if (!c) {
        // the client's objectNotFoundError in 20.10 ("Error: No such container: x"); with -f the
        // error is printed but does not fail the command
        out.err(rt.cliStyle === 'v20' ? `Error: No such container: ${ref}` : `Error response from daemon: No such container: ${ref}`);
        if (!v.get('force')) out.exitCode = 1;
        return;
      }
      removeContainer(rt, c, { force: !!v.get('force'), volumes: !!v.get('volumes') });
      out.line(ref);
    }),
  pause: (rt, a) =>
    each(rt, 'pause', a, [], (ref, _v, out) => {
      pauseContainer(rt, rt.store.get(ref));
      out.line(ref);
    }),
  unpause: (rt, a) =>
    each(rt, 'unpause', a, [], (ref, _v, out) => {
      unpauseContainer(rt, rt.store.get(ref));
      out.line(ref);
    }),
  update,
};
