/**
 * Rule evaluation: the packet fields rules look at ({@link PktInfo}), a plain interpreter that
 * walks chains like Linux `ipt_do_table` (the reference, and the path that emits traces), and a
 * compiler that turns each chain into one generated JavaScript function (masks, protocols and
 * states inlined; addresses, ports and interface names passed in, so that chains of the same shape
 * share one source; the closure form for very long chains) when the rules change, with an index by
 * destination port for runs of `-p tcp|udp --dport N` rules (published ports), generated per rule
 * shape with the rules' constants in typed arrays.
 *
 * @module
 */
import { intern } from '../core/intern.js';
import { chainCodegen, CODEGEN_MAX_RULES, dportKey, factory, genTest, verdictAct } from './codegen.js';
import type { NfHost } from './hook.js';
import { PortRun } from './port-run.js';
import { addrTypeBit, portsProto, type Match, type Rule } from './rule.js';
import type { Chain, Table } from './table.js';

/** Verdict: drop. */
export const V_DROP = 0;
/** Verdict: accept. */
export const V_ACCEPT = 1;
/** Verdict: stolen (a target consumed the packet). */
export const V_STOLEN = 2;
/** Not a verdict: go on with the next rule (or fell off the end of a user chain). */
export const V_CONTINUE = -1;
/** Not a verdict: return from the current chain. */
export const V_RETURN = -2;

/**
 * The header fields and metadata rules match on, extracted once per hook call into one reused
 * object (no per-packet allocation).
 */
export class PktInfo {
  /**
   * IPv4 source address as a signed 32-bit integer (read with `getInt32`, like a rule's `src`): a
   * uint32 above 2^31 in this field would make it a boxed double, written and read through a heap
   * number on every packet.
   */
  saddr = 0;
  /** IPv4 destination address, int32 as {@link PktInfo.saddr}. */
  daddr = 0;
  /** IP protocol number. */
  proto = 0;
  /** L4 ports; -1 when the packet has none (not TCP/UDP, or a non-first fragment). */
  sport = -1;
  /** L4 destination port; -1 when none. */
  dport = -1;
  /** ICMP type; -1 when not ICMP. */
  icmpType = -1;
  /** ICMP code; -1 when not ICMP. */
  icmpCode = -1;
  /** TCP flags byte. */
  tcpFlags = 0;
  /** A non-first fragment. */
  fragment = false;
  /** IP total length (what the counters add). */
  len = 0;
  /** Input interface name (`-i`). */
  inDev = '';
  /** Output interface name (`-o`). */
  outDev = '';
  /** ctstate bits (CT_STATE_*). */
  ctState = 0;
  /** Packet mark. */
  mark = 0;
  /** Hook being run. */
  hook = 0;
  /** Namespace, for addrtype. */
  host: NfHost | null = null;
  /** Cached addrtype bits of saddr/daddr (0 = not computed yet). */
  srcTypeBits = 0;
  /** Cached addrtype bits of daddr (0 = not computed yet). */
  dstTypeBits = 0;

  /** addrtype bit of the source address (computed on first use). */
  srcType(): number {
    if (this.srcTypeBits === 0) this.srcTypeBits = this.host ? addrTypeBit(this.host.addrType(this.saddr >>> 0)) || 1 : 1;
    return this.srcTypeBits;
  }

  /** addrtype bit of the destination address. */
  dstType(): number {
    if (this.dstTypeBits === 0) this.dstTypeBits = this.host ? addrTypeBit(this.host.addrType(this.daddr >>> 0)) || 1 : 1;
    return this.dstTypeBits;
  }
}

/** Runs the targets with side effects (REJECT, LOG, TRACE, MARK, NAT): returns a verdict or V_CONTINUE. */
export interface TargetRunner {
  run(rule: Rule, p: PktInfo): number;
}

/** Receives the interpreter's walk (for `xtables-monitor --trace`-like events). */
export interface ChainWalkObserver {
  /** A rule matched; `pos` is 1-based. `verdict` as xtables-monitor prints it (ACCEPT, DROP, JUMP:X, CONTINUE, 0xfffffffb…). */
  rule(table: string, chain: string, pos: number, rule: Rule, verdict: string): void;
  /** The base chain's policy applied. */
  policy(table: string, chain: string, policy: string): void;
  /** Fell off the end of a user chain (implicit return). */
  implicitReturn(table: string, chain: string): void;
}

