/**
 * Executes `iptables` invocations and `iptables-restore` input against a {@link Ruleset}, with
 * the errors and exit codes of iptables 1.8.9 (nf_tables).
 *
 * @module
 */
import { formatIptablesError, formatRestoreError, paramError, RestoreError, XtError } from './errors.js';
import { checkChainName, parseIptablesArgs, type XtInvocation } from './parse.js';
import { ruleSpec, type Rule } from './rule.js';
import { Chain, isTableName, Ruleset, Table, targetTableAllowed, type TableName } from './table.js';
import { listRulesText, listText } from './text.js';

/** Result of one `iptables` run. */
export interface XtResult {
  /** Exit status. */
  exitCode: number;
  /** Standard output text. */
  stdout: string;
  /** Standard error text. */
  stderr: string;
}

function getTable(rs: Ruleset, name: string): Table {
  if (!isTableName(name)) throw new XtError('table', `table '${name}' does not exist`);
  return rs.tables[name];
}

function ruleOpFailed(op: string, why: string, chain: string): XtError {
  return new XtError('batch', `${op} failed (${why}): rule in chain ${chain}`);
}

/** Adds/replaces a rule and runs the commit-time checks; undoes the change and throws on failure. */
function placeRule(t: Table, c: Chain, op: 'RULE_APPEND' | 'RULE_INSERT' | 'RULE_REPLACE', idx: number, r: Rule): void {
  if (!targetTableAllowed(t.name, r)) throw ruleOpFailed(op, 'Invalid argument', c.name);
  const old = op === 'RULE_REPLACE' ? c.rules[idx]! : null;
  if (op === 'RULE_REPLACE') c.rules[idx] = r;
  else c.rules.splice(idx, 0, r);
  // only a jump can close a loop, and only hook-restricted targets can be misplaced
  const k = r.target.kind;
  const needsCheck = k === 'jump' || k === 'REJECT' || k === 'DNAT' || k === 'SNAT' || k === 'MASQUERADE' || k === 'REDIRECT';
  const bad = needsCheck ? t.check() : null;
  if (bad) {
    if (old) c.rules[idx] = old;
    else c.rules.splice(idx, 1);
    throw ruleOpFailed(op, bad === 'loop' ? 'Too many links' : 'Invalid argument', c.name);
  }
}

/**
 * A chain's rules by specification (spec -> count), for `-C`/`-D` by rule on long chains. `-A`,
 * `-I` and `-D` by rule keep it up to date; `-R` and `-D` by number drop it; every other change
 * (flush, rename, restore) gives the chain a new rule array, which makes it stale. A stale index is
 * rebuilt on the next lookup.
 */
interface SpecIndex {
  rules: Rule[];
  len: number;
  specs: Map<string, number>;
}
const specIndexes = new WeakMap<Chain, SpecIndex>();

function specIndexOf(c: Chain): SpecIndex {
  let ix = specIndexes.get(c);
  if (ix === undefined || ix.rules !== c.rules || ix.len !== c.rules.length) {
    const specs = new Map<string, number>();
    for (const r of c.rules) {
      const k = ruleSpec(r);
      specs.set(k, (specs.get(k) ?? 0) + 1);
    }
    ix = { rules: c.rules, len: c.rules.length, specs };
    specIndexes.set(c, ix);
  }
  return ix;
}

/** Records in `c`'s index (if it has a current one) that `r` was added (`delta` 1) or removed (-1). */
function indexUpdate(c: Chain, r: Rule, delta: 1 | -1, lenBefore: number): void {
  const ix = specIndexes.get(c);
  if (ix === undefined || ix.rules !== c.rules || ix.len !== lenBefore) return;
  const k = ruleSpec(r);
  const n = (ix.specs.get(k) ?? 0) + delta;
  if (n > 0) ix.specs.set(k, n);
  else ix.specs.delete(k);
  ix.len = c.rules.length;
}

/** Applies a parsed invocation to `rs`; returns stdout. Throws {@link XtError}. */
export function execInvocation(rs: Ruleset, inv: XtInvocation): string {
  const t = getTable(rs, inv.table);
  if (t.name === 'nat' && ((inv.rule && inv.rule.target.kind === 'DROP') || (inv.cmd === 'P' && inv.arg2 === 'DROP')))
    throw new XtError('param', '\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n');
  const out = execOn(t, inv, rs);
  // nf_tables creates the table (with its base chains) only when a change is committed
  if (inv.cmd === 'A' || inv.cmd === 'I' || inv.cmd === 'R' || inv.cmd === 'N' || inv.cmd === 'P' || inv.cmd === 'E') t.exists = true;
  return out;
}

