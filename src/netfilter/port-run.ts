/**
 * Port-indexed runs: a chain's run of `-p tcp|udp --dport N` rules (Docker's published ports, one
 * or two rules per port in the nat and filter `DOCKER` chains) compiled to one generated function
 * over typed arrays, kept on the chain and grown in place when rules are appended to the run.
 *
 * Rules whose test and action are the same text once their constants are taken out share one
 * *shape*; the run's function holds one branch per shape and reads the constants that vary from a
 * row of the shape's `Int32Array` (strings and match objects from an array). The run's keys
 * (`proto << 16 | dport`, and the destination address when every rule has `-d ADDR/32`) sit in an
 * open-addressing `Int32Array` whose slots head lists of (shape, row) in chain order.
 *
 * The function's text depends only on the shapes, so a `docker run -p` that appends a rule of a
 * known shape adds a row and a key to the tables ({@link PortRun.append}) instead of generating,
 * parsing and warming up a new function for every rule of the run: with 1,000 published ports that
 * was ~1 µs per rule at every recompile, twice per `docker run -p` once traffic flowed.
 *
 * @module
 */
import { dportKey, factory, genTest, verdictAct } from './codegen.js';
import type { PktInfo, TargetRunner } from './engine.js';
import type { Match, Rule } from './rule.js';

/** The compiled chains a jump out of a run resolves through. */
export interface ChainSource {
  chain(name: string): (p: PktInfo) => number;
}

/** Parameters of a generated port-indexed run's factory. */
const RUN_PARAMS = ['NUMS', 'OBJS', 'RS', 'QS', 'H', 'L', 'MASK', 'hash', 'T', 'mm', 'J'] as const;

