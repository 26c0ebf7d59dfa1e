/**
 * The rule model of the iptables layer (after Linux `struct ipt_entry` with its matches and
 * target), and its canonical text form as `iptables-save` prints it.
 *
 * @module
 */
import { hashString } from '../core/rng.js';
import { ipToString } from '../wire/addr.js';

/** ctstate / state bits (`-m conntrack --ctstate`, `-m state --state`), in the order iptables prints them. */
export const CT_STATE_INVALID = 1;
/** `ESTABLISHED` bit. */
export const CT_STATE_ESTABLISHED = 2;
/** `RELATED` bit. */
export const CT_STATE_RELATED = 4;
/** `NEW` bit. */
export const CT_STATE_NEW = 8;
/** `UNTRACKED` bit. */
export const CT_STATE_UNTRACKED = 16;
/** `SNAT` bit (conntrack only): the connection is source-NATed. */
export const CT_STATE_SNAT = 32;
/** `DNAT` bit (conntrack only): the connection is destination-NATed. */
export const CT_STATE_DNAT = 64;

/** State names in iptables' print order, with their bits. */
export const CT_STATE_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['INVALID', CT_STATE_INVALID],
  ['NEW', CT_STATE_NEW],
  ['RELATED', CT_STATE_RELATED],
  ['ESTABLISHED', CT_STATE_ESTABLISHED],
  ['UNTRACKED', CT_STATE_UNTRACKED],
  ['SNAT', CT_STATE_SNAT],
  ['DNAT', CT_STATE_DNAT],
];

/** Address types of `-m addrtype` (Linux RTN_* as bits `1 << RTN_x`), in print order. */
export const ADDRTYPE_NAMES = [
  'UNSPEC',
  'UNICAST',
  'LOCAL',
  'BROADCAST',
  'ANYCAST',
  'MULTICAST',
  'BLACKHOLE',
  'UNREACHABLE',
  'PROHIBIT',
  'THROW',
  'NAT',
  'XRESOLVE',
] as const;

/** Bit of an address type name in an addrtype mask (0 if unknown). */
export function addrTypeBit(name: string): number {
  const i = (ADDRTYPE_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? 0 : 1 << i;
}

/** TCP flag names in print order with their bits. */
export const TCP_FLAG_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['FIN', 0x01],
  ['SYN', 0x02],
  ['RST', 0x04],
  ['PSH', 0x08],
  ['ACK', 0x10],
  ['URG', 0x20],
  ['ECE', 0x40],
  ['CWR', 0x80],
];

/** Protocol numbers iptables knows by name (`-p NAME`), as in /etc/protocols. */
export const PROTO_BY_NAME: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  sctp: 132,
  udplite: 136,
};

/** Name of protocol `n` as iptables-save prints it (the number when it has no name). */
export function protoName(n: number): string {
  if (n === 6) return 'tcp';
  if (n === 17) return 'udp';
  for (const k in PROTO_BY_NAME) if (PROTO_BY_NAME[k] === n) return k;
  return String(n);
}

/** IP protocol number of a ports match module. */
export function portsProto(kind: PortsMatch['kind']): number {
  return kind === 'tcp' ? 6 : kind === 'udp' ? 17 : 132;
}

/** `-m tcp` / `-m udp` / `-m sctp`: ports (ranges lo..hi), and for TCP `--tcp-flags`. */
export interface PortsMatch {
  /** Match module name. */
  kind: 'tcp' | 'udp' | 'sctp';
  /** `--sport` low end; -1 when absent. */
  sportLo: number;
  /** `--sport` high end. */
  sportHi: number;
  /** `! --sport`. */
  sportInv: boolean;
  /** `--dport` low end; -1 when absent. */
  dportLo: number;
  /** `--dport` high end. */
  dportHi: number;
  /** `! --dport`. */
  dportInv: boolean;
  /** `--tcp-flags MASK COMP`: the mask; -1 when absent. */
  flagsMask: number;
  /** `--tcp-flags`: the flags that must be set among MASK. */
  flagsCmp: number;
  /** `! --tcp-flags`. */
  flagsInv: boolean;
}

/** `-m icmp --icmp-type TYPE[/CODE]` (type 255 = any). */
export interface IcmpMatch {
  /** Match module name. */
  kind: 'icmp';
  /** ICMP type (255 = any). */
  type: number;
  /** Lowest code matched. */
  codeLo: number;
  /** Highest code matched. */
  codeHi: number;
  /** `! --icmp-type`. */
  inv: boolean;
}

