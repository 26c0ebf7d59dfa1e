import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { SECOND } from '../../src/core/time.js';
import { RecordingTracer } from '../../src/core/trace.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import { connect, createNetns, httpServer, ncTcp, ping, udpRequest } from '../../src/netns/index.js';
import type { NetNamespace } from '../../src/netns/index.js';
import { dockerMacFor, parseIp, parseMac } from '../../src/wire/addr.js';

const FIX = join(__dirname, 'fixtures/net-10');

/**
 * The net-10-packet-traces world: docker0 (t-a .2, t-b .3 with httpd :80 published on 8080),
 * br-tnet1 (t-n1 172.18.0.2), br-tnet2 (t-n2 172.19.0.2), with the host's iptables rules as
 * captured, ip_forward = 1 and bridge-nf-call-iptables = 1.
 */
function net10(): { sim: Sim; host: NetNamespace; c: Map<string, NetNamespace>; tracer: RecordingTracer } {
  const sim = new Sim();
  const rng = new Rng(10);
  const host = createNetns(sim, 'host', rng.fork('host'));
  host.setSysctl('ip_forward', 1);
  host.setSysctl('bridge_nf_call_iptables', 1);
  const c = new Map<string, NetNamespace>();
  const bridge = (name: string, gw: string, mac: string): BridgeDevice => {
    const br = new BridgeDevice(sim, name, parseMac(mac));
    host.addDevice(br);
    host.setLinkUp(br, true);
    host.addAddress(name, gw);
    return br;
  };
  const run = (br: BridgeDevice, name: string, ip: string, gw: string): void => {
    const ns = createNetns(sim, name, rng.fork(name));
    ns.ipv6 = false;
    const [h] = connect(host, `veth${rng.hex(7)}`, ns, 'eth0', { macB: dockerMacFor(parseIp(ip.split('/')[0]!)) });
    br.addPort(h);
    ns.addAddress('eth0', ip);
    ns.addRoute({ dst: 'default', via: gw });
    c.set(name, ns);
  };
  const d0 = bridge('docker0', '172.17.0.1/16', '02:42:11:11:11:11');
  const b1 = bridge('br-tnet1', '172.18.0.1/16', '02:42:22:22:22:22');
  const b2 = bridge('br-tnet2', '172.19.0.1/16', '02:42:33:33:33:33');
  run(d0, 't-a', '172.17.0.2/16', '172.17.0.1');
  run(d0, 't-b', '172.17.0.3/16', '172.17.0.1');
  run(b1, 't-n1', '172.18.0.2/16', '172.18.0.1');
  run(b2, 't-n2', '172.19.0.2/16', '172.19.0.1');
  httpServer(c.get('t-b')!, 80, 'hello\n');
  httpServer(c.get('t-n2')!, 80, 'hello\n');
  const rules = readFileSync(join(FIX, 'host-iptables-save.txt'), 'utf8')
    .replace(/\[<pkts>:<bytes>\]/g, '[0:0]')
    .replace(/br-<nid:(\w+)>/g, 'br-$1');
  host.nf.restore(rules);
  // as probe.sh: resolve neighbours first so the traced packets are the only ones
  ping(c.get('t-a')!, '172.17.0.3');
  ping(host, '172.17.0.3');
  ping(c.get('t-n1')!, '172.18.0.1');
  const tracer = new RecordingTracer();
  sim.tracer = tracer;
  return { sim, host, c, tracer };
}

/** The TRACE lines of an xtables-monitor capture, trace ids as t1, t2… in order of appearance. */
function oracleTrace(file: string): string[] {
  return readFileSync(join(FIX, file), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(' TRACE: '))
    .map((l) => l.replace(/^ TRACE: 2 /, '').replace(/br-<nid:(\w+)>/g, 'br-$1').trimEnd());
}

/** The host namespace's netfilter rule/policy events, as xtables-monitor prints them. */
function modelTrace(tracer: RecordingTracer, ns: string, maxIds = 2): string[] {
  const ids = new Map<unknown, string>();
  const out: string[] = [];
  for (const e of tracer.events) {
    if (e.ns !== ns || e.layer !== 'netfilter' || (e.kind !== 'rule' && e.kind !== 'policy')) continue;
    const id = e.data?.traceId;
    if (!ids.has(id)) {
      if (ids.size >= maxIds) continue;
      ids.set(id, `t${ids.size + 1}`);
    }
    out.push(`${ids.get(id)} ${e.detail.replace(/:rule:\d+:/, ':rule:<h>:')}`.trimEnd());
  }
  return out;
}

