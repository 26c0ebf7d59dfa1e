/**
 * The `iptables` command line parser (the subset dockernet models), after xtables' `do_parse`:
 * commands, the IPv4 header options, match modules with their options, and targets, with
 * iptables' own error messages.
 *
 * @module
 */
import { parseDottedQuad, tryParseIp, prefixMask } from '../wire/addr.js';
import { intern } from '../core/intern.js';
import { paramError, XtError } from './errors.js';
import {
  addrTypeBit,
  CT_STATE_NAMES,
  emptyRule,
  matchText,
  NO_MATCHES,
  PROTO_BY_NAME,
  SIMPLE_TARGETS,
  TCP_FLAG_NAMES,
  type Match,
  type NatRange,
  type PortsMatch,
  type Rule,
  type Target,
} from './rule.js';

/** The commands of the modelled subset. */
export type XtCommand = 'A' | 'I' | 'D' | 'R' | 'N' | 'X' | 'F' | 'Z' | 'P' | 'L' | 'S' | 'E' | 'C';

/** A parsed `iptables` invocation. */
export interface XtInvocation {
  /** The command letter. */
  cmd: XtCommand;
  /** `-t` table (default filter). */
  table: string;
  /** Chain argument ('' when omitted, e.g. `-F` or `-L`). */
  chain: string;
  /** Second argument: new name for `-E`, policy for `-P`. */
  arg2: string;
  /** Rule number (`-I CHAIN N`, `-D CHAIN N`, `-R CHAIN N`, `-S CHAIN N`), 0 when absent. */
  num: number;
  /** The rule for `-A/-I/-D/-R/-C` (null for delete-by-number). */
  rule: Rule | null;
  /** `-n`. */
  numeric: boolean;
  /** `-v`. */
  verbose: boolean;
  /** `-x`. */
  exact: boolean;
  /** `--line-numbers`. */
  lineNumbers: boolean;
}

/** Targets built into iptables (a user chain may not be named like one). */
export const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'NFQUEUE', 'REJECT', 'LOG', 'TRACE', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'MARK', 'CHECKSUM']);

const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, pop3: 110, ntp: 123, imap: 143, snmp: 161, https: 443,
};

const REJECT_TYPES = new Set([
  'icmp-net-unreachable', 'icmp-host-unreachable', 'icmp-port-unreachable', 'icmp-proto-unreachable',
  'icmp-net-prohibited', 'icmp-host-prohibited', 'icmp-admin-prohibited', 'tcp-reset',
]);
const REJECT_ALIASES: Record<string, string> = {
  'net-unreach': 'icmp-net-unreachable', 'host-unreach': 'icmp-host-unreachable', 'port-unreach': 'icmp-port-unreachable',
  'proto-unreach': 'icmp-proto-unreachable', 'net-prohib': 'icmp-net-prohibited', 'host-prohib': 'icmp-host-prohibited',
  'admin-prohib': 'icmp-admin-prohibited', 'tcp-rst': 'tcp-reset',
};

const ICMP_TYPES: Record<string, [number, number, number]> = {
  any: [255, 0, 255],
  'echo-reply': [0, 0, 255], pong: [0, 0, 255],
  'destination-unreachable': [3, 0, 255],
  'network-unreachable': [3, 0, 0], 'host-unreachable': [3, 1, 1], 'protocol-unreachable': [3, 2, 2], 'port-unreachable': [3, 3, 3],
  'fragmentation-needed': [3, 4, 4], 'communication-prohibited': [3, 13, 13],
  'source-quench': [4, 0, 255], redirect: [5, 0, 255],
  'echo-request': [8, 0, 255], ping: [8, 0, 255],
  'time-exceeded': [11, 0, 255], 'ttl-exceeded': [11, 0, 0], 'ttl-zero-during-transit': [11, 0, 0],
  'parameter-problem': [12, 0, 255], 'timestamp-request': [13, 0, 255], 'timestamp-reply': [14, 0, 255],
};

const LOG_LEVELS: Record<string, number> = { emerg: 0, panic: 0, alert: 1, crit: 2, err: 3, error: 3, warning: 4, warn: 4, notice: 5, info: 6, debug: 7 };

const CMD_LONG: Record<string, XtCommand> = {
  '--append': 'A', '--insert': 'I', '--delete': 'D', '--replace': 'R', '--new-chain': 'N', '--new': 'N',
  '--delete-chain': 'X', '--flush': 'F', '--zero': 'Z', '--policy': 'P', '--list': 'L', '--list-rules': 'S',
  '--rename-chain': 'E', '--check': 'C',
};