function ifaceMatch(rule: string, dev: string): boolean {
  const n = rule.length;
  if (rule.charCodeAt(n - 1) === 43 /* + */) return dev.startsWith(rule.slice(0, n - 1));
  return dev === rule;
}

function portIn(m: Match & { ports: number[] }, port: number): boolean {
  const ps = m.ports;
  for (let i = 0; i < ps.length; i += 2) if (port >= ps[i]! && port <= ps[i + 1]!) return true;
  return false;
}

/** Does match `m` accept packet `p`? */
export function matchMatches(m: Match, p: PktInfo): boolean {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
    case 'sctp': {
      if (p.proto !== portsProto(m.kind) || p.sport < 0) return false;
      if (m.sportLo >= 0 && (p.sport >= m.sportLo && p.sport <= m.sportHi) === m.sportInv) return false;
      if (m.dportLo >= 0 && (p.dport >= m.dportLo && p.dport <= m.dportHi) === m.dportInv) return false;
      if (m.flagsMask >= 0 && ((p.tcpFlags & m.flagsMask) === m.flagsCmp) === m.flagsInv) return false;
      return true;
    }
    case 'icmp': {
      if (p.proto !== 1 || p.icmpType < 0) return false;
      const hit = m.type === 255 || (p.icmpType === m.type && p.icmpCode >= m.codeLo && p.icmpCode <= m.codeHi);
      return hit !== m.inv;
    }
    case 'conntrack':
    case 'state':
      return ((p.ctState & m.states) !== 0) !== m.inv;
    case 'addrtype':
      if (m.src && ((p.srcType() & m.src) !== 0) === m.srcInv) return false;
      if (m.dst && ((p.dstType() & m.dst) !== 0) === m.dstInv) return false;
      return true;
    case 'multiport': {
      if ((p.proto !== 6 && p.proto !== 17 && p.proto !== 132 && p.proto !== 136) || p.sport < 0) return false;
      const hit =
        m.dir === 'sports' ? portIn(m, p.sport) : m.dir === 'dports' ? portIn(m, p.dport) : portIn(m, p.sport) || portIn(m, p.dport);
      return hit !== m.inv;
    }
    case 'comment':
      return true;
    case 'mark':
      return (((p.mark & m.mask) >>> 0) === m.value) !== m.inv;
  }
}

/** Does rule `r` match packet `p` (IP header part and every match)? */
export function ruleMatches(r: Rule, p: PktInfo): boolean {
  if (r.srcMask !== 0 && ((p.saddr & r.srcMask) === r.src) === r.srcInv) return false;
  if (r.srcMask === 0 && r.srcInv) return false;
  if (r.dstMask !== 0 && ((p.daddr & r.dstMask) === r.dst) === r.dstInv) return false;
  if (r.dstMask === 0 && r.dstInv) return false;
  if (r.inIf && ifaceMatch(r.inIf, p.inDev) === r.inIfInv) return false;
  if (r.outIf && ifaceMatch(r.outIf, p.outDev) === r.outIfInv) return false;
  if (r.proto !== 0 && (p.proto === r.proto) === r.protoInv) return false;
  if (r.frag !== 0 && p.fragment !== (r.frag === 1)) return false;
  for (let i = 0; i < r.matches.length; i++) if (!matchMatches(r.matches[i]!, p)) return false;
  return true;
}

function count(r: Rule, p: PktInfo): void {
  r.pkts++;
  r.bytes += p.len;
}

function verdictText(r: Rule): string {
  const t = r.target;
  switch (t.kind) {
    case 'ACCEPT':
    case 'DROP':
      return t.kind;
    case 'RETURN':
      return '0xfffffffb';
    case 'jump':
      return t.goto ? `GOTO:${t.chain}` : `JUMP:${t.chain}`;
    case 'DNAT':
    case 'SNAT':
    case 'MASQUERADE':
    case 'REDIRECT':
      return 'ACCEPT';
    case 'REJECT':
      return 'DROP';
    default:
      return 'CONTINUE';
  }
}

