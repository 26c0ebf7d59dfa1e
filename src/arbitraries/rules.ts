/**
 * fast-check arbitraries for iptables rule sets, valid by construction (every generated rule set
 * is accepted by `iptables-restore`, real or emulated) and shrinking towards few, simple rules.
 *
 * - {@link ruleArb}: one rule for a given table/hook, jumping only to the chains it is given.
 * - {@link filterRulesetArb}: a filter table with user chains (jumps form a DAG: no loops).
 * - {@link natRulesetArb}: a nat table with DNAT/SNAT/MASQUERADE/REDIRECT at valid hooks.
 * - {@link rulesetText}: the `iptables-save` text of a generated rule set.
 * - {@link pktInfoArb}: packet fields drawn from the same small pools, so rules do match.
 *
 * @module
 */
import fc from 'fast-check';
import { PktInfo } from '../netfilter/engine.js';
import { ADDRTYPE_NAMES, emptyRule, ruleSpec, type Match, type NatRange, type Rule, type Target } from '../netfilter/rule.js';
import { BUILTIN_CHAINS } from '../netfilter/table.js';

/** Addresses rules and packets draw from (a few networks, so that matches happen). */
export const RULE_ADDRS = [0x0a000001, 0x0a000002, 0x0a0000fe, 0xac110001, 0xac110002, 0xac110003, 0xac120002, 0x7f000001, 0xc0a80101];
/** Interface names rules and packets draw from. */
export const RULE_IFACES = ['eth0', 'docker0', 'br-1a2b3c4d5e6f', 'veth12ab', 'lo'];
/** Ports rules and packets draw from. */
export const RULE_PORTS = [22, 53, 80, 443, 8080, 9090, 32768];

const addrArb = fc.constantFrom(...RULE_ADDRS);
const portArb = fc.constantFrom(...RULE_PORTS);
const prefixArb = fc.constantFrom(32, 24, 16, 8);

function mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

const ifaceArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...RULE_IFACES) },
  { weight: 1, arbitrary: fc.constantFrom('veth+', 'br-+', 'eth+') },
);

const natRange = (over: Partial<NatRange>): NatRange => ({
  hasIp: false, minIp: 0, maxIp: 0, hasPort: false, minPort: 0, maxPort: 0, random: false, persistent: false, ...over,
});

/** What a generated rule may target. */
export interface RuleContext {
  /** Table the rule goes into. */
  table: 'filter' | 'nat' | 'raw' | 'mangle';
  /** Hook of the base chain it is reachable from (-1: reachable from several; only table-neutral targets). */
  hook: number;
  /** Chains it may jump to. */
  jumpTargets: string[];
}

function portsMatchArb(kind: 'tcp' | 'udp'): fc.Arbitrary<Match> {
  return fc
    .record({
      sport: fc.option(fc.tuple(portArb, fc.boolean()), { nil: null }),
      dport: fc.option(fc.tuple(portArb, fc.boolean(), fc.boolean()), { nil: null }),
      flags: kind === 'tcp' ? fc.option(fc.tuple(fc.constantFrom(0x17, 0x12, 0x3f), fc.constantFrom(0x02, 0x12, 0x10), fc.boolean()), { nil: null }) : fc.constant(null),
    })
    .map(({ sport, dport, flags }) => ({
      kind,
      sportLo: sport ? sport[0] : -1,
      sportHi: sport ? sport[0] : -1,
      sportInv: sport ? sport[1] : false,
      dportLo: dport ? dport[0] : -1,
      dportHi: dport ? (dport[2] ? Math.min(65535, dport[0] + 100) : dport[0]) : -1,
      dportInv: dport ? dport[1] : false,
      flagsMask: flags ? flags[0] : -1,
      flagsCmp: flags ? flags[1] & flags[0] : 0,
      flagsInv: flags ? flags[2] : false,
    }));
}

const stateMatchArb: fc.Arbitrary<Match> = fc
  .record({ states: fc.integer({ min: 1, max: 31 }), inv: fc.boolean(), kind: fc.constantFrom('conntrack' as const, 'state' as const) })
  .map(({ states, inv, kind }) => ({ kind, states, inv }));

