import { describe, it, expect } from 'vitest';
import {
  buildArp, buildIcmpEcho, buildIcmpError, buildUdp, buildTcp, buildIpv4, ipv4Validate, l4Validate,
  ipv4Src, ipv4Dst, ipv4Proto, ipv4Ttl, ethType, l4SrcPort, l4DstPort, tcpFlags, ipv4DecTtl,
  ipv4SetSrc, ipv4SetDst, l4SetSrcPort, l4SetDstPort, arpValidate, arpOp, arpSenderIp, arpTargetIp,
  arpSenderMac, arpTargetMac, ethDst, ethSrc, tcpOptMss, TCP_SYN, TCP_ACK, ETH_P_ARP, ETH_P_IP,
  IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, Ipv4Invalid, l4FinishChecksum, icmpType, icmpCode,
  icmpEchoId, icmpEchoSeq, tcpSeq, tcpAckSeq, tcpWindow, tcpPayloadLen, udpLen,
} from '../../src/wire/build.js';
import { parseIp, parseMac, MAC_BROADCAST } from '../../src/wire/addr.js';
import { checksum } from '../../src/wire/checksum.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const A = parseIp('172.17.0.2');
const B = parseIp('172.17.0.3');
const MA = parseMac('02:42:ac:11:00:02');
const MB = parseMac('02:42:ac:11:00:03');
const ip = { srcMac: MA, dstMac: MB, src: A, dst: B };

describe('buildArp', () => {
  it('builds the request Linux sends (byte fixture)', () => {
    const skb = buildArp(1, MA, A, 0, B);
    expect(hex(skb.bytes())).toBe(
      'ffffffffffff' + '0242ac110002' + '0806' +
        '0001' + '0800' + '06' + '04' + '0001' + '0242ac110002' + 'ac110002' + '000000000000' + 'ac110003',
    );
    expect(arpValidate(skb)).toBe(0);
    expect(arpOp(skb)).toBe(1);
    expect(arpSenderIp(skb)).toBe(A);
    expect(arpTargetIp(skb)).toBe(B);
    expect(arpSenderMac(skb)).toBe(MA);
    expect(arpTargetMac(skb)).toBe(0);
    expect(ethType(skb)).toBe(ETH_P_ARP);
    expect(ethDst(skb)).toBe(MAC_BROADCAST);
  });
  it('builds a unicast reply', () => {
    const skb = buildArp(2, MB, B, MA, A);
    expect(ethDst(skb)).toBe(MA);
    expect(ethSrc(skb)).toBe(MB);
    expect(arpTargetMac(skb)).toBe(MA);
    expect(arpOp(skb)).toBe(2);
  });
  it('sends a request to a known unicast MAC as a unicast probe', () => {
    expect(ethDst(buildArp(1, MA, A, MB, B))).toBe(MB);
    expect(arpTargetMac(buildArp(1, MA, A, MB, B))).toBe(0);
  });
});

describe('buildIcmpEcho', () => {
  it('matches an independently computed echo request', () => {
    const payload = new Uint8Array(56).map((_, i) => i);
    const skb = buildIcmpEcho(8, { ...ip, id: 0x1234, df: true }, 1, 1, payload);
    expect(skb.len).toBe(98);
    // IPv4 header: 45 00 0054 1234 4000 40 01 csum ac110002 ac110003
    const h = '4500005412344000400100' + '00' + 'ac110002ac110003';
    // independent checksum: sum of words
    const words = [0x4500, 0x0054, 0x1234, 0x4000, 0x4001, 0xac11, 0x0002, 0xac11, 0x0003];
    let s = words.reduce((a, w) => a + w, 0);
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    const c = (~s & 0xffff).toString(16).padStart(4, '0');
    expect(hex(skb.data.subarray(14, 34))).toBe(h.slice(0, 20) + c + h.slice(24));
    expect(ipv4Validate(skb)).toBe(0);
    expect(l4Validate(skb)).toBe(0);
    expect(icmpType(skb)).toBe(8);
    expect(icmpEchoId(skb)).toBe(1);
    expect(icmpEchoSeq(skb)).toBe(1);
    expect(ipv4Proto(skb)).toBe(IPPROTO_ICMP);
  });
});

describe('buildIcmpError', () => {
  it('quotes the offending header + 8 bytes', () => {
    const off = buildUdp(ip, 40000, 53, new Uint8Array(100));
    const err = buildIcmpError(3, 3, { srcMac: MB, dstMac: MA, src: B, dst: A }, off);
    expect(ipv4Validate(err)).toBe(0);
    expect(l4Validate(err)).toBe(0);
    expect(icmpType(err)).toBe(3);
    expect(icmpCode(err)).toBe(3);
    expect(err.len).toBe(14 + 20 + 8 + 28);
    expect(hex(err.data.subarray(42, 70))).toBe(hex(off.data.subarray(14, 42)));
    expect(err.view.getUint8(15)).toBe(0xc0);
  });
  it('quotes up to 576 bytes with quoteAll', () => {
    const off = buildUdp(ip, 40000, 53, new Uint8Array(1000));
    const err = buildIcmpError(3, 4, { srcMac: MB, dstMac: MA, src: B, dst: A }, off, { info: 1400, quoteAll: true });
    expect(err.len - 14).toBe(576);
    expect(err.view.getUint16(err.transport + 6)).toBe(1400);
    expect(l4Validate(err)).toBe(0);
  });
});