const CMD_LONG_MAP = new Map(Object.entries(CMD_LONG));

/** Parses a port or service name (`invalid port/service` otherwise). */
export function parsePort(s: string): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n <= 65535) return n;
  } else if (SERVICES[s] !== undefined) return SERVICES[s]!;
  throw paramError(`invalid port/service \`${s}' specified`);
}

/** Parses `PORT` or `[LO]:[HI]` for `--sport`/`--dport`. */
export function parsePortRange(s: string): [number, number] {
  const c = s.indexOf(':');
  if (c < 0) {
    const p = parsePort(s);
    return [p, p];
  }
  const lo = c === 0 ? 0 : parsePort(s.slice(0, c));
  const hi = c === s.length - 1 ? 65535 : parsePort(s.slice(c + 1));
  if (lo > hi) throw paramError('invalid portrange (min > max)');
  return [lo, hi];
}

/** inet_aton's short forms that iptables accepts (`0` in `0/0`, `10.1`): -1 when not one. */
function inetAton(s: string): number {
  // one part (`0` of `0/0`): the number itself
  let one = 0;
  let i = 0;
  for (; i < s.length && i < 10; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    one = one * 10 + (c - 48);
  }
  if (i === s.length && i > 0) return one <= 0xffffffff ? one : -1;
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => !/^\d{1,10}$/.test(p))) return -1;
  const n = parts.map(Number);
  const last = n.pop()!;
  if (n.some((x) => x > 255) || last >= 2 ** (8 * (4 - n.length))) return -1;
  let v = 0;
  for (const x of n) v = v * 256 + x;
  return (v * 2 ** (8 * (4 - n.length)) + last) >>> 0;
}

/**
 * Sets a rule's `-s` from an (address, mask) pair: both as int32 (see {@link Rule.src}). Written
 * with `| 0` at the store: a value read from a double array and stored as it is would make the
 * field a boxed double in every rule.
 */
export function setSrc(rule: Rule, am: readonly [number, number]): void {
  rule.src = am[0] | 0;
  rule.srcMask = am[1] | 0;
}

/** Sets a rule's `-d` as {@link setSrc} does `-s`. */
export function setDst(rule: Rule, am: readonly [number, number]): void {
  rule.dst = am[0] | 0;
  rule.dstMask = am[1] | 0;
}

/** Parses `ADDR[/MASK]` for `-s`/`-d`: returns [address & mask, mask] (uint32). */
export function parseAddrMask(s: string): [number, number] {
  const slash = s.indexOf('/');
  const quad = parseDottedQuad(s, 0, slash < 0 ? s.length : slash);
  if (quad >= 0 && slash >= 0 && s.length - slash - 1 <= 2) {
    // the common `A.B.C.D/N`
    let l = 0;
    let ok = s.length > slash + 1;
    for (let i = slash + 1; i < s.length && ok; i++) {
      const c = s.charCodeAt(i);
      ok = c >= 48 && c <= 57;
      l = l * 10 + (c - 48);
    }
    if (ok && l <= 32) {
      const mask = prefixMask(l);
      return [(quad & mask) >>> 0, mask >>> 0];
    }
  }
  const host = slash < 0 ? s : s.slice(0, slash);
  const ip = quad >= 0 ? quad : inetAton(host);
  if (ip < 0) throw paramError(`host/network \`${host}' not found`);
  let mask = 0xffffffff;
  if (slash >= 0) {
    const m = s.slice(slash + 1);
    if (/^\d+$/.test(m)) {
      const l = Number(m);
      if (l > 32) throw paramError(`invalid mask \`${m}' specified`);
      mask = prefixMask(l);
    } else {
      const mm = tryParseIp(m);
      if (mm < 0) throw paramError(`invalid mask \`${m}' specified`);
      mask = mm;
    }
  }
  return [(ip & mask) >>> 0, mask >>> 0];
}

function parseFlags(s: string): number {
  if (s === 'ALL') return 0x3f;
  if (s === 'NONE') return 0;
  let b = 0;
  for (const f of s.split(',')) {
    const e = TCP_FLAG_NAMES.find(([n]) => n === f);
    if (!e) throw paramError(`Unknown TCP flag \`${f}'`);
    b |= e[1];
  }
  return b;
}

