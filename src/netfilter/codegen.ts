/**
 * Code generation for compiled chains: each rule's test as a JavaScript expression ({@link genTest}),
 * the text of verdict-only targets, and the one factory per distinct source text that every chain
 * generated from that text shares ({@link factory}). Used by the chain compiler (`engine.ts`) and by
 * the port-indexed runs (`port-run.ts`).
 *
 * @module
 */
import { intern } from '../core/intern.js';
import { portsProto, type Match, type Rule } from './rule.js';

/** Key of an indexable rule (`-p tcp|udp … --dport N`), or -1. */
export function dportKey(r: Rule): number {
  if ((r.proto !== 6 && r.proto !== 17) || r.protoInv) return -1;
  for (const m of r.matches) {
    if ((m.kind === 'tcp' || m.kind === 'udp') && m.dportLo >= 0 && m.dportLo === m.dportHi && !m.dportInv)
      return (r.proto << 16) | m.dportLo;
  }
  return -1;
}

/** Generate JavaScript for chains (see `CompiledTable`); false keeps the closure form (for A/B). */
let CODEGEN = true;
/** Longest chain (rules outside port-indexed runs) compiled to one generated function. */
export const CODEGEN_MAX_RULES = 256;

/** @internal switches chain code generation on or off (tests compare both forms); returns the old setting. */
export function setChainCodegen(on: boolean): boolean {
  const old = CODEGEN;
  CODEGEN = on;
  return old;
}

/** @internal whether chains are generated as JavaScript (see {@link setChainCodegen}). */
export function chainCodegen(): boolean {
  return CODEGEN;
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
export function genTest(r: Rule, M: Match[], Q: string[], K: number[] | null = null): string | null {
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
export function factory<F extends (...args: never[]) => unknown>(params: readonly string[], src: string): F {
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

/** Generated code of a verdict-only target (no target, ACCEPT, DROP, RETURN yielding `ret`), else null. */
export function verdictAct(kind: string, ret: number): string | null {
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
