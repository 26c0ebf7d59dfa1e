/**
 * Tables and chains (after iptables-nft's view of `table ip filter` & co.): built-in chains with
 * a hook and a policy, user chains, rules with counters, and the checks the kernel makes when a
 * batch is committed (jump loops, targets used at hooks where they are not allowed).
 *
 * A chain keeps a small summary of its rules (its jump edges and how many rules use each
 * hook-restricted target), so the commit checks walk the graph of chains, never the rules: adding
 * a rule checks only what that rule can change (as the kernel's `mark_source_chains` and
 * `check_target` would find, but incrementally). Tables and their chains are created on first use.
 *
 * @module
 */
import { NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING } from './hook.js';
import { XtError } from './errors.js';
import { cloneRule, ruleFlowCacheable, type Rule } from './rule.js';
import { withInserted } from '../core/arrays.js';

/** Table names in the order `iptables-save` (nf_tables) prints them. */
export const TABLE_NAMES = ['mangle', 'raw', 'filter', 'nat'] as const;
/** A table name. */
export type TableName = (typeof TABLE_NAMES)[number];

const HOOK_OF: Record<string, number> = {
  PREROUTING: NF_INET_PRE_ROUTING,
  INPUT: NF_INET_LOCAL_IN,
  FORWARD: NF_INET_FORWARD,
  OUTPUT: NF_INET_LOCAL_OUT,
  POSTROUTING: NF_INET_POST_ROUTING,
};

/** Built-in chains of each table, in the order iptables prints them. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/** Is `name` a table dockernet models? */
export function isTableName(name: string): name is TableName {
  return name === 'filter' || name === 'nat' || name === 'mangle' || name === 'raw';
}

const ALL_HOOKS = 0x1f;
/** Hooks (bit `1 << hook`) of each restricted target class: REJECT, DNAT/REDIRECT, SNAT, MASQUERADE. */
const CLASS_HOOKS = [
  (1 << NF_INET_LOCAL_IN) | (1 << NF_INET_FORWARD) | (1 << NF_INET_LOCAL_OUT),
  (1 << NF_INET_PRE_ROUTING) | (1 << NF_INET_LOCAL_OUT),
  (1 << NF_INET_POST_ROUTING) | (1 << NF_INET_LOCAL_IN),
  1 << NF_INET_POST_ROUTING,
];

/** Restricted target class of a rule (index into CLASS_HOOKS), -1 when it may run at any hook. */
function targetClass(r: Rule): number {
  switch (r.target.kind) {
    case 'REJECT':
      return 0;
    case 'DNAT':
    case 'REDIRECT':
      return 1;
    case 'SNAT':
      return 2;
    case 'MASQUERADE':
      return 3;
    default:
      return -1;
  }
}

/** Hooks (bit mask) where a rule's target may run, table restrictions aside. */
export function ruleHooks(r: Rule): number {
  const k = targetClass(r);
  return k < 0 ? ALL_HOOKS : CLASS_HOOKS[k]!;
}

let visitStamp = 0;
/**
 * Bumped whenever a jump edge may have changed in any table: a jump rule placed, removed or
 * replaced, a chain's rules assigned, a chain made, deleted or renamed. A chain's memo of the hooks
 * reaching it ({@link Table.hooksReaching}) holds while it carries the current value.
 */
let jumpEpoch = 0;
/** Invalidates every chain's memo of the hooks reaching it (a chain made, deleted or renamed outside {@link Chain}'s methods). */
export function jumpGraphChanged(): void {
  jumpEpoch++;
}
/** The chain stack and jump-name buffer of {@link Table.reaches} (grown as needed, emptied after each walk). */
const walkStack: Array<Chain | null> = [];
const walkNames: string[] = [];
/** A jump-name buffer per recursion depth of the recursive walks (a depth's names are read before the next level fills its own). */
const walkDepthNames: string[][] = [];
function depthNames(depth: number): string[] {
  let b = walkDepthNames[depth];
  if (b === undefined) walkDepthNames[depth] = b = [];
  return b;
}

