/**
 * The mechanism side of libnetwork's `iptables` package: run an argv against a namespace's
 * netfilter, test for a rule (`-C`), insert/append only when absent, delete when present.
 * Rule *policy* (which rules, in which order) lives in bridge-rules.ts and port-rules.ts.
 */
import { DockernetError } from '../../core/errors.js';
import { TokenMap } from '../../core/token-map.js';
import { hashString } from '../../core/rng.js';
import { Netfilter } from '../../netfilter/netfilter.js';
import { hasRule } from '../../netfilter/commands.js';
import { execInvocation, XtError, XtTemplate, isTableName, parseIptablesArgs, type Ruleset, type XtInvocation } from '../../netfilter/index.js';
import { slotted } from '../../netfilter/template.js';

/** What the engine needs from a namespace's netfilter: `iptables ARGV`. */
export interface IptablesRunner {
  iptables(argv: string[]): { exitCode: number; stdout: string; stderr: string };
  /** `iptables-save` text, when the front-end can print it. */
  save?(): string;
}

/** `-A` / `-I` / `-D`, as libnetwork's iptables.Action. */
export type Action = '-A' | '-I' | '-D';

/**
 * Runs iptables commands the way libnetwork's helpers do.
 *
 * On a namespace's own {@link Netfilter} an argument list is parsed once and applied to its
 * ruleset directly (`-C` then `-A` of `ProgramRule` share one parsed rule); any failure is re-run
 * through `iptables ARGV` so the error text is the tool's own. Other front-ends get argv only.
 */
export class Iptables {
  private readonly rs: Ruleset | null;
  private readonly chainExists: (table: string, name: string) => boolean;

  constructor(private readonly nf: IptablesRunner) {
    this.rs = nf instanceof Netfilter ? nf.rules : null;
    // a local first, then stored: V8 allocates a function literal assigned straight to a property in the
    // old generation, and its closure would keep the ruleset and its engine alive through every scavenge
    // (docs/performance.md)
    const chainExists = (table: string, name: string): boolean => isTableName(table) && this.rs!.tables[table].chains.has(name);
    this.chainExists = chainExists;
  }

  /** Runs one command; throws a DockernetError with iptables' stderr when it fails. */
  raw(argv: string[]): void {
    // parsed and applied here when it can be (a failure leaves the ruleset unchanged and is re-run
    // as text below, for iptables' own message)
    const inv = this.parse(argv);
    if (inv && this.apply(inv)) return;
    const r = this.nf.iptables(argv);
    if (r.exitCode !== 0) throw new DockernetError('EIPTABLES', `iptables failed: iptables ${argv.join(' ')}: ${r.stderr.trim()}`);
  }

  /** Runs one command and ignores a failure (libnetwork's `iptables.Raw` without error check). */
  tryRaw(argv: string[]): boolean {
    const inv = this.parse(argv);
    if (inv) return this.apply(inv);
    return this.nf.iptables(argv).exitCode === 0;
  }

  /** `iptables -t TABLE -C CHAIN ARGS`. */
  exists(table: string, chain: string, args: string[]): boolean {
    return this.tryRaw(['-t', table, '-C', chain, ...args]);
  }

  /** Creates a chain unless it exists (`NewChain`). */
  newChain(table: string, chain: string): void {
    // `iptables -t TABLE -n -L CHAIN` succeeds exactly when the chain exists
    const exists = this.rs ? this.chainExists(table, chain) : this.nf.iptables(['-t', table, '-n', '-L', chain]).exitCode === 0;
    if (!exists) this.raw(['-t', table, '-N', chain]);
  }

  /** `ProgramRule`: -A/-I when absent, -D when present. */
  programRule(table: string, chain: string, action: Action, args: string[]): void {
    const argv = ['-t', table, '-C', chain, ...args];
    this.program(this.parse(argv), null, argv, action);
  }

