import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CompiledTable, interpretChain, PktInfo } from '../../src/netfilter/engine.js';
import { Ruleset } from '../../src/netfilter/table.js';
import { runIptables, runRestore } from '../../src/netfilter/commands.js';
import type { PortRun } from '../../src/netfilter/port-run.js';
import { ip, sideEffectTargets } from './helpers.js';

const runner = sideEffectTargets;

const BASE =
  '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n:Y - [0:0]\n' +
  '-A FORWARD -j X\n-A FORWARD -p udp -j ACCEPT\n-A X -i docker0 -j RETURN\n' +
  '-A Y -p udp -m mark --mark 0x2/0x2 -j ACCEPT\n-A Y -j LOG\nCOMMIT\n';

function counters(rs: Ruleset): number[] {
  const out: number[] = [];
  for (const c of rs.tables.filter.orderedChains()) {
    out.push(c.pkts, c.bytes);
    for (const r of c.rules) out.push(r.pkts, r.bytes);
  }
  return out;
}

function keptRuns(rs: Ruleset, chain: string): PortRun[] {
  return (rs.tables.filter.chains.get(chain)!.portRuns as PortRun[] | null) ?? [];
}

interface Probe {
  proto: number;
  port: number;
  dst: number;
  inDev: string;
  ct: number;
  mark: number;
}

function pkt(q: Probe): PktInfo {
  const p = new PktInfo();
  p.daddr = ip(`172.17.0.${q.dst}`);
  p.saddr = ip('10.0.0.9');
  p.proto = q.proto;
  if (q.proto !== 1) {
    p.sport = 1500;
    p.dport = q.port;
  }
  p.inDev = q.inDev;
  p.outDev = 'docker0';
  p.ctState = q.ct;
  p.mark = q.mark;
  p.len = 60;
  return p;
}

/**
 * Runs every probe through a freshly compiled FORWARD of `b` (a table of a new generation, made
 * with `prev` as its previous one, as the netfilter instance does) and the interpreter over `a`.
 */
function agree(a: Ruleset, b: Ruleset, probes: readonly Probe[], prev: CompiledTable | null = null): CompiledTable {
  const ct = new CompiledTable(b.tables.filter, runner, prev);
  for (const q of probes) {
    const p = pkt(q);
    const pa = pkt(q);
    expect(ct.runBase(b.tables.filter.chains.get('FORWARD')!, p)).toBe(interpretChain(a.tables.filter, a.tables.filter.chains.get('FORWARD')!, pa, runner, null));
    expect(p.mark).toBe(pa.mark);
  }
  return ct;
}

function both(a: Ruleset, b: Ruleset, argv: string[]): void {
  const ra = runIptables(a, argv);
  const rb = runIptables(b, argv);
  expect(rb.exitCode).toBe(ra.exitCode);
  expect(rb.stderr).toBe(ra.stderr);
}

