/**
 * The actions behind each `dockernet` command. Each returns the exit status; output goes to
 * stdout, errors are thrown as {@link UsageError}s (printed by main as one line, exit 2).
 *
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs';
import { formatReplayReport, replayAllRuntimeScenarios } from '../runtime/oracle/replay.js';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { iptablesSave } from '../docker/engine.js';
import { formatOracleTable, observeScenario, runOracle, runtimeReplayEngine } from '../docker/oracle/index.js';
import { bridgeFdbShow, bridgeLinkShow } from '../link/bridge/text.js';
import { ipAddr, ipLink, ipNeigh, ipRoute, ssListen } from '../netns/iproute.js';
import { splitCommandLine } from '../runtime/cli/split.js';
import { chooseProto, parseTarget, resolveSource, resolveTarget } from '../trace/endpoint.js';
import { traceMermaid } from '../trace/format/trace-mermaid.js';
import { traceText } from '../trace/format/trace-text.js';
import { makeStyle } from '../trace/format/style.js';
import { graphDot, graphMermaid, topology } from '../trace/graph.js';
import { Lab, scenarioFile, type ReplayedCommand } from '../trace/lab.js';
import { trace } from '../trace/probe.js';
import { reachMatrix, reachTable, reachTsv } from '../trace/reach.js';
import { composeCommands } from '../trace/compose/translate.js';
import { loadCompose } from '../trace/compose/load.js';
import { Engine } from '../docker/engine.js';
import { loadLab, maybeCapture, out, readText, seedOf, useColor, writeOut, type GlobalOptions } from './io.js';

/** `replay.txt` lines of replayed commands, as the oracle writes them. */
export function replayText(cmds: readonly ReplayedCommand[]): string {
  const lines: string[] = [];
  for (const r of cmds) {
    lines.push('$ ' + r.line);
    const so = r.stdout.replace(/\n+$/, '');
    if (so.trim()) lines.push(so);
    const se = r.stderr.replace(/\n+$/, '');
    if (se) for (const l of se.split('\n')) lines.push('[stderr] ' + l);
    lines.push(`[exit ${r.exitCode}]`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** `dockernet replay FILE`. */
export function cmdReplay(file: string, g: GlobalOptions): number {
  const lab = Lab.load(file, { seed: seedOf(g) });
  out(replayText(lab.replayed));
  return lab.replayed.some((r) => r.exitCode !== 0) ? 1 : 0;
}

/** Options of trace. */
export interface TraceCliOptions {
  from: string;
  to: string;
  icmp?: boolean;
  udp?: boolean;
  tcp?: boolean;
  format: 'text' | 'json' | 'mermaid';
  pcap?: string;
}

/** `dockernet trace` on a lab. */
export function traceLab(lab: Lab, o: TraceCliOptions, g: GlobalOptions): number {
  const spec = parseTarget(o.to);
  const proto = chooseProto(spec, o);
  const src = resolveSource(lab, o.from);
  const dst = resolveTarget(lab, src, spec);
  const finish = maybeCapture(lab, o.pcap);
  const r = trace(lab, src, dst, proto, { seed: seedOf(g) });
  finish();
  if (o.format === 'json') out(JSON.stringify(r, null, 2) + '\n');
  else if (o.format === 'mermaid') out(traceMermaid(r));
  else out(traceText(r, makeStyle(useColor(g))));
  return r.outcome.result === 'delivered' ? 0 : 1;
}

/** Options of reach. */
export interface ReachCliOptions {
  format: 'table' | 'tsv' | 'json';
  pcap?: string;
  explain: boolean;
}

/** `dockernet reach` on a lab: exit 0 when every probe succeeds, 1 otherwise. */
export function reachLab(lab: Lab, o: ReachCliOptions, g: GlobalOptions): number {
  const finish = maybeCapture(lab, o.pcap);
  const rows = reachMatrix(lab, { explain: o.explain });
  finish();
  if (o.format === 'json') out(JSON.stringify({ version: 1, scenario: lab.scenario, seed: seedOf(g), rows }, null, 2) + '\n');
  else if (o.format === 'tsv') out(reachTsv(rows));
  else out(reachTable(rows, useColor(g)));
  return rows.every((r) => r.result === 'ok') ? 0 : 1;
}

/** `dockernet graph` on a lab. */
export function graphLab(lab: Lab, format: 'mermaid' | 'dot'): number {
  const t = topology(lab);
  out(format === 'dot' ? graphDot(t) : graphMermaid(t));
  return 0;
}

/** `dockernet exec SCENARIO NAME -- CMD…`: what the real command prints (host: a few host tools). */
export function cmdExec(scenario: string, name: string, argv: string[], g: GlobalOptions, io: { stdin?: string; workdir?: string } = {}): number {
  if (!argv.length) throw new UsageError('exec needs a command: dockernet exec SCENARIO NAME -- CMD [ARG...]');
  const lab = loadLab(scenario, g);
  if (name === 'host') {
    const r = hostTool(lab, argv);
    out(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr);
    return r.exitCode;
  }
  if (!lab.findContainer(name)) throw new UsageError(`unknown container '${name}' (containers: ${lab.containers().map((c) => c.name).join(', ') || 'none'})`);
  const flags = [...(io.stdin !== undefined ? ['-i'] : []), ...(io.workdir !== undefined ? ['-w', io.workdir] : [])];
  const r = lab.engine.exec(['docker', 'exec', ...flags, name, ...argv], { stdin: io.stdin });
  out(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  return r.exitCode;
}

function hostTool(lab: Lab, argv: string[]): { stdout: string; stderr: string; exitCode: number } {
  const h = lab.engine.host;
  const line = argv.join(' ');
  const ok = (stdout: string): { stdout: string; stderr: string; exitCode: number } => ({ stdout, stderr: '', exitCode: 0 });
  if (argv[0] === 'docker') return lab.engine.exec(argv);
  if (line === 'iptables-save') return ok(iptablesSave(lab.engine, h));
  if (/^ip (-4 )?a(ddr)?( show)?$/.test(line)) return ok(ipAddr(h));
  if (/^ip (-d )?l(ink)?( show)?$/.test(line)) return ok(ipLink(h, { details: argv.includes('-d') }));
  if (/^ip r(oute)?( show)?$/.test(line)) return ok(ipRoute(h));
  if (/^ip n(eigh)?( show)?$/.test(line)) return ok(ipNeigh(h));
  if (/^ss -l?[ntu]+$/.test(line)) return ok(ssListen(h));
  if (line === 'bridge fdb' || line === 'bridge fdb show') return ok(bridgeFdbShow(h.devices()).map((l) => l + '\n').join(''));
  if (/^bridge (-d )?link( show)?$/.test(line)) return ok(bridgeLinkShow(h.devices(), { details: argv.includes('-d') }).map((l) => l + '\n').join(''));
  if (argv[0] === 'iptables') {
    const r = (h.nf as unknown as { iptables(a: string[]): { stdout: string; stderr: string; exitCode: number } }).iptables(argv.slice(1));
    return r;
  }
  throw new UsageError(`exec host supports: docker …, iptables …, iptables-save, ip addr|link|route|neigh, ss -lntu, bridge fdb|link (got '${line}')`);
}

/** `dockernet observe SCENARIO_DIR --out DIR`: the oracle's observed/ files, from the emulator. */
export function cmdObserve(dir: string, outDir: string, g: GlobalOptions): number {
  scenarioFile(dir);
  const files = observeScenario(dir, { seed: seedOf(g) });
  for (const [rel, text] of files) {
    const p = join(outDir, rel);
    try {
      mkdirSync(dirname(p), { recursive: true });
    } catch (e) {
      throw new UsageError(`cannot create ${dirname(p)}: ${(e as Error).message}`);
    }
    writeOut(p, text);
  }
  out(`wrote ${files.size} files to ${outDir}\n`);
  return 0;
}

/** `dockernet oracle ORACLE_DIR`: net-* scenarios as a scenario × file table, rt-* as transcript steps. */
export function cmdOracle(dir: string, o: { json?: boolean; strict?: boolean; filter?: string; verbose?: boolean }, g: GlobalOptions): number {
  const r = runOracle(dir, { seed: seedOf(g), filter: o.filter });
  const base = existsSync(join(dir, 'scenarios')) ? join(dir, 'scenarios') : dir;
  const seed = typeof seedOf(g) === 'number' ? (seedOf(g) as number) : 1;
  const rt = existsSync(base) ? replayAllRuntimeScenarios(base, { seed, makeEngine: runtimeReplayEngine }).filter((x) => !o.filter || x.scenario.includes(o.filter)) : [];
  if (!r.rows.length && !r.errors.size && !rt.length) throw new UsageError(`no oracle scenarios (net-*, rt-* with observed/) under ${dir}`);
  const rtBad = rt.reduce((n, x) => n + x.mismatched, 0);
  if (o.json) {
    const errors = Object.fromEntries([...r.errors].map(([k, v]) => [k, v.split('\n')[0]]));
    const runtime = rt.map((x) => ({ scenario: x.scenario, steps: x.lines.length, matched: x.matched, mismatched: x.mismatched }));
    out(JSON.stringify({ totals: r.totals, rows: r.rows, errors, runtime }, null, 2) + '\n');
  } else {
    if (r.rows.length || r.errors.size) out(formatOracleTable(r));
    if (rt.length) out(`${r.rows.length ? '\n' : ''}runtime scenarios (transcript steps):\n${formatReplayReport(rt, o.verbose === true)}`);
  }
  return o.strict && (r.totals.mismatch || r.totals.missing || r.errors.size || rtBad) ? 1 : 0;
}

/** Loads a Compose file into a lab (returns the lab and the docker commands). */
export function composeLab(file: string, g: GlobalOptions, projectName?: string): { lab: Lab; steps: ReturnType<typeof composeCommands> } {
  const text = readText(file);
  const project = loadCompose(text, { project: projectName, dirName: basename(dirname(resolve(file))) });
  const lab = new Lab(new Engine({ seed: seedOf(g) }));
  const images = lab.engine.runtime.exec(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);
  const steps = composeCommands(project, { knownImages: images });
  lab.scenario = `${basename(file)} (project ${project.name})`;
  lab.replay(steps.map((s) => s.line).join('\n'));
  return { lab, steps };
}

/** `dockernet compose FILE` (prints the docker commands) and `compose FILE up` (replays them). */
export function cmdCompose(file: string, action: string, rest: Record<string, unknown>, g: GlobalOptions): number {
  const { lab, steps } = composeLab(file, g, rest.projectName as string | undefined);
  switch (action) {
    case 'config':
      out(steps.map((s) => `# ${s.from}\n${s.line}\n`).join(''));
      return 0;
    case 'up':
      out(replayText(lab.replayed));
      return lab.replayed.some((r) => r.exitCode !== 0) ? 1 : 0;
    case 'trace':
      if (!rest.from || !rest.to) throw new UsageError('compose trace needs --from and --to');
      return traceLab(lab, { ...(rest as unknown as TraceCliOptions), format: (rest.format as TraceCliOptions['format']) ?? 'text' }, g);
    case 'reach': {
      const f = (rest.format as string | undefined) ?? 'table';
      if (!['table', 'tsv', 'json'].includes(f)) throw new UsageError(`reach: --format must be table, tsv or json (got '${f}')`);
      return reachLab(lab, { format: f as ReachCliOptions['format'], pcap: rest.pcap as string | undefined, explain: rest.explain !== false }, g);
    }
    case 'graph': {
      const f = (rest.format as string | undefined) ?? 'mermaid';
      if (f !== 'mermaid' && f !== 'dot') throw new UsageError(`graph: --format must be mermaid or dot (got '${f}')`);
      return graphLab(lab, f);
    }
    default:
      throw new UsageError(`unknown compose action '${action}' (config, up, trace, reach, graph)`);
  }
}

/** Splits a command given as one string (`exec S web "ip addr"`). */
export function argvOf(words: string[]): string[] {
  return words.length === 1 && /\s/.test(words[0]!) ? splitCommandLine(words[0]!) : words;
}