/** The jumps of a chain without jump rules (shared; a summary makes its own Map with the first jump). */
const NO_JUMPS: Map<string, number> = new Map();

/**
 * What the commit checks need of a chain's rules: jump edges and restricted-target counts. Kept
 * small (a container's namespace has six of them): the jump Map is made with the first jump, the
 * four class counts are fields.
 */
class ChainSummary {
  /** Jump/goto targets with how many rules name each. */
  jumps: Map<string, number> = NO_JUMPS;
  /** Rules per restricted target class (REJECT, DNAT/REDIRECT, SNAT, MASQUERADE). */
  private c0 = 0;
  private c1 = 0;
  private c2 = 0;
  private c3 = 0;
  /** Rules a FORWARD flow cache cannot replay ({@link ruleFlowCacheable}). */
  uncacheable = 0;

  add(r: Rule, d: 1 | -1): void {
    if (!ruleFlowCacheable(r)) this.uncacheable += d;
    const t = r.target;
    if (t.kind === 'jump') {
      const n = (this.jumps.get(t.chain) ?? 0) + d;
      if (n > 0) {
        if (this.jumps === NO_JUMPS) this.jumps = new Map();
        this.jumps.set(t.chain, n);
      } else this.jumps.delete(t.chain);
      return;
    }
    switch (targetClass(r)) {
      case 0:
        this.c0 += d;
        break;
      case 1:
        this.c1 += d;
        break;
      case 2:
        this.c2 += d;
        break;
      case 3:
        this.c3 += d;
        break;
    }
  }

  /** Hooks where every rule of the chain may run. */
  hooks(): number {
    let m = ALL_HOOKS;
    if (this.c0 > 0) m &= CLASS_HOOKS[0]!;
    if (this.c1 > 0) m &= CLASS_HOOKS[1]!;
    if (this.c2 > 0) m &= CLASS_HOOKS[2]!;
    if (this.c3 > 0) m &= CLASS_HOOKS[3]!;
    return m;
  }
}

const NO_RULES: Rule[] = [];
/** Rules up to which a chain's array is replaced by an exact-size copy on insert (then it grows in place). */
const SMALL_CHAIN = 8;

/**
 * A chain: built-in (with hook and policy) or user-defined. Its rules change only through
 * {@link Chain.insert}, {@link Chain.remove}, {@link Chain.replace} and assigning {@link Chain.rules}
 * (which keep its summary and {@link Chain.version} right); the array itself is read-only to others.
 */
export class Chain {
  /** Policy packet/byte counters (built-in chains). */
  pkts = 0;
  /** Policy byte counter. */
  bytes = 0;
  /** Bumped on every change of the rules (for indexes kept outside, e.g. rules by specification). */
  version = 0;
  /** Mark of the graph walks ({@link Table.reaches} and the commit checks: 2·stamp seen or on the path, 2·stamp + 1 done): a number instead of a Set per walk. */
  visit = 0;
  private list: Rule[] = NO_RULES;
  private sum: ChainSummary | null = null;
  /** @internal the rules-by-specification index of netfilter/commands.ts (a field, not a WeakMap entry: see there) */
  specIndex: unknown = null;
  /** @internal compiled port-indexed runs of netfilter/engine.ts, taken up again by the next compile while the chain only grows at a run's end */
  portRuns: unknown = null;
  /** @internal {@link Table.hooksReaching}'s memo: the hooks, valid while `reachEpoch` is the current jump epoch */
  reachHooks = 0;
  /** @internal the jump epoch `reachHooks` was found in (-1: none) */
  reachEpoch = -1;

  constructor(
    /** Chain name. */
    public name: string,
    /** Netfilter hook of a built-in chain; -1 for a user chain. */
    readonly hook: number,
    /** Policy of a built-in chain (`ACCEPT`/`DROP`); null for a user chain. */
    public policy: 'ACCEPT' | 'DROP' | null,
  ) {}

  /** Rules in order (do not modify the array; use the methods). */
  get rules(): readonly Rule[] {
    return this.list;
  }