describe('buildUdp / buildTcp', () => {
  it('builds a UDP datagram whose checksum verifies', () => {
    const skb = buildUdp(ip, 40000, 53, new TextEncoder().encode('hello'));
    expect(ipv4Validate(skb)).toBe(0);
    expect(l4Validate(skb)).toBe(0);
    expect(l4SrcPort(skb)).toBe(40000);
    expect(l4DstPort(skb)).toBe(53);
    expect(udpLen(skb)).toBe(13);
    expect(ethType(skb)).toBe(ETH_P_IP);
    expect(ipv4Proto(skb)).toBe(IPPROTO_UDP);
  });
  it('builds a TCP SYN with Linux options', () => {
    const skb = buildTcp(ip, {
      sport: 40000, dport: 80, seq: 0xdeadbeef, ack: 0, flags: TCP_SYN, window: 64240,
      options: [{ kind: 'mss', mss: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', tsval: 1, tsecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
    });
    expect(skb.len).toBe(14 + 20 + 40);
    expect(ipv4Validate(skb)).toBe(0);
    expect(l4Validate(skb)).toBe(0);
    expect(tcpFlags(skb)).toBe(TCP_SYN);
    expect(tcpSeq(skb)).toBe(0xdeadbeef);
    expect(tcpAckSeq(skb)).toBe(0);
    expect(tcpWindow(skb)).toBe(64240);
    expect(tcpOptMss(skb)).toBe(1460);
    expect(tcpPayloadLen(skb)).toBe(0);
    expect(hex(skb.data.subarray(54, 74))).toBe('020405b4' + '0402' + '080a0000000100000000' + '01' + '030307');
    expect(ipv4Proto(skb)).toBe(IPPROTO_TCP);
  });
  it('buildIpv4 + l4FinishChecksum', () => {
    const skb = buildIpv4({ ...ip, proto: IPPROTO_UDP, ttl: 3 }, 12);
    skb.view.setUint16(skb.transport, 1);
    skb.view.setUint16(skb.transport + 2, 2);
    skb.view.setUint16(skb.transport + 4, 12);
    l4FinishChecksum(skb);
    expect(ipv4Validate(skb)).toBe(0);
    expect(l4Validate(skb)).toBe(0);
    expect(ipv4Ttl(skb)).toBe(3);
  });
});

describe('patchers', () => {
  it('decrement TTL keeps the header checksum valid', () => {
    const skb = buildTcp(ip, { sport: 1, dport: 2, seq: 3, ack: 4, flags: TCP_ACK, window: 5 }, new Uint8Array([1, 2, 3]));
    expect(ipv4DecTtl(skb)).toBe(63);
    expect(ipv4Ttl(skb)).toBe(63);
    expect(checksum(skb.data, 14, 20)).toBe(0);
  });
  it('NAT rewrites keep all checksums valid', () => {
    for (const skb of [
      buildTcp(ip, { sport: 1, dport: 2, seq: 3, ack: 4, flags: TCP_ACK, window: 5 }, new Uint8Array([1, 2, 3])),
      buildUdp(ip, 5000, 53, new Uint8Array([9, 9, 9])),
      buildIcmpEcho(8, ip, 77, 1),
    ]) {
      ipv4SetSrc(skb, parseIp('10.0.0.1'));
      ipv4SetDst(skb, parseIp('192.168.1.9'));
      l4SetSrcPort(skb, 32768);
      l4SetDstPort(skb, 8080);
      expect(ipv4Validate(skb)).toBe(0);
      expect(l4Validate(skb)).toBe(0);
      expect(ipv4Src(skb)).toBe(parseIp('10.0.0.1'));
      expect(ipv4Dst(skb)).toBe(parseIp('192.168.1.9'));
    }
  });
  it('UDP checksum 0 stays 0', () => {
    const skb = buildUdp(ip, 5000, 53, new Uint8Array([1]));
    skb.view.setUint16(skb.transport + 6, 0);
    ipv4SetSrc(skb, parseIp('1.2.3.4'));
    l4SetSrcPort(skb, 7);
    expect(skb.view.getUint16(skb.transport + 6)).toBe(0);
    expect(l4Validate(skb)).toBe(0);
  });
});

describe('ipv4Validate', () => {
  it('refuses bad version, IHL, length, checksum', () => {
    const good = buildUdp(ip, 1, 2, new Uint8Array(4));
    let s = good.clone(); s.data[14] = 0x65; expect(ipv4Validate(s)).toBe(Ipv4Invalid.Version);
    s = good.clone(); s.data[14] = 0x44; expect(ipv4Validate(s)).toBe(Ipv4Invalid.Ihl);
    s = good.clone(); s.view.setUint16(16, 200); expect(ipv4Validate(s)).toBe(Ipv4Invalid.TotalLength);
    s = good.clone(); s.data[22] ^= 1; expect(ipv4Validate(s)).toBe(Ipv4Invalid.Checksum);
    s = good.clone(); s.len = 30; expect(ipv4Validate(s)).toBe(Ipv4Invalid.TooShort);
  });
  it('trims Ethernet padding', () => {
    const skb = buildArp(1, MA, A, 0, B); // just to get a buffer; build padded UDP below
    void skb;
    const u = buildUdp(ip, 1, 2, new Uint8Array(2));
    const padded = new Uint8Array(60);
    padded.set(u.bytes());
    const p = new (u.constructor as typeof import('../../src/wire/skbuff.js').SkBuff)(padded);
    expect(ipv4Validate(p)).toBe(0);
    expect(p.len).toBe(u.len);
  });
});
