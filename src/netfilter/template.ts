/**
 * Prepared iptables commands: an argument list whose addresses, ports, NAT ranges or interface
 * names are slots (`$0`, `$1`, …), parsed in full once; later uses fill the slots into a copy of
 * that parse without reading the text again. libnetwork programs the same few rule shapes for
 * every container (only addresses and ports differ), and parsing them was the largest single cost
 * of a `docker run`.
 *
 * An instance is what {@link parseIptablesArgs} gives for the filled-in argument list (the
 * property test in test/netfilter/template.test.ts compares them). A value in another form than the
 * first use's (a NAT range with a port where the first had none, …), a jump whose chain is gone, or
 * a value the parser would refuse makes that use parse the filled-in text, so the answer, and any
 * error, is the parser's own.
 *
 * @module
 */
import { checkIface, internMatch, internName, oneMatchList, parseAddrMask, parseIptablesArgs, parseNatRange, parsePortRange, setDst, setSrc, type XtInvocation } from './parse.js';
import type { Match, NatRange, PortsMatch, Rule, Target } from './rule.js';

/** What a slot's option sets in the rule. */
const enum Slot {
  Src,
  Dst,
  InIf,
  OutIf,
  Sport,
  Dport,
  NatTo,
}

/**
 * Slot values parsed lately, by text: a `docker run -p` fills its container's address into three
 * rules and its port into two. Bounded (256 values each: a value cut out of a long text keeps that
 * text alive while it is here); a value the parser refuses is not kept (it throws again).
 */
const addrMasks = new Map<string, readonly [number, number]>();
const portRanges = new Map<string, readonly [number, number]>();

function parsedOnce(m: Map<string, readonly [number, number]>, v: string, parse: (v: string) => readonly [number, number]): readonly [number, number] {
  let r = m.get(v);
  if (r === undefined) {
    r = parse(v);
    if (m.size >= 256) m.clear();
    m.set(v, r);
  }
  return r;
}

const SLOT_OF: Readonly<Record<string, Slot>> = {
  '-s': Slot.Src,
  '--source': Slot.Src,
  '--src': Slot.Src,
  '-d': Slot.Dst,
  '--destination': Slot.Dst,
  '--dst': Slot.Dst,
  '-i': Slot.InIf,
  '--in-interface': Slot.InIf,
  '-o': Slot.OutIf,
  '--out-interface': Slot.OutIf,
  '--sport': Slot.Sport,
  '--source-port': Slot.Sport,
  '--dport': Slot.Dport,
  '--destination-port': Slot.Dport,
  '--to-destination': Slot.NatTo,
  '--to-source': Slot.NatTo,
};

const SLOT_RE = /^\$(\d+)$/;

/**
 * @internal The shape of an iptables argument list: every value of an option a slot can set
 * (address, interface, port, NAT range) replaced by a slot `$N` (the values pushed on `values` in
 * order), so that texts differing only in those values share one {@link XtTemplate}. A value that
 * looks like an option or a negation (`-…`, `!…`) or is empty stays in the text (the parser may read
 * it as something else); null when the text itself holds a `$N` token that is not such a value (the
 * template would take it for a slot).
 */
export function slotted(argv: readonly string[], values: string[]): string[] | null {
  const shape = argv.slice();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (i > 0 && Object.hasOwn(SLOT_OF, argv[i - 1]!) && a !== '' && a[0] !== '-' && a[0] !== '!') {
      shape[i] = `$${values.length}`;
      values.push(a);
    } else if (SLOT_RE.test(a)) return null;
  }
  return shape;
}

function isPorts(m: Match): m is PortsMatch {
  return m.kind === 'tcp' || m.kind === 'udp' || m.kind === 'sctp';
}

/** A copy of `r` with zero counters (the fields listed: one object shape, as the parser makes). */
// Copies are object literals, field by field: in V8 11 a spread (`{ ...o, f: v }`) of these
// shapes costs 50-400 ns against 2-10 ns for the literal (measured in Node 20).

/** `inv` with `rule` in place of its rule. */
function withRule(inv: XtInvocation, rule: Rule | null): XtInvocation {
  return { cmd: inv.cmd, table: inv.table, chain: inv.chain, arg2: inv.arg2, num: inv.num, rule, numeric: inv.numeric, verbose: inv.verbose, exact: inv.exact, lineNumbers: inv.lineNumbers };
}

/** A ports match like `m` with the given port ranges. */
function withPorts(m: PortsMatch, sportLo: number, sportHi: number, dportLo: number, dportHi: number): PortsMatch {
  return {
    kind: m.kind,
    sportLo,
    sportHi,
    sportInv: m.sportInv,
    dportLo,
    dportHi,
    dportInv: m.dportInv,
    flagsMask: m.flagsMask,
    flagsCmp: m.flagsCmp,
    flagsInv: m.flagsInv,
  };
}

function freshCopy(r: Rule): Rule {
  return {
    src: r.src,
    srcMask: r.srcMask,
    srcInv: r.srcInv,
    dst: r.dst,
    dstMask: r.dstMask,
    dstInv: r.dstInv,
    inIf: r.inIf,
    inIfInv: r.inIfInv,
    outIf: r.outIf,
    outIfInv: r.outIfInv,
    proto: r.proto,
    protoInv: r.protoInv,
    frag: r.frag,
    matches: r.matches,
    target: r.target,
    pkts: 0,
    bytes: 0,
  };
}

