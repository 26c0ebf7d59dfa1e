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
import type { NfHost } from './hook.js';
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
  /** IPv4 source address. */
  saddr = 0;
  /** IPv4 destination address. */
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
    if (this.srcTypeBits === 0) this.srcTypeBits = this.host ? addrTypeBit(this.host.addrType(this.saddr)) || 1 : 1;
    return this.srcTypeBits;
  }

  /** addrtype bit of the destination address. */
  dstType(): number {
    if (this.dstTypeBits === 0) this.dstTypeBits = this.host ? addrTypeBit(this.host.addrType(this.daddr)) || 1 : 1;
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

/** Key of an indexable rule (`-p tcp|udp … --dport N`), or -1. */
export function dportKey(r: Rule): number {
  if ((r.proto !== 6 && r.proto !== 17) || r.protoInv) return -1;
  for (const m of r.matches) {
    if ((m.kind === 'tcp' || m.kind === 'udp') && m.dportLo >= 0 && m.dportLo === m.dportHi && !m.dportInv)
      return (r.proto << 16) | m.dportLo;
  }
  return -1;
}

/** Generate JavaScript for chains (see {@link CompiledTable}); false keeps the closure form (for A/B). */
let CODEGEN = true;
/** Longest chain (rules outside port-indexed runs) compiled to one generated function. */
export const CODEGEN_MAX_RULES = 256;

/** @internal switches chain code generation on or off (tests compare both forms); returns the old setting. */
export function setChainCodegen(on: boolean): boolean {
  const old = CODEGEN;
  CODEGEN = on;
  return old;
}

/**
 * The test of `-i`/`-o NAME` (`NAME+`: a prefix) over `p.<field>`. The name is not written into the
 * source: it is appended to `Q` and read as `qK`, so that the code of two engines whose bridges have
 * different random names (`br-<12 hex>`) is the same text, made into a function once (`factory`).
 * Names are internalized, so the compare stays a pointer compare.
 */
function ifaceTest(field: string, name: string, inv: boolean, Q: string[]): string {
  if (name.endsWith('+')) {
    const t = `p.${field}.startsWith(q${Q.push(intern(name.slice(0, -1))) - 1})`;
    return inv ? `!${t}` : t;
  }
  return `p.${field} ${inv ? '!==' : '==='} q${Q.push(intern(name)) - 1}`;
}

/** Int32 literal of a uint32 constant (`x & mask` is an int32 in JavaScript). */
function i32(x: number): string {
  return String(x | 0);
}

/**
 * The test of rule `r` as a JavaScript expression over `p`, `'true'` when it tests nothing, or null
 * when it can never match (`! -s 0/0`). Match modules without an inline form are called through
 * `mm(mK, p)` with the match object appended to `M`; interface names are `qK`, appended to `Q`.
 * With `K`, the addresses and ports the rule compares with are `kK`, appended to `K` (int32), not
 * literals: they are what differs between the chains of two containers or two engines (the embedded
 * DNS's random ports, each network's subnet), so the source, and with it V8's compiled code, is shared
 * by every chain of the same shape. Masks, protocols, states and flags stay literals.
 */
function genTest(r: Rule, M: Match[], Q: string[], K: number[] | null = null): string | null {
  const val = (x: number): string => (K === null ? String(x | 0) : `k${K.push(x | 0) - 1}`);
  const t: string[] = [];
  if (r.srcMask !== 0) t.push(`(p.saddr & ${i32(r.srcMask)}) ${r.srcInv ? '!==' : '==='} ${val(r.src)}`);
  else if (r.srcInv) return null;
  if (r.dstMask !== 0) t.push(`(p.daddr & ${i32(r.dstMask)}) ${r.dstInv ? '!==' : '==='} ${val(r.dst)}`);
  else if (r.dstInv) return null;
  if (r.inIf) t.push(ifaceTest('inDev', r.inIf, r.inIfInv, Q));
  if (r.outIf) t.push(ifaceTest('outDev', r.outIf, r.outIfInv, Q));
  if (r.proto !== 0) t.push(`p.proto ${r.protoInv ? '!==' : '==='} ${r.proto}`);
  if (r.frag !== 0) t.push(`p.fragment === ${r.frag === 1}`);
  for (const m of r.matches) {
    switch (m.kind) {
      case 'comment':
        break;
      case 'tcp':
      case 'udp':
      case 'sctp': {
        const proto = portsProto(m.kind);
        if (m.sportLo < 0 && m.flagsMask < 0 && m.dportLo >= 0 && m.dportLo === m.dportHi && !m.dportInv) {
          t.push(`p.proto === ${proto} && p.dport === ${val(m.dportLo)}`);
          break;
        }
        t.push(`p.proto === ${proto} && p.sport >= 0`);
        if (m.sportLo >= 0) t.push(`(p.sport >= ${val(m.sportLo)} && p.sport <= ${val(m.sportHi)}) ${m.sportInv ? '===' : '!=='} false`);
        if (m.dportLo >= 0) t.push(`(p.dport >= ${val(m.dportLo)} && p.dport <= ${val(m.dportHi)}) ${m.dportInv ? '===' : '!=='} false`);
        if (m.flagsMask >= 0) t.push(`(p.tcpFlags & ${m.flagsMask}) ${m.flagsInv ? '!==' : '==='} ${m.flagsCmp}`);
        break;
      }
      case 'conntrack':
      case 'state':
        t.push(`(p.ctState & ${m.states}) ${m.inv ? '===' : '!=='} 0`);
        break;
      case 'addrtype':
        // Docker's `-m addrtype --dst-type LOCAL` sees every new connection (nat PREROUTING/OUTPUT)
        if (m.src) t.push(`(p.srcType() & ${m.src}) ${m.srcInv ? '===' : '!=='} 0`);
        if (m.dst) t.push(`(p.dstType() & ${m.dst}) ${m.dstInv ? '===' : '!=='} 0`);
        break;
      default:
        t.push(`mm(m${M.push(m) - 1}, p)`);
    }
  }
  return t.length === 0 ? 'true' : t.map((x) => `(${x})`).join(' && ');
}

/** Parameters of a generated chain's factory (see `generate`). */
const CHAIN_PARAMS = ['R', 'M', 'Q', 'K', 'S', 'X', 'T', 'mm'] as const;
/** Parameters of a generated port-indexed run's factory (see `generateRun`). */
const RUN_PARAMS = ['NUMS', 'OBJS', 'RS', 'QS', 'H', 'L', 'hash', 'T', 'mm', 'J'] as const;

/** Factories of generated chain code, by parameter list and source; bounded (cleared when full). */
const factories = new Map<string, (...args: never[]) => unknown>();
const FACTORIES_MAX = 512;
/** Characters of source the factories may keep (a chain of 256 rules is ~40,000). */
const FACTORIES_MAX_CHARS = 4_000_000;
let factoryChars = 0;

/**
 * The function `new Function(...params, src)`, made once per distinct text: every chain generated
 * from the same source (the same chain in two engines, one container's DNS rules and the next's)
 * then comes from one factory, so its closures share the factory's feedback, and the code V8
 * optimizes for one engine's chain serves the next engine's at its first packet (a new
 * `new Function` of the same text would share only the parse). Throws what `new Function` throws
 * (code generation disallowed by a Content-Security-Policy).
 */
function factory<F extends (...args: never[]) => unknown>(params: readonly string[], src: string): F {
  const key = `${params.join(',')}\n${src}`;
  let f = factories.get(key);
  if (f === undefined) {
    f = new Function(...params, src) as F;
    if (factories.size >= FACTORIES_MAX || factoryChars + key.length > FACTORIES_MAX_CHARS) {
      factories.clear();
      factoryChars = 0;
    }
    factories.set(key, f);
    factoryChars += key.length;
  }
  return f as F;
}

/** Hash of a port-indexed run's key (`proto << 16 | dport`, destination address or 0). */
function runHash(ka: number, kb: number): number {
  let h = Math.imul(ka ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ kb, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Compiled chains of one table, rebuilt when the rule set's generation changes. */
/** Generated code of a verdict-only target (no target, ACCEPT, DROP, RETURN yielding `ret`), else null. */
function verdictAct(kind: string, ret: number): string | null {
  switch (kind) {
    case 'none':
      return '';
    case 'ACCEPT':
      return 'return 1;';
    case 'DROP':
      return 'return 0;';
    case 'RETURN':
      return `return ${ret};`;
    default:
      return null;
  }
}

/** A rule's branch of a port-indexed run (see `CompiledTable.runShape`). */
interface RunShape {
  /** Test and action text with the constants as slots (`\u0000`–`\u0003`); one string per distinct text. */
  readonly tmpl: string;
  /** The slots' values, in text order. */
  readonly vals: ReadonlyArray<number | string | Match>;
}

/** Each rule's run branch (null: never matches), once made. Weak: a rule deleted from every table goes. */
const runShapes = new WeakMap<Rule, RunShape | null>();

/** The templates made so far, by text (thousands of published ports share a few). Bounded. */
const templates = new Map<string, string>();

/** The one copy of template `t`. */
function shareTemplate(t: string): string {
  const hit = templates.get(t);
  if (hit !== undefined) return hit;
  if (templates.size >= 1024) templates.clear();
  templates.set(t, t);
  return t;
}

export class CompiledTable {
  private readonly fns = new Map<string, CompiledChain>();
  private readonly runs = new Map<string, Array<[number, number]>>();

  constructor(
    private readonly table: Table,
    private readonly targets: TargetRunner,
  ) {}

  /**
   * The runs of chain `name` that are indexed by destination port, as [first, end) rule indices
   * (0-based). For inspection and tests.
   */
  indexedRuns(name: string): Array<[number, number]> {
    this.chain(name);
    return this.runs.get(name) ?? [];
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
    if (!CODEGEN) return null;
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
    const S: CompiledChain[] = [];
    const X: Array<(p: PktInfo) => number> = [];
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const end = runEnd[i]!;
      if (end > 0) {
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
        if (!this.table.chains.has(t.chain)) act = '';
        else {
          const k = S.length;
          const name = t.chain;
          // resolved on first use (a chain may jump to one compiled later, or back up a loop that no base chain reaches)
          S.push((p) => {
            const f = this.chain(name);
            S[k] = f;
            return f(p);
          });
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
    let make: (
      r: Rule[],
      m: Match[],
      q: string[],
      k: number[],
      s: CompiledChain[],
      x: Array<(p: PktInfo) => number>,
      t: TargetRunner,
      mm: typeof matchMatches,
    ) => CompiledChain;
    try {
      make = factory<typeof make>(CHAIN_PARAMS, src);
    } catch {
      return null; // code generation not allowed here (a Content-Security-Policy without unsafe-eval): closures
    }
    return make(R, M, Q, K, S, X, this.targets, matchMatches);
  }

  /**
   * Rule `r`'s branch of a port-indexed run as a template (test and action text, its constants taken
   * out as slots, in text order: string literals, match references, numbers, interface names) and
   * the slots' values; null when the rule can never match. Remembered per rule object (rules are
   * never changed once parsed; a change to a chain shares the rules it keeps), so that a run of N
   * published ports recompiled after one more `docker run -p` does the text work of one rule, not
   * of N (the whole run's was ~7 µs per rule: 1,000 containers each run and then used spent most of
   * their bring-up here). A jump's text depends on the table (does the chain exist?): not remembered.
   */
  private runShape(r: Rule): RunShape | null {
    const memo = runShapes.get(r);
    if (memo !== undefined) return memo;
    const M: Match[] = [];
    const Q: string[] = [];
    const test = genTest(r, M, Q);
    if (test === null) {
      runShapes.set(r, null);
      return null;
    }
    const t = r.target;
    let act = verdictAct(t.kind, -2);
    if (act !== null) {
      // verdict only
    } else if (t.kind === 'jump') {
      // a jump out of a port-indexed run is rare: its own shape (the chain is resolved on first use)
      act = this.table.chains.has(t.chain) ? `v = J(${JSON.stringify(t.chain)}, p); if (v >= 0) return v;${t.goto ? ' return -2;' : ''}` : '';
    } else act = 'v = T.run(r, p); if (v !== -1) return v;';
    const vals: Array<number | string | Match> = [];
    const text = `if (${test}) { r.pkts++; r.bytes += p.len; ${act} }`.replace(
      /"(?:[^"\\]|\\.)*"|\bm(\d+)\b|\bq(\d+)\b|(?<![\w.])-?\d+(?![\w.])/g,
      (x, k: string | undefined, q: string | undefined) => {
        if (x.startsWith('"')) {
          vals.push(JSON.parse(x) as string);
          return '\u0000';
        }
        if (k !== undefined) {
          vals.push(M[Number(k)]!);
          return '\u0001';
        }
        if (q !== undefined) {
          vals.push(Q[Number(q)]!);
          return '\u0003';
        }
        vals.push(Number(x));
        return '\u0002';
      },
    );
    const shape: RunShape = { tmpl: shareTemplate(text), vals };
    if (t.kind !== 'jump') runShapes.set(r, shape);
    return shape;
  }

  /**
   * Generates the function of the port-indexed run `rules[i..j)` (the published ports: thousands of
   * rules that differ only in their constants). Rules whose generated test and action are the same
   * text once the constants are taken out share one "shape": the run's function holds one branch per
   * shape with the constants that vary read from one row of an `Int32Array` (strings and match
   * objects from an array), and the run's keys (`proto << 16 | dport`, and the destination address
   * when every rule has `-d ADDR/32`) sit in an open-addressing `Int32Array` pointing at rule lists in
   * one flat `Int32Array`. A matched rule then costs a few reads of adjacent memory instead of a walk
   * through a dozen closures and their contexts per rule (the closure form scattered over the heap:
   * with 10,000 published ports every new flow paid cache misses for it). Null when code generation is
   * off or unavailable (the closure form is used). Same verdicts and counters as the interpreter
   * (property-tested); the order of the rules of one key is kept.
   */
  private generateRun(rules: readonly Rule[], i0: number, j0: number, byDst: boolean): ((p: PktInfo) => number) | null {
    if (!CODEGEN) return null;
    // shapes: test + action text with numeric literals, string literals and match references as slots
    const shapeOf = new Map<string, number>();
    const shapeSrc: string[] = [];
    const shapeVals: Array<Array<ReadonlyArray<number | string | Match>>> = []; // per shape: per rule of the shape: slot values
    const shapeRules: number[][] = [];
    const shapeOfRule = new Int32Array(j0 - i0).fill(-1);
    const rowOfRule = new Int32Array(j0 - i0);
    for (let i = i0; i < j0; i++) {
      const r = rules[i]!;
      const rs = this.runShape(r);
      if (rs === null) continue; // never matches: never counted
      const tmpl = rs.tmpl;
      const vals = rs.vals;
      let sh = shapeOf.get(tmpl);
      if (sh === undefined) {
        sh = shapeSrc.length;
        shapeOf.set(tmpl, sh);
        shapeSrc.push(tmpl);
        shapeVals.push([]);
        shapeRules.push([]);
      }
      shapeOfRule[i - i0] = sh;
      rowOfRule[i - i0] = shapeVals[sh]!.length;
      shapeVals[sh]!.push(vals);
      shapeRules[sh]!.push(i);
    }
    // every shape's slots: a literal when all its rules agree on a number or string, else a column of
    // the shape's row table (match objects always: mm() takes the object)
    const NUMS: Int32Array[] = [];
    const OBJS: Array<Array<string | Match>> = [];
    const RS: Rule[][] = [];
    // interface names every rule of a shape shares (the bridge of `! -i br-x`): constants of the run, `sK`
    const QS: string[] = [];
    const branches: string[] = [];
    for (let sh = 0; sh < shapeSrc.length; sh++) {
      const rows = shapeVals[sh]!;
      const nslots = rows[0]!.length;
      const marks = shapeSrc[sh]!.match(/[\u0000-\u0003]/g) ?? [];
      const numCol: number[] = [];
      const objCol: number[] = [];
      const lit: string[] = [];
      for (let k = 0; k < nslots; k++) {
        const v0 = rows[0]![k]!;
        const same = rows.every((row) => row[k] === v0);
        if (same && typeof v0 === 'number') lit.push(String(v0));
        else if (same && marks[k] === '\u0003') lit.push(`s${QS.push(v0 as string) - 1}`);
        else if (same && typeof v0 === 'string') lit.push(JSON.stringify(v0));
        else if (typeof v0 === 'number') lit.push(`N[b + ${numCol.push(k) - 1}]`);
        else lit.push(`O[c + ${objCol.push(k) - 1}]`);
      }
      const nn = numCol.length;
      const no = objCol.length;
      const nums = new Int32Array(Math.max(1, rows.length * nn));
      const objs: Array<string | Match> = new Array(rows.length * no);
      rows.forEach((row, ri) => {
        numCol.forEach((k, x) => (nums[ri * nn + x] = row[k] as number));
        objCol.forEach((k, x) => (objs[ri * no + x] = row[k] as string | Match));
      });
      NUMS.push(nums);
      OBJS.push(objs);
      RS.push(shapeRules[sh]!.map((k) => rules[k]!));
      let n = 0;
      const body = shapeSrc[sh]!.replace(/[\u0000-\u0003]/g, () => lit[n++]!);
      branches.push(
        `case ${sh}: { const N = N${sh}, O = O${sh}, r = R${sh}[w]; const b = w * ${nn}, c = w * ${no}; ${body} break; }`,
      );
    }
    // the key table: open addressing on (key, dst), each slot [key + 1, dst, first, end] into L,
    // sized for one key per rule (published ports rarely share one); made in typed arrays only
    // (a Map of lists by a double key cost ~1 µs per rule, and a run is remade at every change)
    let keyed = 0;
    for (let k = 0; k < j0 - i0; k++) if (shapeOfRule[k]! >= 0) keyed++;
    let size = 8;
    while (size < keyed * 2) size *= 2;
    const mask = size - 1;
    const H = new Int32Array(size * 4);
    const L = new Int32Array(Math.max(1, j0 - i0) * 2);
    const slotOfRule = new Int32Array(j0 - i0);
    // each rule's slot; [h * 4 + 3] counts the slot's rules for now
    for (let i = i0; i < j0; i++) {
      if (shapeOfRule[i - i0]! < 0) continue;
      const r = rules[i]!;
      const ka = dportKey(r);
      const kb = byDst ? r.dst | 0 : 0;
      let h = runHash(ka, kb) & mask;
      for (;;) {
        const e = H[h * 4]!;
        if (e === 0) {
          H[h * 4] = ka + 1;
          H[h * 4 + 1] = kb;
          break;
        }
        if (e === ka + 1 && H[h * 4 + 1] === kb) break;
        h = (h + 1) & mask;
      }
      H[h * 4 + 3]!++;
      slotOfRule[i - i0] = h;
    }
    // each slot's range of L; then the rules, in chain order, each at its slot's end so far
    let at = 0;
    for (let h = 0; h < size; h++) {
      if (H[h * 4] === 0) continue;
      const n = H[h * 4 + 3]!;
      H[h * 4 + 2] = at;
      H[h * 4 + 3] = at;
      at += 2 * n;
    }
    for (let k = 0; k < j0 - i0; k++) {
      if (shapeOfRule[k]! < 0) continue;
      const h = slotOfRule[k]!;
      const e = H[h * 4 + 3]!;
      L[e] = shapeOfRule[k]!;
      L[e + 1] = rowOfRule[k]!;
      H[h * 4 + 3] = e + 2;
    }
    const decl: string[] = [];
    for (let sh = 0; sh < shapeSrc.length; sh++) decl.push(`const N${sh} = NUMS[${sh}], O${sh} = OBJS[${sh}], R${sh} = RS[${sh}];`);
    for (let i = 0; i < QS.length; i++) decl.push(`const s${i} = QS[${i}];`);
    const src = `"use strict";
${decl.join('\n')}
return function run(p) {
  if (p.dport < 0 || (p.proto !== 6 && p.proto !== 17)) return -1;
  const ka = (p.proto << 16) | p.dport;
  const kb = ${byDst ? 'p.daddr | 0' : '0'};
  let h = hash(ka, kb) & ${size - 1};
  for (;;) {
    const e = H[h * 4];
    if (e === 0) return -1;
    if (e === ka + 1 && H[h * 4 + 1] === kb) break;
    h = (h + 1) & ${size - 1};
  }
  const end = H[h * 4 + 3];
  let v = 0;
  for (let k = H[h * 4 + 2]; k < end; k += 2) {
    const w = L[k + 1];
    switch (L[k]) {
${branches.join('\n')}
    }
  }
  return -1;
};`;
    const J = (name: string, p: PktInfo): number => this.chain(name)(p);
    try {
      const make = factory<
        (
          nums: Int32Array[],
          objs: Array<Array<string | Match>>,
          rs: Rule[][],
          qs: string[],
          h: Int32Array,
          l: Int32Array,
          hash: typeof runHash,
          t: TargetRunner,
          mm: typeof matchMatches,
          j: typeof J,
        ) => (p: PktInfo) => number
      >(RUN_PARAMS, src);
      return make(NUMS, OBJS, RS, QS, H, L, runHash, this.targets, matchMatches, J);
    } catch {
      return null;
    }
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
    let anyRun = false;
    for (let i = 0; i < n; ) {
      let j = i;
      while (j < n && dportKey(rules[j]!) >= 0) j++;
      if (j - i >= DPORT_INDEX_MIN) {
        runEnd[i] = j;
        let list = this.runs.get(c.name);
        if (!list) this.runs.set(c.name, (list = []));
        list.push([i, j]);
        let allDst32 = true;
        for (let k = i; k < j && allDst32; k++) allDst32 = rules[k]!.dstMask === -1 && !rules[k]!.dstInv;
        runByDst[i] = allDst32 ? 1 : 0;
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
      const shaped = this.generateRun(rules, i, runEnd[i]!, runByDst[i] === 1);
      if (shaped !== null) return shaped;
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