  /** Replaces all rules (the array is taken over). */
  set rules(rules: readonly Rule[]) {
    this.list = rules.length === 0 ? NO_RULES : (rules as Rule[]);
    this.sum = null;
    this.version++;
    jumpEpoch++;
  }

  /** True for a built-in (base) chain. */
  get builtin(): boolean {
    return this.hook >= 0;
  }

  /** Inserts `r` before index `idx` (`idx` = length appends). */
  insert(idx: number, r: Rule): void {
    const l = this.list;
    if (l.length < SMALL_CHAIN) {
      // a new exact-size array while the chain is short (a pushed array reserves 17 slots)
      this.list = withInserted(l, idx, r);
    } else if (idx === l.length) l.push(r);
    else l.splice(idx, 0, r);
    this.sum?.add(r, 1);
    this.version++;
    if (r.target.kind === 'jump') jumpEpoch++;
  }

  /** Removes and returns the rule at `idx`. */
  remove(idx: number): Rule {
    const [r] = this.list.splice(idx, 1);
    this.sum?.add(r!, -1);
    this.version++;
    if (r!.target.kind === 'jump') jumpEpoch++;
    return r!;
  }

  /** Puts `r` at `idx`, returning the rule it replaces. */
  replace(idx: number, r: Rule): Rule {
    const old = this.list[idx]!;
    this.list[idx] = r;
    if (this.sum) {
      this.sum.add(old, -1);
      this.sum.add(r, 1);
    }
    this.version++;
    if (old.target.kind === 'jump' || r.target.kind === 'jump') jumpEpoch++;
    return old;
  }

  /** Jump/goto targets of the rules, with how many rules name each. */
  jumps(): ReadonlyMap<string, number> {
    if (this.sum === null && this.list.length < SMALL_CHAIN) {
      // a short chain without jumps: nothing to count (no summary made)
      let any = false;
      for (const r of this.list) if (r.target.kind === 'jump') any = true;
      if (!any) return NO_JUMPS;
    }
    return this.summary().jumps;
  }

  /**
   * Writes the names of the chains this chain jumps to (each once) into `out` from index 0 and
   * returns how many: a short chain's rules are read directly, without making the summary that
   * {@link Chain.jumps} would make (and drop) on every call. For the graph walks of the commit checks.
   */
  jumpTargets(out: string[]): number {
    let n = 0;
    if (this.sum === null && this.list.length < SMALL_CHAIN) {
      for (const r of this.list) {
        const t = r.target;
        if (t.kind !== 'jump') continue;
        let seen = false;
        for (let i = 0; i < n; i++) if (out[i] === t.chain) seen = true;
        if (!seen) out[n++] = t.chain;
      }
      return n;
    }
    for (const name of this.summary().jumps.keys()) out[n++] = name;
    return n;
  }

  /** Number of this chain's rules that jump to `name`. */
  jumpsTo(name: string): number {
    if (this.sum === null && this.list.length < SMALL_CHAIN) {
      let n = 0;
      for (const r of this.list) if (r.target.kind === 'jump' && r.target.chain === name) n++;
      return n;
    }
    return this.summary().jumps.get(name) ?? 0;
  }

  /** Whether every rule of the chain is {@link ruleFlowCacheable} (its jumps' chains not included). */
  flowCacheable(): boolean {
    if (this.sum === null && this.list.length < SMALL_CHAIN) {
      for (const r of this.list) if (!ruleFlowCacheable(r)) return false;
      return true;
    }
    return this.summary().uncacheable === 0;
  }

  /** Hooks (bit `1 << hook`) at which every rule's target may run. */
  allowedHooks(): number {
    if (this.sum === null && this.list.length < SMALL_CHAIN) {
      // a short chain: straight from its rules (as ChainSummary.hooks, without making one)
      let m = ALL_HOOKS;
      for (const r of this.list) {
        if (r.target.kind === 'jump') continue;
        const k = targetClass(r);
        if (k >= 0) m &= CLASS_HOOKS[k]!;
      }
      return m;
    }
    return this.summary().hooks();
  }

