import { describe, expect, it } from 'vitest';
import { buildTcp, buildUdp, ipv4Validate } from '../../src/wire/build.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { NF_ACCEPT, NF_DROP, NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING } from '../../src/netfilter/hook.js';
import { FakeHost, ip, makeNf } from './helpers.js';
import { RecordingTracer } from '../../src/core/trace.js';

const udp = (s: number, d: number, sp: number, dp: number): SkBuff => {
  const k = buildUdp({ srcMac: 1, dstMac: 2, src: s, dst: d }, sp, dp, new Uint8Array(2));
  ipv4Validate(k);
  return k;
};

describe('targets', () => {
  it('REJECT re-entering the hook through the stack (sendLocal runs OUTPUT synchronously) keeps the outer packet\'s state', () => {
    class ReentrantHost extends FakeHost {
      nf: ReturnType<typeof makeNf>['nf'] | null = null;
      outVerdicts: number[] = [];
      override sendLocal(skb: SkBuff): void {
        super.sendLocal(skb);
        this.outVerdicts.push(this.nf!.hook(skb, { hook: NF_INET_LOCAL_OUT, inDev: '', outDev: 'eth0', bridged: false }));
        this.outVerdicts.push(this.nf!.hook(skb, { hook: NF_INET_POST_ROUTING, inDev: '', outDev: 'eth0', bridged: false }));
      }
    }
    const host = new ReentrantHost('h', new Set([ip('10.0.0.1')]), { eth0: ip('10.0.0.1') });
    const { nf } = makeNf(host);
    host.nf = nf;
    nf.restore(
      '*filter\n-A INPUT -p udp -m udp --dport 7 -j REJECT --reject-with icmp-admin-prohibited\n-A INPUT -j ACCEPT\n' +
        '-A OUTPUT -m conntrack --ctstate INVALID -j DROP\n-A OUTPUT -p icmp -m conntrack --ctstate RELATED -j LOG --log-prefix "out: "\nCOMMIT\n',
    );
    const u = udp(ip('10.0.0.9'), ip('10.0.0.1'), 999, 7);
    expect(nf.hook(u, { hook: NF_INET_PRE_ROUTING, inDev: 'eth0', outDev: '', bridged: false })).toBe(NF_ACCEPT);
    expect(nf.hook(u, { hook: NF_INET_LOCAL_IN, inDev: 'eth0', outDev: '', bridged: false })).toBe(NF_DROP);
    expect(host.outVerdicts).toEqual([NF_ACCEPT, NF_ACCEPT]);
    const inRules = nf.rules.tables.filter.chains.get('INPUT')!.rules;
    expect(inRules.map((r) => r.pkts)).toEqual([1, 0]);
    expect(nf.log).toEqual(['out: IN= OUT=eth0 SRC=10.0.0.1 DST=10.0.0.9 LEN=56 TOS=0x00 PREC=0xC0 TTL=64 ID=0 PROTO=ICMP TYPE=3 CODE=13 [SRC=10.0.0.9 DST=10.0.0.1 LEN=30 TOS=0x00 PREC=0x00 TTL=64 ID=0 PROTO=UDP SPT=999 DPT=7 LEN=10]']);
    expect(nf.counters.rejectsSent).toBe(1);
  });

  it('goto (-g) returns to the caller of the chain that jumped', () => {
    const { nf } = makeNf();
    nf.restore('*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A INPUT -j DROP\n-A A -g B\n-A A -j ACCEPT\n-A B -p tcp -j ACCEPT\nCOMMIT\n');
    for (const compiled of [true, false]) {
      nf.compiled = compiled;
      const u = udp(1, 2, 3, 4);
      expect(nf.hook(u, { hook: NF_INET_LOCAL_IN, inDev: 'eth0', outDev: '', bridged: false })).toBe(NF_DROP); // B returns past A
    }
    expect(nf.save()).toContain('-A A -g B\n');
  });

  it('MARK in mangle is seen by -m mark in filter; an empty base chain has no hook (its policy counter stays 0)', () => {
    const { nf } = makeNf();
    nf.restore('*mangle\n-A PREROUTING -p udp -j MARK --set-xmark 0x5/0xffffffff\nCOMMIT\n*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m mark --mark 0x5 -j ACCEPT\nCOMMIT\n');
    const u = udp(1, 2, 3, 4);
    expect(nf.hook(u, { hook: NF_INET_PRE_ROUTING, inDev: 'eth0', outDev: '', bridged: false })).toBe(NF_ACCEPT);
    expect(u.mark).toBe(5);
    expect(nf.hook(u, { hook: NF_INET_FORWARD, inDev: 'eth0', outDev: 'eth1', bridged: false })).toBe(NF_ACCEPT);
    expect(nf.hook(u, { hook: NF_INET_LOCAL_IN, inDev: 'eth0', outDev: '', bridged: false })).toBe(NF_ACCEPT);
    expect(nf.save()).toContain(':INPUT ACCEPT [0:0]\n');
    expect(nf.save()).toContain('-A PREROUTING -p udp -j MARK --set-xmark 0x5/0xffffffff\n');
  });

  it('TRACE marks the packet and later tables report it; the nat DNAT shows as a rewrite event', () => {
    const host = new FakeHost('h', new Set([ip('10.0.0.1')]), { eth0: ip('10.0.0.1') });
    const { nf, sim } = makeNf(host);
    const tracer = new RecordingTracer();
    sim.tracer = tracer;
    nf.restore('*raw\n-A PREROUTING -p tcp -m tcp --dport 80 -j TRACE\nCOMMIT\n*nat\n-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.5:8080\nCOMMIT\n');
    const s = buildTcp({ srcMac: 1, dstMac: 2, src: ip('10.0.0.9'), dst: ip('10.0.0.1') }, { sport: 1, dport: 80, seq: 1, ack: 0, flags: 2, window: 1 });
    ipv4Validate(s);
    nf.hook(s, { hook: NF_INET_PRE_ROUTING, inDev: 'eth0', outDev: '', bridged: false });
    expect(s.traced).toBe(true);
    expect(s.traceId).not.toBe(0);
    const kinds = tracer.events.map((e) => `${e.layer}/${e.kind}`);
    expect(kinds).toEqual(['netfilter/hook', 'netfilter/rule', 'netfilter/policy', 'conntrack/new', 'netfilter/hook', 'netfilter/rule', 'nat/dnat']);
    expect(tracer.events.at(-1)!.detail).toBe('dnat 10.0.0.9:1 > 10.0.0.1:80 -> 10.0.0.9:1 > 10.0.0.5:8080');
    expect(tracer.events[5]!.detail).toBe('nat:PREROUTING:rule:1:ACCEPT  -4 -t nat -A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.5:8080');
    expect(tracer.events.every((e) => e.ns === 'h' && (e.data as { traceId: number }).traceId === s.traceId)).toBe(true);
  });

  it('REDIRECT sends locally generated packets to 127.0.0.1:PORT', () => {
    const { nf } = makeNf();
    nf.restore('*nat\n-A OUTPUT -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 3128\nCOMMIT\n');
    const s = buildTcp({ srcMac: 1, dstMac: 2, src: ip('10.0.0.1'), dst: ip('93.184.216.34') }, { sport: 4000, dport: 80, seq: 1, ack: 0, flags: 2, window: 1 });
    ipv4Validate(s);
    expect(nf.hook(s, { hook: NF_INET_LOCAL_OUT, inDev: '', outDev: 'eth0', bridged: false })).toBe(NF_ACCEPT);
    expect(s.view.getUint32(s.network + 16)).toBe(ip('127.0.0.1'));
    expect(s.view.getUint16(s.transport + 2)).toBe(3128);
  });

  it('the container DNS rules (DOCKER_OUTPUT DNAT to 127.0.0.11:port, DOCKER_POSTROUTING SNAT --to-source :53) round-trip a query', () => {
    const { nf } = makeNf(new FakeHost('c', new Set([ip('127.0.0.11'), ip('172.18.0.2')])));
    nf.restore(
      '*nat\n:DOCKER_OUTPUT - [0:0]\n:DOCKER_POSTROUTING - [0:0]\n-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT\n-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING\n' +
        '-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:43210\n' +
        '-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 43210 -j SNAT --to-source :53\nCOMMIT\n',
    );
    const q = udp(ip('127.0.0.1'), ip('127.0.0.11'), 39000, 53);
    expect(nf.hook(q, { hook: NF_INET_LOCAL_OUT, inDev: '', outDev: 'lo', bridged: false })).toBe(NF_ACCEPT);
    expect(nf.hook(q, { hook: NF_INET_POST_ROUTING, inDev: '', outDev: 'lo', bridged: false })).toBe(NF_ACCEPT);
    expect(q.view.getUint16(q.transport + 2)).toBe(43210);
    // the resolver answers from 127.0.0.11:43210; the client sees 127.0.0.11:53
    const a = udp(ip('127.0.0.11'), ip('127.0.0.1'), 43210, 39000);
    expect(nf.hook(a, { hook: NF_INET_LOCAL_OUT, inDev: '', outDev: 'lo', bridged: false })).toBe(NF_ACCEPT);
    expect(nf.hook(a, { hook: NF_INET_POST_ROUTING, inDev: '', outDev: 'lo', bridged: false })).toBe(NF_ACCEPT);
    expect(nf.hook(a, { hook: NF_INET_PRE_ROUTING, inDev: 'lo', outDev: '', bridged: false })).toBe(NF_ACCEPT);
    expect(nf.hook(a, { hook: NF_INET_LOCAL_IN, inDev: 'lo', outDev: '', bridged: false })).toBe(NF_ACCEPT);
    expect(a.view.getUint16(a.transport)).toBe(53);
    expect(nf.conntrack.list()).toBe(
      'udp      17 30 src=127.0.0.1 dst=127.0.0.11 sport=39000 dport=53 src=127.0.0.11 dst=127.0.0.1 sport=43210 dport=39000 mark=0 use=1\n',
    );
  });
});