const addrtypeArb: fc.Arbitrary<Match> = fc
  .record({
    src: fc.constantFrom(0, 1 << 2, 1 << 1, (1 << 1) | (1 << 2)),
    dst: fc.constantFrom(0, 1 << 2, 1 << 3, 1 << 1),
    srcInv: fc.boolean(),
    dstInv: fc.boolean(),
  })
  .filter((m) => m.src !== 0 || m.dst !== 0)
  .map((m) => ({ kind: 'addrtype' as const, ...m, srcInv: m.src ? m.srcInv : false, dstInv: m.dst ? m.dstInv : false, limitIn: false, limitOut: false }));

const commentArb: fc.Arbitrary<Match> = fc
  .constantFrom('docker', 'allow web', 'x"y', 'published-port')
  .map((text) => ({ kind: 'comment' as const, text }));

const multiportArb: fc.Arbitrary<Match> = fc
  .record({ dir: fc.constantFrom('dports' as const, 'sports' as const, 'ports' as const), ports: fc.uniqueArray(portArb, { minLength: 1, maxLength: 4 }), inv: fc.boolean() })
  .map(({ dir, ports, inv }) => ({ kind: 'multiport' as const, dir, ports: ports.flatMap((p) => [p, p]), inv }));

function targetArb(ctx: RuleContext, proto: number): fc.Arbitrary<Target> {
  const simple: Array<fc.Arbitrary<Target>> = [
    ctx.table === 'nat'
      ? fc.constantFrom<Target>({ kind: 'ACCEPT' }, { kind: 'RETURN' }, { kind: 'none' })
      : fc.constantFrom<Target>({ kind: 'ACCEPT' }, { kind: 'DROP' }, { kind: 'RETURN' }, { kind: 'none' }),
    fc.constantFrom('', 'FW: ', 'drop ').chain((prefix) =>
      fc.constantFrom(4, 6).map((level): Target => ({ kind: 'LOG', prefix, level })),
    ),
  ];
  if (ctx.jumpTargets.length) {
    simple.push(fc.tuple(fc.constantFrom(...ctx.jumpTargets), fc.boolean()).map(([chain, goto]): Target => ({ kind: 'jump', chain, goto })));
  }
  if (ctx.table === 'filter') {
    const withs = ['icmp-port-unreachable', 'icmp-host-prohibited', 'icmp-net-unreachable', 'icmp-admin-prohibited'];
    if (proto === 6) withs.push('tcp-reset');
    simple.push(fc.constantFrom(...withs).map((w): Target => ({ kind: 'REJECT', with: w })));
  }
  if (ctx.table === 'nat' && ctx.hook >= 0) {
    const ports = proto === 6 || proto === 17;
    if (ctx.hook === 0 || ctx.hook === 3) {
      simple.push(
        fc.tuple(addrArb, ports ? fc.option(portArb, { nil: null }) : fc.constant(null)).map(
          ([ipa, port]): Target => ({
            kind: 'DNAT',
            range: natRange({ hasIp: true, minIp: ipa, maxIp: ipa, hasPort: port !== null, minPort: port ?? 0, maxPort: port ?? 0 }),
          }),
        ),
      );
      if (ports) simple.push(portArb.map((port): Target => ({ kind: 'REDIRECT', range: natRange({ hasPort: true, minPort: port, maxPort: port }) })));
    }
    if (ctx.hook === 4 || ctx.hook === 1) {
      simple.push(addrArb.map((ipa): Target => ({ kind: 'SNAT', range: natRange({ hasIp: true, minIp: ipa, maxIp: ipa }) })));
    }
    if (ctx.hook === 4) {
      simple.push(
        (ports ? fc.option(fc.tuple(fc.integer({ min: 1024, max: 60000 }), fc.integer({ min: 0, max: 500 })), { nil: null }) : fc.constant(null)).map(
          (r): Target => ({ kind: 'MASQUERADE', range: natRange(r ? { hasPort: true, minPort: r[0], maxPort: r[0] + r[1] } : {}) }),
        ),
      );
    }
  }
  return fc.oneof(...simple);
}