  /**
   * `ProgramRule` for a prepared rule shape: `tpl` is `-t TABLE -C CHAIN ARGS` with slots, `values`
   * fill them. Same outcome as {@link programRule} on the filled-in text, without parsing it again.
   */
  programTemplate(tpl: XtTemplate, values: readonly string[], action: Action): void {
    this.program(this.instantiate(tpl, values), tpl, values, action);
  }

  /** {@link run} for a prepared command: `tpl` filled with `values`. */
  runTemplate(tpl: XtTemplate, values: readonly string[]): boolean {
    const inv = this.instantiate(tpl, values);
    if (inv && this.apply(inv)) return true;
    this.raw(tpl.fill(values));
    return true;
  }

  /**
   * Runs `argv` and reports whether it succeeded (`mayFail`: libnetwork ignores the result); a
   * failure that is not allowed throws like {@link raw}.
   */
  run(argv: string[], mayFail = false): boolean {
    if (mayFail) return this.tryRaw(argv);
    this.raw(argv);
    return true;
  }

  /**
   * Applies an invocation prepared once for many namespaces ({@link prepareInvocation}): a `-C`
   * probe, or a command that stores no rule object (`-N`, `-F`, …). Returns its success; on a
   * front-end other than a {@link Netfilter}, runs `argv()` instead.
   */
  runPrepared(inv: XtInvocation, argv: () => string[]): boolean {
    if (inv.rule && inv.cmd !== 'C') throw new Error('a prepared rule is shared: only -C may use it');
    if (!this.rs) return this.nf.iptables(argv()).exitCode === 0;
    const t = inv.rule?.target;
    // a jump parsed in advance needs its chain now, as the parser would have required
    if (t && t.kind === 'jump' && !this.chainExists(inv.table, t.chain)) return false;
    return this.apply(inv);
  }

  /** `programChainRule`: insert at the top when enabling, delete when disabling. */
  programChainRule(table: string, chain: string, args: string[], insert: boolean): void {
    this.programRule(table, chain, insert ? '-I' : '-D', args);
  }

  /** `EnsureJumpRule`: (re)insert `-j TO` at the top of FROM in the filter table. */
  ensureJumpRule(from: string, to: string): void {
    if (this.exists('filter', from, ['-j', to])) this.raw(['-t', 'filter', '-D', from, '-j', to]);
    this.raw(['-t', 'filter', '-I', from, '-j', to]);
  }

  /** `AddReturnRule`: append `-j RETURN` to a filter chain unless present. */
  addReturnRule(chain: string): void {
    if (!this.exists('filter', chain, ['-j', 'RETURN'])) this.raw(['-t', 'filter', '-A', chain, '-j', 'RETURN']);
  }

  /**
   * The body of `ProgramRule`: `probe` is the parsed `-C` command (null: run as text), its text
   * `tpl` filled with `values` (or `values` itself when `tpl` is null: made only when needed, and
   * without a closure per rule); -A/-I the rule when absent, -D it when present.
   */
  private program(probe: XtInvocation | null, tpl: XtTemplate | null, values: readonly string[], action: Action): void {
    const has = probe ? this.apply(probe) : this.nf.iptables(probeText(tpl, values)).exitCode === 0;
    if (action === '-D' ? !has : has) return;
    if (probe && this.apply(withCmd(probe, action === '-A' ? 'A' : action === '-I' ? 'I' : 'D'))) return;
    const argv = probeText(tpl, values).slice();
    argv[argv.indexOf('-C')] = action;
    this.raw(argv);
  }

