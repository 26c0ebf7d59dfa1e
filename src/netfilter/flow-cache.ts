/**
 * The FORWARD walk of an established flow, bridged (br_netfilter) or routed, cached on its conntrack
 * entry (one per direction), in the spirit of Linux's `nf_flowtable` but without its loss of fidelity: a later
 * packet of the same entry and direction replays the walk's effects instead of walking the chains
 * again — every rule counter (packets and bytes) and policy counter the walk bumped is bumped
 * again, and the verdict is the same.
 *
 * That is exact only because of what is cached and when:
 *
 * - Only walks whose outcome cannot differ between packets of one conntrack entry and direction:
 *   every rule reachable from the hooked FORWARD base chains (mangle and filter) tests only fields
 *   that are the same for every such packet (addresses, protocol, ports and ICMP type/code — parts
 *   of the conntrack tuple —, interfaces, fragment bit, ctstate, mark) and has a target that is only
 *   a verdict (ACCEPT, DROP, RETURN, a jump or goto, or none). A TCP flags test, `addrtype` (it
 *   reads the namespace's addresses, which change without the rules changing), `physdev` or any
 *   other target (LOG, MARK, REJECT, TRACE…) makes the whole hook uncacheable ({@link forwardCacheable}).
 * - The key is the ruleset generation (any change of rules, chains or policies), the devices
 *   (`-i`/`-o`), the mark, and the entry's ctstate bits (ESTABLISHED, with its SNAT/DNAT bits); the
 *   conntrack entry and direction are where it is stored. The bridge ports are not in it: no rule
 *   of a cacheable hook can test them (`physdev` makes it uncacheable), so which port the FDB
 *   picks does not change the walk.
 * - Conntrack itself is not skipped: PRE_ROUTING still finds the entry and refreshes its timeout.
 * - Traced packets, packets of another namespace's entry, and the first packet of a direction (it
 *   records the walk, through the interpreter) take the full path. A routed flow records at its
 *   second packet in a direction (its first only marks the entry, `CtEntry.forwardSeen`): a new
 *   flow of one datagram each way, the published-port and MASQUERADE benchmarks' new flows, would
 *   otherwise pay for a recording it never replays.
 *
 * A recorded walk ({@link FlowWalk}) holds nothing of its flow: the thousands of flows between
 * containers of one bridge walk the same few sequences of rules, so walks are interned per
 * netfilter instance ({@link FlowWalkTable}), and so are the pairs of them ({@link FlowPair}: the
 * original direction's and the reply's) that entries point at, one field per entry. (One walk
 * object and two arrays per entry direction made an established bridged flow cost ~625 bytes of
 * heap, against ~147 for the entry alone: docs/performance.md.)
 *
 * @module
 */
import type { Rule } from './rule.js';
import type { Chain, Table } from './table.js';

/** One recorded FORWARD walk, shared by every conntrack entry direction that walked it (see the module comment). Never changed once made. */
export class FlowWalk {
  /** Ruleset generation the walk was recorded at. */
  readonly gen: number;
  /** `-i`, `-o` of the recorded packets. */
  readonly inDev: string;
  readonly outDev: string;
  /** Packet mark of the recorded packets. */
  readonly mark: number;
  /** ctstate bits of the recorded packets. */
  readonly ctState: number;
  /** Rules whose counters the walk bumped, in walk order (a rule twice if it matched twice). */
  readonly rules: readonly Rule[];
  /** Base chains whose policy counters the walk bumped. */
  readonly policies: readonly Chain[];
  /** The hook's verdict (NF_ACCEPT or NF_DROP). */
  readonly verdict: number;
  /** @internal the next walk in the same bucket of the {@link FlowWalkTable} */
  next: FlowWalk | null = null;
  /** @internal number of the walk in its table's epoch (1, 2, …: a key of {@link FlowWalkTable.pair}) */
  id = 0;
  /** @internal the table epoch the walk was made in */
  epoch = 0;

  constructor(gen: number, inDev: string, outDev: string, mark: number, ctState: number, rules: readonly Rule[], policies: readonly Chain[], verdict: number) {
    this.gen = gen;
    this.inDev = inDev;
    this.outDev = outDev;
    this.mark = mark;
    this.ctState = ctState;
    this.rules = rules;
    this.policies = policies;
    this.verdict = verdict;
  }
}

/**
 * The cached walks of one conntrack entry: its original direction's and its reply direction's
 * (either null until recorded). Interned like the walks, never changed once made.
 */
export class FlowPair {
  constructor(
    /** The walk of the entry's original-direction packets. */
    readonly orig: FlowWalk | null,
    /** The walk of its reply-direction packets. */
    readonly reply: FlowWalk | null,
  ) {}
}