function parseStates(s: string, what: 'ctstate' | 'state'): number {
  let b = 0;
  for (const f of s.split(',')) {
    const e = CT_STATE_NAMES.find(([n]) => n === f);
    if (!e || (what === 'state' && e[1] > 16)) throw paramError(`Bad ${what} "${f}"`);
    b |= e[1];
  }
  return b;
}

function parseAddrTypes(s: string): number {
  let b = 0;
  for (const f of s.split(',')) {
    const bit = addrTypeBit(f.toUpperCase());
    if (!bit) throw paramError(`addrtype: bad type "${f}"`);
    b |= bit;
  }
  return b;
}

function ipOf(s: string): number {
  const ip = parseDottedQuad(s, 0, s.length);
  if (ip < 0) throw paramError(`Bad IP address "${s}"`);
  return ip;
}

/** Parses a NAT range `[IP[-IP]][:PORT[-PORT]]`. */
export function parseNatRange(s: string, needPortProto: boolean): NatRange {
  const r: NatRange = { hasIp: false, minIp: 0, maxIp: 0, hasPort: false, minPort: 0, maxPort: 0, random: false, persistent: false };
  const colon = s.indexOf(':');
  const ipPart = colon < 0 ? s : s.slice(0, colon);
  if (colon >= 0) {
    if (!needPortProto) throw paramError('Need TCP, UDP, SCTP or DCCP with port specification');
    const pp = s.slice(colon + 1);
    const dash = pp.indexOf('-');
    const lo = portOrFunky(dash < 0 ? pp : pp.slice(0, dash));
    const hi = dash < 0 ? lo : portOrFunky(pp.slice(dash + 1));
    if (hi < lo) throw paramError(`Port range \`${pp.slice(dash + 1)}' funky`);
    r.hasPort = true;
    r.minPort = lo;
    r.maxPort = hi;
  }
  if (ipPart) {
    const dash = ipPart.indexOf('-');
    r.hasIp = true;
    r.minIp = ipOf(dash < 0 ? ipPart : ipPart.slice(0, dash));
    r.maxIp = dash < 0 ? r.minIp : ipOf(ipPart.slice(dash + 1));
    if (r.maxIp < r.minIp) throw paramError(`Bad IP address "${ipPart.slice(dash + 1)}"`);
  }
  return r;
}

function portOrFunky(s: string): number {
  if (!/^\d+$/.test(s) || Number(s) > 65535 || Number(s) === 0) throw paramError(`Port \`${s}' not valid`);
  return Number(s);
}

function parsePortsList(s: string): [number, number] {
  const dash = s.indexOf('-');
  const lo = portOrFunky(dash < 0 ? s : s.slice(0, dash));
  const hi = dash < 0 ? lo : portOrFunky(s.slice(dash + 1));
  if (hi < lo) throw paramError(`Port range \`${s}' funky`);
  return [lo, hi];
}

/** Checks an interface name of `-i`/`-o` (under IFNAMSIZ). */
export function checkIface(s: string): string {
  if (s.length >= 16) throw paramError(`interface name \`${s}' must be shorter than IFNAMSIZ (15)`);
  return s;
}

const interned = new Map<string, string>();

/**
 * The one stored copy of a name kept in rules (interface, chain, comment): repeated names share a
 * string, and a name cut out of a large restore text does not keep that text alive (V8 substrings
 * point into their parent). The pool is bounded (cleared when full).
 */
export function internName(s: string): string {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  if (interned.size >= 4096) interned.clear();
  // a flat copy of the characters (a slice of a long string would keep the parent)
  const own = s.length < 13 ? s : JSON.parse(JSON.stringify(s)) as string;
  interned.set(own, own);
  return own;
}

const matchPool = new Map<string, Match>();
const jumpPool = new Map<string, Target>();
/** Port matches with only `--dport` (their own pool, keyed by number). */
const dportPool = new Map<number, Match>();

/**
 * The shared (frozen) copy of a match module equal to `m` (same `iptables-save` text): rules made
 * from the same text share their `-m conntrack --ctstate …`, `-m tcp --dport 80`, … objects. The
 * pool is bounded (cleared when full); matches are never changed once parsed.
 */