describe('br_netfilter and the hook sequence against real kernel traces (net-10)', () => {
  it('(a) ping t-a → t-b on docker0: bridged through raw/nat PREROUTING, filter FORWARD, nat POSTROUTING', () => {
    const { host, c, tracer } = net10();
    host.nf.conntrack.flush();
    host.nf.iptables(['-t', 'raw', '-A', 'PREROUTING', '-p', 'icmp', '-j', 'TRACE']);
    const r = ping(c.get('t-a')!, '172.17.0.3');
    expect(r.received).toBe(1);
    expect(modelTrace(tracer, 'host')).toEqual(oracleTrace('trace-a-icmp-docker0-t-a-to-t-b.txt'));
  });

  it('(b) host → 172.17.0.1:8080: DNAT in nat OUTPUT (routed via lo), re-routed out docker0; the SYN-ACK only hits raw PREROUTING', () => {
    const { host, tracer } = net10();
    host.nf.conntrack.flush();
    host.nf.iptables(['-t', 'raw', '-A', 'OUTPUT', '-p', 'tcp', '--dport', '8080', '--syn', '-j', 'TRACE']);
    host.nf.iptables(['-t', 'raw', '-A', 'PREROUTING', '-p', 'tcp', '--sport', '80', '--tcp-flags', 'SYN,ACK', 'SYN,ACK', '-j', 'TRACE']);
    const r = ncTcp(host, '172.17.0.1', 8080, 'GET / HTTP/1.0\r\n\r\n');
    expect(r.response.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(modelTrace(tracer, 'host')).toEqual(oracleTrace('trace-b-host-to-172.17.0.1-8080.txt'));
  });

  it('(b) traced from the socket on: the first routing decision is lo, then docker0 after the DNAT', () => {
    const { host, tracer } = net10();
    ncTcp(host, '172.17.0.1', 8080, 'GET / HTTP/1.0\r\n\r\n', SECOND, true);
    const routes = tracer.events.filter((e) => e.ns === 'host' && e.layer === 'route').map((e) => `${e.kind}:${e.data?.dev}`);
    expect(routes.slice(0, 2)).toEqual(['output:lo', 'reroute:docker0']);
  });

  it('(c) t-n1 → t-n2 across user networks: routed with a new trace id, dropped in DOCKER-ISOLATION-STAGE-2', () => {
    const { host, c, tracer } = net10();
    host.nf.conntrack.flush();
    host.nf.iptables(['-t', 'raw', '-A', 'PREROUTING', '-p', 'icmp', '-j', 'TRACE']);
    const r = ping(c.get('t-n1')!, '172.19.0.2', { timeoutNs: SECOND });
    expect(r.received).toBe(0);
    expect(r.exitCode).toBe(1);
    expect(modelTrace(tracer, 'host')).toEqual(oracleTrace('trace-c-icmp-tnet1-to-tnet2-blocked.txt'));
    const drop = tracer.events.find((e) => e.ns === 'host' && e.layer === 'drop')!;
    expect(drop.detail).toBe('netfilter DROP in chain FORWARD');
  });

  it('(b3) t-a → 172.17.0.1:8080: nat DOCKER returns for -i docker0, the SYN is delivered locally', () => {
    const { host, c, tracer } = net10();
    host.nf.conntrack.flush();
    host.nf.iptables(['-t', 'raw', '-A', 'PREROUTING', '-p', 'tcp', '--dport', '8080', '--syn', '-j', 'TRACE']);
    const r = ncTcp(c.get('t-a')!, '172.17.0.1', 8080, 'GET / HTTP/1.0\r\n\r\n');
    // nothing listens on the host (no docker-proxy in this test): refused by the host stack
    expect(r.error).toBe('Connection refused');
    expect(modelTrace(tracer, 'host', 1)).toEqual(oracleTrace('trace-b3-t-a-to-172.17.0.1-8080.txt').filter((l) => l.startsWith('t1 ')));
  });

  it('kernel DNAT to a port nobody listens on: the container resets, "Connection refused" (NOTES item 14)', () => {
    const { host } = net10();
    host.nf.iptables(['-t', 'nat', '-A', 'DOCKER', '!', '-i', 'docker0', '-p', 'tcp', '-m', 'tcp', '--dport', '8443', '-j', 'DNAT', '--to-destination', '172.17.0.3:443']);
    expect(ncTcp(host, '172.17.0.1', 8443, 'GET / HTTP/1.0\r\n\r\n').error).toBe('Connection refused');
  });

  it('outside → published port (PREROUTING DNAT, FORWARD), and outbound MASQUERADE (NOTES items 15, 26)', () => {
    const { sim, host, c } = net10();
    const ext = createNetns(sim, 'olab-ext', new Rng(99));
    connect(host, 'ext0', ext, 'eth0');
    host.addAddress('ext0', '10.99.0.1/24');
    ext.addAddress('eth0', '10.99.0.2/24');
    const r = ncTcp(ext, '10.99.0.1', 8080, 'GET / HTTP/1.0\r\n\r\n');
    expect(r.response.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    // the container address itself is reachable on the published container port (routed)
    ext.addRoute({ dst: '172.16.0.0/12', via: '10.99.0.1' });
    expect(ncTcp(ext, '172.17.0.3', 80, 'GET / HTTP/1.0\r\n\r\n').response).toContain('hello');
    // but not ICMP: FORWARD policy DROP
    expect(ping(ext, '172.17.0.3').received).toBe(0);
    // outbound: the outside sees the host's address
    let seenFrom = '';
    ext.udp.bind(0, 7, (data, src, sport, s) => {
      seenFrom = `${src >>> 24}.${(src >>> 16) & 255}.${(src >>> 8) & 255}.${src & 255}`;
      s.sendTo(src, sport, data);
    });
    const u = udpRequest(c.get('t-a')!, '10.99.0.2', 7, 'hi');
    expect(u.error).toBeNull();
    expect(seenFrom).toBe('10.99.0.1');
  });

  it("a bridged frame is a new packet for the receiving container's own PREROUTING", () => {
    const { c } = net10();
    const tb = c.get('t-b')!;
    tb.nf.iptables(['-t', 'raw', '-A', 'PREROUTING', '-p', 'icmp', '-j', 'DROP']);
    expect(ping(c.get('t-a')!, '172.17.0.3').received).toBe(0);
    tb.nf.iptables(['-t', 'raw', '-F']);
    expect(ping(c.get('t-a')!, '172.17.0.3').received).toBe(1);
  });

  it('without bridge-nf-call-iptables, bridged frames skip iptables entirely', () => {
    const { host, c, tracer } = net10();
    host.setSysctl('bridge_nf_call_iptables', 0);
    host.nf.iptables(['-t', 'raw', '-A', 'PREROUTING', '-p', 'icmp', '-j', 'TRACE']);
    host.nf.iptables(['-I', 'FORWARD', '-j', 'DROP']);
    expect(ping(c.get('t-a')!, '172.17.0.3').received).toBe(1);
    expect(modelTrace(tracer, 'host')).toEqual([]);
  });
});

describe('headers read once per packet (PktInfo kept across a packet\'s hooks)', () => {
  it('frames passed up by the bridge and routed in one batch are each matched on their own headers', () => {
    // a (172.17.0.2) and b (172.17.0.3) send to an outside namespace through the host in the same
    // drain: each frame's bridged PREROUTING reads its headers, then both wait in the queue for the
    // host's IP stack, whose FORWARD and POSTROUTING must not see the other frame's headers
    const sim = new Sim();
    const host = createNetns(sim, 'host', new Rng(3));
    host.setSysctl('ip_forward', 1);
    host.setSysctl('bridge_nf_call_iptables', 1);
    const br = new BridgeDevice(sim, 'docker0', parseMac('02:42:00:00:00:01'));
    host.addDevice(br);
    host.setLinkUp(br, true);
    host.addAddress('docker0', '172.17.0.1/16');
    const ctr = (name: string, ip: string): NetNamespace => {
      const ns = createNetns(sim, name, new Rng(name.length + 7));
      const [h] = connect(host, `veth-${name}`, ns, 'eth0', { macB: dockerMacFor(parseIp(ip)) });
      br.addPort(h);
      ns.addAddress('eth0', `${ip}/16`);
      ns.addRoute({ dst: 'default', via: '172.17.0.1' });
      return ns;
    };
    const a = ctr('a', '172.17.0.2');
    const b = ctr('b', '172.17.0.3');
    const ext = createNetns(sim, 'ext', new Rng(9));
    connect(host, 'eth1', ext, 'eth0');
    host.addAddress('eth1', '10.0.0.1/24');
    ext.addAddress('eth0', '10.0.0.5/24');
    ext.addRoute({ dst: 'default', via: '10.0.0.1' });
    const got: number[] = [];
    ext.udp.bind(0, 7, (_d, src) => got.push(src));
    host.nf.restore(
      ['*filter', ':FORWARD ACCEPT [0:0]', '-A FORWARD -s 172.17.0.2/32 -j DROP', '-A FORWARD -s 172.17.0.3/32 -j ACCEPT', 'COMMIT',
       '*nat', ':POSTROUTING ACCEPT [0:0]', '-A POSTROUTING -s 172.17.0.3/32 -o eth1 -j MASQUERADE', 'COMMIT', ''].join('\n'),
    );
    const sa = a.udp.bind(0, 4000, () => {});
    const sb = b.udp.bind(0, 4000, () => {});
    // resolve ARP first (one datagram each, one at a time; drain only: no timer lets an entry age),
    // then the batch
    sa.sendTo(parseIp('10.0.0.5'), 7, new Uint8Array(4));
    sim.drain();
    sb.sendTo(parseIp('10.0.0.5'), 7, new Uint8Array(4));
    sim.drain();
    expect(got).toHaveLength(1);
    got.length = 0;
    for (let i = 0; i < 3; i++) {
      sa.sendTo(parseIp('10.0.0.5'), 7, new Uint8Array(4));
      sb.sendTo(parseIp('10.0.0.5'), 7, new Uint8Array(4));
    }
    sim.drain();
    // only b's datagrams pass, each masqueraded to the host's eth1 address
    expect(got).toEqual([parseIp('10.0.0.1'), parseIp('10.0.0.1'), parseIp('10.0.0.1')]);
    const fwd = host.nf.save({ counters: true, table: 'filter' });
    expect(fwd).toContain('[4:128] -A FORWARD -s 172.17.0.2/32 -j DROP');
    expect(fwd).toContain('[4:128] -A FORWARD -s 172.17.0.3/32 -j ACCEPT');
  });
});
