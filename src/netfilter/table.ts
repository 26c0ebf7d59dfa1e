/**
 * Tables and chains (after iptables-nft's view of `table ip filter` & co.): built-in chains with
 * a hook and a policy, user chains, rules with counters, and the checks the kernel makes when a
 * batch is committed (jump loops, targets used at hooks where they are not allowed).
 *
 * @module
 */
import { NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING } from './hook.js';
import { XtError } from './errors.js';
import { cloneRule, type Rule } from './rule.js';

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
  return (TABLE_NAMES as readonly string[]).includes(name);
}

/** A chain: built-in (with hook and policy) or user-defined. */
export class Chain {
  /** Rules in order. */
  rules: Rule[] = [];
  /** Policy packet/byte counters (built-in chains). */
  pkts = 0;
  /** Policy byte counter. */
  bytes = 0;
  constructor(
    /** Chain name. */
    public name: string,
    /** Netfilter hook of a built-in chain; -1 for a user chain. */
    readonly hook: number,
    /** Policy of a built-in chain (`ACCEPT`/`DROP`); null for a user chain. */
    public policy: 'ACCEPT' | 'DROP' | null,
  ) {}

  /** True for a built-in (base) chain. */
  get builtin(): boolean {
    return this.hook >= 0;
  }

  /** A deep copy (rules and counters). */
  clone(): Chain {
    const c = new Chain(this.name, this.hook, this.policy);
    c.rules = this.rules.map(cloneRule);
    c.pkts = this.pkts;
    c.bytes = this.bytes;
    return c;
  }
}

/** One table: its chains by name. `exists` turns true once anything touched it (as nft creates it). */
export class Table {
  /** Chains by name (built-ins first, then user chains in creation order). */
  chains = new Map<string, Chain>();
  /** Whether the table exists in the kernel (so `iptables-save` prints it). */
  exists = false;

  constructor(readonly name: TableName) {
    for (const c of BUILTIN_CHAINS[name]) this.chains.set(c, new Chain(c, HOOK_OF[c]!, 'ACCEPT'));
  }

  /** Built-in chains in print order, then user chains sorted by name (as iptables-nft lists them). */
  orderedChains(): Chain[] {
    const b: Chain[] = [];
    const u: Chain[] = [];
    for (const c of this.chains.values()) (c.builtin ? b : u).push(c);
    u.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    return [...b, ...u];
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
    for (const c of this.chains.values())
      for (const r of c.rules) if (r.target.kind === 'jump' && r.target.chain === name) n++;
    return n;
  }

  /** A deep copy. */
  clone(): Table {
    const t = new Table(this.name);
    t.chains = new Map([...this.chains].map(([k, c]) => [k, c.clone()]));
    t.exists = this.exists;
    return t;
  }

  /**
   * The kernel's commit-time checks: no jump loop reachable from a base chain, and every target
   * allowed at each hook it can be reached from. Returns an error detail or null.
   */
  check(): 'loop' | 'inval' | null {
    for (const base of this.chains.values()) {
      if (!base.builtin) continue;
      const r = this.walk(base, base.hook, new Set(), new Set());
      if (r) return r;
    }
    return null;
  }

  /** Depth-first walk: `onPath` (grey) detects loops, `done` (black) keeps it linear. */
  private walk(chain: Chain, hook: number, onPath: Set<string>, done: Set<string>): 'loop' | 'inval' | null {
    if (onPath.has(chain.name)) return 'loop';
    if (done.has(chain.name)) return null;
    onPath.add(chain.name);
    for (const r of chain.rules) {
      if (!targetAllowed(this.name, hook, r)) return 'inval';
      if (r.target.kind === 'jump') {
        const next = this.chains.get(r.target.chain);
        if (next) {
          const res = this.walk(next, hook, onPath, done);
          if (res) return res;
        }
      }
    }
    onPath.delete(chain.name);
    done.add(chain.name);
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
  if (k === 'REJECT' && r.target.kind === 'REJECT' && r.target.with === 'tcp-reset') return r.proto === 6 && !r.protoInv;
  return true;
}

/** The four tables of one namespace, plus a generation number bumped on every change. */
export class Ruleset {
  /** Tables by name. */
  tables: Record<TableName, Table>;
  /** Incremented whenever rules or chains change (compiled chains are rebuilt lazily). */
  generation = 0;

  constructor() {
    this.tables = { mangle: new Table('mangle'), raw: new Table('raw'), filter: new Table('filter'), nat: new Table('nat') };
  }

  /** Marks the rules as changed. */
  touch(): void {
    this.generation++;
  }
}
