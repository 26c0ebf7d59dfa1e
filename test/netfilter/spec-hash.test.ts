import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ruleArb, type RuleContext } from '../../src/arbitraries/rules.js';
import { ruleSpec, specHash } from '../../src/netfilter/rule.js';
import { runIptables, tokenizeRestoreLine } from '../../src/netfilter/commands.js';
import { parseIptablesArgs } from '../../src/netfilter/parse.js';
import { Ruleset } from '../../src/netfilter/table.js';

const CTX: RuleContext = { table: 'filter', hook: -1, jumpTargets: [] };
const argvOf = (cmd: string, text: string): string[] => [cmd, 'FORWARD', ...tokenizeRestoreLine(text)];

describe('specHash: the -C/-D index key computed from a rule\'s fields', () => {
  it('is the same for rules with the same specification (a rule and the parse of its text)', () => {
    fc.assert(
      fc.property(ruleArb(CTX), (r) => {
        const again = parseIptablesArgs(argvOf('-A', ruleSpec(r)), () => true).rule!;
        expect(again).not.toBe(r);
        expect(ruleSpec(again)).toBe(ruleSpec(r));
        expect(specHash(again)).toBe(specHash(r));
      }),
      { numRuns: 400 },
    );
  });

  it('-C and -D by rule answer as a comparison of every rule\'s text does', () => {
    fc.assert(
      fc.property(fc.array(ruleArb(CTX), { maxLength: 24 }), fc.array(ruleArb(CTX), { maxLength: 8 }), (rules, others) => {
        const rs = new Ruleset();
        for (const r of rules) expect(runIptables(rs, argvOf('-A', ruleSpec(r))).exitCode).toBe(0);
        const texts = rules.map(ruleSpec);
        // probes: rules that are there (as new objects, through their text) and rules that may not be
        for (const t of [...texts.slice(0, 6), ...others.map(ruleSpec)]) {
          expect(runIptables(rs, argvOf('-C', t)).exitCode === 0).toBe(texts.includes(t));
          const i = texts.indexOf(t);
          expect(runIptables(rs, argvOf('-D', t)).exitCode === 0).toBe(i >= 0);
          if (i >= 0) texts.splice(i, 1);
          expect(rs.tables.filter.chains.get('FORWARD')!.rules.map(ruleSpec)).toEqual(texts);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('tells apart the published-port rules docker programs (they differ only in port and address)', () => {
    const rs = new Ruleset();
    for (let p = 8000; p < 8200; p++) runIptables(rs, ['-A', 'FORWARD', '-d', `172.17.0.${2 + (p % 200)}/32`, '!', '-i', 'docker0', '-o', 'docker0', '-p', 'tcp', '-m', 'tcp', '--dport', String(p), '-j', 'ACCEPT']);
    const rules = rs.tables.filter.chains.get('FORWARD')!.rules;
    expect(new Set(rules.map(specHash)).size).toBe(rules.length);
  });
});