/**
 * The reference interpreter: walks `base` (a built-in chain of `table`) for packet `p` with an
 * explicit jump stack, updates rule and policy counters, and returns the final verdict.
 */
export function interpretChain(table: Table, base: Chain, p: PktInfo, targets: TargetRunner, obs: ChainWalkObserver | null): number {
  const stack: Array<[Chain, number]> = [];
  let chain = base;
  let i = 0;
  for (;;) {
    if (i >= chain.rules.length) {
      if (stack.length === 0) return applyPolicy(table, base, p, obs);
      obs?.implicitReturn(table.name, chain.name);
      [chain, i] = stack.pop()!;
      continue;
    }
    const r = chain.rules[i++]!;
    if (!ruleMatches(r, p)) continue;
    count(r, p);
    const t = r.target;
    switch (t.kind) {
      case 'none':
        obs?.rule(table.name, chain.name, i, r, 'CONTINUE');
        continue;
      case 'ACCEPT':
        obs?.rule(table.name, chain.name, i, r, 'ACCEPT');
        return V_ACCEPT;
      case 'DROP':
        obs?.rule(table.name, chain.name, i, r, 'DROP');
        return V_DROP;
      case 'RETURN':
        obs?.rule(table.name, chain.name, i, r, verdictText(r));
        if (stack.length === 0) return applyPolicy(table, base, p, obs);
        [chain, i] = stack.pop()!;
        continue;
      case 'jump': {
        obs?.rule(table.name, chain.name, i, r, verdictText(r));
        const next = table.chains.get(t.chain);
        if (!next) continue;
        if (!t.goto) stack.push([chain, i]);
        chain = next;
        i = 0;
        continue;
      }
      default: {
        const v = targets.run(r, p);
        obs?.rule(table.name, chain.name, i, r, v === V_CONTINUE ? 'CONTINUE' : v === V_ACCEPT ? 'ACCEPT' : v === V_DROP ? 'DROP' : 'STOLEN');
        if (v !== V_CONTINUE) return v;
      }
    }
  }
}

function applyPolicy(table: Table, base: Chain, p: PktInfo, obs: ChainWalkObserver | null): number {
  base.pkts++;
  base.bytes += p.len;
  obs?.policy(table.name, base.name, base.policy ?? 'ACCEPT');
  return base.policy === 'DROP' ? V_DROP : V_ACCEPT;
}

// ---------------------------------------------------------------------------------------------
// Compiler

/** A compiled test of one rule. */
export type Pred = (p: PktInfo) => boolean;
type Step = (p: PktInfo) => number;
/** A compiled chain: returns a verdict, or V_CONTINUE when it falls off the end / RETURNs. */
export type CompiledChain = (p: PktInfo) => number;

/** Minimum length of a run of `--dport N` rules worth indexing. */
export const DPORT_INDEX_MIN = 4;

function compileMatch(m: Match): Pred | null {
  switch (m.kind) {
    case 'comment':
      return null;
    case 'tcp':
    case 'udp':
    case 'sctp': {
      const proto = portsProto(m.kind);
      const { sportLo, sportHi, sportInv, dportLo, dportHi, dportInv, flagsMask, flagsCmp, flagsInv } = m;
      if (sportLo < 0 && flagsMask < 0 && dportLo >= 0 && dportLo === dportHi && !dportInv)
        return (p) => p.proto === proto && p.dport === dportLo;
      return (p) =>
        p.proto === proto &&
        p.sport >= 0 &&
        (sportLo < 0 || (p.sport >= sportLo && p.sport <= sportHi) !== sportInv) &&
        (dportLo < 0 || (p.dport >= dportLo && p.dport <= dportHi) !== dportInv) &&
        (flagsMask < 0 || ((p.tcpFlags & flagsMask) === flagsCmp) !== flagsInv);
    }
    case 'conntrack':
    case 'state': {
      const { states, inv } = m;
      return inv ? (p) => (p.ctState & states) === 0 : (p) => (p.ctState & states) !== 0;
    }
    case 'addrtype': {
      const { src, dst, dstInv } = m;
      if (src === 0 && dst !== 0) return dstInv ? (p) => (p.dstType() & dst) === 0 : (p) => (p.dstType() & dst) !== 0;
      return (p) => matchMatches(m, p);
    }
    default:
      return (p) => matchMatches(m, p);
  }
}

