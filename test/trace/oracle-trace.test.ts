/**
 * Our traces against the real kernel's: for every `trace-*.txt` of the oracle (xtables-monitor
 * --trace output), the netfilter steps (table:chain:rule|policy:verdict + rule text, in order)
 * must be the same.
 *  1. replaying the oracle's own method: the same TRACE rules in the host's raw table, the same
 *     client command, steps compared including the raw lines;
 *  2. `dockernet trace` (traced from the first packet): the host's steps minus the raw TRACE lines.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingTracer, type TraceEvent } from '../../src/core/trace.js';
import { ncTcp, ping } from '../../src/netns/tools.js';
import { Lab } from '../../src/trace/lab.js';
import { toHops, trace } from '../../src/trace/probe.js';
import { oracleNames, parseXtablesTrace, stepsFromHops, stepText } from '../../src/trace/oracle-trace.js';
import { chooseProto, parseTarget, resolveSource, resolveTarget } from '../../src/trace/endpoint.js';

import { SHARED_SCENARIOS } from '../helpers/paths.js';

const DIR = join(SHARED_SCENARIOS, 'net-10-packet-traces');
const have = existsSync(join(DIR, 'observed'));
const GET = 'GET / HTTP/1.0\r\n\r\n';

interface Case {
  file: string;
  /** TRACE rules probe.sh installed (raw table). */
  rules: string[];
  /** The client command, run in the lab. */
  send: (lab: Lab) => void;
  /** The same probe for `dockernet trace`. */
  from: string;
  to: string;
}

const ns = (lab: Lab, name: string) => lab.findContainer(name)!.ns!;

const CASES: Case[] = [
  { file: 'trace-a-icmp-docker0-t-a-to-t-b.txt', rules: ['PREROUTING -p icmp'], send: (l) => void ping(ns(l, 't-a'), '172.17.0.3'), from: 't-a', to: '172.17.0.3' },
  {
    file: 'trace-b-host-to-172.17.0.1-8080.txt',
    rules: ['OUTPUT -p tcp --dport 8080 --syn', 'PREROUTING -p tcp --sport 80 --tcp-flags SYN,ACK SYN,ACK'],
    send: (l) => void ncTcp(l.engine.host, '172.17.0.1', 8080, GET),
    from: 'host',
    to: '172.17.0.1:8080',
  },
  {
    file: 'trace-b2-host-to-127.0.0.1-8080.txt',
    rules: ['OUTPUT -p tcp --dport 8080 --syn', 'OUTPUT -p tcp --dport 80 --syn'],
    send: (l) => void ncTcp(l.engine.host, '127.0.0.1', 8080, GET),
    from: 'host',
    to: '127.0.0.1:8080',
  },
  {
    file: 'trace-b3-t-a-to-172.17.0.1-8080.txt',
    rules: ['PREROUTING -p tcp --dport 8080 --syn', 'OUTPUT -p tcp --dport 80 --syn'],
    send: (l) => void ncTcp(ns(l, 't-a'), '172.17.0.1', 8080, GET),
    from: 't-a',
    to: '172.17.0.1:8080',
  },
  { file: 'trace-c-icmp-tnet1-to-tnet2-blocked.txt', rules: ['PREROUTING -p icmp'], send: (l) => void ping(ns(l, 't-n1'), '172.19.0.2'), from: 't-n1', to: '172.19.0.2' },
];

/**
 * The kernel traces a packet only when a TRACE rule matched it (nf_trace is per skb). The emulator
 * also traces packets that inherit the flag (a traced connection's later segments, replies): keep
 * the host's netfilter events of packets whose raw walk hit a TRACE rule, and of packets that were
 * given a new trace id after routing (t1 → t2, NOTES item 40) — those have no raw walk.
 */
