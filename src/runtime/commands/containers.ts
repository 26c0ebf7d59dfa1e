/**
 * `docker run`, `create`, `start`, `exec`, `wait`, `rename`, `diff` and `container prune`.
 */
import { DockernetError } from '../../core/errors.js';
import { SECOND } from '../../core/time.js';
import type { ExecResult, Runtime } from '../runtime.js';
import type { Command, CommandIo } from './dispatch.js';
import { FlagError } from '../cli/flags.js';
import { ClientError, parseRunArgs, type RunRequest } from '../cli/run-options.js';
import { createContainer } from '../create.js';
import { containerEnv, runUntil, startContainer, removeContainer, type Attachment } from '../lifecycle.js';
import { Out, daemonFailure, flagError, runErrorText, commandFlags } from './output.js';
import { normaliseRef } from '../images/store.js';
import type { Container } from '../container.js';

/** What a pull attempt fails with in the lab (no route to any registry). */
export const PULL_ERROR = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: dial udp 10.255.255.53:53: connect: network is unreachable';

function pull(_rt: Runtime, args: string[]): ExecResult {
  const ref = args.find((a) => !a.startsWith('-')) ?? '';
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return { stdout: last.includes(':') || ref.includes('@') ? '' : 'Using default tag: latest\n', stderr: `Error response from daemon: ${PULL_ERROR}\n`, exitCode: 1 };
}

function attachedOutput(out: Out, a: Attachment): void {
  for (const ch of a.chunks) {
    if (ch.stream === 'stdout') out.stdout += ch.text;
    else out.stderr += ch.text;
  }
}

function startExitCode(msg: string): number {
  if (msg.includes('executable file not found')) return 127;
  if (msg.includes('permission denied')) return 126;
  return 125;
}

function runOrCreate(rt: Runtime, args: string[], cmd: 'run' | 'create', io: CommandIo = {}): ExecResult {
  const out = new Out();
  let req: RunRequest;
  try {
    req = parseRunArgs(args);
  } catch (e) {
    if (e instanceof FlagError && e.message === 'requires at least 1 argument') {
      const desc = cmd === 'run' ? (rt.cliStyle === 'v20' ? 'Run a command in a new container' : 'Create and run a new container from an image') : 'Create a new container';
      return { stdout: '', stderr: `"docker ${cmd}" requires at least 1 argument.\nSee 'docker ${cmd} --help'.\n\nUsage:  docker ${cmd} [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n${desc}\n`, exitCode: rt.cliStyle === 'v20' ? 1 : 1 };
    }
    if (e instanceof FlagError) return flagError(rt.cliStyle, cmd, rt.cliStyle === 'v20' ? e.v20 : e.message);
    if (e instanceof ClientError) return { stdout: '', stderr: runErrorText(rt.cliStyle, cmd, rt.cliStyle === 'v20' ? e.v20 : e.message, false), exitCode: 125 };
    throw e;
  }
  if (cmd === 'create') req.detach = true;
  if (!rt.images.resolve(req.image)) {
    const ref = normaliseRef(req.image);
    if (req.pull === 'never') return { stdout: '', stderr: runErrorText(rt.cliStyle, cmd, `No such image: ${ref}`), exitCode: 125 };
    out.stderr += `Unable to find image '${ref}' locally\n`;
    out.stderr += runErrorText(rt.cliStyle, cmd, PULL_ERROR);
    out.exitCode = cmd === 'create' && rt.cliStyle === 'v28' ? 1 : 125;
    return out.result();
  }
  let c: Container;
  try {
    const r = createContainer(rt, req);
    c = r.container;
    for (let i = 0; i < r.warnings.length; i++) out.err(r.warnings[i]!);
  } catch (e) {
    if (e instanceof DockernetError) {
      out.stderr += runErrorText(rt.cliStyle, cmd, e.message);
      out.exitCode = 125;
      return out.result();
    }
    throw e;
  }
  if (cmd === 'create') {
    out.line(c.id);
    return out.result();
  }
  const attach: Attachment | null = req.detach ? null : { chunks: [], stdin: io.stdin };
  if (req.detach) out.line(c.id);
  try {
    startContainer(rt, c, attach);
  } catch (e) {
    if (e instanceof DockernetError) {
      out.stderr += rt.cliStyle === 'v20' ? `docker: Error response from daemon: ${e.message.replace(/\.$/, '')}.\n` : runErrorText(rt.cliStyle, cmd, e.message);
      out.exitCode = startExitCode(e.message);
      if (c.hostConfig.AutoRemove) removeContainer(rt, c, { force: true, volumes: true });
      return out.result();
    }
    throw e;
  }
  if (attach) {
    runUntil(rt, () => !c.running && !c.state.Restarting, 600 * SECOND);
    rt.sim.drain();
    attachedOutput(out, attach);
    out.exitCode = c.state.ExitCode;
  }
  return out.result();
}