/** Builds a predicate testing only the parts of `r` that are set. */
export function compileTest(r: Rule): Pred {
  const preds: Pred[] = [];
  const { src, srcMask, srcInv, dst, dstMask, dstInv, inIf, inIfInv, outIf, outIfInv, proto, protoInv, frag } = r;
  if (srcMask !== 0) preds.push(srcInv ? (p) => (p.saddr & srcMask) !== src : (p) => (p.saddr & srcMask) === src);
  else if (srcInv) return () => false;
  if (dstMask !== 0) preds.push(dstInv ? (p) => (p.daddr & dstMask) !== dst : (p) => (p.daddr & dstMask) === dst);
  else if (dstInv) return () => false;
  if (inIf) {
    if (inIf.endsWith('+')) {
      const pre = inIf.slice(0, -1);
      preds.push(inIfInv ? (p) => !p.inDev.startsWith(pre) : (p) => p.inDev.startsWith(pre));
    } else {
      const name = intern(inIf);
      preds.push(inIfInv ? (p) => p.inDev !== name : (p) => p.inDev === name);
    }
  }
  if (outIf) {
    if (outIf.endsWith('+')) {
      const pre = outIf.slice(0, -1);
      preds.push(outIfInv ? (p) => !p.outDev.startsWith(pre) : (p) => p.outDev.startsWith(pre));
    } else {
      const name = intern(outIf);
      preds.push(outIfInv ? (p) => p.outDev !== name : (p) => p.outDev === name);
    }
  }
  if (proto !== 0) preds.push(protoInv ? (p) => p.proto !== proto : (p) => p.proto === proto);
  if (frag !== 0) {
    const want = frag === 1;
    preds.push((p) => p.fragment === want);
  }
  for (const m of r.matches) {
    const f = compileMatch(m);
    if (f) preds.push(f);
  }
  switch (preds.length) {
    case 0:
      return () => true;
    case 1:
      return preds[0]!;
    case 2: {
      const [a, b] = preds as [Pred, Pred];
      return (p) => a(p) && b(p);
    }
    case 3: {
      const [a, b, c] = preds as [Pred, Pred, Pred];
      return (p) => a(p) && b(p) && c(p);
    }
    case 4: {
      const [a, b, c, d] = preds as [Pred, Pred, Pred, Pred];
      return (p) => a(p) && b(p) && c(p) && d(p);
    }
    default: {
      const n = preds.length;
      return (p) => {
        for (let i = 0; i < n; i++) if (!preds[i]!(p)) return false;
        return true;
      };
    }
  }
}

export { CODEGEN_MAX_RULES, dportKey, setChainCodegen } from './codegen.js';

/** Parameters of a generated chain's factory (see `generate`). */
const CHAIN_PARAMS = ['R', 'M', 'Q', 'K', 'S', 'X', 'T', 'mm'] as const;

/** A placeholder in a chain's jump array until its stub is made (never called). */
const NO_CHAIN: CompiledChain = () => V_CONTINUE;

/** The factory of a generated chain: its rules, matches, interface names, constants, jumps, runs, targets and the match function. */
type ChainFactory = (
  r: Rule[],
  m: Match[],
  q: string[],
  k: number[],
  s: CompiledChain[],
  x: Array<(p: PktInfo) => number>,
  t: TargetRunner,
  mm: typeof matchMatches,
) => CompiledChain;

/** What a chain's generated function was made from (see `CompiledTable.generate`). */
interface ChainCode {
  /** {@link Chain.version} it was generated at. */
  readonly version: number;
  readonly targets: TargetRunner;
  readonly make: ChainFactory;
  readonly R: Rule[];
  readonly M: Match[];
  readonly Q: string[];
  readonly K: number[];
  /** The chains its jumps call, in `S` order; and the chains it jumps to that did not exist (no-ops). */
  readonly jumps: readonly string[];
  readonly missing: readonly string[];
  /** Where its port-indexed runs start, in `X` order. */
  readonly runStarts: readonly number[];
}