function kernelTraced(lab: Lab, events: readonly TraceEvent[]): TraceEvent[] {
  const host = lab.engine.host.name;
  const marked = new Set<unknown>();
  const walkedRaw = new Set<unknown>();
  for (const e of events) {
    if (e.ns !== host || e.layer !== 'netfilter' || e.data?.table !== 'raw') continue;
    walkedRaw.add(e.data.traceId);
    if (e.kind === 'rule' && String(e.data.rule).endsWith('-j TRACE')) marked.add(e.data.traceId);
  }
  return events.filter((e) => e.ns !== host || e.layer !== 'netfilter' || marked.has(e.data?.traceId) || !walkedRaw.has(e.data?.traceId));
}

function oracleSteps(file: string): string[] {
  return parseXtablesTrace(readFileSync(join(DIR, 'observed', file), 'utf8')).map(stepText);
}

describe.skipIf(!have)('netfilter steps agree with the kernel traces of net-10', () => {
  it('the oracle has exactly the traces this test knows', () => {
    const files = readdirSync(join(DIR, 'observed')).filter((f: string) => /^trace-.*(?<!\.cmd)\.txt$/.test(f));
    expect(files.sort()).toEqual(CASES.map((c) => c.file).sort());
  });

  for (const c of CASES) {
    it(`${c.file}: TRACE rules in raw, same client → same steps, raw lines included`, () => {
      const lab = Lab.load(DIR);
      for (const r of c.rules) {
        const res = lab.engine.host.nf.iptables(['-t', 'raw', '-A', ...r.split(' '), '-j', 'TRACE']);
        expect(res.exitCode).toBe(0);
      }
      const rec = new RecordingTracer();
      lab.engine.sim.tracer = rec;
      c.send(lab);
      lab.engine.sim.tracer = null;
      const ours = stepsFromHops(toHops(lab, kernelTraced(lab, rec.events)).hops).map((s) => oracleNames(lab, stepText(s)));
      const want = oracleSteps(c.file);
      expect(want.length).toBeGreaterThan(0);
      expect(ours).toEqual(want);
    });

    it(`${c.file}: dockernet trace names the same chains and rules in the same order`, () => {
      const lab = Lab.load(DIR);
      const src = resolveSource(lab, c.from);
      const spec = parseTarget(c.to);
      const rep = trace(lab, src, resolveTarget(lab, src, spec), chooseProto(spec, {}));
      const ours = rep.legs.flatMap((l) => stepsFromHops(l.hops)).map((s) => oracleNames(lab, stepText(s)));
      const want = oracleSteps(c.file).filter((s) => !s.startsWith('raw:'));
      expect(ours).toEqual(want);
    });
  }

  it('the blocked trace ends dropped at DOCKER-ISOLATION-STAGE-2 with its rule', () => {
    const lab = Lab.load(DIR);
    const src = resolveSource(lab, 't-n1');
    const rep = trace(lab, src, resolveTarget(lab, src, parseTarget('t-n2')), 'icmp');
    expect(rep.outcome.result).toBe('dropped');
    expect(rep.outcome.at).toMatchObject({ ns: 'host', table: 'filter', chain: 'DOCKER-ISOLATION-STAGE-2', pos: 1 });
    expect(oracleNames(lab, rep.outcome.at!.rule!)).toBe('-A DOCKER-ISOLATION-STAGE-2 -o br-<nid:tnet2> -j DROP');
  });
});

describe('parseXtablesTrace', () => {
  it('reads rule and policy lines and skips PACKET lines', () => {
    const t = 'PACKET: 2 t1 IN=docker0 SRC=1.2.3.4\n TRACE: 2 t1 filter:FORWARD:rule:<h>:JUMP:DOCKER  -4 -t filter -A FORWARD -o docker0 -j DOCKER\n TRACE: 2 t1 nat:POSTROUTING:policy:ACCEPT \n';
    expect(parseXtablesTrace(t)).toEqual([
      { table: 'filter', chain: 'FORWARD', type: 'rule', verdict: 'JUMP:DOCKER', rule: '-A FORWARD -o docker0 -j DOCKER' },
      { table: 'nat', chain: 'POSTROUTING', type: 'policy', verdict: 'ACCEPT', rule: '' },
    ]);
  });
});