/** `-m conntrack --ctstate` / `-m state --state`. */
export interface StateMatch {
  /** Match module name. */
  kind: 'conntrack' | 'state';
  /** CT_STATE_* bits. */
  states: number;
  /** `! --ctstate`. */
  inv: boolean;
}

/** `-m addrtype [!] --src-type T,… [!] --dst-type T,…` (0 = option absent). */
export interface AddrTypeMatch {
  /** Match module name. */
  kind: 'addrtype';
  /** `--src-type` bits (`1 << index in ADDRTYPE_NAMES`), 0 when absent. */
  src: number;
  /** `! --src-type`. */
  srcInv: boolean;
  /** `--dst-type` bits, 0 when absent. */
  dst: number;
  /** `! --dst-type`. */
  dstInv: boolean;
  /** `--limit-iface-in`. */
  limitIn: boolean;
  /** `--limit-iface-out`. */
  limitOut: boolean;
}

/** `-m multiport [!] --sports|--dports|--ports LIST` (pairs lo,hi). */
export interface MultiportMatch {
  /** Match module name. */
  kind: 'multiport';
  /** Which ports the list applies to. */
  dir: 'sports' | 'dports' | 'ports';
  /** Flattened ranges: lo0, hi0, lo1, hi1, … */
  ports: number[];
  /** `! --dports`. */
  inv: boolean;
}

/** `-m comment --comment TEXT`. */
export interface CommentMatch {
  /** Match module name. */
  kind: 'comment';
  /** The comment. */
  text: string;
}

/** `-m mark [!] --mark VALUE[/MASK]`. */
export interface MarkMatch {
  /** Match module name. */
  kind: 'mark';
  /** Value compared with `mark & mask`. */
  value: number;
  /** Mask applied to the packet mark. */
  mask: number;
  /** `! --mark`. */
  inv: boolean;
}

/** Any match module of a rule. */
export type Match = PortsMatch | IcmpMatch | StateMatch | AddrTypeMatch | MultiportMatch | CommentMatch | MarkMatch;

/** A NAT range (`--to-destination`, `--to-source`, `--to-ports`). */
export interface NatRange {
  /** An address range was given (false keeps the address). */
  hasIp: boolean;
  /** First address of the range. */
  minIp: number;
  /** Last address of the range. */
  maxIp: number;
  /** A port range was given (false keeps the port, or picks one when it clashes). */
  hasPort: boolean;
  /** First port of the range. */
  minPort: number;
  /** Last port of the range. */
  maxPort: number;
  /** `--random`. */
  random: boolean;
  /** `--persistent`. */
  persistent: boolean;
}

/** The target of a rule. */
export type Target =
  | { kind: 'none' }
  | { kind: 'ACCEPT' }
  | { kind: 'DROP' }
  | { kind: 'RETURN' }
  | { kind: 'jump'; chain: string; goto: boolean }
  | { kind: 'REJECT'; with: string }
  | { kind: 'LOG'; prefix: string; level: number }
  | { kind: 'TRACE' }
  | { kind: 'MARK'; value: number; mask: number; op: 'set' | 'xset' }
  /** `-j CHECKSUM --checksum-fill` (mangle): fills in a partial checksum; ours are always complete. */
  | { kind: 'CHECKSUM'; fill: boolean }
  | { kind: 'DNAT'; range: NatRange }
  | { kind: 'SNAT'; range: NatRange }
  | { kind: 'MASQUERADE'; range: NatRange }
  | { kind: 'REDIRECT'; range: NatRange };

/** One rule: the IPv4 header part, the matches in the order given, a target and its counters. */
export interface Rule {
  /**
   * `-s` network address (masked), as a signed 32-bit integer (`ip | 0`, like the mask): values
   * V8 keeps in the object, where a field holding 0xffffffff is a boxed double in every rule.
   */
  src: number;
  /** `-s` netmask (0 = any; /32 is -1). */
  srcMask: number;
  /** `! -s`. */
  srcInv: boolean;
  /** `-d` network address (masked), int32 as `src`. */
  dst: number;
  /** `-d` netmask (0 = any; /32 is -1). */
  dstMask: number;
  /** `! -d`. */
  dstInv: boolean;
  /** `-i` ('' = any); a trailing `+` is a prefix wildcard, kept in the name. */
  inIf: string;
  /** `! -i`. */
  inIfInv: boolean;
  /** `-o` ('' = any), `+` wildcard as `-i`. */
  outIf: string;
  /** `! -o`. */
  outIfInv: boolean;
  /** `-p` protocol number, 0 = all. */
  proto: number;
  /** `! -p`. */
  protoInv: boolean;
  /** `-f` / `! -f`: 0 absent, 1 fragments only, 2 non-fragments only. */
  frag: number;
  /** Match modules in the order given. */
  matches: Match[];
  /** The target (`{ kind: 'none' }` when the rule has no `-j`). */
  target: Target;
  /** Packets that matched this rule. */
  pkts: number;
  /** Bytes (IP total length) of the packets that matched. */
  bytes: number;
}

