/**
 * Replays a runtime oracle scenario (shared/oracle/scenarios/rt-*) against the model and compares
 * it, step by step, with `observed/transcript.txt` after the same normalisation the oracle uses.
 *
 * Each `docker ...` line runs through the engine's `exec`; `#@probe` lines run the model's
 * version of the probe (see probes.ts) or are reported as not modelled; `#@sleep S` advances
 * virtual time by S seconds; between commands virtual time advances by `stepGap` (0.25 s).
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Sim } from '../../core/scheduler.js';
import { Rng } from '../../core/rng.js';
import { seconds, type Nanos } from '../../core/time.js';
import { Runtime, type ExecResult, type RuntimeOptions } from '../runtime.js';
import { splitCommandLine } from '../cli/split.js';
import { Normalizer, reorder, eventLine, type Snapshot } from './normalize.js';
import { runProbe } from './probes.js';
import type { EngineEvent } from '../events.js';

/** What the harness drives: the runtime, or an engine built on it (the network layer's). */
export interface ReplayEngine {
  runtime: Runtime;
  exec(argv: string[]): ExecResult;
  /** Networks as [full id, name] (for `<net:NAME>` labels). */
  networks?(): Array<[string, string]>;
}

/** Options of {@link replayRuntimeScenario}. */
export interface ReplayOptions {
  /** Builds the engine; receives the runtime options the oracle's lab needs. Default: a bare Runtime. */
  makeEngine?: (opts: RuntimeOptions) => ReplayEngine;
  /** Rng seed (default 1). */
  seed?: number;
  /** Virtual time between two commands (default 0.25 s). */
  stepGap?: Nanos;
}

/** One compared step. */
export interface ReplayStep {
  line: number;
  kind: 'docker' | 'probe';
  cmd: string;
  /** The observed block (normalised transcript text), or null when the capture has no such step. */
  expected: string | null;
  /** The model's block, or null for a probe the model does not implement. */
  actual: string | null;
  matched: boolean;
}

/** Result of a replay. */
export interface ReplayResult {
  scenario: string;
  lines: ReplayStep[];
  matched: number;
  mismatched: number;
  /** The model's normalised transcript (same format as observed/transcript.txt). */
  transcript: string;
  /** Normalised event lines, model and observed. */
  events: { actual: string[]; expected: string[] };
}

const LAB = '/tmp/kernel-lab2';

function userNames(lines: string[]): Set<string> {
  const names = new Set<string>();
  for (const l of lines) {
    const s = l.trim();
    if (!s.startsWith('docker ')) continue;
    const t = splitCommandLine(s);
    t.forEach((w, i) => {
      if (w === '--name' && t[i + 1]) names.add(t[i + 1]!);
      else if (w.startsWith('--name=')) names.add(w.slice(7));
    });
    if (t[1] === 'rename' && t[3]) names.add(t[3]);
  }
  return names;
}

function snapshot(e: ReplayEngine): Snapshot {
  const rt = e.runtime;
  const imgs = [...rt.images.images.values()].sort((a, b) => (a.config.created < b.config.created ? 1 : a.config.created > b.config.created ? -1 : 0));
  const images: Array<[string, string]> = [];
  for (const i of imgs) {
    const tags = rt.images.tagsOf(i.id);
    if (!tags.length) images.push([i.id, '<none>:<none>']);
    for (const t of tags) images.push([i.id, t]);
  }
  return {
    containers: rt.store.list().map((c) => [c.id, c.name.slice(1)]),
    images,
    volumes: rt.volumes.list().map((v) => v.name),
    networks: e.networks?.() ?? [],
  };
}

/** Splits a transcript into blocks keyed by `L<line>`. */
export function parseTranscript(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const parts = text.split(/^(?==== \[L\d+\] )/m);
  for (const p of parts) {
    const m = /^=== \[L(\d+)\] /.exec(p);
    if (m) out.set(Number(m[1]), p.replace(/\n+$/, ''));
  }
  return out;
}

function block(line: number, cmd: string, rc: number | string, o: string, e: string): string {
  const t = [`=== [L${line}] ${cmd}`, `rc=${rc}`];
  if (o) t.push('--- stdout', o.replace(/\n+$/, ''));
  if (e) t.push('--- stderr', e.replace(/\n+$/, ''));
  if (!o && !e) t.push('(no output)');
  return t.join('\n');
}

