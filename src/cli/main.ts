/**
 * `dockernet`: replay Docker scenarios in the emulator and ask it questions — trace one packet
 * hop by hop, print the reachability matrix, draw the topology, run tools in containers, compare
 * with the oracle. No root, no kernel, no Docker.
 *
 * Exit status: 0 success (trace: delivered), 1 failure (trace: dropped; reach: something
 * unreachable), 2 bad input (bad flag, unknown name, unreadable file). Errors are one line on
 * stderr, `dockernet: <message>`; never a stack trace.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { DockernetError } from '../core/errors.js';
import { argvOf, cmdCompose, cmdExec, cmdObserve, cmdOracle, cmdReplay, graphLab, reachLab, traceLab } from './commands.js';
import { loadLab, type GlobalOptions } from './io.js';

const VERSION = '0.1.0';

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Builds the command tree; `setCode` receives each action's exit status. */
export function buildProgram(setCode: (n: number) => void): Command {
  const program = new Command('dockernet');
  program
    .description('Packet-level emulator of Docker networking: trace a packet, print reachability, draw the topology.\nNo root, no kernel, no Docker needed.')
    .version(VERSION, '-V, --version')
    .option('--seed <seed>', 'seed of every random choice (ids, MACs, ports)', '1')
    .option('--no-color', 'never colour the output (colour is used only on a terminal)')
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`dockernet: ${str.replace(/^error: /, '').trimEnd()}\n`),
    });
  program.addHelpText(
    'after',
    `
SCENARIO is a scenario.docker file (docker commands, one per line) or a folder holding one.

Examples:
  dockernet trace examples/scenarios/web-db --from web --to db:5432
  dockernet trace examples/scenarios/cross-network --from web --to db --format json
  dockernet reach examples/scenarios/web-db --format tsv
  dockernet graph examples/scenarios/web-db --format dot | dot -Tsvg > topo.svg
  dockernet compose examples/compose/docker-compose.yml trace --from web --to db:5432
  dockernet exec examples/scenarios/web-db web -- ip route`,
  );

  program
    .command('trace')
    .description('send one packet (ARP as needed) and print every hop: devices, bridge FDB, each iptables chain and rule, conntrack, NAT, routing, and the outcome; then the reply')
    .argument('<scenario>', 'scenario.docker file or folder')
    .requiredOption('--from <name>', "sender: 'host', a container or a Compose service")
    .requiredOption('--to <target>', "NAME[:PORT[/tcp|/udp]], IP[:PORT], or host:PORT (the host's published ports)")
    .option('--icmp', 'send an ICMP echo request (the default without a port)')
    .option('--tcp', 'send a TCP SYN (the default with a port)')
    .option('--udp', 'send a UDP datagram')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'mermaid']).default('text'))
    .option('--pcap <file>', 'write every frame on every interface to a pcapng file')
    .addHelpText('after', '\nExit status: 0 delivered, 1 dropped, 2 bad input.\n\nExample:\n  dockernet trace examples/scenarios/cross-network --from web --to db:5432')
    .action((scenario: string, o, cmd: Command) => setCode(traceLab(loadLab(scenario, globals(cmd)), o, globals(cmd))));

  program
    .command('reach')
    .description('the reachability matrix: from the host and every container, ping every address and gateway, connect to every listener and published port, with a reason for each failure')
    .argument('<scenario>', 'scenario.docker file or folder')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'tsv', 'json']).default('table'))
    .option('--pcap <file>', 'write every frame on every interface to a pcapng file')
    .option('--no-explain', 'do not trace failures to find their reason (faster)')
    .addHelpText('after', '\nExit status: 0 everything reachable, 1 something is not, 2 bad input.')
    .action((scenario: string, o, cmd: Command) => setCode(reachLab(loadLab(scenario, globals(cmd)), o, globals(cmd))));

  program
    .command('graph')
    .description('draw the topology: namespaces, veth pairs, bridges, networks, published ports')
    .argument('<scenario>', 'scenario.docker file or folder')
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .action((scenario: string, o: { format: 'mermaid' | 'dot' }, cmd: Command) => setCode(graphLab(loadLab(scenario, globals(cmd)), o.format)));

  program
    .command('replay')
    .description("replay a scenario and print each command's output as the oracle's replay.txt ($ cmd, output, [stderr] …, [exit N])")
    .argument('<scenario>', 'scenario.docker file or folder')
    .addHelpText('after', '\nExit status: 0 when every command succeeded, 1 otherwise.')
    .action((scenario: string, _o, cmd: Command) => setCode(cmdReplay(scenario, globals(cmd))));

  program
    .command('exec')
    .description("replay a scenario, then run a command in a container (as 'docker exec') or on the host, and print what the real tool prints")
    .argument('<scenario>', 'scenario.docker file or folder')
    .argument('<name>', "container name, or 'host'")
    .argument('<command...>', 'the command, after --')
    .option('-i, --interactive', "pass this process's standard input to the command (docker exec -i)")
    .option('-w, --workdir <dir>', 'working directory inside the container (docker exec -w)')
    .addHelpText('after', "\nExamples:\n  dockernet exec examples/scenarios/web-db web -- ip addr\n  dockernet exec examples/scenarios/web-db host -- iptables-save\n  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | dockernet exec -i examples/scenarios/web-db web -- nc db 5432")
    .action((scenario: string, name: string, words: string[], o: { interactive?: boolean; workdir?: string }, cmd: Command) =>
      setCode(cmdExec(scenario, name, argvOf(words), globals(cmd), { stdin: o.interactive ? readFileSync(0).toString('latin1') : undefined, workdir: o.workdir })),
    );

  program
    .command('observe')
    .description("replay an oracle scenario folder and write the files of its observed/ folder, as the emulator sees them")
    .argument('<scenario-dir>', 'scenario folder (scenario.docker, optional setup.sh)')
    .requiredOption('--out <dir>', 'where to write the files')
    .action((dir: string, o: { out: string }, cmd: Command) => setCode(cmdObserve(dir, o.out, globals(cmd))));

  program
    .command('oracle')
    .description('run every scenario of an oracle folder and compare with what real Docker did: net-* as a scenario × file table, rt-* as transcript steps')
    .argument('<oracle-dir>', 'the oracle folder (or its scenarios/ folder)')
    .option('--json', 'print rows and totals as JSON')
    .option('--strict', 'exit 1 when any file differs or is missing')
    .option('--filter <text>', 'only scenarios whose name contains this')
    .option('--verbose', 'runtime scenarios: show each mismatched step as a diff')
    .action((dir: string, o, cmd: Command) => setCode(cmdOracle(dir, o, globals(cmd))));

  program
    .command('compose')
    .description('read a docker-compose.yml and build the topology Compose v2 would (project_network names, project-service-1 containers, service names and aliases in DNS)')
    .argument('<file>', 'the Compose file')
    .addArgument(new Argument('[action]', 'config, up, trace, reach or graph').choices(['config', 'up', 'trace', 'reach', 'graph']).default('config'))
    .option('-p, --project-name <name>', 'project name (default: name: in the file, else the folder name)')
    .option('--from <name>', 'trace: sender')
    .option('--to <target>', 'trace: target')
    .option('--icmp', 'trace: ICMP echo')
    .option('--tcp', 'trace: TCP SYN')
    .option('--udp', 'trace: UDP datagram')
    .option('--format <format>', 'trace: text|json|mermaid; reach: table|tsv|json; graph: mermaid|dot')
    .option('--pcap <file>', 'trace, reach: write a pcapng capture')
    .option('--no-explain', 'reach: do not trace failures')
    .addHelpText(
      'after',
      `
Actions:
  config   print the docker commands Compose would run (default)
  up       replay them and print each command's output
  trace    trace a packet (--from, --to) in the resulting topology
  reach    the reachability matrix
  graph    the topology

Example:
  dockernet compose examples/compose/docker-compose.yml trace --from web --to db:5432`,
    )
    .action((file: string, action: string | undefined, o: Record<string, unknown>, cmd: Command) => setCode(cmdCompose(file, action ?? 'config', o, globals(cmd))));

  return program;
}

/** Runs the CLI on `argv` (without `node` and the script); returns the exit status. */
export function run(argv: string[]): number {
  let code = 0;
  const program = buildProgram((n) => (code = n));
  try {
    program.parse(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof DockernetError) {
      process.stderr.write(`dockernet: ${e.message.split('\n')[0]}\n`);
      return e.code === 'EUSAGE' ? e.exitCode : 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`dockernet: internal error: ${msg.split('\n')[0]}\n`);
    return 3;
  }
}