function execOn(t: Table, inv: XtInvocation, rs: Ruleset): string {
  switch (inv.cmd) {
    case 'A': {
      const c = t.get(inv.chain);
      const len = c.rules.length;
      placeRule(t, c, 'RULE_APPEND', len, inv.rule!);
      indexUpdate(c, inv.rule!, 1, len);
      rs.touch();
      return '';
    }
    case 'I': {
      const c = t.get(inv.chain);
      const n = inv.num || 1;
      if (n > c.rules.length + 1) throw new XtError('other', 'Index of insertion too big.');
      const len = c.rules.length;
      placeRule(t, c, 'RULE_INSERT', n - 1, inv.rule!);
      indexUpdate(c, inv.rule!, 1, len);
      rs.touch();
      return '';
    }
    case 'R': {
      const c = t.get(inv.chain);
      if (inv.num > c.rules.length) throw new XtError('other', 'No chain/target/match by that name.');
      placeRule(t, c, 'RULE_REPLACE', inv.num - 1, inv.rule!);
      specIndexes.delete(c);
      rs.touch();
      return '';
    }
    case 'D': {
      const c = t.get(inv.chain);
      if (inv.rule === null) {
        if (!t.exists) throw new XtError('other', 'No chain/target/match by that name.');
        if (inv.num > c.rules.length) throw new XtError('other', 'Index of deletion too big.');
        c.rules.splice(inv.num - 1, 1);
        specIndexes.delete(c);
      } else {
        const spec = ruleSpec(inv.rule);
        const i = specIndexOf(c).specs.has(spec) ? c.rules.findIndex((r) => ruleSpec(r) === spec) : -1;
        if (i < 0) throw new XtError('other', 'Bad rule (does a matching rule exist in that chain?).');
        const len = c.rules.length;
        const [gone] = c.rules.splice(i, 1);
        indexUpdate(c, gone!, -1, len);
        rs.touch();
        return '';
      }
      rs.touch();
      return '';
    }
    case 'C': {
      const c = t.get(inv.chain);
      const spec = ruleSpec(inv.rule!);
      if (!specIndexOf(c).specs.has(spec)) throw new XtError('other', 'Bad rule (does a matching rule exist in that chain?).');
      return '';
    }
    case 'N': {
      checkChainName(inv.chain);
      if (t.chains.has(inv.chain)) throw new XtError('other', 'Chain already exists.');
      t.chains.set(inv.chain, new Chain(inv.chain, -1, null));
      rs.touch();
      return '';
    }
    case 'X': {
      const victims = inv.chain ? [t.chains.get(inv.chain)] : [...t.chains.values()].filter((c) => !c.builtin);
      for (const c of victims) {
        if (!c || c.builtin) throw new XtError('other', 'No chain/target/match by that name.');
        if (c.rules.length > 0 || t.references(c.name) > 0)
          throw new XtError('batch', `CHAIN_DEL failed (Device or resource busy): chain ${c.name}`);
      }
      for (const c of victims) t.chains.delete(c!.name);
      rs.touch();
      return '';
    }
    case 'F': {
      const cs = inv.chain ? [t.get(inv.chain)] : [...t.chains.values()];
      for (const c of cs) c.rules = [];
      rs.touch();
      return '';
    }
    case 'Z': {
      const cs = inv.chain ? [t.get(inv.chain)] : [...t.chains.values()];
      for (const c of cs) {
        c.pkts = c.bytes = 0;
        for (const r of c.rules) r.pkts = r.bytes = 0;
      }
      return '';
    }
    case 'P': {
      const c = t.chains.get(inv.chain);
      if (!c || !c.builtin) throw new XtError('other', 'Bad built-in chain name.');
      if (inv.arg2 !== 'ACCEPT' && inv.arg2 !== 'DROP') throw new XtError('other', "Bad policy name. Run `dmesg' for more information.");
      c.policy = inv.arg2;
      rs.touch();
      return '';
    }
    case 'E': {
      const c = t.chains.get(inv.chain);
      if (!c || c.builtin) throw new XtError('other', 'No chain/target/match by that name.');
      // iptables 1.8.9 checks nothing about the new name (not even clashes with target names)
      if (t.chains.has(inv.arg2)) throw new XtError('other', 'File exists.');
      const entries = [...t.chains].map(([k, v]): [string, Chain] => (k === inv.chain ? [inv.arg2, v] : [k, v]));
      c.name = inv.arg2;
      t.chains = new Map(entries);
      for (const ch of t.chains.values())
        ch.rules = ch.rules.map((r) =>
          r.target.kind === 'jump' && r.target.chain === inv.chain ? { ...r, target: { ...r.target, chain: inv.arg2 } } : r,
        );
      rs.touch();
      return '';
    }
    case 'L':
      if (inv.chain && !t.chains.has(inv.chain))
        throw new XtError('other', `chain \`${inv.chain}' in table \`${t.name}' is incompatible, use 'nft' tool.`);
      return listText(t, inv.chain, inv);
    case 'S':
      if (inv.chain && !t.chains.has(inv.chain))
        throw new XtError('other', `chain \`${inv.chain}' in table \`${t.name}' is incompatible, use 'nft' tool.`);
      return listRulesText(t, inv.chain, inv.num, inv.verbose);
  }
}