/** Walks kept per table before it starts over (entries keep the walks they point at). */
const MAX_WALKS = 4096;
/** Pairs of walks kept per table (the combinations of an original and a reply walk seen so far). */
const MAX_PAIRS = 65536;

/**
 * The interned {@link FlowWalk}s of one netfilter instance, for one ruleset generation: the same
 * walk recorded again (the same devices, mark, ctstate, verdict and the same rules and policies in
 * the same order) is the object made the first time. Starts over when the generation changes (a
 * walk of an older generation is never replayed) or when it holds {@link MAX_WALKS} walks.
 */
export class FlowWalkTable {
  private gen = -1;
  private count = 0;
  /** Bumped each time the table starts over (walk ids are numbered per epoch). */
  private epoch = 0;
  private readonly buckets = new Map<number, FlowWalk>();
  /** Interned pairs by `orig.id * 8192 + reply.id` (0 for none). */
  private readonly pairs = new Map<number, FlowPair>();
  /** Small numbers for the rules, chains and device names seen in this generation's walks (the hash's inputs). */
  private readonly ids = new Map<unknown, number>();

  /** The walk with these contents: the existing one, or a new one holding copies of `rules` and `policies`. */
  intern(gen: number, inDev: string, outDev: string, mark: number, ctState: number, rules: readonly Rule[], policies: readonly Chain[], verdict: number): FlowWalk {
    if (gen !== this.gen || this.count >= MAX_WALKS) {
      this.gen = gen;
      this.count = 0;
      this.epoch++;
      this.buckets.clear();
      this.pairs.clear();
      this.ids.clear();
    }
    let h = Math.imul(this.id(inDev) ^ 0x5bd1e995, 0x01000193) ^ this.id(outDev);
    h = Math.imul(h, 0x01000193) ^ mark;
    h = Math.imul(h, 0x01000193) ^ ctState;
    h = Math.imul(h, 0x01000193) ^ verdict;
    for (let i = 0; i < rules.length; i++) h = Math.imul(h, 0x01000193) ^ this.id(rules[i]);
    h = Math.imul(h, 0x01000193) ^ 0xffff;
    for (let i = 0; i < policies.length; i++) h = Math.imul(h, 0x01000193) ^ this.id(policies[i]);
    h |= 0;
    const first = this.buckets.get(h) ?? null;
    for (let w = first; w !== null; w = w.next) {
      if (w.inDev === inDev && w.outDev === outDev && w.mark === mark && w.ctState === ctState && w.verdict === verdict && sameItems(w.rules, rules) && sameItems(w.policies, policies)) return w;
    }
    const w = new FlowWalk(gen, inDev, outDev, mark, ctState, rules.slice(), policies.slice(), verdict);
    w.next = first;
    w.id = ++this.count;
    w.epoch = this.epoch;
    this.buckets.set(h, w);
    return w;
  }

  /**
   * The pair of `pair` (an entry's, or null) with direction `dir` (0 original, 1 reply) set to `w`,
   * a walk {@link FlowWalkTable.intern} just returned: interned, unless the other direction's walk
   * is from before the table started over (then a pair of its own, still exact).
   */
  pair(pair: FlowPair | null, dir: number, w: FlowWalk): FlowPair {
    const o = dir === 0 ? w : pair === null ? null : pair.orig;
    const r = dir === 0 ? (pair === null ? null : pair.reply) : w;
    const other = dir === 0 ? r : o;
    if (other !== null && other.epoch !== this.epoch) return new FlowPair(o, r);
    const k = (o === null ? 0 : o.id) * 8192 + (r === null ? 0 : r.id);
    let p = this.pairs.get(k);
    if (p === undefined) {
      p = new FlowPair(o, r);
      // bounded: past MAX_PAIRS a new combination gets a pair of its own
      if (this.pairs.size < MAX_PAIRS) this.pairs.set(k, p);
    }
    return p;
  }

  private id(x: unknown): number {
    let n = this.ids.get(x);
    if (n === undefined) {
      n = this.ids.size + 1;
      this.ids.set(x, n);
    }
    return n;
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether every rule reachable from `base` (a base chain of `table`) tests only flow-invariant
 * fields and has a verdict-only target (see the module comment). Null `base` (table not hooked) is
 * cacheable.
 */
export function forwardCacheable(table: Table, base: Chain | null): boolean {
  if (base === null) return true;
  const seen = new Set<Chain>();
  const todo: Chain[] = [base];
  const names: string[] = [];
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    // a long chain answers from its summary, kept up to date by every change: a DOCKER chain of
    // 1,000 published ports is not walked again after each `docker run -p`
    if (!c.flowCacheable()) return false;
    const n = c.jumpTargets(names);
    for (let i = 0; i < n; i++) {
      const next = table.chains.get(names[i]!);
      if (next !== undefined) todo.push(next);
    }
  }
  return true;
}