/** Compiled chains of one table, made on first use; the netfilter instance makes a new one when the rules generation changes. */
export class CompiledTable {
  private readonly fns = new Map<string, CompiledChain>();
  /** Port-indexed runs by chain name (made when the first is found: most tables have none). */
  private runs: Map<string, Array<[number, number]>> | null = null;
  /**
   * What each chain's generated function was made from, for the next generation's table: kept only
   * by a table that had a previous one (rules that changed once are likely to change again; a
   * container's few chains, compiled once, keep nothing more than their functions).
   */
  private readonly codes: Map<Chain, ChainCode> | null;

  constructor(
    private readonly table: Table,
    private readonly targets: TargetRunner,
    /**
     * The table of the previous rules generation, if any: a chain it generated that has not changed
     * since (same {@link Chain.version}, the chains it jumps to still there or still missing) is made
     * from the same text again without generating it (only its jumps and runs are bound anew).
     */
    private prev: CompiledTable | null = null,
  ) {
    this.codes = prev !== null ? new Map() : null;
    if (prev !== null) {
      prev.prev = null; // one generation back, not a chain of them
      if (prev.codes === null || prev.codes.size === 0) this.prev = null; // nothing to take up again
    }
  }

  /** Whether this compiles `table`. */
  compiles(table: Table): boolean {
    return this.table === table;
  }

  /**
   * The runs of chain `name` that are indexed by destination port, as [first, end) rule indices
   * (0-based). For inspection and tests.
   */
  indexedRuns(name: string): Array<[number, number]> {
    this.chain(name);
    return this.runs?.get(name) ?? [];
  }

  /** The compiled function of chain `name` (compiled on first use). */
  chain(name: string): CompiledChain {
    let f = this.fns.get(name);
    if (!f) {
      const c = this.table.chains.get(name);
      f = c ? this.compile(c) : () => V_CONTINUE;
      this.fns.set(name, f);
    }
    return f;
  }

  /**
   * A runner of built-in chain `base` with its policy applied (counted) when nothing decided, for a
   * caller that keeps it (no lookup by chain name per packet).
   */
  baseRunner(base: Chain): CompiledChain {
    const f = this.chain(base.name);
    return (p) => {
      const v = f(p);
      if (v >= 0) return v;
      base.pkts++;
      base.bytes += p.len;
      return base.policy === 'DROP' ? V_DROP : V_ACCEPT;
    };
  }

  /** Runs built-in chain `base` and applies its policy (counted) when nothing decided. */
  runBase(base: Chain, p: PktInfo): number {
    const v = this.chain(base.name)(p);
    if (v >= 0) return v;
    base.pkts++;
    base.bytes += p.len;
    return base.policy === 'DROP' ? V_DROP : V_ACCEPT;
  }

  private step(r: Rule): Step {
    const test = compileTest(r);
    const t = r.target;
    switch (t.kind) {
      case 'none':
        return (p) => {
          if (test(p)) count(r, p);
          return V_CONTINUE;
        };
      case 'ACCEPT':
        return (p) => {
          if (!test(p)) return V_CONTINUE;
          count(r, p);
          return V_ACCEPT;
        };
      case 'DROP':
        return (p) => {
          if (!test(p)) return V_CONTINUE;
          count(r, p);
          return V_DROP;
        };
      case 'RETURN':
        return (p) => {
          if (!test(p)) return V_CONTINUE;
          count(r, p);
          return V_RETURN;
        };
      case 'jump': {
        if (!this.table.chains.has(t.chain)) return (p) => (test(p) ? (count(r, p), V_CONTINUE) : V_CONTINUE);
        let sub: CompiledChain | null = null;
        const name = t.chain;
        const goto = t.goto;
        return (p) => {
          if (!test(p)) return V_CONTINUE;
          count(r, p);
          if (sub === null) sub = this.chain(name);
          const v = sub(p);
          if (v >= 0) return v;
          return goto ? V_RETURN : V_CONTINUE;
        };
      }
      default: {
        const targets = this.targets;
        return (p) => {
          if (!test(p)) return V_CONTINUE;
          count(r, p);
          return targets.run(r, p);
        };
      }
    }
  }

