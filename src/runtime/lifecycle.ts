/**
 * Container lifecycle after creation: start (namespaces, cgroup, logger, hooks, init process),
 * exit handling (state, events, pid-namespace teardown, restart policy, --rm), stop, kill, pause,
 * unpause and remove, with Docker's refusals.
 */
import { SECOND } from '../core/time.js';
import { DockernetError } from '../core/errors.js';
import type { Runtime } from './runtime.js';
import type { Container } from './container.js';
import { daemonError } from './create.js';
import type { NamespaceSet, NsKind } from './namespaces.js';
import { applyResources, runcCheck } from './cgroups/resources.js';
import { CONTROLLERS, type Controller } from './cgroups/hierarchy.js';
import { createLogDriver } from './logging/drivers.js';
import { LogDriverError } from './logging/driver.js';
import { splitLines } from './logging/driver.js';
import type { OutputSink } from './process.js';

/**
 * The process environment the daemon builds (CreateDaemonEnvironment): default PATH, HOSTNAME,
 * TERM with a tty, link variables, then Config.Env replacing or appending, and HOME=/ last when unset.
 */
export function containerEnv(c: Container, extra: readonly string[] = []): Map<string, string> {
  const env = new Map<string, string>();
  const put = (e: string): void => {
    const i = e.indexOf('=');
    if (i > 0) env.set(e.slice(0, i), e.slice(i + 1));
  };
  put('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  put(`HOSTNAME=${c.config.Hostname}`);
  if (c.config.Tty) put('TERM=xterm');
  // indexed: an iterator per (mostly empty) list in unoptimized code
  const link = c.linkEnv;
  for (let i = 0; i < link.length; i++) put(link[i]!);
  const own = c.config.Env;
  if (own) for (let i = 0; i < own.length; i++) put(own[i]!);
  for (let i = 0; i < extra.length; i++) put(extra[i]!);
  if (!env.has('HOME')) env.set('HOME', '/');
  return env;
}

/** Where an attached client collects a container's output. */
export interface Attachment {
  chunks: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
  /** What the attached client sends on stdin (`docker run -i`), then end of file. */
  stdin?: string;
}

const RUNC = 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ';

function joinNs(rt: Runtime, c: Container): NamespaceSet {
  const hc = c.hostConfig;
  const host = rt.hostNs;
  const own = (k: NsKind) => rt.nsAlloc.create(k, c.id);
  // every kind in one literal: the set keeps its nine fields in the object (added one by one, they
  // would spill into a separate property store)
  const s: NamespaceSet = {
    cgroup: hc.CgroupnsMode === 'private' ? own('cgroup') : host.cgroup,
    time: host.time,
    user: host.user,
    mnt: own('mnt'),
    // set below (in this order: pid, ipc, net, uts, as their inode numbers are handed out)
    pid: host.pid,
    pid_for_children: host.pid,
    ipc: host.ipc,
    net: host.net,
    uts: host.uts,
  };
  const donor = (mode: string, what: string): Container => {
    const d = rt.store.get(mode.slice('container:'.length));
    if (!d.running || !d.namespaces) throw daemonError(`cannot join ${what} of a non running container: ${d.id}`);
    return d;
  };
  if (hc.PidMode === 'host') s.pid = host.pid;
  else if (hc.PidMode.startsWith('container:')) s.pid = donor(hc.PidMode, 'PID').namespaces!.pid;
  else s.pid = own('pid');
  s.pid_for_children = s.pid;
  const ipc = hc.IpcMode;
  if (ipc === 'host') s.ipc = host.ipc;
  else if (ipc.startsWith('container:')) {
    const d = donor(ipc, 'IPC');
    if (!d.namespaces!.ipc.shareable) throw daemonError(`can't join IPC of container ${d.id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
    s.ipc = d.namespaces!.ipc;
  } else if (ipc === 'private' || ipc === 'shareable' || ipc === 'none') {
    s.ipc = own('ipc');
    s.ipc.shareable = ipc === 'shareable';
  } else throw daemonError(`Invalid IPC mode: ${ipc}`);
  const nm = c.hostConfig.NetworkMode;
  if (nm === 'host') s.net = host.net;
  else if (nm.startsWith('container:')) s.net = donor(nm, 'network').namespaces!.net;
  else s.net = own('net');
  if (c.hostConfig.UTSMode === 'host') s.uts = host.uts;
  else {
    s.uts = own('uts');
    s.uts.hostname = c.config.Hostname;
  }
  return s;
}


/** Where a container's init writes: its log driver (line by line) and an attached client. */
class LogSink implements OutputSink {
  private pendingOut = '';
  private pendingErr = '';
  constructor(
    private readonly rt: Runtime,
    private readonly c: Container,
    private readonly attach: Attachment | null,
  ) {}
  write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.attach) this.attach.chunks.push({ stream, text });
    const { lines, rest } = splitLines(stream === 'stdout' ? this.pendingOut : this.pendingErr, text);
    if (stream === 'stdout') this.pendingOut = rest;
    else this.pendingErr = rest;
    for (const line of lines) this.c.log?.log({ line, stream, time: this.rt.sim.now });
  }
  /** The init's exit hook: logs what is left of its output, then the container's exit handling. */
  initExited(code: number): void {
    this.flush();
    onInitExit(this.rt, this.c, code);
  }
  /** Logs what is left of an unterminated last line. */
  flush(): void {
    if (this.pendingOut) this.c.log?.log({ line: this.pendingOut, stream: 'stdout', time: this.rt.sim.now });
    if (this.pendingErr) this.c.log?.log({ line: this.pendingErr, stream: 'stderr', time: this.rt.sim.now });
    this.pendingOut = '';
    this.pendingErr = '';
  }
}

function failStart(rt: Runtime, c: Container, message: string, exitCode: number, hooksRan: boolean): never {
  c.state.Error = message;
  c.state.ExitCode = exitCode;
  c.namespaces = null;
  for (const ctl of CONTROLLERS) rt.cgroups.h(ctl).remove(rt.cgroupPathOf(c, ctl));
  if (hooksRan) rt.hooks.run('afterStop', c);
  throw new DockernetError('ESTART', message, exitCode === 128 ? 125 : exitCode);
}

/** A container's groups in every hierarchy and their limits (deferred from its start: `CgroupFs.defer`). */
function makeGroups(rt: Runtime, c: Container): void {
  const pathOf = (ctl: Controller): string => rt.cgroupPathOf(c, ctl);
  rt.cgroups.mkdirAll(pathOf);
  applyResources(rt.cgroups, pathOf, c.hostConfig);
}

/** Starts a created or exited container. `attach` collects output for `run`/`start -a`. */
export function startContainer(rt: Runtime, c: Container, attach: Attachment | null = null): void {
  if (c.running) return;
  if (attach) rt.events.emit('container', 'attach', c.id, rt.containerAttrs(c));
  c.state.Error = '';
  c.manualStop = false;
  c.oomSeen = false;
  c.state.OOMKilled = false;
  let ns: NamespaceSet;
  try {
    ns = joinNs(rt, c);
  } catch (e) {
    const msg = (e as Error).message;
    c.state.Error = msg;
    c.state.ExitCode = 128;
    throw new DockernetError('ESTART', msg, 125);
  }
  c.namespaces = ns;
  c.cgroupPath = rt.cgroupPathOf(c, 'cpu');
  rt.hooks.run('beforeStart', c);
  try {
    c.log = createLogDriver(c, rt.logSinks, rt.hostname, rt.daemonPid);
  } catch (e) {
    if (e instanceof LogDriverError) failStart(rt, c, e.message, 128, true);
    throw e;
  }
  const runcErr = runcCheck(c.hostConfig);
  if (runcErr) failStart(rt, c, `${RUNC}error during container init: error setting cgroup config for procHooks process: ${runcErr}: unknown`, 128, true);
  // the groups and their limits are made when anything next reads the cgroup trees (CgroupFs.defer);
  // `docker update` makes them before it changes the limits
  rt.cgroups.defer(makeGroups, rt, c);
  const target = c.rootfs.lookup(c.path.startsWith('/') ? c.path : `/bin/${c.path}`);
  if (c.path.startsWith('/') && target?.type === 'dir') failStart(rt, c, `${RUNC}exec: "${c.path}": permission denied: unknown`, 126, true);
  const prog = rt.programs.get(c.path);
  if (!prog) failStart(rt, c, `${RUNC}exec: "${c.path}": executable file not found in $PATH: unknown`, 127, true);
  const out = new LogSink(rt, c, attach);
  const env = containerEnv(c);
  // exact size (a spread reserves slack), handed over to the process: no second copy
  const init = rt.procman.spawn(c, [c.path].concat(c.args), {
    init: true,
    ownArgv: true,
    out,
    env,
    stdin: c.config.OpenStdin ? (attach?.stdin ?? '') : '',
    // a bound method: no closure context (with the start's scope chain) kept per running container
    onExit: out.initExited.bind(out),
  });
  c.init = init;
  // field by field (an Object.assign of a literal is a call into the runtime)
  const st = c.state;
  st.Status = 'running';
  st.Running = true;
  st.Paused = false;
  st.Restarting = false;
  st.Pid = init.pid;
  st.ExitCode = 0;
  st.StartedAt = rt.sim.now;
  const mounts = c.mounts;
  for (let i = 0; i < mounts.length; i++) {
    const m = mounts[i]!;
    if (m.Type === 'volume') rt.events.emit('volume', 'mount', m.Name!, { container: c.id, destination: m.Destination, driver: 'local', propagation: m.Propagation, 'read/write': String(m.RW) });
  }
  rt.events.emit('container', 'start', c.id, rt.containerAttrs(c));
  rt.hooks.run('afterStart', c);
}

/** Called when a container's init exits: everything else in it dies, state and events follow. */
export function onInitExit(rt: Runtime, c: Container, code: number): void {
  const ns = c.namespaces;
  for (const p of [...c.procs]) rt.procman.terminate(p, 137);
  Object.assign(c.state, { Status: 'exited', Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: code, FinishedAt: rt.sim.now, OOMKilled: c.oomSeen });
  c.init = null;
  rt.events.emit('container', 'die', c.id, rt.containerAttrs(c, { exitCode: String(code) }));
  // a pid namespace dies with its init: joiners are killed
  if (ns && ns.pid !== rt.hostNs.pid && ns.pid.owner === c.id) {
    for (const p of [...rt.procman.procs.values()]) if (p.container.namespaces?.pid === ns.pid) rt.procman.terminate(p, 137);
  }
  for (const ctl of CONTROLLERS) rt.cgroups.h(ctl).remove(rt.cgroupPathOf(c, ctl));
  rt.hooks.run('afterStop', c);
  for (const m of c.mounts) if (m.Type === 'volume') rt.events.emit('volume', 'unmount', m.Name!, { container: c.id, driver: 'local' });
  c.namespaces = null;
  const rp = c.hostConfig.RestartPolicy;
  const wantRestart = !c.manualStop && (rp.Name === 'always' || rp.Name === 'unless-stopped' || (rp.Name === 'on-failure' && code !== 0 && (rp.MaximumRetryCount === 0 || c.restartCount < rp.MaximumRetryCount)));
  if (wantRestart) {
    c.state.Restarting = true;
    c.state.Status = 'restarting';
    const delay = 100e6 * 2 ** Math.min(c.restartCount, 10);
    c.restartTimer = rt.sim.schedule(delay, () => {
      c.restartTimer = null;
      if (!rt.store.find(c.id) || c.manualStop) return;
      c.restartCount++;
      try {
        startContainer(rt, c);
      } catch {
        c.state.Restarting = false;
        c.state.Status = 'exited';
      }
    });
  } else if (c.hostConfig.AutoRemove) {
    rt.sim.defer(() => removeContainer(rt, c, { force: true, volumes: true }));
  }
}

/**
 * Runs the simulation event by event until `done()` holds or `limit` virtual nanoseconds pass
 * (a sentinel timer at the deadline keeps the clock from jumping past it).
 */
export function runUntil(rt: Runtime, done: () => boolean, limit = 3600 * SECOND): void {
  rt.sim.drain();
  if (done()) return;
  let expired = false;
  const sentinel = rt.sim.schedule(limit, () => {
    expired = true;
  });
  while (!done() && !expired) {
    if (!rt.sim.step()) break;
  }
  rt.sim.cancel(sentinel);
}

/** Sends a signal to the init, with the `kill` event. */
export function killContainer(rt: Runtime, c: Container, sig: number): void {
  rt.events.emit('container', 'kill', c.id, rt.containerAttrs(c, { signal: String(sig) }));
  if (c.init) rt.procman.signal(c.init, sig);
}

/** `docker stop`: TERM, wait `timeout` seconds, KILL; a paused container is unpaused after TERM. */
export function stopContainer(rt: Runtime, c: Container, timeout: number | null): void {
  if (c.restartTimer) {
    rt.sim.cancel(c.restartTimer as never);
    c.restartTimer = null;
    c.state.Restarting = false;
    c.state.Status = 'exited';
  }
  if (!c.running) return;
  c.manualStop = true;
  const t = timeout ?? c.config.StopTimeout ?? 10;
  killContainer(rt, c, 15);
  if (c.state.Paused) unpauseContainer(rt, c);
  runUntil(rt, () => !c.running, t * SECOND);
  if (c.running) {
    killContainer(rt, c, 9);
    runUntil(rt, () => !c.running);
  }
  rt.events.emit('container', 'stop', c.id, rt.containerAttrs(c));
}

/** `docker pause` (the freezer). */
export function pauseContainer(rt: Runtime, c: Container): void {
  if (!c.running) throw daemonError(`Container ${c.id} is not running`);
  if (c.state.Paused) throw daemonError(`Container ${c.id} is already paused`);
  rt.cgroups.write('freezer', rt.cgroupPathOf(c, 'freezer'), 'freezer.self_freezing', '1');
  rt.procman.setFrozen(c, true);
  c.state.Paused = true;
  c.state.Status = 'paused';
  rt.events.emit('container', 'pause', c.id, rt.containerAttrs(c));
}

/** `docker unpause`. */
export function unpauseContainer(rt: Runtime, c: Container): void {
  if (!c.state.Paused) throw daemonError(`Container ${c.id} is not paused`);
  rt.cgroups.write('freezer', rt.cgroupPathOf(c, 'freezer'), 'freezer.self_freezing', '0');
  c.state.Paused = false;
  c.state.Status = 'running';
  rt.procman.setFrozen(c, false);
  rt.events.emit('container', 'unpause', c.id, rt.containerAttrs(c));
}

/** `docker rm [-f] [-v]`. */
export function removeContainer(rt: Runtime, c: Container, opts: { force: boolean; volumes: boolean }): void {
  if (!rt.store.find(c.id)) return;
  if (c.state.Paused && !opts.force) throw daemonError(`You cannot remove a paused container ${c.id}. Unpause and then stop the container before attempting removal or force remove`);
  if (c.running && !opts.force) throw daemonError(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
  if (c.running) {
    c.manualStop = true;
    killContainer(rt, c, 9);
    runUntil(rt, () => !c.running);
  }
  if (c.restartTimer) rt.sim.cancel(c.restartTimer as never);
  rt.hooks.run('beforeRemove', c);
  rt.store.delete(c);
  if (opts.volumes) {
    for (const m of c.mounts) {
      const v = m.Name ? rt.volumes.get(m.Name) : undefined;
      if (v && v.anonymous && !volumeUsers(rt, v.name).length) {
        rt.volumes.delete(v.name);
        rt.events.emit('volume', 'destroy', v.name, { driver: 'local' });
      }
    }
  }
  rt.events.emit('container', 'destroy', c.id, rt.containerAttrs(c));
}

/** Ids of containers using a volume. */
export function volumeUsers(rt: Runtime, name: string): string[] {
  return rt.store
    .list()
    .filter((c) => c.mounts.some((m) => m.Name === name))
    .map((c) => c.id);
}