function start(rt: Runtime, args: string[]): ExecResult {
  const out = new Out();
  const parsed = commandFlags(rt.cliStyle, 'start', [{ name: 'attach', short: 'a', kind: 'bool' }, { name: 'interactive', short: 'i', kind: 'bool' }], args);
  if ('exitCode' in parsed) return parsed;
  const failed: string[] = [];
  for (const ref of parsed.args) {
    try {
      const c = rt.store.get(ref);
      if (parsed.values.get('attach')) {
        const a: Attachment = { chunks: [] };
        startContainer(rt, c, a);
        runUntil(rt, () => !c.running, 600 * SECOND);
        attachedOutput(out, a);
        out.exitCode = c.state.ExitCode;
        return out.result();
      }
      startContainer(rt, c);
      out.line(ref);
    } catch (e) {
      if (!(e instanceof DockernetError)) throw e;
      out.err(`Error response from daemon: ${e.message}`);
      failed.push(ref);
    }
  }
  if (failed.length) {
    out.err(`Error: failed to start containers: ${failed.join(', ')}`);
    out.exitCode = 1;
  }
  return out.result();
}

function exec(rt: Runtime, args: string[], io: CommandIo = {}): ExecResult {
  const out = new Out();
  const p = commandFlags(
    rt.cliStyle,
    'exec',
    [
      { name: 'detach', short: 'd', kind: 'bool' },
      { name: 'interactive', short: 'i', kind: 'bool' },
      { name: 'tty', short: 't', kind: 'bool' },
      { name: 'env', short: 'e', kind: 'list' },
      { name: 'user', short: 'u', kind: 'string' },
      { name: 'workdir', short: 'w', kind: 'string' },
      { name: 'privileged', kind: 'bool' },
    ],
    args,
    false,
  );
  if ('exitCode' in p) return p;
  if (p.args.length < 2) {
    const usage = 'Usage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]';
    const stderr =
      rt.cliStyle === 'v20'
        ? `"docker exec" requires at least 2 arguments.\nSee 'docker exec --help'.\n\n${usage}\n\nRun a command in a running container\n`
        : `docker: 'docker exec' requires at least 2 arguments\n\n${usage}\n\nSee 'docker exec --help' for more information\n`;
    return { stdout: '', stderr, exitCode: 1 };
  }
  const [ref = '', ...argv] = p.args;
  // the 20.10 client words a missing container of ContainerExecCreate as its own not-found error
  if (rt.cliStyle === 'v20' && !rt.store.find(ref)) return { stdout: '', stderr: `Error: No such container: ${ref}\n`, exitCode: 1 };
  try {
    const c = rt.store.get(ref);
    if (c.state.Paused) throw new DockernetError('EDAEMON', `Container ${ref} is paused, unpause the container before exec`);
    if (!c.running) throw new DockernetError('EDAEMON', `Container ${c.id} is not running`);
    const execId = rt.rng.hex(64);
    c.execIds = c.execIds === null ? [execId] : c.execIds.concat([execId]); // exact size (push would reserve 17 slots)
    const action = `${argv[0]} ${argv.slice(1).join(' ')}`;
    rt.events.emit('container', `exec_create: ${action}`, c.id, rt.containerAttrs(c, { execID: execId }));
    rt.events.emit('container', `exec_start: ${action}`, c.id, rt.containerAttrs(c, { execID: execId }));
    const env = containerEnv(c, (p.values.get('env') as string[]) ?? []);
    // runc's checks of the exec's cwd (kernel lab, 20.10.24), printed on stdout like other exec failures
    const workdir = p.values.get('workdir') as string | undefined;
    if (workdir !== undefined && workdir !== '') {
      const fail = !workdir.startsWith('/') ? 'Cwd must be an absolute path' : !rt.files.isDir(c, workdir) ? `unable to start container process: chdir to cwd ("${workdir}") set in config.json failed: ${rt.files.exists(c, workdir) ? 'not a directory' : 'no such file or directory'}` : null;
      if (fail) {
        out.line(`OCI runtime exec failed: exec failed: ${fail}: unknown`);
        out.exitCode = 126;
        return out.result();
      }
    }
    let code: number | null = null;
    const sink = { write: (s: 'stdout' | 'stderr', t: string) => (s === 'stdout' ? (out.stdout += t) : (out.stderr += t)) };
    const record = { container: c, argv, exitCode: null as number | null };
    rt.execs.set(execId, record);
    try {
      rt.procman.spawn(c, argv, {
        out: sink,
        env,
        // without -i the process's stdin is /dev/null
        stdin: p.values.get('interactive') ? (io.stdin ?? '') : '',
        cwd: workdir || undefined,
        onExit: (x) => {
          code = x;
          record.exitCode = x;
          rt.events.emit('container', 'exec_die', c.id, rt.containerAttrs(c, { execID: execId, exitCode: String(x) }));
        },
      });
    } catch (e) {
      if (e instanceof DockernetError && e.code === 'ENOEXEC') {
        // printed on stdout by both CLIs (it arrives through the attached stream)
        out.line(`OCI runtime exec failed: exec failed: unable to start container process: ${e.message}: unknown`);
        out.exitCode = 126;
        return out.result();
      }
      throw e;
    }
    if (p.values.get('detach')) return out.result();
    runUntil(rt, () => code !== null, 600 * SECOND);
    out.exitCode = code ?? 0;
  } catch (e) {
    daemonFailure(out, e);
  }
  return out.result();
}

