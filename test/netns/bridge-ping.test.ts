import { describe, expect, it } from 'vitest';
import { SECOND } from '../../src/core/time.js';
import { ping } from '../../src/netns/index.js';
import { checksum } from '../../src/wire/checksum.js';
import { capture, hex, lan } from './helpers.js';

describe('two namespaces on a bridge', () => {
  it('ping leaves no timer of its own behind once answered (a scan of thousands would fill the timer heap)', () => {
    const { sim, a } = lan();
    ping(a, '172.17.0.3', { count: 1 }); // the first resolves the neighbour, whose timers stay
    const before = sim.pendingTimers;
    for (let i = 0; i < 5; i++) expect(ping(a, '172.17.0.3', { count: 1 }).received).toBe(1);
    expect(sim.pendingTimers).toBe(before);
    // unanswered: the wait ends by its own timer, which is gone with it
    const r = ping(a, '172.17.0.99', { count: 2, timeoutNs: SECOND });
    expect(r.received).toBe(0);
    expect(r.transmitted).toBe(2);
  });

  it('ping: ARP request/reply and ICMP echo bytes as Linux sends them', () => {
    const { sim, a, b, vethA } = lan();
    const eth0 = a.mustDev('eth0');
    const frames = capture([eth0]);
    const r = ping(a, '172.17.0.3', { count: 1 });
    expect(r.received).toBe(1);
    expect(r.replies[0]!.ttl).toBe(64);
    expect(r.replies[0]!.bytes).toBe(64);
    expect(r.text).toMatch(/^PING 172\.17\.0\.3 \(172\.17\.0\.3\): 56 data bytes\n64 bytes from 172\.17\.0\.3: seq=0 ttl=64 time=0\.000 ms\n/);
    const tx = frames.filter((f) => f.dir === 'tx').map((f) => f.bytes);
    const rx = frames.filter((f) => f.dir === 'rx').map((f) => f.bytes);
    // 1. who-has 172.17.0.3 tell 172.17.0.2 (broadcast, target MAC zero, 42 bytes)
    expect(hex(tx[0]!)).toBe(
      'ffffffffffff' + '0242ac110002' + '0806' + '0001080006040001' + '0242ac110002' + 'ac110002' + '000000000000' + 'ac110003',
    );
    // 2. 172.17.0.3 is-at 02:42:ac:11:00:03 (unicast reply)
    expect(hex(rx[0]!)).toBe('0242ac110002' + '0242ac110003' + '0806' + '0001080006040002' + '0242ac110003' + 'ac110003' + '0242ac110002' + 'ac110002');
    // 3. echo request: 98 bytes, DF, TTL 64, ICMP type 8, 56 bytes of data
    const req = tx[1]!;
    expect(req.length).toBe(98);
    expect(hex(req.subarray(0, 14))).toBe('0242ac110003' + '0242ac110002' + '0800');
    expect(hex(req.subarray(14, 24))).toBe('45000054' + '0000' + '4000' + '40' + '01');
    expect(hex(req.subarray(26, 34))).toBe('ac110002' + 'ac110003');
    expect(checksum(req, 14, 20)).toBe(0);
    expect(req[34]).toBe(8);
    expect(req[35]).toBe(0);
    expect(checksum(req, 34, 64)).toBe(0);
    const ident = (req[38]! << 8) | req[39]!;
    expect((req[40]! << 8) | req[41]!).toBe(0); // seq 0
    // 4. echo reply: same id/seq/data, TTL 64, no DF, type 0, valid checksums
    const rep = rx[1]!;
    expect(rep.length).toBe(98);
    expect(hex(rep.subarray(0, 14))).toBe('0242ac110002' + '0242ac110003' + '0800');
    expect(rep[20]! & 0x40).toBe(0);
    expect(rep[22]).toBe(64);
    expect(hex(rep.subarray(26, 34))).toBe('ac110003' + 'ac110002');
    expect(checksum(rep, 14, 20)).toBe(0);
    expect(rep[34]).toBe(0);
    expect(checksum(rep, 34, 64)).toBe(0);
    expect((rep[38]! << 8) | rep[39]!).toBe(ident);
    expect(hex(rep.subarray(42))).toBe(hex(req.subarray(42)));
    expect(frames.length).toBe(4);
    // a has b REACHABLE; b learned a from the request (STALE) and its reply used it: DELAY
    expect(a.neigh.show()).toBe('172.17.0.3 dev eth0 lladdr 02:42:ac:11:00:03 REACHABLE\n');
    expect(b.neigh.show()).toBe('172.17.0.2 dev eth0 lladdr 02:42:ac:11:00:02 DELAY\n');
    expect(vethA.stats.rxPackets).toBe(2);
    expect(sim.now).toBe(0); // every reply arrived at once: busybox stops early
  });

  it('a namespace that sees a request for another address does not route its target (no cached result per target)', () => {
    const { a, host } = lan();
    const looked: number[] = [];
    const lookup = host.routeLookup.bind(host);
    host.routeLookup = (dst: number) => {
      looked.push(dst);
      return lookup(dst);
    };
    // the host's docker0 passes up the broadcast "who-has 172.17.0.3 tell 172.17.0.2"
    expect(ping(a, '172.17.0.3', { count: 1 }).received).toBe(1);
    expect(host.mustDev('docker0').stats.rxPackets).toBeGreaterThan(0);
    expect(looked).toEqual([]);
    // a request for one of its own addresses is still answered (routed as local)
    expect(ping(a, '172.17.0.1', { count: 1 }).received).toBe(1);
    expect(looked.length).toBeGreaterThan(0);
  });

  it('a second ping reuses the neighbour entry (no ARP)', () => {
    const { a } = lan();
    ping(a, '172.17.0.3');
    const frames = capture([a.mustDev('eth0')]);
    const r = ping(a, '172.17.0.3', { count: 3, intervalNs: SECOND });
    expect(r.received).toBe(3);
    expect(r.replies.map((x) => x.seq)).toEqual([0, 1, 2]);
    expect(frames.every((f) => ((f.bytes[12]! << 8) | f.bytes[13]!) === 0x0800)).toBe(true);
    expect(frames.length).toBe(6);
  });

  it('pings the gateway (the bridge device itself) and answers from it', () => {
    const { a, host } = lan();
    const r = ping(a, '172.17.0.1');
    expect(r.received).toBe(1);
    expect(host.neigh.show()).toBe('172.17.0.2 dev docker0 lladdr 02:42:ac:11:00:02 DELAY\n');
    expect(host.counters.get('IcmpOutEchoReps')).toBe(1);
  });

  it('icmp_echo_ignore_all silences the target', () => {
    const { a, b } = lan();
    b.setSysctl('icmp_echo_ignore_all', 1);
    const r = ping(a, '172.17.0.3', { timeoutNs: SECOND });
    expect(r.received).toBe(0);
    expect(r.exitCode).toBe(1);
    expect(r.text).toContain('1 packets transmitted, 0 packets received, 100% packet loss');
  });

  it('no route: busybox prints sendto: Network is unreachable', () => {
    const { a } = lan();
    a.delRoute({ dst: 'default' });
    const r = ping(a, '8.8.8.8');
    expect(r.error).toBe('ping: sendto: Network is unreachable');
    expect(r.text).toBe('PING 8.8.8.8 (8.8.8.8): 56 data bytes\nping: sendto: Network is unreachable\n');
    expect(a.counters.get('OutNoRoutes')).toBe(1);
  });

  it('ping 127.0.0.1 goes through lo', () => {
    const { a } = lan();
    const lo = capture([a.lo]);
    expect(ping(a, '127.0.0.1').received).toBe(1);
    expect(lo.filter((f) => f.dir === 'tx').length).toBe(2);
  });
});