describe('compiled chains and port-indexed runs taken up again by the next generation', () => {
  // a chain changed step by step (mostly appends, as `docker run -p` does; inserts and deletes
  // too), compiled after every step: the kept runs, grown in place, against the interpreter
  // mostly the shape of Docker's rule (so that most appends fit the run), sometimes others
  const ruleArb = fc.record({
    proto: fc.constantFrom('tcp', 'tcp', 'udp'),
    port: fc.integer({ min: 1, max: 12 }),
    dst: fc.option(fc.integer({ min: 2, max: 6 }), { freq: 12 }),
    iface: fc.oneof({ weight: 6, arbitrary: fc.constant('! -i docker0 -o docker0 ') }, { weight: 1, arbitrary: fc.constantFrom('-i eth0 ', '! -i br-1 -o br-1 ') }),
    extra: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('-m conntrack --ctstate NEW ', '-m mark --mark 0x1/0x1 ') }),
    target: fc.oneof(
      { weight: 8, arbitrary: fc.constant('-j ACCEPT') },
      { weight: 1, arbitrary: fc.constantFrom('-j DROP', '-j RETURN', '-j LOG', '', '-j REJECT', '-j Y') },
    ),
  });
  const ruleText = (r: { proto: string; port: number; dst: number | null; iface: string; extra: string; target: string }): string[] =>
    `${r.dst !== null ? `-d 172.17.0.${r.dst}/32 ` : ''}${r.iface}-p ${r.proto} -m ${r.proto} --dport ${r.port} ${r.extra}${r.target}`.trim().split(/\s+/);
  const opArb = fc.oneof(
    { weight: 8, arbitrary: ruleArb.map((r) => ({ op: 'A' as const, r, at: 0 })) },
    { weight: 1, arbitrary: fc.tuple(ruleArb, fc.nat()).map(([r, at]) => ({ op: 'I' as const, r, at })) },
    { weight: 1, arbitrary: fc.nat().map((at) => ({ op: 'D' as const, r: null, at })) },
  );
  const probeArb = fc.record({
    proto: fc.constantFrom(6, 17, 1),
    port: fc.integer({ min: 0, max: 13 }),
    dst: fc.integer({ min: 1, max: 7 }),
    inDev: fc.constantFrom('eth0', 'docker0', 'br-1'),
    ct: fc.constantFrom(2, 8),
    mark: fc.integer({ min: 0, max: 3 }),
  });

  it('same verdicts, side effects and counters as the interpreter after every change', () => {
    let taken = 0; // compiles that took the last compile's run up again
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 8, maxLength: 60, size: 'max' }), fc.array(probeArb, { minLength: 1, maxLength: 12 }), (ops, probes) => {
        const a = new Ruleset();
        const b = new Ruleset();
        runRestore(a, BASE);
        runRestore(b, BASE);
        let prev: CompiledTable | null = null;
        for (const o of ops) {
          const n = b.tables.filter.chains.get('X')!.rules.length;
          if (o.op === 'A') both(a, b, ['-A', 'X', ...ruleText(o.r)]);
          else if (o.op === 'I') both(a, b, ['-I', 'X', String(1 + (o.at % (n + 1))), ...ruleText(o.r)]);
          else if (n > 1) both(a, b, ['-D', 'X', String(2 + (o.at % (n - 1)))]);
          const before = keptRuns(b, 'X')[0];
          // the unchanged chains (FORWARD, Y) are made again from the previous generation's code
          prev = agree(a, b, probes, prev);
          if (before !== undefined && keptRuns(b, 'X')[0] === before) taken++;
        }
        expect(counters(b)).toEqual(counters(a));
      }),
      { numRuns: 100 },
    );
    // the property exercised appends, not only runs made anew
    expect(taken).toBeGreaterThan(500);
  });

  it('an append of rules of a known shape keeps the run; other changes make a new run', () => {
    const a = new Ruleset();
    const b = new Ruleset();
    runRestore(a, BASE);
    runRestore(b, BASE);
    const publish = (k: number, proto = 'tcp', target = 'ACCEPT'): void =>
      both(a, b, ['-A', 'X', '-d', `172.17.0.${k}`, '!', '-i', 'docker0', '-o', 'docker0', '-p', proto, '-m', proto, '--dport', String(1000 + k), '-j', target]);
    const probes: Probe[] = [];
    for (let k = 2; k < 60; k++) probes.push({ proto: 6, port: 1000 + k, dst: k, inDev: 'eth0', ct: 8, mark: 0 }, { proto: 17, port: 1000 + k, dst: k, inDev: 'eth0', ct: 8, mark: 0 });
    for (let k = 2; k < 8; k++) publish(k);
    agree(a, b, probes);
    const first = keptRuns(b, 'X');
    expect(first).toHaveLength(1);
    // 40 more published ports, compiled after each: the same run, grown
    for (let k = 8; k < 48; k++) {
      publish(k);
      agree(a, b, probes);
      expect(keptRuns(b, 'X')).toEqual(first);
      expect(keptRuns(b, 'X')[0]).toBe(first[0]);
    }
    expect(first[0]!.rules).toHaveLength(46);
    // a rule of a new shape (DROP): a new run
    publish(48, 'tcp', 'DROP');
    agree(a, b, probes);
    const second = keptRuns(b, 'X')[0]!;
    expect(second).not.toBe(first[0]);
    publish(49, 'udp');
    agree(a, b, probes);
    const third = keptRuns(b, 'X')[0]!;
    expect(third).not.toBe(second);
    publish(50, 'udp');
    agree(a, b, probes);
    expect(keptRuns(b, 'X')[0]).toBe(third);
    // a rule removed from the run (docker rm): a new run without it
    both(a, b, ['-D', 'X', '5']);
    agree(a, b, probes);
    expect(keptRuns(b, 'X')[0]).not.toBe(third);
    expect(keptRuns(b, 'X')[0]!.rules).toHaveLength(48);
    expect(counters(b)).toEqual(counters(a));
    // every probe of a published port was counted on its rule
    expect(counters(b).some((x) => x > 0)).toBe(true);
  });
});