export function internMatch(m: Match): Match {
  if ((m.kind === 'tcp' || m.kind === 'udp' || m.kind === 'sctp') && m.flagsMask < 0 && (m.sportLo < 0 || m.dportLo < 0)) {
    // the common `-m tcp --dport N[:M]` (or `--sport` alone, as the embedded DNS's SNAT rules have): a
    // numeric key (the fields it prints, so equal text is equal key; sport keys from kind code 6 up)
    const sport = m.sportLo >= 0;
    const lo = sport ? m.sportLo : m.dportLo;
    const hi = sport ? m.sportHi : m.dportHi;
    const inv = sport ? m.sportInv : m.dportInv;
    const key = (((m.kind === 'tcp' ? 0 : m.kind === 'udp' ? 2 : 4) + (inv ? 1 : 0) + (sport ? 6 : 0)) * 131072 + lo + 1) * 131072 + hi + 1;
    const hit = dportPool.get(key);
    if (hit !== undefined) return hit;
    if (dportPool.size >= 8192) dportPool.clear();
    Object.freeze(m);
    dportPool.set(key, m);
    return m;
  }
  const key = matchText(m);
  const hit = matchPool.get(key);
  if (hit !== undefined) return hit;
  if (matchPool.size >= 8192) matchPool.clear();
  if (m.kind === 'multiport') Object.freeze(m.ports);
  Object.freeze(m);
  matchPool.set(key, m);
  return m;
}

const oneMatchLists = new Map<Match, Match[]>();
/**
 * The `matches` list of a rule whose only match is `m` (an {@link internMatch} result): one shared,
 * frozen list per match, so the thousands of rules of published ports that differ only in their
 * addresses (`-p tcp -d ADDR -m tcp --dport 80`) keep no list of their own. Bounded like the pools.
 */
export function oneMatchList(m: Match): Match[] {
  let l = oneMatchLists.get(m);
  if (l === undefined) {
    if (oneMatchLists.size >= 8192) oneMatchLists.clear();
    l = Object.freeze([m]) as unknown as Match[];
    oneMatchLists.set(m, l);
  }
  return l;
}

/** The shared (frozen) `-j CHAIN` / `-g CHAIN` target. */
function internJump(chain: string, goto: boolean): Target {
  const key = goto ? `g${chain}` : `j${chain}`;
  let t = jumpPool.get(key);
  if (t === undefined) {
    if (jumpPool.size >= 4096) jumpPool.clear();
    t = Object.freeze({ kind: 'jump', chain, goto });
    jumpPool.set(key, t);
  }
  return t;
}

/** Checks a name for `-N`/`-E` (xtables' rules). */
export function checkChainName(name: string): void {
  if (name.length >= 29) throw paramError(`chain name \`${name}' too long (must be under 29 chars)`);
  if (name.startsWith('-')) throw paramError("chain name not allowed to start with `-'");
  if (BUILTIN_TARGETS.has(name)) throw paramError('chain name may not clash with target name');
  if (/[\s]/.test(name) || name === '!') throw paramError(`Invalid chain name \`${name}'`);
}

function newPorts(kind: PortsMatch['kind']): PortsMatch {
  return { kind: intern(kind) as typeof kind, sportLo: -1, sportHi: -1, sportInv: false, dportLo: -1, dportHi: -1, dportInv: false, flagsMask: -1, flagsCmp: 0, flagsInv: false };
}

const NUM_RE = /^\d+$/;

function ruleNumber(s: string): number {
  if (!NUM_RE.test(s) || Number(s) < 1) throw paramError(`Invalid rule number \`${s}'`);
  return Number(s);
}

function simpleTarget(name: string): Target | null {
  switch (name) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'TRACE':
      return SIMPLE_TARGETS[name];
    case 'REJECT':
      return { kind: 'REJECT', with: 'icmp-port-unreachable' };
    case 'LOG':
      return { kind: 'LOG', prefix: '', level: 4 };
    case 'MARK':
      return { kind: 'MARK', value: 0, mask: 0xffffffff, op: 'set' };
    case 'CHECKSUM':
      return { kind: 'CHECKSUM', fill: false };
    case 'DNAT':
    case 'SNAT':
    case 'MASQUERADE':
    case 'REDIRECT':
      // the kind a literal (internalized), not the token: the targets' switch compares it per packet
      return { kind: intern(name) as typeof name, range: { hasIp: false, minIp: 0, maxIp: 0, hasPort: false, minPort: 0, maxPort: 0, random: false, persistent: false } };
    default:
      return null;
  }
}