  /**
   * The chain's summary: kept (and updated by every change) for a chain of `SMALL_CHAIN` rules
   * or more, made afresh from the few rules of a shorter one on every call (a container's
   * namespace has six short chains: their summaries and jump Maps would outweigh their rules).
   */
  private summary(): ChainSummary {
    let s = this.sum;
    if (s === null) {
      s = new ChainSummary();
      for (const r of this.list) s.add(r, 1);
      if (this.list.length >= SMALL_CHAIN) this.sum = s;
    }
    return s;
  }

  /** A deep copy (rules and counters). */
  clone(): Chain {
    const c = this.shell();
    c.rules = this.list.map(cloneRule);
    return c;
  }

  /** A copy sharing the rule objects (a new array: changes to either chain do not show in the other). */
  copy(): Chain {
    const c = this.shell();
    if (this.list.length) c.rules = this.list.slice();
    return c;
  }

  /** A copy with the name, policy and counters and no rules. */
  shell(): Chain {
    const c = new Chain(this.name, this.hook, this.policy);
    c.pkts = this.pkts;
    c.bytes = this.bytes;
    return c;
  }
}

/**
 * One table: its chains by name. `exists` turns true once anything touched it (as nft creates it).
 * The chain map (with the built-in chains) is made on first access.
 */
export class Table {
  /** Whether the table exists in the kernel (so `iptables-save` prints it). */
  exists = false;
  /** True while the rule objects are shared with another table (a restore's staged copy): `-Z` copies them first. */
  sharesRules = false;
  private map: Map<string, Chain> | null = null;

  constructor(readonly name: TableName) {}

  /** Chains by name (built-ins first, then user chains in creation order). */
  get chains(): Map<string, Chain> {
    let m = this.map;
    if (m === null) {
      m = new Map();
      for (const c of BUILTIN_CHAINS[this.name]) m.set(c, new Chain(c, HOOK_OF[c]!, 'ACCEPT'));
      this.map = m;
    }
    return m;
  }

  set chains(m: Map<string, Chain>) {
    this.map = m;
    jumpEpoch++;
  }

  /** Whether the chain map was ever made (a table never touched has only default built-in chains). */
  get materialized(): boolean {
    return this.map !== null;
  }

  /** Built-in chains in print order, then user chains sorted by name (as iptables-nft lists them). */
  orderedChains(): Chain[] {
    const b: Chain[] = [];
    const u: Chain[] = [];
    for (const c of this.chains.values()) (c.builtin ? b : u).push(c);
    u.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    return b.concat(u);
  }

  /** The chain called `name`, or an `iptables: No chain/target/match by that name.` error. */
  get(name: string): Chain {
    const c = this.chains.get(name);
    if (!c) throw new XtError('other', 'No chain/target/match by that name.');
    return c;
  }

  /** Number of rules (in this table) jumping to `name`. */
  references(name: string): number {
    let n = 0;
    for (const c of this.chains.values()) n += c.jumpsTo(name);
    return n;
  }

  /** A deep copy. */
  clone(): Table {
    const t = new Table(this.name);
    if (this.map) t.map = new Map([...this.map].map(([k, c]) => [k, c.clone()]));
    t.exists = this.exists;
    return t;
  }

  /** A copy sharing the rule objects (for staging a change that may be thrown away; see {@link Table.sharesRules}). */
  copy(): Table {
    const t = new Table(this.name);
    if (this.map) t.map = new Map([...this.map].map(([k, c]) => [k, c.copy()]));
    t.exists = this.exists;
    t.sharesRules = this.map !== null;
    return t;
  }

  /** What `iptables-restore` without `--noflush` starts from: the built-in chains (policies, counters), no rules. */
  flushed(): Table {
    const t = new Table(this.name);
    if (this.map) {
      const m = new Map<string, Chain>();
      for (const c of this.map.values()) if (c.builtin) m.set(c.name, c.shell());
      t.map = m;
    }
    t.exists = this.exists;
    return t;
  }

