/**
 * The iptables control plane at scale (issue 9): large restores complete with every rule in place
 * and `iptables-save` prints them all, `-C`/`-D` work on long chains, the incremental commit checks
 * agree with a full walk of the table, and tables are made only when used. No timings asserted.
 * 10^6 rules run only with DOCKERNET_LARGE=1.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runIptables, runRestore } from '../../src/netfilter/commands.js';
import { Ruleset } from '../../src/netfilter/table.js';
import { saveLines, saveText } from '../../src/netfilter/text.js';
import { parseIptablesArgs } from '../../src/netfilter/parse.js';
import { hasRule } from '../../src/netfilter/commands.js';
import { makeNf } from './helpers.js';

function quad(i: number): string {
  return `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

function plainText(n: number): string {
  const parts = ['*filter', ':FORWARD DROP [0:0]'];
  for (let i = 0; i < n; i++) parts.push(`-A FORWARD -s ${quad(i)}/32 -j ACCEPT`);
  parts.push('COMMIT', '');
  return parts.join('\n');
}

function mixLine(i: number): string {
  switch (i & 3) {
    case 0:
      return `-A FORWARD -s ${quad(i)}/32 -j ACCEPT`;
    case 1:
      return `-A FORWARD -d ${quad(i)}/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport ${(i % 65535) + 1} -j ACCEPT`;
    case 2:
      return '-A FORWARD -i br0 -m conntrack --ctstate RELATED,ESTABLISHED -j USER';
    default:
      return `-A USER -s ${quad(i)}/32 -p udp -m udp --sport 53 -m comment --comment "r${i & 15}" -j DROP`;
  }
}

function ruleLines(rs: Ruleset): number {
  let n = 0;
  saveLines(rs, {}, (l) => {
    if (l.startsWith('-A ')) n++;
  });
  return n;
}

function restoreBig(n: number): void {
  const rs = new Ruleset();
  runRestore(rs, plainText(n));
  expect(rs.tables.filter.chains.get('FORWARD')!.rules.length).toBe(n);
  expect(ruleLines(rs)).toBe(n);
  const text = saveText(rs);
  expect(text.startsWith('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -s 10.0.0.0/32 -j ACCEPT\n')).toBe(true);
  expect(text.endsWith(`-A FORWARD -s ${quad(n - 1)}/32 -j ACCEPT\nCOMMIT\n`)).toBe(true);
  // a rule near the end is found (-C) and deleted (-D) by specification
  const last = ['-C', 'FORWARD', '-s', `${quad(n - 2)}/32`, '-j', 'ACCEPT'];
  expect(runIptables(rs, last).exitCode).toBe(0);
  expect(runIptables(rs, ['-D', ...last.slice(1)]).exitCode).toBe(0);
  expect(runIptables(rs, last).exitCode).toBe(1);
  expect(ruleLines(rs)).toBe(n - 1);
}

describe('iptables-restore at scale', () => {
  it('restores 100,000 rules in one chain; iptables-save prints every one; -C/-D by spec on the long chain', () => {
    restoreBig(100_000);
  });

  it('restores 100,000 docker-like rules (matches, jumps into a user chain) and saves them in chain order', () => {
    const n = 100_000;
    const lines = ['*filter', ':USER - [0:0]'];
    for (let i = 0; i < n; i++) lines.push(mixLine(i));
    lines.push('COMMIT', '');
    const rs = new Ruleset();
    runRestore(rs, lines.join('\n'));
    const f = rs.tables.filter;
    expect(f.chains.get('FORWARD')!.rules.length).toBe(n - n / 4);
    expect(f.chains.get('USER')!.rules.length).toBe(n / 4);
    expect(f.references('USER')).toBe(n / 4);
    expect(ruleLines(rs)).toBe(n);
    // the saved text restores to the same text
    const saved = saveText(rs);
    const again = new Ruleset();
    runRestore(again, saved);
    expect(saveText(again)).toBe(saved);
  });

  it.runIf(process.env.DOCKERNET_LARGE === '1')(
    'restores 1,000,000 rules (DOCKERNET_LARGE=1)',
    () => {
      restoreBig(1_000_000);
    },
    600_000,
  );

  it('a failed restore of a large batch changes nothing (the error names the line)', () => {
    const rs = new Ruleset();
    runRestore(rs, plainText(10));
    const before = saveText(rs);
    const parts = ['*filter'];
    for (let i = 0; i < 50_000; i++) parts.push(`-A FORWARD -s ${quad(i)}/32 -j ACCEPT`);
    parts.push('-A FORWARD -j NOPE', 'COMMIT', '');
    expect(() => runRestore(rs, parts.join('\n'))).toThrow(/Chain 'NOPE' does not exist/);
    expect(saveText(rs)).toBe(before);
  });

  it('-Z inside a --noflush restore that fails leaves the live counters alone', () => {
    const { nf } = makeNf();
    nf.restore('*filter\n-A INPUT -j ACCEPT\nCOMMIT\n');
    const r = nf.rules.tables.filter.chains.get('INPUT')!.rules[0]!;
    r.pkts = 5;
    expect(() => nf.restore('*filter\n-Z\n-A INPUT -j NOPE\nCOMMIT\n', { noflush: true })).toThrow();
    expect(nf.rules.tables.filter.chains.get('INPUT')!.rules[0]!.pkts).toBe(5);
  });
});

describe('hasRule', () => {
  it('answers -C without an exception, also for a missing chain or table never used', () => {
    const rs = new Ruleset();
    const inv = parseIptablesArgs(['-t', 'nat', '-C', 'DOCKER', '-p', 'tcp', '--dport', '80', '-j', 'DNAT', '--to-destination', '172.17.0.2:80'], () => true);
    expect(hasRule(rs, inv)).toBe(false);
    expect(rs.tables.nat.materialized).toBe(false);
    expect(runIptables(rs, ['-t', 'nat', '-N', 'DOCKER']).exitCode).toBe(0);
    expect(hasRule(rs, inv)).toBe(false);
    expect(runIptables(rs, ['-t', 'nat', '-A', 'DOCKER', '-p', 'tcp', '--dport', '80', '-j', 'DNAT', '--to-destination', '172.17.0.2:80']).exitCode).toBe(0);
    expect(hasRule(rs, inv)).toBe(true);
  });
});

describe('lazy tables', () => {
  it('a namespace nobody configured has no chains until a tool touches a table; output is unchanged', () => {
    const rs = new Ruleset();
    for (const t of Object.values(rs.tables)) expect(t.materialized).toBe(false);
    expect(saveText(rs)).toBe('');
    expect(runIptables(rs, ['-S']).stdout).toBe('-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n');
    expect(rs.tables.filter.materialized).toBe(true);
    expect(rs.tables.nat.materialized).toBe(false);
    expect(saveText(rs)).toBe('');
  });
});

/** The old full check: walk every rule from every base chain (the reference for the incremental one). */
function fullCheck(rs: Ruleset): 'loop' | 'inval' | null {
  const t = rs.tables.nat;
  const HOOK_OK: Record<string, number> = { DNAT: 0b01001, REDIRECT: 0b01001, SNAT: 0b10010, MASQUERADE: 0b10000 };
  const walk = (name: string, hook: number, path: Set<string>): 'loop' | 'inval' | null => {
    if (path.has(name)) return 'loop';
    const c = t.chains.get(name);
    if (!c) return null;
    path.add(name);
    for (const r of c.rules) {
      const ok = HOOK_OK[r.target.kind];
      if (ok !== undefined && (ok & (1 << hook)) === 0) return 'inval';
      if (r.target.kind === 'jump') {
        const res = walk(r.target.chain, hook, path);
        if (res) return res;
      }
    }
    path.delete(name);
    return null;
  };
  for (const c of t.chains.values()) {
    if (!c.builtin) continue;
    const res = walk(c.name, c.hook, new Set());
    if (res) return res;
  }
  return null;
}