/** The `matches` of a rule without match modules (shared, frozen). */
export const NO_MATCHES: Match[] = Object.freeze([]) as unknown as Match[];

/** Targets without options, shared by every rule using them (frozen). */
export const SIMPLE_TARGETS = Object.freeze({
  none: Object.freeze({ kind: 'none' }),
  ACCEPT: Object.freeze({ kind: 'ACCEPT' }),
  DROP: Object.freeze({ kind: 'DROP' }),
  RETURN: Object.freeze({ kind: 'RETURN' }),
  TRACE: Object.freeze({ kind: 'TRACE' }),
} as const);

/** A rule that matches everything and has no target (`-A CHAIN`). */
export function emptyRule(): Rule {
  return {
    src: 0,
    srcMask: 0,
    srcInv: false,
    dst: 0,
    dstMask: 0,
    dstInv: false,
    inIf: '',
    inIfInv: false,
    outIf: '',
    outIfInv: false,
    proto: 0,
    protoInv: false,
    frag: 0,
    matches: NO_MATCHES,
    target: SIMPLE_TARGETS.none,
    pkts: 0,
    bytes: 0,
  };
}

/** Prefix length of a contiguous netmask, or -1 if not contiguous. */
export function maskLen(mask: number): number {
  let n = 0;
  let m = mask >>> 0;
  while (m & 0x80000000) {
    n++;
    m = (m << 1) >>> 0;
  }
  return m === 0 ? n : -1;
}

function addrText(ip: number, mask: number): string {
  if ((mask | 0) === -1) return ipToString(ip) + '/32';
  const l = maskLen(mask);
  return `${ipToString(ip)}/${l >= 0 ? l : ipToString(mask)}`;
}

