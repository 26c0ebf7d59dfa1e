/**
 * The docker CLI front-end of the runtime: routes `docker <command> ...` argv to the command
 * implementations. (`network ...` and `port` belong to the network layer, which delegates the
 * rest here.)
 */
import type { ExecResult, Runtime } from '../runtime.js';
import { containerCommands } from './containers.js';
import { lifecycleCommands } from './lifecycle-cmds.js';
import { inspectCommand } from './inspect-cmd.js';
import { psCommand } from './ps.js';
import { logsCommand } from './logs.js';
import { imageCommands } from './images.js';
import { volumeCommand } from './volumes-cmd.js';
import { eventsCommand } from './events-cmd.js';
import { topCommand } from './top.js';

/** What the CLI process has besides its argv: its standard input (`docker exec -i`, `docker run -i`). */
export interface CommandIo {
  /** Everything on the CLI's stdin (latin-1 text), then end of file. */
  stdin?: string;
}

/** A command implementation: receives the words after the command name. */
export type Command = (rt: Runtime, args: string[], io?: CommandIo) => ExecResult;

const ALIASES: Record<string, string> = {
  'container run': 'run', 'container create': 'create', 'container start': 'start', 'container stop': 'stop',
  'container restart': 'restart', 'container kill': 'kill', 'container rm': 'rm', 'container pause': 'pause',
  'container unpause': 'unpause', 'container wait': 'wait', 'container update': 'update', 'container exec': 'exec',
  'container inspect': 'inspect', 'container ls': 'ps', 'container list': 'ps', 'container ps': 'ps', 'container logs': 'logs',
  'container rename': 'rename', 'container top': 'top', 'container diff': 'diff', 'container commit': 'commit', 'container prune': 'container-prune',
  'image ls': 'images', 'image list': 'images', 'image history': 'history', 'image tag': 'tag', 'image rm': 'rmi',
  'image inspect': 'image-inspect', 'image prune': 'image-prune', 'image save': 'save', 'image load': 'load',
  'image build': 'build', 'image import': 'import', 'system events': 'events', 'volume': 'volume',
};

/** Every runtime command by name, built once (a command line only looks its name up). */
const TABLE: Record<string, Command> = {
  ...containerCommands,
  ...lifecycleCommands,
  ...imageCommands,
  inspect: inspectCommand,
  ps: psCommand,
  logs: logsCommand,
  volume: volumeCommand,
  events: eventsCommand,
  top: topCommand,
};

/** Runs one docker command. */
export function runDockerCommand(rt: Runtime, argv: string[], io: CommandIo = {}): ExecResult {
  let cmd = argv[0] ?? '';
  let from = 1;
  if (cmd === 'container' || cmd === 'image' || cmd === 'system' || cmd === 'volume') {
    const two = `${cmd} ${argv[1] ?? ''}`;
    if (Object.hasOwn(ALIASES, two)) {
      cmd = ALIASES[two]!;
      from = 2;
    }
  }
  const rest = argv.slice(from);
  // own properties only: `docker toString` / `docker constructor` are not commands
  const f = Object.hasOwn(TABLE, cmd) ? TABLE[cmd] : undefined;
  if (!f) return { stdout: '', stderr: `docker: '${cmd}' is not a docker command.\nSee 'docker --help'\n`, exitCode: 1 };
  return f(rt, rest, io);
}