  /**
   * The kernel's commit-time checks over the whole table: no jump loop reachable from a base chain,
   * and every target allowed at each hook it can be reached from (a chain no base chain reaches is
   * not checked: iptables-nft 1.8.9 accepts `-A X -j X` in an unreferenced chain). Returns an error
   * detail or null. Walks chains and jump edges only (linear in their number, not in the rules).
   */
  check(): 'loop' | 'inval' | null {
    if (this.map === null) return null;
    for (const base of this.map.values()) {
      if (!base.builtin) continue;
      const r = this.walk(base, 1 << base.hook, ++visitStamp, 0);
      if (r) return r;
    }
    return null;
  }

  /**
   * Depth-first walk over jump edges from a base chain: a chain marked grey (on the path, visit
   * `2·stamp`) again is a loop, a black one (done, `2·stamp + 1`) is skipped, which keeps it linear.
   */
  private walk(chain: Chain, hookBit: number, stamp: number, depth: number): 'loop' | 'inval' | null {
    const v = chain.visit;
    if (v === 2 * stamp) return 'loop';
    if (v === 2 * stamp + 1) return null;
    if ((chain.allowedHooks() & hookBit) !== hookBit) return 'inval';
    chain.visit = 2 * stamp;
    const names = depthNames(depth);
    const k = chain.jumpTargets(names);
    for (let i = 0; i < k; i++) {
      const next = this.map!.get(names[i]!);
      if (next) {
        const res = this.walk(next, hookBit, stamp, depth + 1);
        if (res) return res;
      }
    }
    chain.visit = 2 * stamp + 1;
    return null;
  }

  /** Whether `to` can be reached from `from` over jump edges (`from` itself counts). Allocates nothing once warm. */
  reaches(from: Chain, to: Chain): boolean {
    if (from === to) return true;
    // the walks' marks: 2·stamp (seen), so no mark of an earlier walk (any kind) is taken for this one's
    const stamp = 2 * ++visitStamp;
    from.visit = stamp;
    // not re-entered: one stack and one name buffer serve every walk
    const stack = walkStack;
    const names = walkNames;
    let top = 0;
    let high = 1; // the stack's high-water mark in this walk
    stack[top++] = from;
    const chains = this.chains;
    let found = false;
    while (top > 0 && !found) {
      const c = stack[--top]!;
      const k = c.jumpTargets(names);
      for (let i = 0; i < k; i++) {
        const n = chains.get(names[i]!);
        if (n === undefined || n.visit === stamp) continue;
        if (n === to) {
          found = true;
          break;
        }
        n.visit = stamp;
        stack[top++] = n;
        if (top > high) high = top;
      }
    }
    // no chain stays referenced from the shared buffer (cleared up to this walk's mark: a loop, where
    // `fill` over the whole buffer was a call into the runtime, 370 instructions, 7 times per `docker run -p`)
    for (let i = 0; i < high; i++) stack[i] = null;
    return found;
  }

  /**
   * Hooks (bit `1 << hook`) of the base chains from which `c` can be reached; remembered on the chain
   * until a jump edge changes (a `docker run -p` places three rules that jump nowhere: the walks ran
   * for each).
   */
  hooksReaching(c: Chain): number {
    if (c.reachEpoch === jumpEpoch) return c.reachHooks;
    let m = 0;
    for (const b of this.chains.values()) if (b.builtin && (m & (1 << b.hook)) === 0 && this.reaches(b, c)) m |= 1 << b.hook;
    c.reachHooks = m;
    c.reachEpoch = jumpEpoch;
    return m;
  }

  /**
   * The commit checks for a rule just placed in `c` in a table that was valid before. Nothing is
   * checked unless a base chain reaches `c`. Then a jump may close a loop or bring a loop of chains
   * that were unreachable into reach (both found by a walk from its target), or carry `c`'s hooks to
   * chains whose targets may not run there; a restricted target must be allowed at every hook
   * reaching `c`. Cost: the chains involved, never the rules.
   */
  checkPlaced(c: Chain, r: Rule): 'loop' | 'inval' | null {
    const t = r.target;
    if (t.kind === 'jump') {
      const to = this.chains.get(t.chain);
      if (!to) return null;
      const hooks = this.hooksReaching(c);
      if (hooks === 0) return null;
      return this.walkFrom(to, hooks, ++visitStamp, 0);
    }
    const allowed = ruleHooks(r);
    if (allowed === ALL_HOOKS) return null;
    const hooks = this.hooksReaching(c);
    return (hooks & allowed) === hooks ? null : 'inval';
  }