  /** The invocation of `argv` against this ruleset, or null (no ruleset here, or iptables would refuse the text). */
  private parse(argv: readonly string[]): XtInvocation | null {
    if (!this.rs) return null;
    try {
      // libnetwork sends the same texts again and again (every engine's docker0 rules, -C before -A):
      // a text seen before copies its parse; a new text of a known shape (another network's bridge
      // name and subnet, see {@link slotted}) fills that shape's template, so each shape is parsed once
      const t = parsed.get(argv);
      if (t !== undefined) return t.instantiate(NO_VALUES, this.chainExists);
      const values: string[] = [];
      const shape = slotted(argv, values);
      let inv: XtInvocation;
      if (shape === null) inv = XtTemplate.exact(argv).instantiate(NO_VALUES, this.chainExists);
      else {
        let st = shapes.get(shape);
        if (st === undefined) {
          st = new XtTemplate(shape);
          shapes.set(shape, st);
        }
        inv = st.instantiate(values, this.chainExists);
      }
      // a text with values (a bridge name, a subnet) is kept as itself from its second sighting:
      // docker0's rules, which every engine sends alike, from the second engine on; a user network's,
      // which carry its random `br-<12 hex>` name, only if its engine sends one twice (kept at once,
      // each engine's texts stayed in this cache for dozens of engines after their engine was gone)
      if (values.length === 0 || seenBefore(argv)) parsed.set(argv, XtTemplate.exactOf(argv, inv));
      return inv;
    } catch (e) {
      if (e instanceof XtError) return null;
      throw e;
    }
  }

  /** The invocation of a filled template against this ruleset, or null (as {@link parse}). */
  private instantiate(tpl: XtTemplate, values: readonly string[]): XtInvocation | null {
    if (!this.rs) return null;
    try {
      return tpl.instantiate(values, this.chainExists);
    } catch (e) {
      if (e instanceof XtError) return null;
      throw e;
    }
  }

  /** Applies a parsed invocation; false when iptables would exit non-zero (the ruleset is unchanged). */
  private apply(inv: XtInvocation): boolean {
    // -C, the common probe (a miss is the usual answer): no exception built per miss
    if (inv.cmd === 'C' && inv.rule && !(inv.table === 'nat' && inv.rule.target.kind === 'DROP')) return hasRule(this.rs!, inv);
    // -D of a rule that is not there (libnetwork deletes before it adds, ignoring the error): the
    // same answer without an exception and its stack trace (2 per new Engine())
    if (inv.cmd === 'D' && inv.rule && !hasRule(this.rs!, inv)) return false;
    try {
      execInvocation(this.rs!, inv);
      return true;
    } catch (e) {
      if (e instanceof XtError) return false;
      throw e;
    }
  }
}

/** The text of a probe: a template filled in, or the argument list itself. */
function probeText(tpl: XtTemplate | null, values: readonly string[]): string[] {
  return tpl === null ? (values as string[]) : tpl.fill(values);
}

/** `inv` as command `cmd` (an object literal: a spread of this shape costs V8 11 up to ~400 ns). */
function withCmd(inv: XtInvocation, cmd: 'A' | 'I' | 'D'): XtInvocation {
  return { cmd, table: inv.table, chain: inv.chain, arg2: inv.arg2, num: inv.num, rule: inv.rule, numeric: inv.numeric, verbose: inv.verbose, exact: inv.exact, lineNumbers: inv.lineNumbers };
}

/** Argument lists seen by {@link Iptables} (bounded: emptied when full). */
const parsed = new TokenMap<XtTemplate>(1024);
/** Their shapes (see {@link slotted}; bounded likewise). */
const shapes = new TokenMap<XtTemplate>(1024);
const NO_VALUES: readonly string[] = [];
/** Hashes of argument lists seen once (numbers: nothing of the text is kept); bounded likewise. */
const seenOnce = new Set<number>();

/** Whether `argv` (by a 32-bit FNV-1a hash over its words' hashes) was seen before; records it if not. */
function seenBefore(argv: readonly string[]): boolean {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < argv.length; i++) h = Math.imul(h ^ hashString(argv[i]!), 0x01000193);
  if (seenOnce.has(h)) return true;
  if (seenOnce.size >= 4096) seenOnce.clear();
  seenOnce.add(h);
  return false;
}

/** Parses an iptables argument list once, for {@link Iptables.runPrepared} (user chains taken as existing). */
export function prepareInvocation(argv: readonly string[]): XtInvocation {
  return parseIptablesArgs(argv, () => true);
}
