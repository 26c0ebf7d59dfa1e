import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ruleset, type Chain, type Table } from '../../src/netfilter/table.js';
import { runIptables, runRestore } from '../../src/netfilter/commands.js';
import { forwardCacheable } from '../../src/netfilter/flow-cache.js';
import { ruleFlowCacheable } from '../../src/netfilter/rule.js';

/** The definition: every rule reachable from `base` is cacheable, through jumps to chains that exist. */
function reference(table: Table, base: Chain): boolean {
  const seen = new Set<Chain>();
  const walk = (c: Chain): boolean => {
    if (seen.has(c)) return true;
    seen.add(c);
    return c.rules.every((r) => ruleFlowCacheable(r) && (r.target.kind !== 'jump' || !table.chains.has(r.target.chain) || walk(table.chains.get(r.target.chain)!)));
  };
  return walk(base);
}

const RULES = [
  ['-p', 'tcp', '-m', 'tcp', '--dport', '80', '-j', 'ACCEPT'],
  ['-d', '172.17.0.2/32', '-p', 'udp', '-m', 'udp', '--dport', '53', '-j', 'ACCEPT'],
  ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ['-i', 'docker0', '-j', 'RETURN'],
  ['-j', 'Y'],
  ['-j', 'LOG'],
  ['-p', 'tcp', '-m', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN', '-j', 'DROP'],
  ['-j', 'REJECT'],
];

describe('forwardCacheable', () => {
  it('answers as a walk of every reachable rule, while chains long and short change (a long one answers from its summary)', () => {
    const op = fc.record({ kind: fc.constantFrom('A', 'A', 'A', 'I', 'D', 'R'), chain: fc.constantFrom('X', 'X', 'X', 'Y'), rule: fc.nat(RULES.length - 1), at: fc.nat() });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60, size: 'max' }), (ops) => {
        const rs = new Ruleset();
        runRestore(rs, '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n:Y - [0:0]\n-A FORWARD -j X\nCOMMIT\n');
        const table = rs.tables.filter;
        const base = table.chains.get('FORWARD')!;
        for (const o of ops) {
          const rule = o.chain === 'Y' && RULES[o.rule]![1] === 'Y' ? RULES[0]! : RULES[o.rule]!; // Y does not jump to itself
          const n = table.chains.get(o.chain)!.rules.length;
          if (o.kind === 'A') runIptables(rs, ['-A', o.chain, ...rule]);
          else if (o.kind === 'I') runIptables(rs, ['-I', o.chain, String(1 + (o.at % (n + 1))), ...rule]);
          else if (n > 0 && o.kind === 'D') runIptables(rs, ['-D', o.chain, String(1 + (o.at % n))]);
          else if (n > 0) runIptables(rs, ['-R', o.chain, String(1 + (o.at % n)), ...rule]);
          expect(forwardCacheable(table, base)).toBe(reference(table, base));
        }
      }),
      { numRuns: 200 },
    );
  });
});