/** One rule valid in `ctx`. Shrinks towards a rule with no options and target ACCEPT. */
export function ruleArb(ctx: RuleContext): fc.Arbitrary<Rule> {
  return fc
    .record(
      {
        src: fc.tuple(addrArb, prefixArb, fc.boolean()),
        dst: fc.tuple(addrArb, prefixArb, fc.boolean()),
        inIf: fc.tuple(ifaceArb, fc.boolean()),
        outIf: fc.tuple(ifaceArb, fc.boolean()),
        proto: fc.tuple(fc.constantFrom(6, 17, 1, 47), fc.boolean()),
      },
      { requiredKeys: [] },
    )
    .chain((h) => {
      const proto = h.proto ? h.proto[0] : 0;
      const protoInv = h.proto ? h.proto[1] && !(proto === 6 || proto === 17 || proto === 1) : false;
      const extra: Array<fc.Arbitrary<Match>> = [stateMatchArb, addrtypeArb, commentArb];
      if (!protoInv && (proto === 6 || proto === 17)) extra.push(portsMatchArb(proto === 6 ? 'tcp' : 'udp'), multiportArb);
      if (!protoInv && proto === 1)
        extra.push(
          fc.record({ type: fc.constantFrom(0, 3, 8, 11, 255), inv: fc.boolean() }).map(({ type, inv }): Match => ({ kind: 'icmp', type, codeLo: 0, codeHi: 255, inv })),
        );
      return fc.tuple(fc.array(fc.oneof(...extra), { maxLength: 3 }), targetArb(ctx, protoInv ? 0 : proto)).map(([matches, target]) => {
        const r = emptyRule();
        if (h.src) {
          r.srcMask = mask(h.src[1]) | 0;
          r.src = h.src[0] & r.srcMask;
          r.srcInv = h.src[2];
        }
        if (h.dst) {
          r.dstMask = mask(h.dst[1]) | 0;
          r.dst = h.dst[0] & r.dstMask;
          r.dstInv = h.dst[2];
        }
        if (h.inIf && ctx.hook !== 3 && ctx.hook !== 4) [r.inIf, r.inIfInv] = h.inIf;
        if (h.outIf && ctx.hook !== 0 && ctx.hook !== 1) [r.outIf, r.outIfInv] = h.outIf;
        if (h.proto) {
          r.proto = proto;
          r.protoInv = protoInv;
        }
        // at most one ports match, one icmp match (xtables merges repeated implicit options)
        const seen = new Set<string>();
        r.matches = matches.filter((m) => {
          const k = m.kind === 'state' || m.kind === 'conntrack' ? m.kind : m.kind;
          if ((k === 'tcp' || k === 'udp' || k === 'icmp') && seen.has(k)) return false;
          seen.add(k);
          return true;
        });
        r.target = target;
        if (target.kind === 'REJECT' && target.with === 'tcp-reset' && (r.proto !== 6 || r.protoInv)) r.target = { kind: 'DROP' };
        return r;
      });
    });
}

/** A generated table: policies of the built-in chains and the rules of every chain. */
export interface GeneratedTable {
  /** Table name. */
  table: 'filter' | 'nat';
  /** Policies of the built-in chains (ACCEPT when missing). */
  policies: Record<string, 'ACCEPT' | 'DROP'>;
  /** Chains in creation order: built-ins first, then user chains. */
  chains: Array<{ name: string; rules: Rule[] }>;
}

/**
 * A filter table with up to `maxUserChains` user chains. Chain k may jump only to chains with a
 * higher index, so there are no loops; REJECT appears anywhere (all filter hooks allow it).
 */
export function filterRulesetArb(opts: { maxUserChains?: number; maxRules?: number } = {}): fc.Arbitrary<GeneratedTable> {
  const maxUser = opts.maxUserChains ?? 3;
  const maxRules = opts.maxRules ?? 6;
  return fc.integer({ min: 0, max: maxUser }).chain((nUser) => {
    const users = Array.from({ length: nUser }, (_, i) => `USER-${i}`);
    const builtin = BUILTIN_CHAINS.filter;
    const chainArbs = [...builtin, ...users].map((name, idx) => {
      const targets = idx < builtin.length ? users : users.slice(idx - builtin.length + 1);
      const hook = name === 'INPUT' ? 1 : name === 'FORWARD' ? 2 : name === 'OUTPUT' ? 3 : -1;
      return fc.array(ruleArb({ table: 'filter', hook, jumpTargets: targets }), { maxLength: maxRules }).map((rules) => ({ name, rules }));
    });
    return fc.record({
      policies: fc.record({ INPUT: fc.constantFrom('ACCEPT' as const, 'DROP' as const), FORWARD: fc.constantFrom('ACCEPT' as const, 'DROP' as const), OUTPUT: fc.constantFrom('ACCEPT' as const, 'DROP' as const) }),
      chains: fc.tuple(...chainArbs),
    }).map(({ policies, chains }) => ({ table: 'filter' as const, policies, chains }));
  });
}

