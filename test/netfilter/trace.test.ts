/**
 * Traces shaped like `xtables-monitor --trace`, checked line by line against the real kernel's
 * traces in net-10-packet-traces (PACKET lines and rule handles aside).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingTracer } from '../../src/core/trace.js';
import { buildIcmpEcho, buildTcp, ipv4Validate } from '../../src/wire/build.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { NF_DROP, NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING, type NfHookNum } from '../../src/netfilter/hook.js';
import { concretize, FakeHost, ip, makeNf, nidOf } from './helpers.js';
import { HAVE_SHARED_ORACLE, SHARED_SCENARIOS } from '../helpers/paths.js';

const DIR = join(SHARED_SCENARIOS, 'net-10-packet-traces/observed');
const HOST_RULES = HAVE_SHARED_ORACLE ? concretize(readFileSync(`${DIR}/host-iptables-save.txt`, 'utf8')) : '';

function expected(file: string): string[][] {
  // groups of TRACE lines per trace id, in order of appearance
  const out: string[] = [];
  for (const l of readFileSync(`${DIR}/${file}`, 'utf8').split('\n')) {
    const m = /^ TRACE: 2 (t\d+) (.*)$/.exec(l);
    if (m) out.push(concretize(m[2]!).trimEnd());
  }
  return [out];
}

function setup(raw: string) {
  const host = new FakeHost('host', new Set([ip('172.17.0.1'), ip('172.18.0.1'), ip('172.19.0.1'), ip('10.99.0.1')]), {
    docker0: ip('172.17.0.1'),
  });
  const { nf, sim } = makeNf(host);
  nf.restore(HOST_RULES);
  nf.restore(`*raw\n${raw}COMMIT\n`, { noflush: true });
  const tracer = new RecordingTracer();
  sim.tracer = tracer;
  const lines = (): string[] =>
    tracer.events
      .filter((e) => e.layer === 'netfilter' && (e.kind === 'rule' || e.kind === 'policy'))
      .map((e) => e.detail.replace(/:rule:\d+:/, ':rule:<h>:'));
  const run = (skb: SkBuff, hooks: Array<[NfHookNum, string, string, boolean]>): number => {
    for (const [h, i, o, bridged] of hooks) {
      const v = nf.hook(skb, { hook: h, inDev: i, outDev: o, bridged });
      if (v !== 1) return v;
    }
    return 1;
  };
  return { nf, run, lines, tracer };
}

const icmp = (src: string, dst: string, type: 0 | 8): SkBuff => {
  const s = buildIcmpEcho(type, { srcMac: 1, dstMac: 2, src: ip(src), dst: ip(dst) }, 9, 1);
  ipv4Validate(s);
  return s;
};

describe.skipIf(!HAVE_SHARED_ORACLE)('traces match xtables-monitor --trace from the real kernel', () => {
  it('trace a: ICMP between two containers on docker0 (bridged, br_netfilter), and the reply', () => {
    const { run, lines } = setup('-A PREROUTING -p icmp -j TRACE\n');
    const bridged: Array<[NfHookNum, string, string, boolean]> = [
      [NF_INET_PRE_ROUTING, 'docker0', '', true],
      [NF_INET_FORWARD, 'docker0', 'docker0', true],
      [NF_INET_POST_ROUTING, '', 'docker0', true],
    ];
    expect(run(icmp('172.17.0.2', '172.17.0.3', 8), bridged)).toBe(1);
    expect(run(icmp('172.17.0.3', '172.17.0.2', 0), bridged)).toBe(1);
    expect(lines()).toEqual(expected('trace-a-icmp-docker0-t-a-to-t-b.txt')[0]);
  });

  it('trace c: ICMP from tnet1 to tnet2 dies in DOCKER-ISOLATION-STAGE-2', () => {
    const { run, lines } = setup('-A PREROUTING -p icmp -j TRACE\n');
    const b1 = `br-${nidOf('tnet1')}`;
    const b2 = `br-${nidOf('tnet2')}`;
    const v = run(icmp('172.18.0.2', '172.19.0.2', 8), [
      [NF_INET_PRE_ROUTING, b1, '', true],
      [NF_INET_FORWARD, b1, b2, false],
      [NF_INET_POST_ROUTING, '', b2, false],
    ]);
    expect(v).toBe(NF_DROP);
    expect(lines()).toEqual(expected('trace-c-icmp-tnet1-to-tnet2-blocked.txt')[0]);
  });

  it('trace b: host → 172.17.0.1:8080 is DNATed in nat OUTPUT; the SYN-ACK only meets raw (no filter INPUT hook)', () => {
    const { run, lines, nf } = setup(
      '-A PREROUTING -p tcp -m tcp --sport 80 --tcp-flags SYN,ACK SYN,ACK -j TRACE\n-A OUTPUT -p tcp -m tcp --dport 8080 --tcp-flags FIN,SYN,RST,ACK SYN -j TRACE\n',
    );
    const syn = buildTcp({ srcMac: 1, dstMac: 2, src: ip('172.17.0.1'), dst: ip('172.17.0.1') }, { sport: 40000, dport: 8080, seq: 1, ack: 0, flags: 0x02, window: 1 });
    ipv4Validate(syn);
    expect(run(syn, [[NF_INET_LOCAL_OUT, '', 'lo', false]])).toBe(1);
    expect(syn.view.getUint32(syn.network + 16)).toBe(ip('172.17.0.3')); // rerouted to docker0 by the stack
    expect(run(syn, [[NF_INET_POST_ROUTING, '', 'docker0', false]])).toBe(1);
    const synack = buildTcp({ srcMac: 1, dstMac: 2, src: ip('172.17.0.3'), dst: ip('172.17.0.1') }, { sport: 80, dport: 40000, seq: 5, ack: 2, flags: 0x12, window: 1 });
    ipv4Validate(synack);
    synack.traceId = 0;
    expect(
      run(synack, [
        [NF_INET_PRE_ROUTING, 'docker0', '', false],
        [NF_INET_LOCAL_IN, 'docker0', '', false],
      ]),
    ).toBe(1);
    expect(synack.view.getUint32(synack.network + 12)).toBe(ip('172.17.0.1'));
    expect(synack.view.getUint16(synack.transport)).toBe(8080);
    expect(lines()).toEqual(expected('trace-b-host-to-172.17.0.1-8080.txt')[0]);
    expect(nf.conntrack.count).toBe(1);
  });

  it('untraced packets produce no events at all', () => {
    const { run, tracer } = setup('');
    run(icmp('172.17.0.2', '172.17.0.3', 8), [
      [NF_INET_PRE_ROUTING, 'docker0', '', true],
      [NF_INET_FORWARD, 'docker0', 'docker0', true],
    ]);
    expect(tracer.events).toEqual([]);
  });
});