  /** Walk from a jump's target: a chain on the current path again is a loop; every chain must allow `hooks` (marks as {@link Table.walk}). */
  private walkFrom(chain: Chain, hooks: number, stamp: number, depth: number): 'loop' | 'inval' | null {
    const v = chain.visit;
    if (v === 2 * stamp) return 'loop';
    if (v === 2 * stamp + 1) return null;
    chain.visit = 2 * stamp;
    const names = depthNames(depth);
    const k = chain.jumpTargets(names);
    for (let i = 0; i < k; i++) {
      const next = this.chains.get(names[i]!);
      if (next) {
        const res = this.walkFrom(next, hooks, stamp, depth + 1);
        if (res) return res;
      }
    }
    if ((chain.allowedHooks() & hooks) !== hooks) return 'inval';
    chain.visit = 2 * stamp + 1;
    return null;
  }
}

/** Whether a rule's target (and its protocol needs) may be used in `table` at `hook` (xt_check_target). */
export function targetAllowed(table: TableName, hook: number, r: Rule): boolean {
  const t = r.target;
  switch (t.kind) {
    case 'REJECT':
      if (t.with === 'tcp-reset' && (r.proto !== 6 || r.protoInv)) return false;
      return hook === NF_INET_LOCAL_IN || hook === NF_INET_FORWARD || hook === NF_INET_LOCAL_OUT;
    case 'DNAT':
    case 'REDIRECT':
      return table === 'nat' && (hook === NF_INET_PRE_ROUTING || hook === NF_INET_LOCAL_OUT);
    case 'SNAT':
      return table === 'nat' && (hook === NF_INET_POST_ROUTING || hook === NF_INET_LOCAL_IN);
    case 'MASQUERADE':
      return table === 'nat' && hook === NF_INET_POST_ROUTING;
    default:
      // (TRACE becomes `meta nftrace set 1` in iptables-nft: allowed in every table)
      return true;
  }
}

/** Checks a target's table restriction alone (for rules in chains not yet reachable). */
export function targetTableAllowed(table: TableName, r: Rule): boolean {
  const k = r.target.kind;
  if (k === 'DNAT' || k === 'SNAT' || k === 'MASQUERADE' || k === 'REDIRECT') return table === 'nat';
  // xt_CHECKSUM: .table = "mangle" (iptables-nft: RULE_APPEND failed (Invalid argument))
  if (k === 'CHECKSUM') return table === 'mangle';
  if (k === 'REJECT' && r.target.kind === 'REJECT' && r.target.with === 'tcp-reset') return r.proto === 6 && !r.protoInv;
  return true;
}

/** @internal what {@link Ruleset.touch} notifies */
export interface RulesetWatcher {
  /** The rules changed. */
  rulesChanged(): void;
}

/**
 * The four tables of one namespace, plus a generation number bumped on every change. A table is a
 * small object until used: its chains are made on first access ({@link Table.chains}).
 */
export class Ruleset {
  /** Tables by name. */
  tables: Record<TableName, Table> = { mangle: new Table('mangle'), raw: new Table('raw'), filter: new Table('filter'), nat: new Table('nat') };
  /** Incremented whenever rules or chains change (compiled chains are rebuilt lazily). */
  generation = 0;
  /**
   * @internal told on every change (a namespace caches whether its rules are empty, so a packet of
   * an empty namespace reads neither this object nor its Netfilter: no cache misses on them)
   */
  watcher: RulesetWatcher | null = null;

  /** Marks the rules as changed. */
  touch(): void {
    this.generation++;
    if (this.watcher !== null) this.watcher.rulesChanged();
  }
}
