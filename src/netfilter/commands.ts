/**
 * Executes `iptables` invocations and `iptables-restore` input against a {@link Ruleset}, with
 * the errors and exit codes of iptables 1.8.9 (nf_tables).
 *
 * @module
 */
import { formatIptablesError, formatRestoreError, paramError, RestoreError, XtError } from './errors.js';
import { checkChainName, internName, parseIptablesArgs, type XtInvocation } from './parse.js';
import { ruleSpec, specHash, type Rule } from './rule.js';
import { Chain, isTableName, jumpGraphChanged, Ruleset, Table, targetTableAllowed, type TableName } from './table.js';
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
  const old = op === 'RULE_REPLACE' ? c.replace(idx, r) : null;
  if (!old) c.insert(idx, r);
  // only a jump can close a loop, and only hook-restricted targets can be misplaced
  const k = r.target.kind;
  const needsCheck = k === 'jump' || k === 'REJECT' || k === 'DNAT' || k === 'SNAT' || k === 'MASQUERADE' || k === 'REDIRECT';
  const bad = needsCheck ? t.checkPlaced(c, r) : null;
  if (bad) {
    if (old) c.replace(idx, old);
    else c.remove(idx);
    throw ruleOpFailed(op, bad === 'loop' ? 'Too many links' : 'Invalid argument', c.name);
  }
}

/**
 * A chain's rules by {@link specHash} (computed from the rule's fields: no specification text is
 * built to index a rule or to look one up, only to confirm a candidate whose hash matches). Kept up
 * to date by `-A`, `-I` and `-D` by rule; any other change of the chain (its {@link Chain.version}
 * moves on) makes it stale, and a stale index is rebuilt on the next lookup.
 */
interface SpecIndex {
  version: number;
  byHash: Map<number, Rule | Rule[]>;
}

function bucketAdd(m: Map<number, Rule | Rule[]>, h: number, r: Rule): void {
  const b = m.get(h);
  if (b === undefined) m.set(h, r);
  else if (Array.isArray(b)) b.push(r);
  else m.set(h, [b, r]);
}

function bucketRemove(m: Map<number, Rule | Rule[]>, h: number, r: Rule): void {
  const b = m.get(h);
  if (b === r) m.delete(h);
  else if (Array.isArray(b)) {
    const i = b.indexOf(r);
    if (i >= 0) b.splice(i, 1);
    if (b.length === 1) m.set(h, b[0]!);
  }
}

function specIndexOf(c: Chain): SpecIndex {
  let ix = c.specIndex as SpecIndex | null;
  if (ix === null || ix.version !== c.version) {
    const byHash = new Map<number, Rule | Rule[]>();
    for (const r of c.rules) bucketAdd(byHash, specHash(r), r);
    ix = { version: c.version, byHash };
    c.specIndex = ix;
  }
  return ix;
}