/** Hash of a port-indexed run's key (`proto << 16 | dport`, destination address or 0). */
function runHash(ka: number, kb: number): number {
  let h = Math.imul(ka ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ kb, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A rule's branch of a port-indexed run. */
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

/**
 * Rule `r`'s branch of a port-indexed run as a template (test and action text, its constants taken
 * out as slots, in text order: string literals, match references, numbers, interface names) and the
 * slots' values; null when the rule can never match. Remembered per rule object (rules are never
 * changed once parsed; a change to a chain shares the rules it keeps). A jump's text depends on the
 * table (`hasChain`): not remembered.
 */
function runShape(r: Rule, hasChain: (name: string) => boolean): RunShape | null {
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
    act = hasChain(t.chain) ? `v = J(${JSON.stringify(t.chain)}, p); if (v >= 0) return v;${t.goto ? ' return -2;' : ''}` : '';
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
  // an exact-size copy: the shape lives as long as the rule, and `push` left room for 17 values
  const shape: RunShape = { tmpl: shareTemplate(text), vals: vals.slice() };
  if (t.kind !== 'jump') runShapes.set(r, shape);
  return shape;
}

/** The factory of a run's function (see {@link PortRun.fn}). */
type RunFactory = (
  nums: Int32Array[],
  objs: Array<Array<string | Match>>,
  rs: Rule[][],
  qs: string[],
  h: Int32Array,
  l: Int32Array,
  mask: number,
  hash: typeof runHash,
  t: TargetRunner,
  mm: (m: Match, p: PktInfo) => boolean,
  j: (name: string, p: PktInfo) => number,
) => (p: PktInfo) => number;

/** Marks a slot of a shape as a column (its value read from the rule's row), not a literal. */
const COLUMN: unique symbol = Symbol('column');

/** One shape of a run: its text, which slots are literals, and its rows. */
interface Shape {
  readonly tmpl: string;
  /** The slots' kinds (`\u0000` string, `\u0001` match, `\u0002` number, `\u0003` interface name), in text order. */
  readonly marks: string;
  /** Per slot: the literal every row shares, or {@link COLUMN}. */
  readonly lit: ReadonlyArray<number | string | Match | typeof COLUMN>;
  /** Slot indexes of the numeric columns, then of the object columns. */
  readonly numCol: readonly number[];
  readonly objCol: readonly number[];
  /** Index of the shape in `NUMS`/`OBJS`/`RS`. */
  readonly index: number;
}

/**
 * The compiled form of one port-indexed run, `rules[i0..j0)` of a chain. Made by {@link PortRun.build};
 * a later compile of the same chain finds it by its first rule ({@link PortRun.startsAt}) and,
 * when the chain only grew at the run's end, appends the new rules ({@link PortRun.append}) and
 * takes a new closure of the same factory ({@link PortRun.fn}), whose V8 code is already optimized.
 *
 * The tables are changed in place, so a function taken before an append may see some of the
 * appended rules: a compiled chain is only used while its rules generation is current (the
 * netfilter instance drops its runners when the generation changes), and an append happens only in
 * the compile of a newer generation.
 */
export class PortRun {
  /** The run's rules in chain order (what a later compile compares its run with). */
  readonly rules: Rule[] = [];
  /** Open addressing on (key, dst): each slot `[key + 1, dst, head, tail]` into `L`. */
  private H: Int32Array = new Int32Array(8 * 4);
  /** `H`'s slot count minus one. */
  private mask = 7;
  /** Rule entries `[shape, row, next]` (`next` -1 ends a slot's list). */
  private L: Int32Array = new Int32Array(3 * 16);
  /** Whether a jump to another chain may appear in the run (its text depends on the table: never appended to). */
  private jumps = false;
  private keys = 0;
  private lUsed = 0;
  private readonly shapes = new Map<string, Shape>();
  private readonly NUMS: Int32Array[] = [];
  private readonly OBJS: Array<Array<string | Match>> = [];
  private readonly RS: Rule[][] = [];
  private readonly QS: string[] = [];
  /** The factory of the run's function (one per distinct text, shared by every run of these shapes). */
  private readonly make: RunFactory;
  private readonly mm: (m: Match, p: PktInfo) => boolean;
  private readonly J = (name: string, p: PktInfo): number => this.owner.chain(name)(p);

  private constructor(
    /** The compiled table a jump out of the run resolves through (the latest to adopt the run). */
    public owner: ChainSource,
    /** The targets runner the run's function was made with. */
    readonly targets: TargetRunner,
    /** Whether the run is keyed by destination address too (every rule has `-d ADDR/32`). */
    readonly byDst: boolean,
    shapes: readonly Shape[],
    mm: (m: Match, p: PktInfo) => boolean,
  ) {
    this.mm = mm;
    const QS = this.QS;
    const branches: string[] = [];
    for (const s of shapes) {
      this.shapes.set(s.tmpl, s);
      this.NUMS.push(new Int32Array(Math.max(1, 4 * s.numCol.length)));
      this.OBJS.push([]);
      this.RS.push([]);
      const lits: string[] = [];
      let nc = 0;
      let oc = 0;
      for (let k = 0; k < s.lit.length; k++) {
        const v = s.lit[k]!;
        if (v === COLUMN) {
          if (s.numCol.includes(k)) lits.push(`N[b + ${nc++}]`);
          else lits.push(`O[c + ${oc++}]`);
        } else if (typeof v === 'number') lits.push(String(v));
        else if (typeof v === 'string' && s.marks.charAt(k) === '\u0003') lits.push(`s${QS.push(v) - 1}`);
        else lits.push(JSON.stringify(v));
      }
      let n = 0;
      const body = s.tmpl.replace(/[\u0000-\u0003]/g, () => lits[n++]!);
      const i = s.index;
      branches.push(
        `case ${i}: { const N = N${i}, O = O${i}, r = R${i}[w]; const b = w * ${s.numCol.length}, c = w * ${s.objCol.length}; ${body} break; }`,
      );
    }
    const decl: string[] = [];
    for (const s of shapes) decl.push(`const N${s.index} = NUMS[${s.index}], O${s.index} = OBJS[${s.index}], R${s.index} = RS[${s.index}];`);
    for (let i = 0; i < QS.length; i++) decl.push(`const s${i} = QS[${i}];`);
    const src = `"use strict";
${decl.join('\n')}
return function run(p) {
  if (p.dport < 0 || (p.proto !== 6 && p.proto !== 17)) return -1;
  const ka = (p.proto << 16) | p.dport;
  const kb = ${byDst ? 'p.daddr | 0' : '0'};
  let h = hash(ka, kb) & MASK;
  for (;;) {
    const e = H[h * 4];
    if (e === 0) return -1;
    if (e === ka + 1 && H[h * 4 + 1] === kb) break;
    h = (h + 1) & MASK;
  }
  let v = 0;
  for (let k = H[h * 4 + 2]; k >= 0; k = L[k + 2]) {
    const w = L[k + 1];
    switch (L[k]) {
${branches.join('\n')}
    }
  }
  return -1;
};`;
    this.make = factory<RunFactory>(RUN_PARAMS, src);
  }

  /**
   * The run's function over its tables as they are now (a verdict, -1 when no rule decided, -2 for
   * RETURN): a new closure from the run's factory, with the tables as constants of its scope as V8
   * likes them. Take it again after an {@link PortRun.append}: one taken before may not see the
   * appended rules (the tables it holds may have been outgrown).
   */
  fn(): (p: PktInfo) => number {
    return this.make(this.NUMS, this.OBJS, this.RS, this.QS, this.H, this.L, this.mask, runHash, this.targets, this.mm, this.J);
  }

  /**
   * Compiles `rules[i0..j0)` (each an indexable rule, `dportKey >= 0`). Throws what `new Function`
   * throws where code generation is not allowed.
   */
  static build(
    rules: readonly Rule[],
    i0: number,
    j0: number,
    byDst: boolean,
    owner: ChainSource,
    targets: TargetRunner,
    hasChain: (name: string) => boolean,
    mm: (m: Match, p: PktInfo) => boolean,
  ): PortRun {
    // shapes, and which of their slots every rule agrees on (those are literals in the text)
    const byTmpl = new Map<string, Array<ReadonlyArray<number | string | Match>>>();
    let jumps = false;
    for (let i = i0; i < j0; i++) {
      const r = rules[i]!;
      if (r.target.kind === 'jump') jumps = true;
      const rs = runShape(r, hasChain);
      if (rs === null) continue;
      let rows = byTmpl.get(rs.tmpl);
      if (rows === undefined) byTmpl.set(rs.tmpl, (rows = []));
      rows.push(rs.vals);
    }
    const shapes: Shape[] = [];
    for (const [tmpl, vals] of byTmpl) {
      const marks = (tmpl.match(/[\u0000-\u0003]/g) ?? []).join('');
      const lit: Array<number | string | Match | typeof COLUMN> = [];
      const numCol: number[] = [];
      const objCol: number[] = [];
      const nslots = marks.length;
      for (let k = 0; k < nslots; k++) {
        const v0 = vals[0]![k]!;
        let same = typeof v0 !== 'object'; // match objects are always columns: mm() takes the object
        for (let x = 1; same && x < vals.length; x++) same = vals[x]![k] === v0;
        if (same) lit.push(v0);
        else {
          lit.push(COLUMN);
          if (typeof v0 === 'number') numCol.push(k);
          else objCol.push(k);
        }
      }
      shapes.push({ tmpl, marks, lit, numCol, objCol, index: shapes.length });
    }
    const run = new PortRun(owner, targets, byDst, shapes, mm);
    run.jumps = jumps;
    for (let i = i0; i < j0; i++) run.add(rules[i]!, hasChain);
    return run;
  }

  /** Whether a later compile may take this run up again (not when a rule jumps: its text depends on which chains exist). */
  get reusable(): boolean {
    return !this.jumps;
  }

  /** Whether `rules` holds this run's rules, in order, from index `i`. */
  startsAt(rules: readonly Rule[], i: number): boolean {
    const mine = this.rules;
    const len = mine.length;
    if (rules.length - i < len) return false;
    for (let k = 0; k < len; k++) if (rules[i + k] !== mine[k]) return false;
    return true;
  }

  /**
   * Appends `rules[from..to)` (indexable rules that follow the run's own in the chain, with a
   * `-d ADDR/32` each when the run is {@link PortRun.byDst}: the caller checks) when each has a shape
   * of the run whose literals it shares; returns false (nothing changed) otherwise, and the caller
   * builds a new run.
   */
  append(rules: readonly Rule[], from: number, to: number, hasChain: (name: string) => boolean): boolean {
    if (this.jumps) return false;
    for (let i = from; i < to; i++) {
      const r = rules[i]!;
      if (r.target.kind === 'jump') return false;
      const rs = runShape(r, hasChain);
      if (rs === null) continue;
      const s = this.shapes.get(rs.tmpl);
      if (s === undefined) return false;
      for (let k = 0; k < s.lit.length; k++) if (s.lit[k] !== COLUMN && s.lit[k] !== rs.vals[k]) return false;
    }
    for (let i = from; i < to; i++) this.add(rules[i]!, hasChain);
    return true;
  }

  /** Adds rule `r` at the run's end (its shape is one of the run's, its literals agree). */
  private add(r: Rule, hasChain: (name: string) => boolean): void {
    this.rules.push(r);
    const rs = runShape(r, hasChain);
    if (rs === null) return; // never matches: never counted
    const s = this.shapes.get(rs.tmpl)!;
    const sh = s.index;
    const rsList = this.RS[sh]!;
    const w = rsList.length;
    rsList.push(r);
    const nn = s.numCol.length;
    if (nn > 0) {
      let nums = this.NUMS[sh]!;
      if ((w + 1) * nn > nums.length) {
        const grown = new Int32Array(nums.length * 2);
        grown.set(nums);
        this.NUMS[sh] = nums = grown;
      }
      for (let x = 0; x < nn; x++) nums[w * nn + x] = rs.vals[s.numCol[x]!] as number;
    }
    const objs = this.OBJS[sh]!;
    for (const k of s.objCol) objs.push(rs.vals[k] as string | Match);
    // the entry, at the end of its key's list
    if (this.lUsed + 3 > this.L.length) {
      const grown = new Int32Array(this.L.length * 2);
      grown.set(this.L);
      this.L = grown;
    }
    const e = this.lUsed;
    this.lUsed = e + 3;
    const L = this.L;
    L[e] = sh;
    L[e + 1] = w;
    L[e + 2] = -1;
    if ((this.keys + 1) * 2 > this.mask + 1) this.rehash();
    const ka = dportKey(r);
    const kb = this.byDst ? r.dst | 0 : 0;
    const H = this.H;
    const mask = this.mask;
    let h = runHash(ka, kb) & mask;
    for (;;) {
      const k = H[h * 4]!;
      if (k === 0) {
        H[h * 4] = ka + 1;
        H[h * 4 + 1] = kb;
        H[h * 4 + 2] = e;
        H[h * 4 + 3] = e;
        this.keys++;
        return;
      }
      if (k === ka + 1 && H[h * 4 + 1] === kb) {
        L[H[h * 4 + 3]! + 2] = e;
        H[h * 4 + 3] = e;
        return;
      }
      h = (h + 1) & mask;
    }
  }

  /** Doubles the key table. */
  private rehash(): void {
    const old = this.H;
    const size = (this.mask + 1) * 2;
    const H = new Int32Array(size * 4);
    const mask = size - 1;
    for (let o = 0; o < old.length; o += 4) {
      const k = old[o]!;
      if (k === 0) continue;
      let h = runHash(k - 1, old[o + 1]!) & mask;
      while (H[h * 4] !== 0) h = (h + 1) & mask;
      H[h * 4] = k;
      H[h * 4 + 1] = old[o + 1]!;
      H[h * 4 + 2] = old[o + 2]!;
      H[h * 4 + 3] = old[o + 3]!;
    }
    this.H = H;
    this.mask = mask;
  }
}
