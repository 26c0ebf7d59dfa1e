import { describe, expect, it } from 'vitest';
import { buildIcmpError, buildIcmpEcho, buildTcp, buildUdp, ipv4Validate, l4Validate, ipv4Src, ipv4Dst } from '../../src/wire/build.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import {
  NF_ACCEPT,
  NF_DROP,
  NF_INET_FORWARD,
  NF_INET_LOCAL_IN,
  NF_INET_LOCAL_OUT,
  NF_INET_POST_ROUTING,
  NF_INET_PRE_ROUTING,
  type NfHookState,
} from '../../src/netfilter/hook.js';
import { IP_CT_ESTABLISHED_REPLY, IP_CT_NEW, IP_CT_RELATED_REPLY, IPS_ASSURED } from '../../src/netfilter/conntrack.js';
import type { Netfilter } from '../../src/netfilter/netfilter.js';
import { FakeHost, ip, makeNf, trackConnections } from './helpers.js';
import { SECOND } from '../../src/core/time.js';

const HOST_EXT = ip('10.99.0.1');
const GW = ip('172.17.0.1');
const C1 = ip('172.17.0.2');
const C2 = ip('172.17.0.3');
const CLIENT = ip('10.99.0.2');
const REMOTE = ip('10.99.0.50');

const DOCKER_RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
COMMIT
`;

function dockerHost(): { nf: Netfilter; host: FakeHost; sim: ReturnType<typeof makeNf>['sim'] } {
  const host = new FakeHost('host', new Set([HOST_EXT, GW]), { ext0: HOST_EXT, docker0: GW });
  const { nf, sim } = makeNf(host);
  nf.restore(DOCKER_RULES);
  return { nf, host, sim };
}

const st = (hook: NfHookState['hook'], inDev: string, outDev: string): NfHookState => ({ hook, inDev, outDev, bridged: false });

function tcp(src: number, dst: number, sport: number, dport: number, flags: number, seq = 1000, ack = 0): SkBuff {
  const s = buildTcp({ srcMac: 1, dstMac: 2, src, dst }, { sport, dport, seq, ack, flags, window: 65535 });
  expect(ipv4Validate(s)).toBe(0);
  return s;
}

/** A forwarded packet: PREROUTING (in) → FORWARD → POSTROUTING (out). Returns the verdict of the first hook that was not ACCEPT. */
function forward(nf: Netfilter, skb: SkBuff, inDev: string, outDev: string): number {
  for (const h of [NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING] as const) {
    const v = nf.hook(skb, st(h, h === NF_INET_PRE_ROUTING ? inDev : inDev, h === NF_INET_PRE_ROUTING ? '' : outDev));
    if (v !== NF_ACCEPT) return v;
  }
  return NF_ACCEPT;
}

function ports(s: SkBuff): [number, number] {
  return [s.view.getUint16(s.transport), s.view.getUint16(s.transport + 2)];
}

describe('DNAT for a published port, packet by packet', () => {
  it('rewrites the SYN to the container, the SYN-ACK back to the host address, then ESTABLISHED', () => {
    const { nf } = dockerHost();
    // client → 10.99.0.1:8080
    const syn = tcp(CLIENT, HOST_EXT, 40000, 8080, 0x02);
    expect(forward(nf, syn, 'ext0', 'docker0')).toBe(NF_ACCEPT);
    expect(ipv4Dst(syn)).toBe(C1);
    expect(ports(syn)).toEqual([40000, 80]);
    expect(l4Validate(syn)).toBe(0); // checksums patched
    expect(syn.ctinfo).toBe(IP_CT_NEW);
    expect(nf.conntrack.count).toBe(1);
    // container answers 172.17.0.2:80 → client
    const synack = tcp(C1, CLIENT, 80, 40000, 0x12, 5000, 1001);
    expect(forward(nf, synack, 'docker0', 'ext0')).toBe(NF_ACCEPT);
    expect(synack.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(ipv4Src(synack)).toBe(HOST_EXT);
    expect(ports(synack)).toEqual([8080, 40000]);
    expect(l4Validate(synack)).toBe(0);
    // final ACK from client: established; the DNAT rule is not consulted again
    const dnatRule = nf.rules.tables.nat.chains.get('DOCKER')!.rules[1]!;
    expect(dnatRule.pkts).toBe(1);
    const ackp = tcp(CLIENT, HOST_EXT, 40000, 8080, 0x10, 1001, 5001);
    expect(forward(nf, ackp, 'ext0', 'docker0')).toBe(NF_ACCEPT);
    expect(ipv4Dst(ackp)).toBe(C1);
    expect(dnatRule.pkts).toBe(1);
    const ct = [...nf.conntrack.entries()][0]!;
    expect(ct.status & IPS_ASSURED).toBeTruthy();
    expect(nf.conntrack.list()).toBe(
      'tcp      6 432000 ESTABLISHED src=10.99.0.2 dst=10.99.0.1 sport=40000 dport=8080 src=172.17.0.2 dst=10.99.0.2 sport=80 dport=40000 [ASSURED] mark=0 use=1\n',
    );
    // FORWARD counters: the DOCKER accept rule counted the SYN, the ctstate rule the ACK
    const fwd = nf.rules.tables.filter.chains.get('FORWARD')!;
    expect(fwd.rules[2]!.pkts).toBe(1);
    expect(nf.rules.tables.filter.chains.get('DOCKER')!.rules[0]!.pkts).toBe(1);
  });
});

describe('FORWARD DROP policy with ESTABLISHED replies', () => {
  it('drops unsolicited inbound packets to a container but accepts replies to its own connection', () => {
    const { nf } = dockerHost();
    const unsolicited = tcp(REMOTE, C1, 5555, 22, 0x02);
    expect(forward(nf, unsolicited, 'ext0', 'docker0')).toBe(NF_DROP);
    const fwd = nf.rules.tables.filter.chains.get('FORWARD')!;
    expect(fwd.pkts).toBe(1); // the policy counted it
    expect(nf.conntrack.count).toBe(0); // never confirmed
    // container connects out: MASQUERADE to 10.99.0.1
    const out = tcp(C1, REMOTE, 43000, 443, 0x02);
    expect(forward(nf, out, 'docker0', 'ext0')).toBe(NF_ACCEPT);
    expect(ipv4Src(out)).toBe(HOST_EXT);
    expect(ports(out)).toEqual([43000, 443]);
    // the reply is ESTABLISHED: accepted by the ctstate rule despite the DROP policy, un-NATed
    const reply = tcp(REMOTE, HOST_EXT, 443, 43000, 0x12, 9, 1001);
    expect(forward(nf, reply, 'ext0', 'docker0')).toBe(NF_ACCEPT);
    expect(ipv4Dst(reply)).toBe(C1);
    expect(ports(reply)).toEqual([443, 43000]);
    expect(fwd.rules[2]!.pkts).toBe(1);
    expect(fwd.pkts).toBe(1);
  });
});

describe('MASQUERADE port clash', () => {
  it('keeps the source port when free and picks another one from the range when it clashes', () => {
    const { nf } = dockerHost();
    const a = tcp(C1, REMOTE, 50000, 80, 0x02);
    expect(forward(nf, a, 'docker0', 'ext0')).toBe(NF_ACCEPT);
    expect(ports(a)[0]).toBe(50000);
    // a second container uses the same source port to the same destination: would clash
    const b = tcp(C2, REMOTE, 50000, 80, 0x02);
    expect(forward(nf, b, 'docker0', 'ext0')).toBe(NF_ACCEPT);
    expect(ipv4Src(b)).toBe(HOST_EXT);
    const nb = ports(b)[0];
    expect(nb).not.toBe(50000);
    expect(nb).toBeGreaterThanOrEqual(1024);
    expect(l4Validate(b)).toBe(0);
    // replies reach the right containers
    const ra = tcp(REMOTE, HOST_EXT, 80, 50000, 0x12);
    expect(forward(nf, ra, 'ext0', 'docker0')).toBe(NF_ACCEPT);
    expect(ipv4Dst(ra)).toBe(C1);
    const rb = tcp(REMOTE, HOST_EXT, 80, nb, 0x12);
    expect(forward(nf, rb, 'ext0', 'docker0')).toBe(NF_ACCEPT);
    expect(ipv4Dst(rb)).toBe(C2);
    expect(ports(rb)).toEqual([80, 50000]);
    expect(nf.conntrack.count).toBe(2);
  });

  it('drops and counts a new flow when the port range is exhausted, as Linux does', () => {
    const host = new FakeHost('host', new Set([HOST_EXT]), { ext0: HOST_EXT });
    const { nf } = makeNf(host);
    nf.restore('*nat\n-A POSTROUTING -o ext0 -p tcp -j MASQUERADE --to-ports 2000-2001\nCOMMIT\n');
    const results: number[] = [];
    for (let i = 0; i < 3; i++) results.push(forward(nf, tcp(ip('192.168.0.2') + i, REMOTE, 3000, 80, 0x02), 'lan0', 'ext0'));
    expect(results).toEqual([NF_ACCEPT, NF_ACCEPT, NF_DROP]);
    expect(nf.conntrack.stats.insert_failed).toBe(1);
    expect(nf.counters.insertFailed).toBe(1);
    expect(nf.conntrack.count).toBe(2);
  });
});

describe('REJECT', () => {
  it('answers with an ICMP port unreachable quoting the packet, RELATED to its connection', () => {
    const host = new FakeHost('host', new Set([HOST_EXT]), { ext0: HOST_EXT });
    const { nf } = makeNf(host);
    trackConnections(nf);
    expect(nf.iptables(['-A', 'INPUT', '-p', 'udp', '--dport', '9999', '-j', 'REJECT']).exitCode).toBe(0);
    const u = buildUdp({ srcMac: 1, dstMac: 2, src: CLIENT, dst: HOST_EXT }, 33333, 9999, new Uint8Array([1, 2, 3]));
    ipv4Validate(u);
    expect(nf.hook(u, st(NF_INET_PRE_ROUTING, 'ext0', ''))).toBe(NF_ACCEPT);
    expect(nf.hook(u, st(NF_INET_LOCAL_IN, 'ext0', ''))).toBe(NF_DROP);
    expect(host.sent).toHaveLength(1);
    const e = host.sent[0]!;
    expect(ipv4Validate(e)).toBe(0);
    expect(l4Validate(e)).toBe(0);
    expect(ipv4Src(e)).toBe(HOST_EXT);
    expect(ipv4Dst(e)).toBe(CLIENT);
    expect(e.view.getUint8(e.transport)).toBe(3);
    expect(e.view.getUint8(e.transport + 1)).toBe(3);
    // the quote is the offending IP header + 8 bytes
    expect(Array.from(e.data.subarray(e.transport + 8, e.transport + 8 + 28))).toEqual(Array.from(u.data.subarray(14, 42)));
    // the rejected flow was never confirmed; the error is attached to it as RELATED (nf_ct_attach)
    expect(e.ctinfo).toBe(IP_CT_RELATED_REPLY);
    expect(nf.conntrack.count).toBe(0);
  });

  it('tcp-reset sends a RST|ACK acknowledging the SYN', () => {
    const host = new FakeHost('host', new Set([HOST_EXT]), { ext0: HOST_EXT });
    const { nf } = makeNf(host);
    expect(nf.iptables(['-A', 'INPUT', '-p', 'tcp', '--syn', '-j', 'REJECT', '--reject-with', 'tcp-reset']).exitCode).toBe(0);
    const syn = tcp(CLIENT, HOST_EXT, 40001, 22, 0x02, 777);
    nf.hook(syn, st(NF_INET_PRE_ROUTING, 'ext0', ''));
    expect(nf.hook(syn, st(NF_INET_LOCAL_IN, 'ext0', ''))).toBe(NF_DROP);
    const r = host.sent[0]!;
    expect(ipv4Validate(r)).toBe(0);
    expect(l4Validate(r)).toBe(0);
    expect(ports(r)).toEqual([22, 40001]);
    expect(r.view.getUint8(r.transport + 13)).toBe(0x14);
    expect(r.view.getUint32(r.transport + 8)).toBe(778);
  });

  it('an ICMP error about a forwarded flow is RELATED and reaches the client un-NATed', () => {
    const { nf } = dockerHost();
    const out = buildUdp({ srcMac: 1, dstMac: 2, src: C1, dst: REMOTE }, 41000, 53, new Uint8Array(4));
    ipv4Validate(out);
    expect(forward(nf, out, 'docker0', 'ext0')).toBe(NF_ACCEPT);
    expect(ipv4Src(out)).toBe(HOST_EXT);
    // the remote host answers with port unreachable, quoting the NATed datagram
    const err = buildIcmpError(3, 3, { srcMac: 1, dstMac: 2, src: REMOTE, dst: HOST_EXT }, out);
    ipv4Validate(err);
    expect(forward(nf, err, 'ext0', 'docker0')).toBe(NF_ACCEPT);
    expect(err.ctinfo).toBe(IP_CT_RELATED_REPLY);
    expect(ipv4Dst(err)).toBe(C1);
    const inner = err.transport + 8;
    expect(err.view.getUint32(inner + 12)).toBe(C1); // quoted source un-NATed
    expect(l4Validate(err)).toBe(0);
  });
});

describe('conntrack timeouts in virtual time', () => {
  it('UDP: 30 s unreplied, entry and GC timer gone afterwards', () => {
    const { nf, sim } = makeNf();
    trackConnections(nf);
    const u = buildUdp({ srcMac: 1, dstMac: 2, src: CLIENT, dst: REMOTE }, 1234, 53, new Uint8Array(1));
    ipv4Validate(u);
    nf.hook(u, st(NF_INET_LOCAL_OUT, '', 'ext0'));
    nf.hook(u, st(NF_INET_POST_ROUTING, '', 'ext0'));
    expect(nf.conntrack.list()).toBe(
      'udp      17 30 src=10.99.0.2 dst=10.99.0.50 sport=1234 dport=53 [UNREPLIED] src=10.99.0.50 dst=10.99.0.2 sport=53 dport=1234 mark=0 use=1\n',
    );
    sim.advance(29 * SECOND);
    expect(nf.conntrack.count).toBe(1);
    sim.advance(SECOND); // exactly 30 s: gone, whether or not the GC timer has run yet
    expect(nf.conntrack.count).toBe(0);
    expect(nf.conntrack.list()).toBe('');
    sim.run();
    expect(nf.conntrack.count).toBe(0);
    expect(sim.pendingTimers).toBe(0);
  });

  it('ICMP echo: 30 s, reply makes it ESTABLISHED', () => {
    const { nf, sim } = makeNf();
    trackConnections(nf);
    const req = buildIcmpEcho(8, { srcMac: 1, dstMac: 2, src: CLIENT, dst: REMOTE }, 77, 1);
    ipv4Validate(req);
    nf.hook(req, st(NF_INET_LOCAL_OUT, '', 'ext0'));
    nf.hook(req, st(NF_INET_POST_ROUTING, '', 'ext0'));
    const rep = buildIcmpEcho(0, { srcMac: 2, dstMac: 1, src: REMOTE, dst: CLIENT }, 77, 1);
    ipv4Validate(rep);
    nf.hook(rep, st(NF_INET_PRE_ROUTING, 'ext0', ''));
    expect(rep.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(nf.conntrack.list()).toBe(
      'icmp     1 30 src=10.99.0.2 dst=10.99.0.50 type=8 code=0 id=77 src=10.99.0.50 dst=10.99.0.2 type=0 code=0 id=77 mark=0 use=1\n',
    );
    sim.run();
    expect(nf.conntrack.count).toBe(0);
  });

  it('TCP established lasts 432000 s; FIN handshake goes to TIME_WAIT (120 s)', () => {
    const { nf, sim } = makeNf();
    trackConnections(nf);
    const send = (s: SkBuff, out: boolean) => {
      if (out) {
        nf.hook(s, st(NF_INET_LOCAL_OUT, '', 'ext0'));
        nf.hook(s, st(NF_INET_POST_ROUTING, '', 'ext0'));
      } else {
        nf.hook(s, st(NF_INET_PRE_ROUTING, 'ext0', ''));
        nf.hook(s, st(NF_INET_LOCAL_IN, 'ext0', ''));
      }
    };
    send(tcp(CLIENT, REMOTE, 1111, 80, 0x02), true);
    send(tcp(REMOTE, CLIENT, 80, 1111, 0x12), false);
    send(tcp(CLIENT, REMOTE, 1111, 80, 0x10), true);
    const ct = [...nf.conntrack.entries()][0]!;
    expect(ct.stateName).toBe('ESTABLISHED');
    expect(ct.expires - sim.now).toBe(432000 * SECOND);
    send(tcp(CLIENT, REMOTE, 1111, 80, 0x11), true);
    expect(ct.stateName).toBe('FIN_WAIT');
    send(tcp(REMOTE, CLIENT, 80, 1111, 0x11), false);
    expect(ct.stateName).toBe('LAST_ACK');
    send(tcp(CLIENT, REMOTE, 1111, 80, 0x10), true);
    expect(ct.stateName).toBe('TIME_WAIT');
    expect(ct.expires - sim.now).toBe(120 * SECOND);
    sim.run();
    expect(nf.conntrack.count).toBe(0);
    expect(sim.pendingTimers).toBe(0);
  });

  it('a SYN-ACK with no connection is INVALID and creates nothing', () => {
    const { nf } = makeNf();
    nf.iptables(['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP']);
    const s = tcp(REMOTE, CLIENT, 80, 1111, 0x12);
    nf.hook(s, st(NF_INET_PRE_ROUTING, 'ext0', ''));
    expect(nf.hook(s, st(NF_INET_LOCAL_IN, 'ext0', ''))).toBe(NF_DROP);
    expect(nf.conntrack.count).toBe(0);
  });
});

describe('ICMP through MASQUERADE', () => {
  it('echo ids are kept when free, remapped on a clash, and replies find their way back', () => {
    const { nf } = dockerHost();
    const ping = (src: number, id: number) => {
      const s = buildIcmpEcho(8, { srcMac: 1, dstMac: 2, src, dst: REMOTE }, id, 1);
      ipv4Validate(s);
      expect(forward(nf, s, 'docker0', 'ext0')).toBe(NF_ACCEPT);
      expect(l4Validate(s)).toBe(0);
      return s;
    };
    const a = ping(C1, 7);
    const b = ping(C2, 7);
    const idA = a.view.getUint16(a.transport + 4);
    const idB = b.view.getUint16(b.transport + 4);
    expect(idA).toBe(7);
    expect(idB).not.toBe(7);
    for (const [id, owner] of [[idA, C1], [idB, C2]] as const) {
      const r = buildIcmpEcho(0, { srcMac: 2, dstMac: 1, src: REMOTE, dst: HOST_EXT }, id, 1);
      ipv4Validate(r);
      expect(forward(nf, r, 'ext0', 'docker0')).toBe(NF_ACCEPT);
      expect(r.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
      expect(ipv4Dst(r)).toBe(owner);
      expect(r.view.getUint16(r.transport + 4)).toBe(7);
      expect(l4Validate(r)).toBe(0);
    }
  });
});

describe('conntrack registers per namespace only when something needs it (nf_ct_netns_get)', () => {
  const udpOut = (nf: Netfilter) => {
    const u = buildUdp({ srcMac: 1, dstMac: 2, src: CLIENT, dst: REMOTE }, 1234, 53, new Uint8Array(1));
    ipv4Validate(u);
    nf.hook(u, st(NF_INET_LOCAL_OUT, '', 'ext0'));
    nf.hook(u, st(NF_INET_POST_ROUTING, '', 'ext0'));
    return u;
  };

  it('no rules, or rules without conntrack matches or NAT: nothing is tracked', () => {
    const { nf } = makeNf();
    expect(udpOut(nf).ct).toBe(null);
    expect(nf.iptables(['-A', 'OUTPUT', '-p', 'udp', '-j', 'ACCEPT']).exitCode).toBe(0);
    expect(udpOut(nf).ct).toBe(null);
    expect(nf.conntrack.count).toBe(0);
  });

  it('a state match, a NAT target or a nat base chain turns tracking on; deleting them turns it off', () => {
    for (const argv of [
      ['-A', 'INPUT', '-m', 'state', '--state', 'ESTABLISHED', '-j', 'ACCEPT'],
      ['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'NEW'],
      ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'ACCEPT'],
      ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '-j', 'DNAT', '--to-destination', '10.0.0.1'],
    ]) {
      const { nf } = makeNf();
      expect(nf.iptables(argv).exitCode).toBe(0);
      expect(udpOut(nf).ct).not.toBe(null);
      expect(nf.conntrack.count).toBe(1);
      expect(nf.iptables(argv.map((a) => (a === '-A' ? '-D' : a))).exitCode).toBe(0);
      expect(udpOut(nf).ct).toBe(null);
    }
  });
});