/** The first rule of `c` whose specification is that of `r` (its index), or -1. */
function findBySpec(c: Chain, r: Rule): number {
  const b = specIndexOf(c).byHash.get(specHash(r));
  if (b === undefined) return -1;
  const cands = Array.isArray(b) ? b : [b];
  // the texts are built only here, for the candidates of a matching hash (the probe's once)
  let spec: string | null = null;
  let best = -1;
  for (const x of cands) {
    if (x !== r) {
      spec ??= ruleSpec(r);
      if (ruleSpec(x) !== spec) continue;
    }
    const i = c.rules.indexOf(x);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** Records in `c`'s index (if it was current before the change) that `r` was added (`delta` 1) or removed (-1). */
function indexUpdate(c: Chain, r: Rule, delta: 1 | -1, versionBefore: number): void {
  const ix = c.specIndex as SpecIndex | null;
  if (ix === null || ix.version !== versionBefore) return;
  const h = specHash(r);
  if (delta > 0) bucketAdd(ix.byHash, h, r);
  else bucketRemove(ix.byHash, h, r);
  ix.version = c.version;
}

/** What a command needs of its ruleset besides the table: a way to mark the rules changed. */
interface Toucher {
  touch(): void;
}

function natDropCheck(t: Table, inv: XtInvocation): void {
  if (t.name === 'nat' && ((inv.rule && inv.rule.target.kind === 'DROP') || (inv.cmd === 'P' && inv.arg2 === 'DROP')))
    throw new XtError('param', '\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n');
}

/** Applies a parsed invocation to `rs`; returns stdout. Throws {@link XtError}. */
export function execInvocation(rs: Ruleset, inv: XtInvocation): string {
  const t = getTable(rs, inv.table);
  return execTable(t, inv, rs);
}

/**
 * `iptables -t T -C CHAIN RULE` without an exception: whether the invocation's rule is in its
 * chain (false as well when the table or chain is missing, as `-C` would exit 1). For callers that
 * probe before adding (libnetwork's `Exists`/`ProgramRule`), where a miss is the common case and
 * building an error per probe would cost more than the lookup.
 */
export function hasRule(rs: Ruleset, inv: XtInvocation): boolean {
  if (!inv.rule || !isTableName(inv.table)) return false;
  const t = rs.tables[inv.table];
  if (!t.materialized) return false;
  const c = t.chains.get(inv.chain);
  // an empty chain (a fresh engine's DOCKER and isolation chains) answers without the rule's text
  return c !== undefined && c.rules.length !== 0 && findBySpec(c, inv.rule) >= 0;
}

function execTable(t: Table, inv: XtInvocation, rs: Toucher): string {
  natDropCheck(t, inv);
  const out = execOn(t, inv, rs);
  // nf_tables creates the table (with its base chains) only when a change is committed
  if (inv.cmd === 'A' || inv.cmd === 'I' || inv.cmd === 'R' || inv.cmd === 'N' || inv.cmd === 'P' || inv.cmd === 'E') t.exists = true;
  return out;
}

function execOn(t: Table, inv: XtInvocation, rs: Toucher): string {
  switch (inv.cmd) {
    case 'A': {
      const c = t.get(inv.chain);
      const v = c.version;
      placeRule(t, c, 'RULE_APPEND', c.rules.length, inv.rule!);
      indexUpdate(c, inv.rule!, 1, v);
      rs.touch();
      return '';
    }
    case 'I': {
      const c = t.get(inv.chain);
      const n = inv.num || 1;
      if (n > c.rules.length + 1) throw new XtError('other', 'Index of insertion too big.');
      const v = c.version;
      placeRule(t, c, 'RULE_INSERT', n - 1, inv.rule!);
      indexUpdate(c, inv.rule!, 1, v);
      rs.touch();
      return '';
    }
    case 'R': {
      const c = t.get(inv.chain);
      if (inv.num > c.rules.length) throw new XtError('other', 'No chain/target/match by that name.');
      placeRule(t, c, 'RULE_REPLACE', inv.num - 1, inv.rule!);
      rs.touch();
      return '';
    }
    case 'D': {
      const c = t.get(inv.chain);
      if (inv.rule === null) {
        if (!t.exists) throw new XtError('other', 'No chain/target/match by that name.');
        if (inv.num > c.rules.length) throw new XtError('other', 'Index of deletion too big.');
        c.remove(inv.num - 1);
      } else {
        const i = findBySpec(c, inv.rule);
        if (i < 0) throw new XtError('other', 'Bad rule (does a matching rule exist in that chain?).');
        const v = c.version;
        const gone = c.remove(i);
        indexUpdate(c, gone, -1, v);
      }
      rs.touch();
      return '';
    }
    case 'C': {
      const c = t.get(inv.chain);
      if (findBySpec(c, inv.rule!) < 0) throw new XtError('other', 'Bad rule (does a matching rule exist in that chain?).');
      return '';
    }
    case 'N': {
      checkChainName(inv.chain);
      if (t.chains.has(inv.chain)) throw new XtError('other', 'Chain already exists.');
      t.chains.set(inv.chain, new Chain(inv.chain, -1, null));
      jumpGraphChanged();
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
      jumpGraphChanged();
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
        // a staged copy shares its rule objects with the live table: zero copies, not the originals
        if (t.sharesRules) c.rules = c.rules.map((r) => ({ ...r, pkts: 0, bytes: 0 }));
        else for (const r of c.rules) r.pkts = r.bytes = 0;
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
        if (ch.jumps().has(inv.chain))
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
  if (line.indexOf('"') < 0) {
    // no quoting: plain whitespace splitting
    const out: string[] = [];
    let start = -1;
    for (let i = 0; i <= line.length; i++) {
      const ch = i < line.length ? line.charCodeAt(i) : 32;
      if (ch === 32 || ch === 9 || ch === 10 || ch === 13) {
        if (start >= 0) out.push(line.slice(start, i));
        start = -1;
      } else if (start < 0) start = i;
    }
    return out;
  }
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

const CHAIN_LINE = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?\s*$/;
const COUNTERS_PREFIX = /^\[(\d+):(\d+)\]\s+/;
const ANY_TABLE = (): boolean => true;

/**
 * Applies `iptables-restore` input to `rs` atomically: on any error nothing changes and a
 * {@link RestoreError} carries iptables-restore's exact stderr text and exit code.
 *
 * Linear in the input: each table is staged once (a flushed shell, or with `--noflush` a copy
 * sharing the rule objects), each rule line is parsed and placed with the incremental checks, and
 * COMMIT checks chains and jump edges only.
 */
export function runRestore(rs: Ruleset, text: string, opts: RestoreOptions = {}): void {
  const staged = new Map<TableName, Table>();
  let cur: Table | null = null;
  let lineNo = 0;
  const fail = (e: XtError, at: number): never => {
    throw new RestoreError(formatRestoreError(e, at).replace(/\n$/, ''), e.kind === 'table' ? 2 : e.exitCode, at);
  };
  const noTouch: Toucher = { touch() {} };
  let pos = 0;
  const end = text.length > 0 && text.charCodeAt(text.length - 1) === 10 ? text.length - 1 : text.length;
  // lines as `text.split('\n')` gives them, without a last empty one after a final newline
  while (text.length > 0 && pos <= end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > end) nl = end;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    lineNo++;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    const c0 = line.charCodeAt(0);
    // fast path for the common rule line (`-A …`); anything else is trimmed and classified
    if (c0 !== 45) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
    }
    try {
      if (c0 === 42 /* * */) {
        if (cur) throw new XtError('bare', `Bad argument \`${line}'`);
        const name = line.slice(1).trim();
        if (!isTableName(name)) throw new XtError('table', name);
        const base = staged.get(name) ?? (opts.noflush ? rs.tables[name].copy() : rs.tables[name].flushed());
        if (!opts.noflush) {
          for (const c of [...base.chains.values()]) {
            if (c.builtin) c.rules = [];
            else base.chains.delete(c.name);
          }
          jumpGraphChanged();
        }
        base.exists = true;
        staged.set(name, base);
        cur = base;
        continue;
      }
      if (c0 !== 45 && line.trim() === 'COMMIT') {
        if (!cur) throw new XtError('other', '');
        // jump targets are resolved when the batch is built, at COMMIT
        for (const c of cur.chains.values())
          for (const to of c.jumps().keys()) if (!cur.chains.has(to)) throw paramError(`Chain '${to}' does not exist`);
        const bad = cur.check();
        if (bad) throw new XtError('batch', `TABLE_COMMIT failed (${bad === 'loop' ? 'Too many links' : 'Invalid argument'})`);
        cur = null;
        continue;
      }
      if (!cur) throw new XtError('other', '');
      if (c0 === 58 /* : */) {
        const m = CHAIN_LINE.exec(line);
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
            const own = internName(name!);
            c = new Chain(own, -1, null);
            cur.chains.set(own, c);
            jumpGraphChanged();
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
      if (c0 === 91 /* [ */) {
        const cm = COUNTERS_PREFIX.exec(body);
        if (cm) {
          pk = Number(cm[1]);
          by = Number(cm[2]);
          body = body.slice(cm[0].length);
        }
      }
      const argv = tokenizeRestoreLine(body);
      if (argv.length === 0) continue;
      if (!argv[0]!.startsWith('-')) throw new XtError('bare', `Bad argument \`${argv[0]}'`);
      const table = cur;
      const inv = parseIptablesArgs(argv, ANY_TABLE, table.name);
      if (inv.table !== table.name) throw new XtError('other', '');
      if (inv.cmd === 'L' || inv.cmd === 'S') continue;
      execTable(table, inv, noTouch);
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
  for (const [name, t] of staged) {
    t.sharesRules = false;
    rs.tables[name] = t;
  }
  if (staged.size) rs.touch();
}