function wait(rt: Runtime, args: string[]): ExecResult {
  const out = new Out();
  for (const ref of args) {
    try {
      const c = rt.store.get(ref);
      runUntil(rt, () => !c.running && !c.state.Restarting);
      out.line(String(c.state.ExitCode));
    } catch (e) {
      daemonFailure(out, e);
    }
  }
  return out.result();
}

function rename(rt: Runtime, args: string[]): ExecResult {
  const out = new Out();
  try {
    const [ref = '', name = ''] = args;
    const c = rt.store.get(ref);
    const owner = rt.store.nameOwner(name);
    if (owner) throw new DockernetError('EDAEMON', `Error when allocating new name: Conflict. The container name "/${name}" is already in use by container "${owner.id}". You have to remove (or rename) that container to be able to reuse that name.`);
    rt.store.rename(c, name);
    rt.events.emit('container', 'rename', c.id, rt.containerAttrs(c, { oldName: '/' + ref }));
  } catch (e) {
    daemonFailure(out, e);
  }
  return out.result();
}

function diff(rt: Runtime, args: string[]): ExecResult {
  const out = new Out();
  try {
    const c = rt.store.get(args[0] ?? '');
    for (const l of c.rootfs.changes()) out.line(l);
  } catch (e) {
    daemonFailure(out, e);
  }
  return out.result();
}

function prune(rt: Runtime, _args: string[]): ExecResult {
  const out = new Out();
  const gone = rt.store.list().filter((c) => !c.running && !c.state.Restarting);
  if (gone.length) out.line('Deleted Containers:');
  for (const c of gone) {
    removeContainer(rt, c, { force: false, volumes: false });
    out.line(c.id);
  }
  if (gone.length) out.line('');
  out.line('Total reclaimed space: 0B');
  rt.events.emit('container', 'prune', '', { reclaimed: '0' });
  return out.result();
}

/** Container commands keyed by docker command name. */
export const containerCommands: Record<string, Command> = {
  run: (rt, a, io) => runOrCreate(rt, a, 'run', io),
  create: (rt, a) => runOrCreate(rt, a, 'create'),
  start,
  exec,
  wait,
  rename,
  diff,
  'container-prune': prune,
  pull,
};