/** Replays `dir` (a scenario folder) and compares with its observed transcript. */
export function replayRuntimeScenario(dir: string, opts: ReplayOptions = {}): ReplayResult {
  const sim = new Sim();
  const rng = new Rng(opts.seed ?? 1);
  const ropts: RuntimeOptions = { sim, rng, cliStyle: 'v28', hostname: 'vm', dataRoot: `${LAB}/data`, execRoot: `${LAB}/exec` };
  const engine: ReplayEngine = opts.makeEngine ? opts.makeEngine(ropts) : ((rt) => ({ runtime: rt, exec: (a: string[]) => rt.exec(a) }))(new Runtime(ropts));
  const rt = engine.runtime;
  // the whole stream, as the capture's `docker events` subscriber saw it (the log keeps only the last 256)
  const events: EngineEvent[] = [...rt.events.events];
  rt.events.subscribe((ev) => events.push(ev));
  const gap = opts.stepGap ?? seconds(0.25);
  const src = readFileSync(join(dir, 'scenario.docker'), 'utf8').split('\n');
  const probeSh = existsSync(join(dir, 'probe.sh')) ? readFileSync(join(dir, 'probe.sh'), 'utf8') : '';
  const raw: Array<{ line: number; kind: 'docker' | 'probe'; cmd: string; rc: number; stdout: string; stderr: string; modelled: boolean }> = [];
  const snaps: Snapshot[] = [];
  src.forEach((line, idx) => {
    const s = line.trim();
    const n = idx + 1;
    if (!s) return;
    if (s.startsWith('#@sleep')) {
      sim.advance(seconds(Number(s.split(/\s+/)[1])));
      return;
    }
    if (s.startsWith('#@probe')) {
      const [, name = '', ...args] = s.split(/\s+/);
      const out = runProbe(rt, name, args, probeSh);
      raw.push({ line: n, kind: 'probe', cmd: s, rc: 0, stdout: out ?? '', stderr: '', modelled: out !== null });
      snaps.push(snapshot(engine));
      return;
    }
    if (s.startsWith('#')) return;
    sim.advance(gap);
    const r = engine.exec(splitCommandLine(s));
    raw.push({ line: n, kind: 'docker', cmd: s, rc: r.exitCode, stdout: r.stdout, stderr: r.stderr, modelled: true });
    snaps.push(snapshot(engine));
  });
  const mini = rt.images.resolve('mini:latest');
  const norm = new Normalizer({ labDir: LAB, miniId: mini?.id ?? '', miniLayers: mini ? mini.config.rootfs.diff_ids : [], networks: engine.networks?.() ?? [], daemonCgroups: [] }, snaps, events, userNames(src));
  const expected = existsSync(join(dir, 'observed/transcript.txt')) ? parseTranscript(readFileSync(join(dir, 'observed/transcript.txt'), 'utf8')) : new Map<number, string>();
  const lines: ReplayStep[] = [];
  const blocks: string[] = [];
  for (const st of raw) {
    const o = reorder(st.cmd, norm.text(st.stdout));
    const e = norm.text(st.stderr);
    const actual = st.modelled ? block(st.line, st.cmd, st.rc, o, e) : null;
    if (actual) blocks.push(actual);
    const exp = expected.get(st.line) ?? null;
    lines.push({ line: st.line, kind: st.kind, cmd: st.cmd, expected: exp, actual, matched: actual !== null && exp !== null && actual === exp });
  }
  const users = userNames(src);
  const cname = (nm: string): string => (users.has(nm) ? nm : nm);
  const actualEvents = events.map((ev) => norm.text(eventLine(ev, cname)));
  const evPath = join(dir, 'observed/events.txt');
  const expectedEvents = existsSync(evPath) ? readFileSync(evPath, 'utf8').split('\n').filter(Boolean) : [];
  const matched = lines.filter((l) => l.matched).length;
  return { scenario: dir.replace(/\/+$/, '').split('/').pop()!, lines, matched, mismatched: lines.length - matched, transcript: blocks.join('\n\n') + '\n', events: { actual: actualEvents, expected: expectedEvents } };
}

/** Replays every `rt-*` scenario folder under `scenariosDir` (sorted by name). */
export function replayAllRuntimeScenarios(scenariosDir: string, opts: ReplayOptions = {}): ReplayResult[] {
  return readdirSync(scenariosDir)
    .filter((n) => n.startsWith('rt-') && existsSync(join(scenariosDir, n, 'scenario.docker')))
    .sort()
    .map((n) => replayRuntimeScenario(join(scenariosDir, n), opts));
}

/** A plain-text report: one line per scenario, then each mismatched step with a unified-style diff. */
export function formatReplayReport(results: readonly ReplayResult[], verbose = false): string {
  let s = '';
  for (const r of results) s += `${r.scenario}: ${r.matched}/${r.lines.length} steps match\n`;
  if (!verbose) return s;
  for (const r of results) {
    for (const l of r.lines) {
      if (l.matched) continue;
      s += `\n--- ${r.scenario} L${l.line}: ${l.cmd}\n`;
      const a = (l.expected ?? '(not captured)').split('\n');
      const b = (l.actual ?? '(not modelled)').split('\n');
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (a[i] === b[i]) continue;
        if (a[i] !== undefined) s += `- ${a[i]}\n`;
        if (b[i] !== undefined) s += `+ ${b[i]}\n`;
      }
    }
  }
  return s;
}
