import { describe, expect, it } from 'vitest';
import { SECOND } from '../../src/core/time.js';
import { httpServer, ipLocalOut, ipRouteOutput, ncTcp, TcpTimeWait, udpEcho, udpRequest } from '../../src/netns/index.js';
import type { NetNamespace, TcpSocket } from '../../src/netns/index.js';
import { parseIp } from '../../src/wire/addr.js';
import { buildTcp, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/wire/build.js';
import { checksum, fold, pseudoHeaderSum, sum16 } from '../../src/wire/checksum.js';
import { capture, hex, lan } from './helpers.js';

const ipPayload = (b: Uint8Array): Uint8Array => b.subarray(14 + (b[14]! & 15) * 4);
const isTcp = (b: Uint8Array): boolean => b[12] === 8 && b[13] === 0 && b[23] === 6;
const tcpFlags = (b: Uint8Array): number => ipPayload(b)[13]!;
function l4ok(b: Uint8Array): boolean {
  const ihl = (b[14]! & 15) * 4;
  const tot = (b[16]! << 8) | b[17]!;
  const src = new DataView(b.buffer, b.byteOffset).getUint32(26);
  const dst = new DataView(b.buffer, b.byteOffset).getUint32(30);
  return fold(sum16(b, 14 + ihl, tot - ihl, pseudoHeaderSum(src, dst, b[23]!, tot - ihl))) === 0;
}

describe('UDP', () => {
  it('request/response through an echo server', () => {
    const { a, b } = lan();
    udpEcho(b, 7);
    const r = udpRequest(a, '172.17.0.3', 7, 'ping?');
    expect(r.error).toBeNull();
    expect(new TextDecoder().decode(r.reply!)).toBe('ping?');
    expect(r.from).toBe('172.17.0.3');
    expect(b.stat('UdpInDatagrams')).toBe(1);
  });

  it('closed port: ICMP port unreachable quoting the datagram, "Connection refused"', () => {
    const { a, b } = lan();
    const frames = capture([a.mustDev('eth0')]);
    const r = udpRequest(a, '172.17.0.3', 9999, 'x');
    expect(r.error).toBe('Connection refused');
    expect(b.counters.get('UdpNoPorts')).toBe(1);
    const icmp = frames.find((f) => f.dir === 'rx' && f.bytes[23] === 1)!.bytes;
    expect(hex(icmp.subarray(26, 34))).toBe('ac110003' + 'ac110002');
    expect(icmp[15]).toBe(0xc0); // TOS internetwork control
    const p = ipPayload(icmp);
    expect(p[0]).toBe(3);
    expect(p[1]).toBe(3);
    expect(checksum(icmp, 34, icmp.length - 34)).toBe(0);
    // the quote: the whole offending datagram (29 bytes: IP header + UDP header + 'x')
    const sent = frames.find((f) => f.dir === 'tx' && f.bytes[23] === 17)!.bytes;
    expect(hex(p.subarray(8))).toBe(hex(sent.subarray(14)));
  });

  it('bind conflicts: EADDRINUSE', () => {
    const { a } = lan();
    a.udp.bind(0, 53, () => {});
    expect(() => a.udp.bind(parseIp('172.17.0.2'), 53, () => {})).toThrow('Address already in use');
    expect(() => a.udp.bind(parseIp('10.0.0.1'), 54, () => {})).toThrow('Cannot assign requested address');
    const s = a.udp.bind(0, 0, () => {});
    expect(s.lport).toBeGreaterThanOrEqual(32768);
    expect(s.lport).toBeLessThanOrEqual(60999);
  });

  it('a namespace with thousands of bound ports (port-indexed table) delivers, refuses and unbinds like a small one', () => {
    const { a, b } = lan();
    const got: number[] = [];
    const socks = [];
    for (let p = 2000; p < 4000; p++) socks.push(b.udp.bind(p % 2 ? parseIp('172.17.0.3') : 0, p, (_d, _s, _sp, sock) => got.push(sock.lport)));
    expect(udpRequest(a, '172.17.0.3', 3001, 'x').error).toBe('timed out'); // delivered, nobody answers
    expect(udpRequest(a, '172.17.0.3', 2000, 'x').error).toBe('timed out');
    expect(got).toEqual([3001, 2000]);
    expect(() => b.udp.bind(0, 3001, () => {})).toThrow('Address already in use');
    socks[1001]!.close(); // port 3001
    expect(udpRequest(a, '172.17.0.3', 3001, 'x').error).toBe('Connection refused');
    expect(udpRequest(a, '172.17.0.3', 5000, 'x').error).toBe('Connection refused');
    b.udp.bind(0, 3001, (_d, _s, _sp, sock) => got.push(-sock.lport));
    udpRequest(a, '172.17.0.3', 3001, 'x');
    expect(got).toEqual([3001, 2000, -3001]);
  });
});

describe('TCP', () => {
  it('handshake bytes: a 60-byte SYN with Linux options, SYN-ACK, ACK', () => {
    const { a, b } = lan();
    httpServer(b, 80, 'hello\n');
    const frames = capture([a.mustDev('eth0')]);
    const r = ncTcp(a, '172.17.0.3', 80, 'GET / HTTP/1.0\r\n\r\n');
    expect(r.connected).toBe(true);
    expect(r.error).toBeNull();
    expect(r.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.response.endsWith('\r\n\r\nhello\n')).toBe(true);
    const tcp = frames.filter((f) => isTcp(f.bytes));
    const syn = tcp[0]!.bytes;
    expect(tcp[0]!.dir).toBe('tx');
    expect(syn.length).toBe(74); // IP LEN=60
    expect(hex(syn.subarray(14, 24))).toBe('4500003c' + hex(syn.subarray(18, 20)) + '4000' + '40' + '06');
    const s = ipPayload(syn);
    expect(tcpFlags(syn)).toBe(0x02);
    expect(s[12]).toBe(0xa0); // data offset 10 words
    expect((s[2]! << 8) | s[3]!).toBe(80);
    expect((s[14]! << 8) | s[15]!).toBe(64240);
    // options: MSS 1460, SACK permitted, timestamps (ecr 0), NOP, wscale 7
    expect(hex(s.subarray(20, 26))).toBe('020405b40402');
    expect(hex(s.subarray(26, 28))).toBe('080a');
    expect(hex(s.subarray(32, 40))).toBe('00000000' + '010303' + '07');
    expect(l4ok(syn)).toBe(true);
    expect(checksum(syn, 14, 20)).toBe(0);
    const synack = tcp[1]!.bytes;
    expect(tcp[1]!.dir).toBe('rx');
    const sa = ipPayload(synack);
    expect(tcpFlags(synack)).toBe(0x12);
    const isn = new DataView(s.buffer, s.byteOffset).getUint32(4);
    expect(new DataView(sa.buffer, sa.byteOffset).getUint32(8)).toBe((isn + 1) >>> 0);
    expect(hex(sa.subarray(20, 26))).toBe('020405b40402'); // MSS, SACK-permitted (offered)
    expect(hex(sa.subarray(36, 40))).toBe('01030307');
    expect(l4ok(synack)).toBe(true);
    const ack = tcp[2]!.bytes;
    expect(tcpFlags(ack)).toBe(0x10);
    expect(ack.length).toBe(66); // 20 + 20 + 12 bytes of NOP,NOP,TS
    // every TCP segment checks out, and the connection ends with FINs both ways
    expect(tcp.every((f) => l4ok(f.bytes))).toBe(true);
    const fins = tcp.filter((f) => tcpFlags(f.bytes) & 1);
    expect(fins.map((f) => f.dir).sort()).toEqual(['rx', 'tx']);
  });

  it('data both ways larger than the MSS, FIN close', () => {
    const { sim, a, b } = lan();
    const big = new Uint8Array(5000).map((_, i) => i & 255);
    let got = 0;
    let serverSock: TcpSocket | null = null;
    let ended = false;
    b.tcp.listen(0, 9000, (s) => (serverSock = s), {
      onData(s, d) {
        got += d.length;
        if (got === big.length) s.send(big);
      },
      onEnd(s) {
        ended = true;
        s.close();
      },
    });
    let back = 0;
    let closed = false;
    const frames = capture([a.mustDev('eth0')]);
    const c = a.tcp.connect(parseIp('172.17.0.3'), 9000, {
      onConnect(s) {
        s.send(big);
      },
      onData(s, d) {
        back += d.length;
        if (back === big.length) s.close();
      },
      onClose() {
        closed = true;
      },
    });
    sim.advance(2 * SECOND);
    expect(got).toBe(5000);
    // segments never exceed the MTU: MSS 1460 minus 12 bytes of timestamps
    expect(Math.max(...frames.map((f) => f.bytes.length))).toBe(14 + 20 + 32 + 1448);
    expect(back).toBe(5000);
    expect(ended).toBe(true);
    expect(serverSock).not.toBeNull();
    expect(serverSock!.state).toBe('CLOSED');
    expect(c.state).toBe('TIME_WAIT');
    expect(closed).toBe(true);
    sim.advance(61 * SECOND);
    expect(c.state).toBe('CLOSED');
    expect(a.tcp.connections()).toEqual([]);
  });

  it('TIME_WAIT keeps no callbacks or application data once the application has heard the end', () => {
    const { sim, a, b } = lan();
    const events: string[] = [];
    b.tcp.listen(0, 9000, () => {}, {
      onData(s) {
        s.send('pong');
      },
      onEnd(s) {
        s.close();
      },
    });
    // the client closes first (its request sent), so it is the one left in TIME_WAIT
    const c = a.tcp.connect(parseIp('172.17.0.3'), 9000, {
      onConnect(s) {
        s.userData = { request: new Uint8Array(4096) };
        s.send('ping');
        s.close();
      },
      onData(s) {
        events.push(`data in ${s.state}`);
      },
      onEnd(s) {
        events.push(`end in ${s.state}`);
      },
      onClose(s) {
        events.push(`close in ${s.state}`);
      },
    });
    sim.advance(SECOND);
    expect(events).toEqual(['data in FIN_WAIT1', 'close in TIME_WAIT', 'end in TIME_WAIT']);
    expect(c.state).toBe('TIME_WAIT');
    expect(Object.keys(c.cb)).toEqual([]);
    expect(c.userData).toBeNull();
    // the table holds the connection's TIME_WAIT record, not the socket
    const [tw] = a.tcp.connections();
    expect(tw).toBeInstanceOf(TcpTimeWait);
    expect([tw!.state, tw!.lport, tw!.raddr, tw!.rport]).toEqual(['TIME_WAIT', c.lport, parseIp('172.17.0.3'), 9000]);
    sim.advance(60 * SECOND);
    expect(c.state).toBe('CLOSED');
    expect(tw!.state).toBe('CLOSED');
    expect(a.tcp.connections()).toEqual([]);
  });

  it('TIME_WAIT answers for the connection: re-ACKs a FIN or data, answers a SYN, ends at a RST in its window', () => {
    const { sim, a, b } = lan();
    const A = parseIp('172.17.0.2');
    const B = parseIp('172.17.0.3');
    // the server closes first, so it is the one left in TIME_WAIT
    b.tcp.listen(0, 80, () => {}, {
      onData(s) {
        s.send('bye');
        s.close();
      },
    });
    const c = a.tcp.connect(B, 80, { onConnect: (s) => s.send('hi'), onEnd: (s) => s.close() }, { sport: 40000 });
    sim.advance(2 * SECOND);
    const tw = b.tcp.find(B, 80, A, 40000)!;
    expect(tw).toBeInstanceOf(TcpTimeWait);
    expect(c.state).toBe('CLOSED');
    // what the client sends from now on is made by hand; a's own RSTs to the answers are dropped
    expect(a.nf.iptables(['-A', 'OUTPUT', '-p', 'tcp', '--tcp-flags', 'RST', 'RST', '-j', 'DROP']).exitCode).toBe(0);
    const frames = capture([b.mustDev('eth0')]);
    const finSeq = (c.sndNxt - 1) >>> 0;
    const srvNxt = c.rcvNxt >>> 0;
    const answers = (seq: number, flags: number, data?: string): string[] => {
      const n = frames.length;
      send(a, A, B, seq, srvNxt, flags, data);
      sim.advance(SECOND / 100);
      return frames.slice(n).filter((f) => f.dir === 'tx').map((f) => `${tcpFlags(f.bytes).toString(16)} ack ${new DataView(f.bytes.buffer, f.bytes.byteOffset).getUint32(34 + 8)}`);
    };
    const ackAll = [`10 ack ${(finSeq + 1) >>> 0}`];
    expect(answers(finSeq, TCP_FIN | TCP_ACK)).toEqual(ackAll); // the FIN again: our ACK was lost
    expect(answers(finSeq + 1, TCP_ACK | TCP_PSH, 'zz')).toEqual(ackAll);
    expect(answers(finSeq + 1, TCP_ACK)).toEqual([]);
    expect(answers(finSeq + 1, 0, 'q')).toEqual([]); // no ACK flag
    expect(answers(finSeq + 1, TCP_SYN)).toEqual(ackAll);
    expect(a.nf.iptables(['-D', 'OUTPUT', '-p', 'tcp', '--tcp-flags', 'RST', 'RST', '-j', 'DROP']).exitCode).toBe(0);
    expect(answers(finSeq + 100_000, TCP_RST)).toEqual([]); // a RST out of the window changes nothing
    expect(tw.state).toBe('TIME_WAIT');
    expect(answers(finSeq + 1, TCP_RST)).toEqual([]);
    expect(tw.state).toBe('CLOSED');
    expect(b.tcp.connections()).toEqual([]);
    // the port is free again: a SYN now reaches the listener
    expect(answers(finSeq + 9, TCP_SYN)[0]).toMatch(/^12 /);
  });

  it('connections with the same ports to other addresses share a hash chain: each found, each ends on its own', () => {
    const { sim, host, a, b } = lan();
    const B = parseIp('172.17.0.3');
    const froms = [parseIp('172.17.0.2'), parseIp('172.17.0.1')];
    let accepted = 0;
    b.tcp.listen(0, 80, () => accepted++, {
      onData(s) {
        s.send('bye');
        s.close();
      },
    });
    const clients = [a, host].map((ns) => ns.tcp.connect(B, 80, { onConnect: (s) => s.send('hi'), onEnd: (s) => s.close() }, { sport: 40000 }));
    sim.advance(SECOND / 10);
    expect(accepted).toBe(2);
    // both of b's ends are in TIME_WAIT under one key: one record at the head of the chain, one behind it
    const ends = froms.map((from) => b.tcp.find(B, 80, from, 40000));
    expect(ends.map((e) => e?.state)).toEqual(['TIME_WAIT', 'TIME_WAIT']);
    expect(sameItems(b.tcp.connections(), ends)).toBe(true);
    expect(clients.map((c) => c.state)).toEqual(['CLOSED', 'CLOSED']);
    // a RST from the first client's address ends only the first
    send(a, froms[0]!, B, clients[0]!.sndNxt >>> 0, 0, TCP_RST); // at the record's rcvNxt: in its window
    sim.advance(SECOND / 10);
    expect(ends.map((e) => e!.state)).toEqual(['CLOSED', 'TIME_WAIT']);
    expect(b.tcp.find(B, 80, froms[0]!, 40000)).toBeNull();
    expect(b.tcp.find(B, 80, froms[1]!, 40000)).toBe(ends[1]);
    expect(sameItems(b.tcp.connections(), [ends[1]])).toBe(true);
    sim.advance(60 * SECOND);
    expect(b.tcp.connections()).toEqual([]);
  });

  it('connections in TIME_WAIT end after 60 s in the order they began, on one timer per namespace', () => {
    const { sim, a, b } = lan();
    b.tcp.listen(0, 80, () => {}, {
      onData(s) {
        s.send('bye');
        s.close();
      },
    });
    const open = (n: number): void => {
      for (let i = 0; i < n; i++) a.tcp.connect(parseIp('172.17.0.3'), 80, { onConnect: (s) => s.send('hi'), onEnd: (s) => s.close() });
    };
    open(1);
    sim.advance(SECOND);
    const timersWithOne = sim.pendingTimers;
    open(49);
    sim.advance(SECOND);
    expect(b.tcp.connections().map((x) => x.state)).toEqual(new Array(50).fill('TIME_WAIT'));
    expect(sim.pendingTimers).toBe(timersWithOne);
    // the first ended 60 s after it began, the 49 others one second later
    sim.advance(58 * SECOND + SECOND / 2);
    expect(b.tcp.connections().length).toBe(49);
    sim.advance(SECOND);
    expect(b.tcp.connections()).toEqual([]);
  });

  it('closed port: RST|ACK acknowledging the SYN, "Connection refused"', () => {
    const { a, b } = lan();
    const frames = capture([a.mustDev('eth0')]);
    const r = ncTcp(a, '172.17.0.3', 81, 'x');
    expect(r).toEqual({ connected: false, response: '', error: 'Connection refused' });
    const tcp = frames.filter((f) => isTcp(f.bytes));
    expect(tcp.length).toBe(2);
    const syn = ipPayload(tcp[0]!.bytes);
    const rst = ipPayload(tcp[1]!.bytes);
    expect(tcpFlags(tcp[1]!.bytes)).toBe(0x14);
    const dv = (x: Uint8Array): DataView => new DataView(x.buffer, x.byteOffset);
    expect(dv(rst).getUint32(4)).toBe(0);
    expect(dv(rst).getUint32(8)).toBe((dv(syn).getUint32(4) + 1) >>> 0);
    expect(tcp[1]!.bytes.length).toBe(54);
    expect(hex(tcp[1]!.bytes.subarray(18, 20))).toBe('0000'); // IP ID 0 from the control socket
    expect(l4ok(tcp[1]!.bytes)).toBe(true);
    expect(b.counters.get('TcpOutRsts')).toBe(1);
  });

  it('unanswered SYN: retransmitted at 1, 3, 7, 15, 31, 63 s, "Connection timed out" at 127 s', () => {
    const { sim, a, b } = lan();
    b.setLinkUp('eth0', false);
    a.neigh.addPermanent(a.mustDev('eth0'), parseIp('172.17.0.3'), 0x0242ac110003);
    const frames = capture([a.mustDev('eth0')]);
    let err: string | null = null;
    a.tcp.connect(parseIp('172.17.0.3'), 80, { onError: (_s, e) => (err = `${e}@${sim.now / SECOND}`) });
    sim.advance(200 * SECOND);
    const syns = frames.filter((f) => isTcp(f.bytes) && tcpFlags(f.bytes) === 2).map((f) => f.t / SECOND);
    expect(syns).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(err).toBe('ETIMEDOUT@127');
  });

  it('ncTcp gives up after its own timeout', () => {
    const { sim, a, b } = lan();
    b.setLinkUp('eth0', false);
    const t0 = sim.now;
    const r = ncTcp(a, '172.17.0.3', 80, 'x', SECOND);
    expect(r.error).toBe('timed out');
    expect(sim.now - t0).toBe(SECOND);
  });

  it('listen conflicts: EADDRINUSE', () => {
    const { a } = lan();
    a.tcp.listen(0, 80, () => {});
    expect(() => a.tcp.listen(parseIp('172.17.0.2'), 80, () => {})).toThrow('Address already in use');
  });
});

/** Sends a hand-made TCP segment from `ns` (`src:40000` → `dst:80`). */
function send(ns: NetNamespace, src: number, dst: number, seq: number, ack: number, flags: number, data?: string): void {
  const skb = buildTcp(
    { srcMac: 0, dstMac: 0, src, dst, ttl: 64, id: 7, df: true },
    { sport: 40000, dport: 80, seq, ack, flags, window: 502 },
    data === undefined ? undefined : new TextEncoder().encode(data),
  );
  ipLocalOut(ns, skb, ipRouteOutput(ns, dst, src)!);
}

/** The same objects, in any order (identity; deep equality of connections walks whole namespaces). */
function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && new Set(a).size === a.length && b.every((x) => a.includes(x));
}