  /**
   * Generates one JavaScript function for chain `c` (rule tests and targets as straight-line code
   * over the rules' constants, so V8 compiles the chain like a hand-written one instead of calling a
   * closure per rule and per test; `genTest` says which constants are literals), or null when the
   * chain is too long for that (the closure form is used then). Runs of port-indexed rules
   * (`runEnd[i] > 0`) become one call of `runAt(i)`'s function. Same verdicts and counters as the
   * interpreter (property-tested).
   */
  private generate(c: Chain, runEnd: Int32Array, runAt: (i: number) => (p: PktInfo) => number): CompiledChain | null {
    if (!chainCodegen()) return null;
    const prev = this.prev;
    const again = prev?.codes?.get(c);
    if (again !== undefined) {
      // each chain of the previous generation is looked at once: then the previous table goes
      prev!.codes!.delete(c);
      if (prev!.codes!.size === 0) this.prev = null;
    }
    if (again !== undefined && again.version === c.version && again.targets === this.targets && this.sameJumps(again)) {
      if (this.codes !== null) this.codes.set(c, again);
      const S = this.jumpStubs(again.jumps);
      const X = again.runStarts.map((i) => runAt(i));
      return again.make(again.R, again.M, again.Q, again.K, S, X, this.targets, matchMatches);
    }
    const rules = c.rules;
    const n = rules.length;
    let plain = 0;
    for (let i = 0; i < n; i++) {
      if (runEnd[i]! > 0) i = runEnd[i]! - 1;
      else plain++;
    }
    if (plain > CODEGEN_MAX_RULES) return null;
    const R: Rule[] = [];
    const M: Match[] = [];
    const Q: string[] = [];
    const K: number[] = [];
    const jumps: string[] = [];
    const missing: string[] = [];
    const X: Array<(p: PktInfo) => number> = [];
    const runStarts: number[] = [];
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const end = runEnd[i]!;
      if (end > 0) {
        runStarts.push(i);
        const k = X.push(runAt(i)) - 1;
        lines.push(`v = X${k}(p); if (v !== -1) return v === -2 ? -1 : v;`);
        i = end - 1;
        continue;
      }
      const r = rules[i]!;
      const test = genTest(r, M, Q, K);
      if (test === null) continue; // never matches: never counted
      const ri = R.push(r) - 1;
      const t = r.target;
      let act = verdictAct(t.kind, -1);
      if (act !== null) {
        // verdict only
      } else if (t.kind === 'jump') {
        if (!this.table.chains.has(t.chain)) {
          act = '';
          missing.push(t.chain);
        } else {
          const k = jumps.push(t.chain) - 1;
          act = `v = S[${k}](p); if (v >= 0) return v;${t.goto ? ' return -1;' : ''}`;
        }
      } else act = `v = T.run(r${ri}, p); if (v !== -1) return v === -2 ? -1 : v;`;
      lines.push(`if (${test}) { r${ri}.pkts++; r${ri}.bytes += p.len; ${act} }`);
    }
    const decl: string[] = [];
    for (let i = 0; i < R.length; i++) decl.push(`const r${i} = R[${i}];`);
    for (let i = 0; i < M.length; i++) decl.push(`const m${i} = M[${i}];`);
    for (let i = 0; i < Q.length; i++) decl.push(`const q${i} = Q[${i}];`);
    for (let i = 0; i < K.length; i++) decl.push(`const k${i} = K[${i}];`);
    for (let i = 0; i < X.length; i++) decl.push(`const X${i} = X[${i}];`);
    const src = `"use strict";\n${decl.join('\n')}\nreturn function chain(p) {\nlet v = 0;\n${lines.join('\n')}\nreturn -1;\n};`;
    let make: ChainFactory;
    try {
      make = factory<ChainFactory>(CHAIN_PARAMS, src);
    } catch {
      return null; // code generation not allowed here (a Content-Security-Policy without unsafe-eval): closures
    }
    if (this.codes !== null) this.codes.set(c, { version: c.version, targets: this.targets, make, R, M, Q, K, jumps, missing, runStarts });
    return make(R, M, Q, K, this.jumpStubs(jumps), X, this.targets, matchMatches);
  }

  /**
   * The `S` array of a generated chain: a stub per jump, which puts the target's function in its
   * place on first use. Exact size (the function's context keeps it as long as the chain lives;
   * an array grown by `push` has room for 17).
   */
  private jumpStubs(jumps: readonly string[]): CompiledChain[] {
    const S: CompiledChain[] = jumps.map(() => NO_CHAIN);
    for (let k = 0; k < jumps.length; k++) S[k] = this.jumpStub(S, k, jumps[k]!);
    return S;
  }

  /** Jump `k` of a generated chain to chain `name`, resolved on first use (a chain may jump to one compiled later, or back up a loop that no base chain reaches). */
  private jumpStub(S: CompiledChain[], k: number, name: string): CompiledChain {
    return (p) => {
      const f = this.chain(name);
      S[k] = f;
      return f(p);
    };
  }

  /** Whether the chains `code` jumps to exist in this table, and those it found missing still do not. */
  private sameJumps(code: ChainCode): boolean {
    const chains = this.table.chains;
    for (const name of code.jumps) if (!chains.has(name)) return false;
    for (const name of code.missing) if (chains.has(name)) return false;
    return true;
  }

  /**
   * The compiled port-indexed run `rules[i..j)`: `kept` (the run the chain kept from its last
   * compile, which `rules[i..)` still starts with) with the rest of the run appended to it when
   * they fit it, else a new one. Null when code generation is off or unavailable (the closure form
   * is used).
   */
  private portRun(rules: readonly Rule[], i: number, j: number, byDst: boolean, kept: PortRun | null): PortRun | null {
    if (!chainCodegen()) return null;
    const hasChain = (name: string): boolean => this.table.chains.has(name);
    if (kept !== null && kept.byDst === byDst && kept.targets === this.targets && kept.append(rules, i + kept.rules.length, j, hasChain)) {
      kept.owner = this;
      return kept;
    }
    try {
      return PortRun.build(rules, i, j, byDst, this, this.targets, hasChain, matchMatches);
    } catch {
      return null; // code generation not allowed here (a Content-Security-Policy without unsafe-eval)
    }
  }

  /** The run chain `c` kept from its last compile whose rules `rules[i..)` still start with, else null. */
  private keptRun(c: Chain, rules: readonly Rule[], i: number): PortRun | null {
    const runs = c.portRuns as PortRun[] | null;
    if (runs === null || !chainCodegen()) return null;
    const first = rules[i];
    for (const r of runs) if (r.rules[0] === first && r.reusable && r.startsAt(rules, i)) return r;
    return null;
  }

  private compile(c: Chain): CompiledChain {
    const rules = c.rules;
    const n = rules.length;
    // the closures of every rule and the Map indexes of the runs are built only for the forms that
    // use them (the closure form, or a run whose generated function is unavailable): with code
    // generation a chain of 10,000 published ports compiles without them
    let stepsMemo: Step[] | null = null;
    const getSteps = (): Step[] => (stepsMemo ??= rules.map((r) => this.step(r)));
    // runs of indexable rules: runEnd[i] > 0 marks the start of a run ending (exclusive) at runEnd[i]
    const runEnd = new Int32Array(n);
    // whether every rule of the run also has `-d ADDR/32` (Docker's filter DOCKER chain): a second level by address
    const runByDst = new Uint8Array(n);
    const runMap: Array<Map<number, Int32Array> | null> = new Array(n).fill(null);
    const runDst: Array<Map<number, Map<number, Int32Array>> | null> = new Array(n).fill(null);
    // the runs this chain kept from its last compile, by the index they start at here
    const keptAt = new Map<number, PortRun>();
    const made: PortRun[] = [];
    let anyRun = false;
    for (let i = 0; i < n; ) {
      // a kept run whose rules still start here: those are known to be indexable (rules never change)
      const kept = c.portRuns !== null ? this.keptRun(c, rules, i) : null;
      let j = kept !== null ? i + kept.rules.length : i;
      let allDst32 = kept !== null ? kept.byDst : true;
      for (; j < n && dportKey(rules[j]!) >= 0; j++) if (allDst32) allDst32 = rules[j]!.dstMask === -1 && !rules[j]!.dstInv;
      if (j - i >= DPORT_INDEX_MIN) {
        runEnd[i] = j;
        const runs = (this.runs ??= new Map());
        let list = runs.get(c.name);
        if (!list) runs.set(c.name, (list = []));
        list.push([i, j]);
        runByDst[i] = allDst32 ? 1 : 0;
        if (kept !== null) keptAt.set(i, kept);
        anyRun = true;
        i = j;
      } else i = Math.max(j, i + 1);
    }
    /** The Map index of run `i` (for the closure forms), built on first use. */
    const buildIndex = (i: number): void => {
      if (runMap[i] !== null || runDst[i] !== null) return;
      const j = runEnd[i]!;
      if (runByDst[i]) {
        const two = new Map<number, Map<number, number[]>>();
        for (let k = i; k < j; k++) {
          const key = dportKey(rules[k]!);
          let byDst = two.get(key);
          if (!byDst) two.set(key, (byDst = new Map()));
          // int32 keys (a uint32 above 2^31 would be a heap number per lookup)
          let l = byDst.get(rules[k]!.dst | 0);
          if (!l) byDst.set(rules[k]!.dst | 0, (l = []));
          l.push(k);
        }
        runDst[i] = new Map([...two].map(([k, v]) => [k, new Map([...v].map(([d, l]) => [d, Int32Array.from(l)]))]));
      } else {
        const m = new Map<number, number[]>();
        for (let k = i; k < j; k++) {
          const key = dportKey(rules[k]!);
          let l = m.get(key);
          if (!l) m.set(key, (l = []));
          l.push(k);
        }
        runMap[i] = new Map([...m].map(([k, v]) => [k, Int32Array.from(v)]));
      }
    };
    const gen = this.generate(c, runEnd, (i) => {
      const shaped = this.portRun(rules, i, runEnd[i]!, runByDst[i] === 1, keptAt.get(i) ?? null);
      if (shaped !== null) {
        made.push(shaped);
        return shaped.fn();
      }
      buildIndex(i);
      const steps = getSteps();
      const two = runDst[i]!;
      const one = runMap[i]!;
      return (p) => {
        if (p.dport < 0 || (p.proto !== 6 && p.proto !== 17)) return V_CONTINUE;
        const key = (p.proto << 16) | p.dport;
        let list: Int32Array | undefined;
        if (two !== null) {
          const byDst = two.get(key);
          list = byDst === undefined ? undefined : byDst.get(p.daddr | 0);
        } else list = one.get(key);
        if (list === undefined) return V_CONTINUE;
        for (let k = 0; k < list.length; k++) {
          const v = steps[list[k]!]!(p);
          if (v !== V_CONTINUE) return v;
        }
        return V_CONTINUE;
      };
    });
    // the chain keeps the runs of its latest compile, for the next one
    c.portRuns = gen !== null && made.length > 0 ? made : null;
    if (gen !== null) return gen;
    const steps = getSteps();
    if (!anyRun) {
      return (p) => {
        for (let i = 0; i < n; i++) {
          const v = steps[i]!(p);
          if (v === V_CONTINUE) continue;
          return v === V_RETURN ? V_CONTINUE : v;
        }
        return V_CONTINUE;
      };
    }
    for (let i = 0; i < n; i++) if (runEnd[i]! > 0) buildIndex(i);
    return (p) => {
      let i = 0;
      while (i < n) {
        const end = runEnd[i]!;
        if (end > 0) {
          if (p.dport >= 0 && (p.proto === 6 || p.proto === 17)) {
            const key = (p.proto << 16) | p.dport;
            const two = runDst[i];
            let list: Int32Array | undefined;
            if (two !== null) {
              const byDst = two.get(key);
              list = byDst === undefined ? undefined : byDst.get(p.daddr | 0);
            } else list = runMap[i]!.get(key);
            if (list !== undefined) {
              for (let k = 0; k < list.length; k++) {
                const v = steps[list[k]!]!(p);
                if (v === V_CONTINUE) continue;
                return v === V_RETURN ? V_CONTINUE : v;
              }
            }
          }
          i = end;
          continue;
        }
        const v = steps[i]!(p);
        i++;
        if (v === V_CONTINUE) continue;
        return v === V_RETURN ? V_CONTINUE : v;
      }
      return V_CONTINUE;
    };
  }
}