function parseMarkValue(s: string): [number, number] {
  const slash = s.indexOf('/');
  const v = Number(slash < 0 ? s : s.slice(0, slash));
  const m = slash < 0 ? 0xffffffff : Number(s.slice(slash + 1));
  if (!Number.isInteger(v) || !Number.isInteger(m) || v < 0 || m < 0 || v > 0xffffffff || m > 0xffffffff)
    throw paramError(`Bad MARK value \`${s}'`);
  return [v >>> 0, m >>> 0];
}

/**
 * Parses an `iptables` argv (without the program name). `chainExists(table, name)` tells whether
 * a jump target names an existing chain. Throws {@link XtError} with iptables' message.
 */
export function parseIptablesArgs(
  argv: readonly string[],
  chainExists: (table: string, name: string) => boolean,
  defaultTable = 'filter',
): XtInvocation {
  const out: XtInvocation = {
    cmd: 'L', table: defaultTable, chain: '', arg2: '', num: 0, rule: null,
    numeric: false, verbose: false, exact: false, lineNumbers: false,
  };
  let cmd: XtCommand | null = null;
  const rule = emptyRule();
  const matches: Match[] = [];
  let target: Target | null = null;
  let targetName = '';
  let dnatPorts = false;
  let invert = false;
  let i = 0;
  let seen = 0;

  const next = (opt: string): string => {
    const v = argv[i];
    if (v === undefined) throw paramError(`option "${opt}" requires an argument`);
    i++;
    return v;
  };
  const optional = (): string | null => {
    const v = argv[i];
    if (v === undefined || (v.startsWith('-') && v.length > 1) || v === '!') return null;
    i++;
    return v;
  };
  const once = (flag: string, bit: number): void => {
    if (seen & bit) throw paramError(`multiple ${flag} flags not allowed`);
    seen |= bit;
  };
  const last = <K extends Match['kind']>(kind: K): Extract<Match, { kind: K }> | undefined => {
    for (let k = matches.length - 1; k >= 0; k--) if (matches[k]!.kind === kind) return matches[k] as Extract<Match, { kind: K }>;
    return undefined;
  };
  const protoIs = (n: number): boolean => !rule.protoInv && rule.proto === n;
  const ports = (): PortsMatch | null => {
    const m = matches.length ? matches[matches.length - 1]! : null;
    if (m && (m.kind === 'tcp' || m.kind === 'udp' || m.kind === 'sctp')) return m;
    const lt = last('tcp') ?? last('udp') ?? last('sctp');
    if (lt) return lt;
    if (rule.proto === 6 || rule.proto === 17 || rule.proto === 132) {
      const nm = newPorts(rule.proto === 6 ? 'tcp' : rule.proto === 17 ? 'udp' : 'sctp');
      matches.push(nm);
      return nm;
    }
    return null;
  };
  const targetIs = (...kinds: string[]): boolean => target !== null && kinds.includes(target.kind);

  while (i < argv.length) {
    const a = argv[i++]!;
    if (a === '!') {
      if (invert) throw paramError('multiple consecutive ! not allowed');
      invert = true;
      continue;
    }
    const neg = invert;
    invert = false;
    const c =
      a.length === 2
        ? a.charCodeAt(0) === 45 && 'AIDRNXFZPLSEC'.includes(a[1]!)
          ? (a[1] as XtCommand)
          : null
        : a.charCodeAt(1) === 45 && a.charCodeAt(0) === 45
          ? (CMD_LONG_MAP.get(a) ?? null)
          : null;
    if (c) {
      if (cmd !== null) throw paramError(`Cannot use -${c} with -${cmd}`);
      cmd = c;
      switch (c) {
        case 'A':
        case 'C':
        case 'N':
          out.chain = next(a);
          break;
        case 'D': {
          out.chain = next(a);
          const n = optional();
          if (n !== null) out.num = ruleNumber(n);
          break;
        }
        case 'R':
          out.chain = next(a);
          out.num = ruleNumber(next(a));
          break;
        case 'I': {
          out.chain = next(a);
          const v = argv[i];
          if (v !== undefined && !v.startsWith('-') && v !== '!') {
            i++;
            out.num = ruleNumber(v);
          }
          break;
        }
        case 'X':
        case 'F':
        case 'Z':
        case 'L':
          out.chain = optional() ?? '';
          break;
        case 'S': {
          out.chain = optional() ?? '';
          const n = out.chain ? optional() : null;
          if (n !== null) out.num = ruleNumber(n);
          break;
        }
        case 'P':
          out.chain = next(a);
          out.arg2 = next(a);
          break;
        case 'E': {
          out.chain = next(a);
          const n = argv[i];
          if (n === undefined || (n.startsWith('-') && n.length > 1) || n === '!') throw paramError('-E requires old-chain-name and new-chain-name');
          out.arg2 = n;
          i++;
          break;
        }
      }
      continue;
    }
    switch (a) {
      case '-t':
      case '--table':
        out.table = next(a);
        continue;
      case '-n':
      case '--numeric':
        out.numeric = true;
        continue;
      case '-v':
      case '--verbose':
        out.verbose = true;
        continue;
      case '-x':
      case '--exact':
        out.exact = true;
        continue;
      case '--line-numbers':
        out.lineNumbers = true;
        continue;
      case '-w':
      case '--wait':
      case '-W':
      case '--wait-interval':
        optional();
        continue;
      case '-4':
      case '--ipv4':
        continue;
      case '-s':
      case '--source':
      case '--src':
        once('-s', 1);
        setSrc(rule, parseAddrMask(next(a)));
        rule.srcInv = neg;
        continue;
      case '-d':
      case '--destination':
      case '--dst':
        once('-d', 2);
        setDst(rule, parseAddrMask(next(a)));
        rule.dstInv = neg;
        continue;
      case '-i':
      case '--in-interface':
        once('-i', 4);
        rule.inIf = internName(checkIface(next(a)));
        rule.inIfInv = neg;
        continue;
      case '-o':
      case '--out-interface':
        once('-o', 8);
        rule.outIf = internName(checkIface(next(a)));
        rule.outIfInv = neg;
        continue;
      case '-p':
      case '--protocol': {
        once('-p', 16);
        const v = next(a).toLowerCase();
        let n: number;
        if (NUM_RE.test(v) && Number(v) <= 255) n = Number(v);
        else if (v === 'all') n = 0;
        else if (PROTO_BY_NAME[v] !== undefined) n = PROTO_BY_NAME[v]!;
        else throw paramError(`unknown protocol "${v}" specified`);
        rule.proto = n;
        rule.protoInv = neg && n !== 0;
        continue;
      }
      case '-f':
      case '--fragment':
        rule.frag = neg ? 2 : 1;
        continue;
      case '-m':
      case '--match': {
        const name = next(a);
        switch (name) {
          case 'tcp':
          case 'udp':
          case 'sctp':
            // iptables-nft prints repeated tcp/udp matches as one
            if (!last(name)) matches.push(newPorts(name));
            break;
          case 'icmp':
            matches.push({ kind: 'icmp', type: 255, codeLo: 0, codeHi: 255, inv: false });
            break;
          case 'conntrack':
          case 'state':
            matches.push({ kind: intern(name) as typeof name, states: 0, inv: false });
            break;
          case 'addrtype':
            matches.push({ kind: 'addrtype', src: 0, srcInv: false, dst: 0, dstInv: false, limitIn: false, limitOut: false });
            break;
          case 'multiport':
            matches.push({ kind: 'multiport', dir: 'ports', ports: [], inv: false });
            break;
          case 'comment':
            matches.push({ kind: 'comment', text: '\u0000' });
            break;
          case 'mark':
            matches.push({ kind: 'mark', value: 0, mask: 0xffffffff, inv: false });
            break;
          default:
            throw paramError(`Couldn't load match \`${name}':No such file or directory\n`);
        }
        continue;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        once('-j', 32);
        targetName = internName(next(a));
        const goto = a === '-g' || a === '--goto';
        target = goto ? null : simpleTarget(targetName);
        if (!target) target = { kind: 'jump', chain: targetName, goto };
        continue;
      }
    }
    // options of loaded matches
    if (a === '--sport' || a === '--source-port' || a === '--dport' || a === '--destination-port') {
      const m = ports();
      if (!m) throw paramError(`unknown option "${a}"`);
      const isSrc = a === '--sport' || a === '--source-port';
      if (isSrc ? m.sportLo >= 0 : m.dportLo >= 0)
        throw paramError(`Only one \`${isSrc ? '--source-port' : '--destination-port'}' allowed`);
      const [lo, hi] = parsePortRange(next(a));
      if (isSrc) {
        m.sportLo = lo;
        m.sportHi = hi;
        m.sportInv = neg;
      } else {
        m.dportLo = lo;
        m.dportHi = hi;
        m.dportInv = neg;
      }
      continue;
    }
    if (a === '--tcp-flags' || a === '--syn') {
      const m = ports();
      if (!m || m.kind !== 'tcp') throw paramError(`unknown option "${a}"`);
      if (a === '--syn') {
        m.flagsMask = 0x17;
        m.flagsCmp = 0x02;
      } else {
        m.flagsMask = parseFlags(next(a));
        m.flagsCmp = parseFlags(next(a));
      }
      m.flagsInv = neg;
      continue;
    }
    if (a === '--icmp-type') {
      let m = last('icmp');
      if (!m) {
        if (rule.proto !== 1) throw paramError(`unknown option "${a}"`);
        m = { kind: 'icmp', type: 255, codeLo: 0, codeHi: 255, inv: false };
        matches.push(m);
      }
      const v = next(a);
      const named = ICMP_TYPES[v];
      if (named) [m.type, m.codeLo, m.codeHi] = named;
      else {
        const mm = /^(\d+)(?:\/(\d+))?$/.exec(v);
        if (!mm || Number(mm[1]) > 255 || (mm[2] !== undefined && Number(mm[2]) > 255)) throw paramError(`Unknown ICMP type \`${v}'`);
        m.type = Number(mm[1]);
        if (mm[2] !== undefined) m.codeLo = m.codeHi = Number(mm[2]);
      }
      m.inv = neg;
      continue;
    }
    if (a === '--ctstate' || a === '--state') {
      const m = last(a === '--ctstate' ? 'conntrack' : 'state');
      if (!m) throw paramError(`unknown option "${a}"`);
      m.states = parseStates(next(a), a === '--ctstate' ? 'ctstate' : 'state');
      m.inv = neg;
      continue;
    }
    if (a === '--src-type' || a === '--dst-type' || a === '--limit-iface-in' || a === '--limit-iface-out') {
      const m = last('addrtype');
      if (!m) throw paramError(`unknown option "${a}"`);
      if (a === '--src-type') {
        m.src = parseAddrTypes(next(a));
        m.srcInv = neg;
      } else if (a === '--dst-type') {
        m.dst = parseAddrTypes(next(a));
        m.dstInv = neg;
      } else if (a === '--limit-iface-in') m.limitIn = true;
      else m.limitOut = true;
      continue;
    }
    if (a === '--dports' || a === '--sports' || a === '--ports' || a === '--destination-ports' || a === '--source-ports') {
      const m = last('multiport');
      if (!m) throw paramError(`unknown option "${a}"`);
      m.dir = a === '--dports' || a === '--destination-ports' ? 'dports' : a === '--ports' ? 'ports' : 'sports';
      const list = next(a).split(',');
      let count = 0;
      m.ports = [];
      for (const p of list) {
        const [lo, hi] = parsePortRange(p);
        count += lo === hi ? 1 : 2;
        m.ports.push(lo, hi);
      }
      if (count > 15) throw paramError('too many ports specified');
      m.inv = neg;
      continue;
    }
    if (a === '--comment') {
      const m = last('comment');
      if (!m) throw paramError(`unknown option "${a}"`);
      const t = next(a);
      if (t.length > 255) throw paramError('comment may not exceed 256 characters');
      m.text = internName(t);
      continue;
    }
    if (a === '--mark' && last('mark')) {
      const m = last('mark')!;
      [m.value, m.mask] = parseMarkValue(next(a));
      m.inv = neg;
      continue;
    }
    // target options
    if (target !== null) {
      const t: Target = target;
      if (a === '--to-destination' && t.kind === 'DNAT') {
        const v = next(a);
        t.range = { ...parseNatRange(v, true), random: t.range.random, persistent: t.range.persistent };
        if (!t.range.hasIp) throw paramError(`Bad IP address "${v.split(':')[0]}"`);
        dnatPorts = t.range.hasPort;
        continue;
      }
      if (a === '--to-source' && t.kind === 'SNAT') {
        t.range = { ...parseNatRange(next(a), true), random: t.range.random, persistent: t.range.persistent };
        dnatPorts = t.range.hasPort;
        continue;
      }
      if (a === '--to-ports' && (t.kind === 'MASQUERADE' || t.kind === 'REDIRECT')) {
        const [lo, hi] = parsePortsList(next(a));
        t.range.hasPort = true;
        t.range.minPort = lo;
        t.range.maxPort = hi;
        dnatPorts = true;
        continue;
      }
      if (a === '--random' && targetIs('DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT')) {
        (t as { range: NatRange }).range.random = true;
        continue;
      }
      if (a === '--persistent' && targetIs('DNAT', 'SNAT')) {
        (t as { range: NatRange }).range.persistent = true;
        continue;
      }
      if (a === '--reject-with' && t.kind === 'REJECT') {
        const v = next(a);
        const w = REJECT_ALIASES[v] ?? v;
        if (!REJECT_TYPES.has(w)) throw paramError(`unknown reject type "${v}"`);
        t.with = w;
        continue;
      }
      if (a === '--log-prefix' && t.kind === 'LOG') {
        const v = next(a);
        if (v.length > 29) throw paramError(`Maximum prefix length 29 for --log-prefix`);
        t.prefix = internName(v);
        continue;
      }
      if (a === '--log-level' && t.kind === 'LOG') {
        const v = next(a);
        const n = NUM_RE.test(v) ? Number(v) : LOG_LEVELS[v];
        if (n === undefined || n > 7) throw paramError(`log level "${v}" unknown\n`);
        t.level = n;
        continue;
      }
      if (a === '--checksum-fill' && t.kind === 'CHECKSUM') {
        t.fill = true;
        continue;
      }
      if ((a === '--set-mark' || a === '--set-xmark') && t.kind === 'MARK') {
        const [v, m] = parseMarkValue(next(a));
        t.value = v;
        t.mask = m;
        t.op = a === '--set-mark' ? 'set' : 'xset';
        if (a === '--set-mark') t.mask = m;
        continue;
      }
    }
    if (a.startsWith('-') && a.length > 1) throw paramError(`unknown option "${a}"`);
    throw new XtError('bare', `Bad argument \`${a}'`);
  }

  if (cmd === null) throw paramError('no command specified');
  out.cmd = cmd;

  // per-module final checks (xtables' x6_fcheck)
  if (target && target.kind === 'CHECKSUM' && !target.fill) throw paramError('CHECKSUM: option "--checksum-fill" must be specified\n');
  for (const m of matches) {
    if (m.kind === 'addrtype' && !m.src && !m.dst) throw paramError('addrtype: you must specify --src-type or --dst-type');
    if (m.kind === 'conntrack' && !m.states) throw paramError('conntrack: At least one option is required');
    if (m.kind === 'state' && !m.states) throw paramError('state: option "--state" must be specified\n');
    if (m.kind === 'comment' && m.text === '\u0000') throw paramError('comment: option "--comment" must be specified\n');
    if (m.kind === 'multiport') {
      if (!(protoIs(6) || protoIs(17) || protoIs(136) || protoIs(132)))
        throw paramError("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
      if (m.ports.length === 0) throw paramError('multiport: option --dports, --sports or --ports must be specified');
    }
  }
  if (target !== null) {
    const t: Target = target;
    if (t.kind === 'DNAT' && !t.range.hasIp) throw paramError('DNAT: option "--to-destination" must be specified\n');
    if (t.kind === 'SNAT' && !t.range.hasIp && !t.range.hasPort) throw paramError('SNAT: option "--to-source" must be specified\n');
    if (dnatPorts && !(protoIs(6) || protoIs(17) || protoIs(132) || protoIs(33)))
      throw paramError('Need TCP, UDP, SCTP or DCCP with port specification');
    if (t.kind === 'jump' && !chainExists(out.table, t.chain)) throw paramError(`Chain '${t.chain}' does not exist`);
  }
  if (cmd === 'A' || cmd === 'I' || cmd === 'R' || cmd === 'C' || cmd === 'D') {
    const ch = out.chain;
    if (rule.outIf && (ch === 'INPUT' || ch === 'PREROUTING')) throw paramError(`Can't use -o with ${ch}\n`);
    if (rule.inIf && (ch === 'OUTPUT' || ch === 'POSTROUTING')) throw paramError(`Can't use -i with ${ch}\n`);
  }
  for (let k = 0; k < matches.length; k++) matches[k] = internMatch(matches[k]!);
  // (a copy: the growing array has spare capacity for 17 entries)
  rule.matches = matches.length === 0 ? NO_MATCHES : matches.slice();
  rule.target = target === null ? SIMPLE_TARGETS.none : target.kind === 'jump' ? internJump(target.chain, target.goto) : target;
  if (cmd === 'A' || cmd === 'I' || cmd === 'R' || cmd === 'C' || (cmd === 'D' && out.num === 0)) out.rule = rule;
  return out;
}
