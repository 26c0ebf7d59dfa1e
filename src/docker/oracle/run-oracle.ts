/**
 * `dockernet oracle`: observes every net-* scenario of an oracle folder and diffs each file of
 * its observed/ folder, giving a row per (scenario, file) and totals, plus a text table.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { observeScenario, type ObserveOptions } from './observe.js';

/** Status of one observed file. */
export type OracleStatus = 'match' | 'mismatch' | 'missing';

/** One (scenario, file) comparison. */
export interface OracleRow {
  scenario: string;
  file: string;
  status: OracleStatus;
}

/** Result of {@link runOracle}. */
export interface OracleResult {
  rows: OracleRow[];
  totals: { match: number; mismatch: number; missing: number; files: number };
  /** Emulator output by scenario (path → text), for diffs. */
  produced: Map<string, Map<string, string>>;
  /** Scenarios that threw, with the error text. */
  errors: Map<string, string>;
}

/** Options of {@link runOracle}. */
export interface OracleOptions extends ObserveOptions {
  /** Only scenarios whose folder name contains this. */
  filter?: string;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Scenario folders (net-*) under `oracleDir` (or `oracleDir/scenarios`). */
export function scenarioDirs(oracleDir: string): string[] {
  const base = existsSync(join(oracleDir, 'scenarios')) ? join(oracleDir, 'scenarios') : oracleDir;
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((d) => d.startsWith('net-') && existsSync(join(base, d, 'scenario.docker')) && existsSync(join(base, d, 'observed')))
    .sort()
    .map((d) => join(base, d));
}

/** Runs every scenario of one or more oracle folders and compares the files. */
export function runOracle(oracleDirs: string | string[], opts: OracleOptions = {}): OracleResult {
  const res: OracleResult = { rows: [], totals: { match: 0, mismatch: 0, missing: 0, files: 0 }, produced: new Map(), errors: new Map() };
  const dirs = (Array.isArray(oracleDirs) ? oracleDirs : [oracleDirs]).flatMap(scenarioDirs);
  for (const dir of dirs) {
    const scen = dir.slice(dir.lastIndexOf('/') + 1);
    if (opts.filter && !scen.includes(opts.filter)) continue;
    let got = new Map<string, string>();
    try {
      got = observeScenario(dir, opts);
    } catch (e) {
      res.errors.set(scen, (e as Error).stack ?? String(e));
    }
    res.produced.set(scen, got);
    const obs = join(dir, 'observed');
    for (const p of walk(obs)) {
      const rel = relative(obs, p);
      const want = readFileSync(p, 'utf8');
      const have = got.get(rel);
      const status: OracleStatus = have === undefined ? 'missing' : have === want ? 'match' : 'mismatch';
      res.rows.push({ scenario: scen, file: rel, status });
      res.totals[status]++;
      res.totals.files++;
    }
  }
  return res;
}

/** The kind of a file for the table (`containers/*\/hosts.txt` for per-container files). */
export function fileKind(rel: string): string {
  const m = /^containers\/[^/]+\/(.+)$/.exec(rel);
  if (m) return `containers/*/${m[1]}`;
  const n = /^networks\/[^/]+\.json$/.exec(rel);
  if (n) return 'networks/*.json';
  return rel;
}

/** A scenario × file-kind table: `ok` when every file of the kind matches, else `k/n`. */
export function formatOracleTable(r: OracleResult): string {
  const scens = [...new Set(r.rows.map((x) => x.scenario))];
  const kinds = [...new Set(r.rows.map((x) => fileKind(x.file)))].sort();
  const cell = new Map<string, { ok: number; n: number }>();
  for (const x of r.rows) {
    const k = `${x.scenario}|${fileKind(x.file)}`;
    const c = cell.get(k) ?? { ok: 0, n: 0 };
    c.n++;
    if (x.status === 'match') c.ok++;
    cell.set(k, c);
  }
  const short = scens.map((s) => s.slice(0, 6));
  const w = Math.max(...kinds.map((k) => k.length), 4);
  let out = 'file'.padEnd(w) + ' ' + short.map((s) => s.padStart(7)).join('') + '\n';
  for (const k of kinds) {
    out += k.padEnd(w) + ' ';
    for (const s of scens) {
      const c = cell.get(`${s}|${k}`);
      out += (c ? (c.ok === c.n ? 'ok' : `${c.ok}/${c.n}`) : '-').padStart(7);
    }
    out += '\n';
  }
  const t = r.totals;
  out += `\ntotal: ${t.match}/${t.files} files match (${t.mismatch} mismatch, ${t.missing} missing)\n`;
  for (const [s, err] of r.errors) out += `error in ${s}: ${err.split('\n')[0]}\n`;
  return out;
}