/** A prepared `iptables` argument list; see the module comment. */
export class XtTemplate {
  /** Every slot use: its value number, argv position and what it sets (a value may fill several). */
  private readonly slots: Array<{ k: number; at: number; kind: Slot }> = [];
  /** The first use's parse (the base every later use copies), once made. */
  private base: XtInvocation | null = null;
  /** The rule's one ports match, by index in `matches` (-1: none, or more than one: no port slots). */
  private portsAt = -1;

  /**
   * @param argv the argument list with `$N` tokens as slot values; each slot must be the value of
   *   `-s`, `-d`, `-i`, `-o`, `--sport`, `--dport`, `--to-destination` or `--to-source`. Shapes
   *   filled from one value list may each use some of its values.
   * @param slots false: `argv` has no slots (`$N` is plain text); see {@link XtTemplate.exact}.
   */
  constructor(
    private readonly argv: readonly string[],
    slots = true,
  ) {
    for (let i = 0; slots && i < argv.length; i++) {
      const m = SLOT_RE.exec(argv[i]!);
      if (!m) continue;
      const opt = argv[i - 1] ?? '';
      const kind = Object.hasOwn(SLOT_OF, opt) ? SLOT_OF[opt] : undefined;
      if (kind === undefined) throw new Error(`iptables template: slot ${argv[i]} is not the value of an address, port, NAT range or interface option`);
      this.slots.push({ k: Number(m[1]), at: i, kind });
    }
  }

  /** A template without slots for `argv` taken as it is (no `$N` scan): a cached parse of one text. */
  static exact(argv: readonly string[]): XtTemplate {
    return new XtTemplate(argv.slice(), false);
  }

  /**
   * An exact template ({@link XtTemplate.exact}) of `argv` whose parse is already known: `inv`,
   * what the parser gives (or a filled template gave) for that text. Later uses copy it.
   */
  static exactOf(argv: readonly string[], inv: XtInvocation): XtTemplate {
    const t = new XtTemplate(argv.slice(), false);
    t.base = inv.rule === null ? inv : withRule(inv, freshCopy(inv.rule));
    return t;
  }

  /** The argument list with `values` in the slots. */
  fill(values: readonly string[]): string[] {
    const out = this.argv.slice();
    for (const s of this.slots) out[s.at] = values[s.k]!;
    return out;
  }

  /**
   * The invocation for `values`: a filled copy of the first use's parse, or the parse of the
   * filled-in text (first use, another value form, a missing jump chain). Throws what the parser
   * throws (XtError) for text iptables refuses.
   */
  instantiate(values: readonly string[], chainExists: (table: string, name: string) => boolean): XtInvocation {
    const base = this.base;
    if (base === null) return this.parseFull(values, chainExists, true);
    const br = base.rule;
    if (br === null) return withRule(base, null);
    const t = br.target;
    if (t.kind === 'jump' && !chainExists(base.table, t.chain)) return this.parseFull(values, chainExists, false);
    const rule = freshCopy(br);
    let matches: Match[] | null = null;
    let target: Target = t;
    for (let j = 0; j < this.slots.length; j++) {
      const slot = this.slots[j]!;
      const v = values[slot.k]!;
      switch (slot.kind) {
        case Slot.Src:
          setSrc(rule, parsedOnce(addrMasks, v, parseAddrMask));
          break;
        case Slot.Dst:
          setDst(rule, parsedOnce(addrMasks, v, parseAddrMask));
          break;
        case Slot.InIf:
          rule.inIf = internName(checkIface(v));
          break;
        case Slot.OutIf:
          rule.outIf = internName(checkIface(v));
          break;
        case Slot.Sport:
        case Slot.Dport: {
          matches ??= br.matches.slice();
          const m = matches[this.portsAt] as PortsMatch;
          const pr = parsedOnce(portRanges, v, parsePortRange);
          matches[this.portsAt] = internMatch(slot.kind === Slot.Sport ? withPorts(m, pr[0], pr[1], m.dportLo, m.dportHi) : withPorts(m, m.sportLo, m.sportHi, pr[0], pr[1]));
          break;
        }
        case Slot.NatTo: {
          const old = (t as { range: NatRange }).range;
          const r = parseNatRange(v, true);
          if (r.hasIp !== old.hasIp || r.hasPort !== old.hasPort) return this.parseFull(values, chainExists, false);
          r.random = old.random;
          r.persistent = old.persistent;
          target = { kind: t.kind, range: r } as Target;
          break;
        }
      }
    }
    if (matches !== null) rule.matches = matches.length === 1 ? oneMatchList(matches[0]!) : matches;
    rule.target = target;
    return withRule(base, rule);
  }

  private parseFull(values: readonly string[], chainExists: (table: string, name: string) => boolean, keep: boolean): XtInvocation {
    const inv = parseIptablesArgs(this.fill(values), chainExists);
    if (keep) {
      // port slots need the one ports match they set; a rule with several keeps parsing in full
      const usesPorts = this.slots.some((s) => s.kind === Slot.Sport || s.kind === Slot.Dport);
      const natOk = this.slots.every((s) => s.kind !== Slot.NatTo || (inv.rule !== null && 'range' in inv.rule.target));
      const idx = inv.rule ? inv.rule.matches.findIndex(isPorts) : -1;
      const several = inv.rule !== null && inv.rule.matches.filter(isPorts).length > 1;
      if (natOk && !(usesPorts && (idx < 0 || several)) && (inv.rule !== null || this.slots.length === 0)) {
        this.portsAt = idx;
        this.base = inv;
      }
    }
    return inv;
  }
}