/** Quotes a string the way `xtables_save_string` does. */
export function saveString(s: string): string {
  if (/^[_\-0-9a-zA-Z]+$/.test(s)) return s;
  return `"${s.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

function portRange(lo: number, hi: number): string {
  return lo === hi ? String(lo) : `${lo}:${hi}`;
}

function flagList(bits: number): string {
  if (bits === 0) return 'NONE';
  const out: string[] = [];
  for (const [n, b] of TCP_FLAG_NAMES) if (bits & b) out.push(n);
  return out.join(',');
}

function stateList(bits: number): string {
  const out: string[] = [];
  for (const [n, b] of CT_STATE_NAMES) if (bits & b) out.push(n);
  return out.join(',');
}

function addrTypeList(bits: number): string {
  const out: string[] = [];
  for (let i = 0; i < ADDRTYPE_NAMES.length; i++) if (bits & (1 << i)) out.push(ADDRTYPE_NAMES[i]!);
  return out.join(',');
}

/** A match module's `iptables-save` text (`-m tcp --dport 80`). */
export function matchText(m: Match): string {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
    case 'sctp': {
      let s = `-m ${m.kind}`;
      if (m.sportLo >= 0) s += `${m.sportInv ? ' !' : ''} --sport ${portRange(m.sportLo, m.sportHi)}`;
      if (m.dportLo >= 0) s += `${m.dportInv ? ' !' : ''} --dport ${portRange(m.dportLo, m.dportHi)}`;
      if (m.flagsMask >= 0) s += `${m.flagsInv ? ' !' : ''} --tcp-flags ${flagList(m.flagsMask)} ${flagList(m.flagsCmp)}`;
      return s;
    }
    case 'icmp': {
      let t = m.type === 255 ? 'any' : String(m.type);
      if (m.type !== 255 && !(m.codeLo === 0 && m.codeHi === 255)) t += `/${m.codeLo}`;
      return `-m icmp${m.inv ? ' !' : ''} --icmp-type ${t}`;
    }
    case 'conntrack':
      return `-m conntrack${m.inv ? ' !' : ''} --ctstate ${stateList(m.states)}`;
    case 'state':
      return `-m state${m.inv ? ' !' : ''} --state ${stateList(m.states)}`;
    case 'addrtype': {
      let s = '-m addrtype';
      if (m.src) s += `${m.srcInv ? ' !' : ''} --src-type ${addrTypeList(m.src)}`;
      if (m.dst) s += `${m.dstInv ? ' !' : ''} --dst-type ${addrTypeList(m.dst)}`;
      if (m.limitIn) s += ' --limit-iface-in';
      if (m.limitOut) s += ' --limit-iface-out';
      return s;
    }
    case 'multiport': {
      const parts: string[] = [];
      for (let i = 0; i < m.ports.length; i += 2) parts.push(portRange(m.ports[i]!, m.ports[i + 1]!));
      return `-m multiport${m.inv ? ' !' : ''} --${m.dir} ${parts.join(',')}`;
    }
    case 'comment':
      return `-m comment --comment ${saveString(m.text)}`;
    case 'mark':
      return `-m mark${m.inv ? ' !' : ''} --mark 0x${m.value.toString(16)}${m.mask !== 0xffffffff ? `/0x${m.mask.toString(16)}` : ''}`;
  }
}

function rangeText(r: NatRange, withIp: boolean): string {
  let s = '';
  if (withIp && r.hasIp) s += ipToString(r.minIp) + (r.maxIp !== r.minIp ? `-${ipToString(r.maxIp)}` : '');
  if (r.hasPort) s += `:${r.minPort}${r.maxPort !== r.minPort ? `-${r.maxPort}` : ''}`;
  return s;
}

function natFlags(r: NatRange): string {
  return (r.random ? ' --random' : '') + (r.persistent ? ' --persistent' : '');
}

/** The `-j …` part of a rule ('' when it has no target). */
export function targetText(t: Target): string {
  switch (t.kind) {
    case 'none':
      return '';
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'TRACE':
      return `-j ${t.kind}`;
    case 'jump':
      return `${t.goto ? '-g' : '-j'} ${t.chain}`;
    case 'REJECT':
      return `-j REJECT --reject-with ${t.with}`;
    case 'LOG':
      return `-j LOG${t.prefix ? ` --log-prefix ${saveString(t.prefix)}` : ''}${t.level !== 4 ? ` --log-level ${t.level}` : ''}`;
    case 'CHECKSUM':
      return `-j CHECKSUM${t.fill ? ' --checksum-fill' : ''}`;
    case 'MARK':
      return t.op === 'set' && t.mask === 0xffffffff
        ? `-j MARK --set-xmark 0x${t.value.toString(16)}/0xffffffff`
        : `-j MARK --set-xmark 0x${t.value.toString(16)}/0x${t.mask.toString(16)}`;
    case 'DNAT':
      return `-j DNAT --to-destination ${rangeText(t.range, true)}${natFlags(t.range)}`;
    case 'SNAT':
      return `-j SNAT --to-source ${rangeText(t.range, true)}${natFlags(t.range)}`;
    case 'MASQUERADE':
      return `-j MASQUERADE${t.range.hasPort ? ` --to-ports ${rangeText(t.range, false).slice(1)}` : ''}${natFlags(t.range)}`;
    case 'REDIRECT':
      return `-j REDIRECT${t.range.hasPort ? ` --to-ports ${rangeText(t.range, false).slice(1)}` : ''}${natFlags(t.range)}`;
  }
}

/**
 * The rule's specification in canonical `iptables-save` form (everything after `-A CHAIN`):
 * `-s -d -i -o -p -f`, then the matches in the order given, then the target.
 */
export function ruleSpec(r: Rule): string {
  if (r === lastRule) return lastSpec;
  const s = buildSpec(r);
  lastRule = r;
  lastSpec = s;
  return s;
}

// A rule's specification never changes once built (replacing a rule makes a new object; only
// counters change). The last one is remembered (`-C` then `-A` of one parsed rule, as docker
// programs it, builds the text once); no text is kept per rule.
let lastRule: Rule | null = null;
let lastSpec = '';

function buildSpec(r: Rule): string {
  // plain concatenation (no parts array): this runs once per line of a large iptables-save
  let s = '';
  if (r.srcMask !== 0 || r.srcInv) s += (r.srcInv ? ' ! -s ' : ' -s ') + addrText(r.src, r.srcMask);
  if (r.dstMask !== 0 || r.dstInv) s += (r.dstInv ? ' ! -d ' : ' -d ') + addrText(r.dst, r.dstMask);
  if (r.inIf) s += (r.inIfInv ? ' ! -i ' : ' -i ') + r.inIf;
  if (r.outIf) s += (r.outIfInv ? ' ! -o ' : ' -o ') + r.outIf;
  if (r.proto !== 0) s += (r.protoInv ? ' ! -p ' : ' -p ') + protoName(r.proto);
  if (r.frag) s += r.frag === 1 ? ' -f' : ' ! -f';
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) s += ' ' + matchText(ms[i]!);
  const t = r.target.kind === 'none' ? '' : targetText(r.target);
  if (t) s += ' ' + t;
  return s.length === 0 ? s : s.slice(1);
}

/**
 * A hash of the rule's specification ({@link ruleSpec}) computed from its fields, without building the
 * text: rules whose specifications are equal have equal hashes (each field enters under the
 * condition, and in the form, that the text shows it). Addresses, interfaces, protocol, fragment
 * flag, the kinds of the matches and the ports of port matches enter; the rest of the matches and the
 * target (but whether there is one) do not: a `-j` name prints alike for a target and a chain of that
 * name. Equal hashes do not mean equal specifications: a lookup confirms a candidate by its text. An
 * int32 (a small integer Map key).
 */
export function specHash(r: Rule): number {
  // the probe and the change of a `-C` then `-A` (libnetwork's ProgramRule) hash the same rule
  // object back to back: remembered for the last rule (a rule's specification fields do not change
  // once it is made: edits make new rules)
  if (r === lastHashed) return lastHash;
  const h = specHashOf(r);
  lastHashed = r;
  lastHash = h;
  return h;
}

let lastHashed: Rule | null = null;
let lastHash = 0;

function specHashOf(r: Rule): number {
  let h = 0x811c9dc5 | 0;
  if (r.srcMask !== 0 || r.srcInv) h = mix(mix(mix(h, r.src), r.srcMask), r.srcInv ? 2 : 1);
  if (r.dstMask !== 0 || r.dstInv) h = mix(mix(mix(h, r.dst), r.dstMask), r.dstInv ? 4 : 3);
  if (r.inIf) h = mix(mix(h, nameHash(r.inIf)), r.inIfInv ? 6 : 5);
  if (r.outIf) h = mix(mix(h, nameHash(r.outIf)), r.outIfInv ? 8 : 7);
  if (r.proto !== 0) h = mix(mix(h, r.proto), r.protoInv ? 10 : 9);
  h = mix(h, r.frag);
  const ms = r.matches;
  h = mix(h, ms.length);
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i]!;
    h = mix(h, nameHash(m.kind));
    if (m.kind === 'tcp' || m.kind === 'udp' || m.kind === 'sctp') {
      if (m.sportLo >= 0) h = mix(mix(h, m.sportLo), m.sportHi);
      if (m.dportLo >= 0) h = mix(mix(h, m.dportLo), m.dportHi);
    }
  }
  return mix(h, r.target.kind === 'none' ? 0 : 1);
}

/** {@link hashString} of interface names and match kinds (few, and hashed again for every rule: a lookup, not a loop per character). Bounded. */
const nameHashes = new Map<string, number>();

function nameHash(s: string): number {
  let h = nameHashes.get(s);
  if (h === undefined) {
    h = hashString(s) | 0; // int32: what `mix` makes of it anyway, and a small integer in the map
    if (nameHashes.size >= 1024) nameHashes.clear();
    nameHashes.set(s, h);
  }
  return h;
}

/** One FNV-1a step over a 32-bit value (int32 result). */
function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}

/** A deep copy of a rule (counters included). */
export function cloneRule(r: Rule): Rule {
  return {
    ...r,
    matches: r.matches.length === 0 ? NO_MATCHES : r.matches.map((m) => (m.kind === 'multiport' ? { ...m, ports: m.ports.slice() } : { ...m })),
    target: cloneTarget(r.target),
  };
}

function cloneTarget(t: Target): Target {
  if ('range' in t) return { ...t, range: { ...t.range } } as Target;
  if (Object.isFrozen(t)) return t;
  return { ...t };
}

/**
 * Whether a FORWARD walk through rule `r` may be recorded and replayed for the rest of its flow
 * (netfilter/flow-cache.ts): its target only decides (no side effect), and it tests nothing that
 * changes within a conntrack entry direction (TCP flags do; ports, ICMP type, states and marks do not).
 */
export function ruleFlowCacheable(r: Rule): boolean {
  switch (r.target.kind) {
    case 'none':
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'jump':
      break;
    default:
      return false;
  }
  for (const m of r.matches) {
    switch (m.kind) {
      case 'tcp':
      case 'udp':
      case 'sctp':
        // ports are in the conntrack tuple; TCP flags change from packet to packet
        if (m.flagsMask >= 0) return false;
        break;
      case 'icmp': // type and code are in the tuple of an ICMP entry
      case 'conntrack':
      case 'state':
      case 'multiport':
      case 'comment':
      case 'mark':
        break;
      default:
        return false;
    }
  }
  return true;
}
