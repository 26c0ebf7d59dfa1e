/**
 * `conntrack -L` text for the flows of net-02-published-ports, compared with the real table after
 * the oracle's own normalisation (timeout column dropped, client ports → <cport>, sorted).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTcp, buildUdp, ipv4Validate } from '../../src/wire/build.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING, type NfHookNum } from '../../src/netfilter/hook.js';
import { concretize, FakeHost, ip, makeNf } from './helpers.js';
import { HAVE_SHARED_ORACLE, SHARED_SCENARIOS } from '../helpers/paths.js';

const DIR = join(SHARED_SCENARIOS, 'net-02-published-ports/observed');

/** tools/normalize.py `_conntrack`. */
function normalize(txt: string): string {
  const out: string[] = [];
  for (let l of txt.split('\n')) {
    if (!l.trim()) continue;
    l = l.replace(/^(\w+)\s+(\d+)\s+\d+\s+/, '$1 $2 ');
    l = l.replace(/\b(sport|dport)=(\d+)/g, (_, k: string, v: string) => `${k}=${Number(v) >= 32768 && Number(v) <= 60999 ? '<cport>' : v}`);
    out.push(l.replace(/\s+/g, ' ').trim());
  }
  return out.sort().join('\n') + (out.length ? '\n' : '');
}

function setup() {
  const host = new FakeHost('dlab', new Set([ip('172.17.0.1'), ip('10.99.0.1')]), { docker0: ip('172.17.0.1') });
  const { nf, sim } = makeNf(host);
  nf.restore(concretize(readFileSync(`${DIR}/host-iptables-save.txt`, 'utf8')));
  const pass = (skb: SkBuff, hooks: Array<[NfHookNum, string, string, boolean?]>) => {
    for (const [h, i, o, b] of hooks) expect(nf.hook(skb, { hook: h, inDev: i, outDev: o, bridged: b ?? false })).toBe(1);
  };
  return { nf, sim, pass };
}

const tcp = (s: string, d: string, sp: number, dp: number, flags: number, seq = 1, ack = 0) => {
  const k = buildTcp({ srcMac: 1, dstMac: 2, src: ip(s), dst: ip(d) }, { sport: sp, dport: dp, seq, ack, flags, window: 1000 });
  ipv4Validate(k);
  return k;
};
const udp = (s: string, d: string, sp: number, dp: number) => {
  const k = buildUdp({ srcMac: 1, dstMac: 2, src: ip(s), dst: ip(d) }, sp, dp, new Uint8Array(4));
  ipv4Validate(k);
  return k;
};

describe.skipIf(!HAVE_SHARED_ORACLE)('conntrack -L matches the real table for the net-02 flows', () => {
  it('host → 172.17.0.1:8080 (DNAT in nat OUTPUT), full TCP exchange to TIME_WAIT', () => {
    const { nf, pass } = setup();
    const out: Array<[NfHookNum, string, string]> = [
      [NF_INET_LOCAL_OUT, '', 'docker0'],
      [NF_INET_POST_ROUTING, '', 'docker0'],
    ];
    const back: Array<[NfHookNum, string, string]> = [
      [NF_INET_PRE_ROUTING, 'docker0', ''],
      [NF_INET_LOCAL_IN, 'docker0', ''],
    ];
    pass(tcp('172.17.0.1', '172.17.0.1', 41000, 8080, 0x02), out);
    pass(tcp('172.17.0.2', '172.17.0.1', 80, 41000, 0x12), back);
    pass(tcp('172.17.0.1', '172.17.0.1', 41000, 8080, 0x10), out);
    pass(tcp('172.17.0.1', '172.17.0.1', 41000, 8080, 0x11), out);
    pass(tcp('172.17.0.2', '172.17.0.1', 80, 41000, 0x11), back);
    pass(tcp('172.17.0.1', '172.17.0.1', 41000, 8080, 0x10), out);
    const list = nf.conntrack.list();
    expect(list).toMatch(/^tcp {6}6 120 TIME_WAIT /);
    expect(normalize(list)).toBe(readFileSync(`${DIR}/conntrack-host-to-gw-8080.txt`, 'utf8'));
  });

  it('container → container on docker0 (bridged through br_netfilter)', () => {
    const { nf, pass } = setup();
    const fw: Array<[NfHookNum, string, string, boolean]> = [
      [NF_INET_PRE_ROUTING, 'docker0', '', true],
      [NF_INET_FORWARD, 'docker0', 'docker0', true],
      [NF_INET_POST_ROUTING, '', 'docker0', true],
    ];
    pass(tcp('172.17.0.6', '172.17.0.2', 45000, 80, 0x02), fw);
    pass(tcp('172.17.0.2', '172.17.0.6', 80, 45000, 0x12), fw);
    pass(tcp('172.17.0.6', '172.17.0.2', 45000, 80, 0x10), fw);
    pass(tcp('172.17.0.2', '172.17.0.6', 80, 45000, 0x11), fw);
    pass(tcp('172.17.0.6', '172.17.0.2', 45000, 80, 0x11), fw);
    pass(tcp('172.17.0.2', '172.17.0.6', 80, 45000, 0x10), fw);
    expect(normalize(nf.conntrack.list())).toBe(readFileSync(`${DIR}/conntrack-p-d-to-p-a-direct-80.txt`, 'utf8'));
  });

  it('UDP to 127.0.0.1:9090 (no DNAT for loopback destinations) and docker-proxy\'s own flow', () => {
    const { nf, pass } = setup();
    pass(udp('127.0.0.1', '127.0.0.1', 50000, 9090), [
      [NF_INET_LOCAL_OUT, '', 'lo'],
      [NF_INET_POST_ROUTING, '', 'lo'],
    ]);
    pass(udp('127.0.0.1', '127.0.0.1', 9090, 50000), [
      [NF_INET_LOCAL_OUT, '', 'lo'],
      [NF_INET_POST_ROUTING, '', 'lo'],
    ]);
    pass(udp('172.17.0.1', '172.17.0.2', 51000, 90), [
      [NF_INET_LOCAL_OUT, '', 'docker0'],
      [NF_INET_POST_ROUTING, '', 'docker0'],
    ]);
    pass(udp('172.17.0.2', '172.17.0.1', 90, 51000), [
      [NF_INET_PRE_ROUTING, 'docker0', ''],
      [NF_INET_LOCAL_IN, 'docker0', ''],
    ]);
    expect(normalize(nf.conntrack.list())).toBe(readFileSync(`${DIR}/conntrack-host-to-lo-9090-udp.txt`, 'utf8'));
  });
});