/** Runs `iptables ARGV…` against `rs`, returning exit code, stdout and stderr like the real tool. */
export function runIptables(rs: Ruleset, argv: readonly string[]): XtResult {
  try {
    const inv = parseIptablesArgs(argv, (table, name) => isTableName(table) && rs.tables[table].chains.has(name));
    const stdout = execInvocation(rs, inv);
    return { exitCode: 0, stdout, stderr: '' };
  } catch (e) {
    if (e instanceof XtError) return { exitCode: e.exitCode, stdout: '', stderr: formatIptablesError(e) };
    throw e;
  }
}

/** Splits an iptables-restore rule line into arguments (double quotes group, `\"` escapes). */
export function tokenizeRestoreLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inTok = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\' || line[i + 1] === "'")) {
        cur += line[++i];
      } else if (ch === '"') quoted = false;
      else cur += ch;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      inTok = true;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inTok) out.push(cur);
      cur = '';
      inTok = false;
      continue;
    }
    cur += ch;
    inTok = true;
  }
  if (quoted) throw new XtError('bare', `Bad argument \`${cur}\n'`);
  if (inTok) out.push(cur);
  return out;
}

/** Options of {@link runRestore}. */
export interface RestoreOptions {
  /** `--noflush`: keep existing rules and chains of the tables named in the input. */
  noflush?: boolean;
  /** `--counters`: take chain and rule counters from the input. */
  counters?: boolean;
  /** `--test`: parse and check only, change nothing. */
  test?: boolean;
}

/**
 * Applies `iptables-restore` input to `rs` atomically: on any error nothing changes and a
 * {@link RestoreError} carries iptables-restore's exact stderr text and exit code.
 */
export function runRestore(rs: Ruleset, text: string, opts: RestoreOptions = {}): void {
  const staged = new Map<TableName, Table>();
  let cur: Table | null = null;
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let lineNo = 0;
  const fail = (e: XtError, at: number): never => {
    throw new RestoreError(formatRestoreError(e, at).replace(/\n$/, ''), e.kind === 'table' ? 2 : e.exitCode, at);
  };
  for (const raw of lines) {
    lineNo++;
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    try {
      if (line.startsWith('*')) {
        if (cur) throw new XtError('bare', `Bad argument \`${line}'`);
        const name = line.slice(1).trim();
        if (!isTableName(name)) throw new XtError('table', name);
        const base = staged.get(name) ?? rs.tables[name].clone();
        if (!opts.noflush) {
          for (const c of [...base.chains.values()]) {
            if (c.builtin) c.rules = [];
            else base.chains.delete(c.name);
          }
        }
        base.exists = true;
        staged.set(name, base);
        cur = base;
        continue;
      }
      if (trimmed === 'COMMIT') {
        if (!cur) throw new XtError('other', '');
        // jump targets are resolved when the batch is built, at COMMIT
        for (const c of cur.chains.values())
          for (const r of c.rules)
            if (r.target.kind === 'jump' && !cur.chains.has(r.target.chain)) throw paramError(`Chain '${r.target.chain}' does not exist`);
        cur = null;
        continue;
      }
      if (!cur) throw new XtError('other', '');
      if (line.startsWith(':')) {
        const m = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?\s*$/.exec(line);
        if (!m) throw new XtError('bare', `Bad argument \`${line}'`);
        const [, name, policy, pk, by] = m;
        let c = cur.chains.get(name!);
        if (c && c.builtin) {
          if (policy !== '-') {
            if (policy !== 'ACCEPT' && policy !== 'DROP') throw new XtError('other', 'Bad policy name.');
            c.policy = policy;
          }
        } else {
          if (!c) {
            checkChainName(name!);
            c = new Chain(name!, -1, null);
            cur.chains.set(name!, c);
          } else if (opts.noflush) c.rules = [];
        }
        if (opts.counters && pk !== undefined) {
          c.pkts = Number(pk);
          c.bytes = Number(by);
        }
        continue;
      }
      let body = line;
      let pk = -1;
      let by = -1;
      const cm = /^\[(\d+):(\d+)\]\s+/.exec(body);
      if (cm) {
        pk = Number(cm[1]);
        by = Number(cm[2]);
        body = body.slice(cm[0].length);
      }
      const argv = tokenizeRestoreLine(body);
      if (argv.length === 0) continue;
      if (!argv[0]!.startsWith('-')) throw new XtError('bare', `Bad argument \`${argv[0]}'`);
      const table = cur;
      const inv = parseIptablesArgs(['-t', table.name, ...argv], () => true);
      if (inv.table !== table.name) throw new XtError('other', '');
      if (inv.cmd === 'L' || inv.cmd === 'S') continue;
      const shadow = new Ruleset();
      shadow.tables[table.name] = table;
      execInvocation(shadow, inv);
      if (opts.counters && pk >= 0 && inv.rule && (inv.cmd === 'A' || inv.cmd === 'I')) {
        inv.rule.pkts = pk;
        inv.rule.bytes = by;
      }
    } catch (e) {
      if (e instanceof XtError) fail(e, lineNo);
      throw e;
    }
  }
  if (cur) throw new RestoreError(`iptables-restore: COMMIT expected at line ${lineNo + 1}`, 1, lineNo + 1);
  if (opts.test) return;
  for (const [name, t] of staged) rs.tables[name] = t;
  if (staged.size) rs.touch();
}