describe('incremental commit checks', () => {
  it('as iptables-nft 1.8.9: a loop or a misplaced target in a chain no base chain reaches is accepted, refused once reached', () => {
    const rs = new Ruleset();
    expect(runIptables(rs, ['-N', 'X']).exitCode).toBe(0);
    expect(runIptables(rs, ['-A', 'X', '-j', 'X']).exitCode).toBe(0);
    expect(runIptables(rs, ['-N', 'Y']).exitCode).toBe(0);
    expect(runIptables(rs, ['-A', 'Y', '-j', 'X']).exitCode).toBe(0);
    expect(runIptables(rs, ['-A', 'FORWARD', '-j', 'Y']).stderr).toBe('iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Too many links): rule in chain FORWARD\n');
    expect(runIptables(rs, ['-t', 'nat', '-N', 'D']).exitCode).toBe(0);
    expect(runIptables(rs, ['-t', 'nat', '-A', 'D', '-j', 'MASQUERADE']).exitCode).toBe(0);
    const r = runIptables(rs, ['-t', 'nat', '-A', 'PREROUTING', '-j', 'D']);
    expect([r.exitCode, r.stderr]).toEqual([4, 'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain PREROUTING\n']);
    expect(runIptables(rs, ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'D']).exitCode).toBe(0);
  });


  const chains = ['PREROUTING', 'OUTPUT', 'POSTROUTING', 'INPUT', 'A', 'B', 'C'];
  const targets = ['A', 'B', 'C', 'DNAT', 'SNAT', 'MASQUERADE', 'RETURN'];
  const op = fc.record({
    cmd: fc.constantFrom('-A', '-I', '-D', '-R'),
    chain: fc.constantFrom(...chains),
    target: fc.constantFrom(...targets),
  });

  it('accept exactly the changes after which a full walk of the table finds no loop and no misplaced target reachable from a base chain', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const rs = new Ruleset();
        for (const c of ['A', 'B', 'C']) expect(runIptables(rs, ['-t', 'nat', '-N', c]).exitCode).toBe(0);
        for (const o of ops) {
          const argv = ruleArgv(rs, o);
          if (argv) runAndCheck(rs, argv, o);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('forget the hooks that reached a chain once the jump to it is flushed, deleted or renamed away', () => {
    const rs = new Ruleset();
    const ok = (...a: string[]): void => expect(runIptables(rs, ['-t', 'nat', ...a]).stderr).toBe('');
    ok('-N', 'A');
    ok('-A', 'PREROUTING', '-j', 'A');
    ok('-A', 'A', '-p', 'tcp', '-j', 'DNAT', '--to-destination', '10.0.0.1'); // PREROUTING reaches A
    expect(runIptables(rs, ['-t', 'nat', '-A', 'A', '-j', 'MASQUERADE']).exitCode).toBe(4);
    ok('-F', 'PREROUTING'); // now nothing reaches A
    ok('-A', 'A', '-j', 'MASQUERADE');
    ok('-D', 'A', '-p', 'tcp', '-j', 'DNAT', '--to-destination', '10.0.0.1');
    ok('-A', 'POSTROUTING', '-j', 'A'); // POSTROUTING reaches A
    ok('-N', 'B');
    ok('-A', 'OUTPUT', '-j', 'B');
    ok('-E', 'A', 'C'); // the jump from POSTROUTING follows the rename
    expect(runIptables(rs, ['-t', 'nat', '-A', 'C', '-p', 'tcp', '-j', 'DNAT', '--to-destination', '10.0.0.1']).exitCode).toBe(4);
    ok('-D', 'POSTROUTING', '-j', 'C');
    ok('-A', 'C', '-p', 'tcp', '-j', 'DNAT', '--to-destination', '10.0.0.1'); // nothing reaches C any more
  });

  // chains made, flushed, deleted and renamed between the rule changes: the hooks remembered on a
  // chain (Table.hooksReaching) must follow every change of the jump graph
  const graphOp = fc.oneof(
    op,
    fc.record({ cmd: fc.constantFrom('-N', '-X'), chain: fc.constantFrom('A', 'B', 'C', 'D'), target: fc.constant('') }),
    fc.record({ cmd: fc.constant('-F'), chain: fc.constantFrom(...chains, 'D'), target: fc.constant('') }),
    fc.record({ cmd: fc.constant('-E'), chain: fc.constantFrom('A', 'B', 'C', 'D'), target: fc.constantFrom('A', 'B', 'C', 'D') }),
  );

  it('stay exact while chains are made, flushed, deleted and renamed (the remembered reaching hooks follow the jump graph)', () => {
    fc.assert(
      fc.property(fc.array(graphOp, { maxLength: 60 }), (ops) => {
        const rs = new Ruleset();
        for (const c of ['A', 'B', 'C']) expect(runIptables(rs, ['-t', 'nat', '-N', c]).exitCode).toBe(0);
        for (const o of ops) {
          let argv: string[] | null;
          if (o.cmd === '-N' || o.cmd === '-X' || o.cmd === '-F') argv = ['-t', 'nat', o.cmd, o.chain];
          else if (o.cmd === '-E') argv = ['-t', 'nat', '-E', o.chain, o.target];
          else argv = ruleArgv(rs, o);
          if (argv) runAndCheck(rs, argv, o);
        }
      }),
      { numRuns: 400 },
    );
  });
});

/** The argument list of a rule change in the nat table (null: a replace in an empty chain, skipped). */
function ruleArgv(rs: Ruleset, o: { cmd: string; chain: string; target: string }): string[] | null {
  const args = ['-p', 'tcp', '-j', o.target];
  if (o.target === 'DNAT') args.push('--to-destination', '10.0.0.1');
  if (o.target === 'SNAT') args.push('--to-source', '10.0.0.1');
  const len = rs.tables.nat.chains.get(o.chain)?.rules.length ?? 0;
  if (o.cmd === '-R' && len === 0) return null;
  return o.cmd === '-R' || (o.cmd === '-I' && len > 0) ? ['-t', 'nat', o.cmd, o.chain, '1', ...args] : ['-t', 'nat', o.cmd, o.chain, ...args];
}

/**
 * Runs `argv`: whatever happened, the table is valid afterwards; a refused change left it as it was,
 * and one refused by the commit checks really would have broken it (applied without checks to a copy).
 */
function runAndCheck(rs: Ruleset, argv: string[], o: { cmd: string; chain: string }): void {
  const before = saveText(rs);
  const res = runIptables(rs, argv);
  expect(fullCheck(rs)).toBe(null);
  if (res.exitCode === 0) return;
  expect(saveText(rs)).toBe(before);
  if (!/Too many links|Invalid argument/.test(res.stderr)) return;
  const shadow = new Ruleset();
  runRestore(shadow, before);
  const inv = parseIptablesArgs(argv, () => true);
  const c = shadow.tables.nat.chains.get(o.chain)!;
  if (o.cmd === '-R') c.replace(0, inv.rule!);
  else c.insert(o.cmd === '-A' ? c.rules.length : 0, inv.rule!);
  expect(fullCheck(shadow)).not.toBe(null);
}

describe('jump edges read without a summary', () => {
  it('jumpTargets and jumpsTo agree with the summary’s jump counts, for short chains (rules read directly) and long ones', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ target: fc.constantFrom('A', 'B', 'C', 'ACCEPT', 'RETURN'), dport: fc.integer({ min: 1, max: 9 }) }), { maxLength: 20 }), (rules) => {
        const rs = new Ruleset();
        for (const c of ['A', 'B', 'C', 'X']) expect(runIptables(rs, ['-N', c]).exitCode).toBe(0);
        for (const r of rules) expect(runIptables(rs, ['-A', 'X', '-p', 'tcp', '--dport', String(r.dport), '-j', r.target]).exitCode).toBe(0);
        const x = rs.tables.filter.chains.get('X')!;
        const out: string[] = [];
        const n = x.jumpTargets(out);
        const want = new Map<string, number>();
        for (const r of rules) if (r.target.length === 1) want.set(r.target, (want.get(r.target) ?? 0) + 1);
        expect(out.slice(0, n).sort()).toEqual([...want.keys()].sort());
        for (const c of ['A', 'B', 'C', 'X']) expect(x.jumpsTo(c)).toBe(want.get(c) ?? 0);
        expect(new Map(x.jumps())).toEqual(want);
        for (const c of ['A', 'B', 'C']) expect(rs.tables.filter.references(c)).toBe(want.get(c) ?? 0);
      }),
      { numRuns: 200 },
    );
  });
});