/** A nat table: rules only in built-in chains, with the NAT targets each hook allows. */
export function natRulesetArb(opts: { maxRules?: number } = {}): fc.Arbitrary<GeneratedTable> {
  const maxRules = opts.maxRules ?? 5;
  const hooks: Record<string, number> = { PREROUTING: 0, INPUT: 1, OUTPUT: 3, POSTROUTING: 4 };
  const chainArbs = BUILTIN_CHAINS.nat.map((name) =>
    fc.array(ruleArb({ table: 'nat', hook: hooks[name]!, jumpTargets: [] }), { maxLength: maxRules }).map((rules) => ({ name, rules })),
  );
  return fc.tuple(...chainArbs).map((chains) => ({ table: 'nat' as const, policies: {}, chains }));
}

/** The `iptables-save` text of generated tables (chain counters `[0:0]`). */
export function rulesetText(tables: GeneratedTable[]): string {
  let out = '';
  for (const t of tables) {
    out += `*${t.table}\n`;
    const builtins = BUILTIN_CHAINS[t.table];
    for (const b of builtins) out += `:${b} ${t.policies[b] ?? 'ACCEPT'} [0:0]\n`;
    const users = t.chains.filter((c) => !builtins.includes(c.name)).map((c) => c.name).sort();
    for (const u of users) out += `:${u} - [0:0]\n`;
    const order = [...builtins, ...users];
    for (const name of order) {
      const c = t.chains.find((x) => x.name === name)!;
      for (const r of c.rules) {
        const spec = ruleSpec(r);
        out += `-A ${name}${spec ? ` ${spec}` : ''}\n`;
      }
    }
    out += 'COMMIT\n';
  }
  return out;
}

/** Packet fields for chain evaluation, from the same pools as the rules. */
export function pktInfoArb(): fc.Arbitrary<PktInfo> {
  return fc
    .record({
      saddr: addrArb,
      daddr: addrArb,
      proto: fc.constantFrom(6, 17, 1, 47),
      sport: portArb,
      dport: fc.oneof(portArb, fc.integer({ min: 1, max: 65535 })),
      icmpType: fc.constantFrom(0, 3, 8, 11),
      tcpFlags: fc.constantFrom(0x02, 0x12, 0x10, 0x11, 0x04),
      len: fc.integer({ min: 20, max: 1500 }),
      inDev: fc.constantFrom(...RULE_IFACES, 'veth99', ''),
      outDev: fc.constantFrom(...RULE_IFACES, 'br-ffff', ''),
      ctState: fc.constantFrom(1, 2, 4, 8, 16, 2 | 32, 8 | 64),
      mark: fc.constantFrom(0, 1),
      fragment: fc.boolean().map((b) => b && false),
      // the addrtype of each address (one RTN_* bit, as the namespace would answer)
      srcType: fc.integer({ min: 0, max: ADDRTYPE_NAMES.length - 1 }),
      dstType: fc.integer({ min: 0, max: ADDRTYPE_NAMES.length - 1 }),
    })
    .map((f) => {
      const p = new PktInfo();
      p.saddr = f.saddr | 0; // int32, as a hook reads them from the header
      p.daddr = f.daddr | 0;
      p.proto = f.proto;
      const ports = f.proto === 6 || f.proto === 17;
      p.sport = ports ? f.sport : -1;
      p.dport = ports ? f.dport : -1;
      p.icmpType = f.proto === 1 ? f.icmpType : -1;
      p.icmpCode = f.proto === 1 ? 0 : -1;
      p.tcpFlags = f.proto === 6 ? f.tcpFlags : 0;
      p.len = f.len;
      p.inDev = f.inDev;
      p.outDev = f.outDev;
      p.ctState = f.ctState;
      p.mark = f.mark;
      p.fragment = f.fragment;
      p.srcTypeBits = 1 << f.srcType;
      p.dstTypeBits = 1 << f.dstType;
      return p;
    });
}
