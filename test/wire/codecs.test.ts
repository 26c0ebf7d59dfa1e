import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  parseEthernet, emitEthernet, ethernetBufferLen, EthernetFrame, ETH_P_IP,
  parseArp, emitArp, arpBufferLen, ArpPacket,
  parseIpv4, emitIpv4, ipv4BufferLen, Ipv4Packet, IPPROTO_ICMP, IPPROTO_TCP,
  parseIcmp, emitIcmp, icmpBufferLen,
  parseUdp, emitUdp, udpBufferLen,
  parseTcp, emitTcp, tcpBufferLen, TCP_SYN,
  checksum, sum16, fold, pseudoHeaderSum,
} from '../../src/wire/index.js';
import { ethernetRepr, arpRepr, ipv4Repr, icmpRepr, udpRepr, tcpRepr } from '../../src/arbitraries/packets.js';
import { ipv4Address } from '../../src/arbitraries/addresses.js';
import { ParseError } from '../../src/core/errors.js';

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// Frames below were computed independently (Python struct + RFC 1071 checksum), not with this code.
const ICMP_ECHO_FRAME = fromHex(
  '0242ac1100030242ac110002080045000054beef400040012392ac110002ac1100030800a76d00070001a1b2c3d4000000000809' +
    '0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);
const UDP_FRAME = fromHex('0242ac1100030242ac11000208004500001e00010000401122a7ac110002ac1100039c400035000aa2d36869');
const TCP_SYN_FRAME = fromHex(
  '0242ac1100030242ac11000208004500003c123440004006d060ac110002ac1100039c4000501122334400000000a002faf031af0000' +
    '020405b40402080a0001e2400000000001030307',
);
// smoltcp's ARP fixture (src/wire/arp.rs)
const ARP_BYTES = fromHex('000108000604000111121314151621222324313233343536' + '41424344');

const A = 0xac110002;
const B = 0xac110003;

describe('ethernet', () => {
  it('deconstructs and constructs', () => {
    const r = parseEthernet(ICMP_ECHO_FRAME);
    expect(r).toEqual({ dst: 0x0242ac110003, src: 0x0242ac110002, ethertype: ETH_P_IP });
    const buf = new Uint8Array(ethernetBufferLen(r));
    emitEthernet(r, buf);
    expect(hex(buf)).toBe(hex(ICMP_ECHO_FRAME.subarray(0, 14)));
    const v = new EthernetFrame().bind(ICMP_ECHO_FRAME);
    expect(v.ethertype()).toBe(0x0800);
    expect(v.srcAddr()).toBe(0x0242ac110002);
  });
  it('refuses short frames', () => {
    expect(() => parseEthernet(new Uint8Array(13))).toThrow(ParseError);
  });
  it('round-trips', () => {
    fc.assert(fc.property(ethernetRepr(), (r) => {
      const b = new Uint8Array(ethernetBufferLen(r));
      emitEthernet(r, b);
      expect(parseEthernet(b)).toEqual(r);
    }));
  });
});

describe('arp', () => {
  it('deconstructs smoltcp fixture', () => {
    expect(parseArp(ARP_BYTES)).toEqual({
      op: 1, senderMac: 0x111213141516, senderIp: 0x21222324, targetMac: 0x313233343536, targetIp: 0x41424344,
    });
    const v = new ArpPacket().bind(ARP_BYTES);
    expect(v.op()).toBe(1);
    expect(v.targetIp()).toBe(0x41424344);
  });
  it('constructs smoltcp fixture', () => {
    const b = new Uint8Array(arpBufferLen());
    emitArp(parseArp(ARP_BYTES), b);
    expect(hex(b)).toBe(hex(ARP_BYTES));
  });
  it('refuses non-Ethernet/IPv4 and short packets', () => {
    const bad = ARP_BYTES.slice();
    bad[1] = 6;
    expect(() => parseArp(bad)).toThrow(/hardware type/);
    expect(() => parseArp(ARP_BYTES.subarray(0, 27))).toThrow(ParseError);
  });
  it('round-trips', () => {
    fc.assert(fc.property(arpRepr(), (r) => {
      const b = new Uint8Array(arpBufferLen(r));
      emitArp(r, b);
      expect(parseArp(b)).toEqual(r);
    }));
  });
});

describe('ipv4', () => {
  it('deconstructs an echo request header', () => {
    const r = parseIpv4(ICMP_ECHO_FRAME.subarray(14));
    expect(r).toEqual({
      src: A, dst: B, proto: IPPROTO_ICMP, ttl: 64, tos: 0, id: 0xbeef, df: true, mf: false, fragOffset: 0,
      options: new Uint8Array(0), payloadLen: 64,
    });
  });
  it('constructs the same header', () => {
    const r = parseIpv4(ICMP_ECHO_FRAME.subarray(14));
    const b = new Uint8Array(ipv4BufferLen(r));
    emitIpv4(r, b);
    expect(hex(b)).toBe(hex(ICMP_ECHO_FRAME.subarray(14, 34)));
  });
  it('handles options (IHL > 5)', () => {
    const r = { ...parseIpv4(ICMP_ECHO_FRAME.subarray(14)), options: fromHex('94040000'), payloadLen: 0 }; // router alert
    const b = new Uint8Array(ipv4BufferLen(r));
    emitIpv4(r, b);
    expect(b[0]).toBe(0x46);
    expect(parseIpv4(b)).toEqual(r);
    expect(new Ipv4Packet().bind(b).check()).toBe(0);
  });
  it('refuses malformed headers with ParseError', () => {
    const h = ICMP_ECHO_FRAME.slice(14);
    expect(() => parseIpv4(h.subarray(0, 19))).toThrow(/too short/);
    let x = h.slice(); x[0] = 0x65; expect(() => parseIpv4(x)).toThrow(/version/);
    x = h.slice(); x[0] = 0x44; expect(() => parseIpv4(x)).toThrow(/IHL/);
    x = h.slice(); x[3] = 0xff; expect(() => parseIpv4(x)).toThrow(/total length/);
    x = h.slice(); x[2] = 0; x[3] = 10; expect(() => parseIpv4(x)).toThrow(/total length/);
    x = h.slice(); x[8] = 1; expect(() => parseIpv4(x)).toThrow(/checksum/);
  });
  it('round-trips and emits a verifying checksum', () => {
    fc.assert(fc.property(ipv4Repr(), (r) => {
      const hl = ipv4BufferLen(r);
      const b = new Uint8Array(hl + r.payloadLen);
      emitIpv4(r, b);
      expect(parseIpv4(b)).toEqual(r);
      expect(fold(sum16(b, 0, hl))).toBe(0); // the header sums to 0xffff
    }));
  });
});

describe('icmp', () => {
  it('deconstructs an echo request', () => {
    const m = parseIcmp(ICMP_ECHO_FRAME.subarray(34));
    expect(m.kind).toBe('echo');
    if (m.kind !== 'echo') return;
    expect(m.type).toBe(8);
    expect(m.ident).toBe(7);
    expect(m.seq).toBe(1);
    expect(m.data.length).toBe(56);
  });
  it('constructs the same echo request', () => {
    const m = parseIcmp(ICMP_ECHO_FRAME.subarray(34));
    const b = new Uint8Array(icmpBufferLen(m));
    emitIcmp(m, b);
    expect(hex(b)).toBe(hex(ICMP_ECHO_FRAME.subarray(34)));
  });
  it('decodes a port unreachable quoting the original header + 8 bytes', () => {
    const quoted = UDP_FRAME.subarray(14, 14 + 28);
    const m = {
      kind: 'error' as const, type: 3, code: 3, info: 0,
      header: parseIpv4(UDP_FRAME.subarray(14)), data: quoted.slice(20),
    };
    const b = new Uint8Array(icmpBufferLen(m));
    emitIcmp(m, b);
    expect(hex(b.subarray(8))).toBe(hex(quoted));
    expect(parseIcmp(b)).toEqual(m);
  });
  it('refuses bad checksums and short messages', () => {
    const b = ICMP_ECHO_FRAME.slice(34);
    b[10] ^= 0xff;
    expect(() => parseIcmp(b)).toThrow(/checksum/);
    expect(() => parseIcmp(new Uint8Array(7))).toThrow(ParseError);
  });
  it('round-trips with a verifying checksum', () => {
    fc.assert(fc.property(icmpRepr(), (m) => {
      const b = new Uint8Array(icmpBufferLen(m));
      emitIcmp(m, b);
      expect(checksum(b, 0, b.length)).toBe(0);
      expect(parseIcmp(b)).toEqual(m);
    }));
  });
});

describe('udp', () => {
  it('deconstructs and constructs a datagram', () => {
    const seg = UDP_FRAME.subarray(34);
    const r = parseUdp(seg, { src: A, dst: B });
    expect(r).toEqual({ sport: 40000, dport: 53, payload: new TextEncoder().encode('hi') });
    const b = new Uint8Array(udpBufferLen(r));
    emitUdp(r, b, 0, A, B);
    expect(hex(b)).toBe(hex(seg));
  });
  it('checks length and checksum; 0 means none', () => {
    const seg = UDP_FRAME.slice(34);
    expect(() => parseUdp(seg, { src: A, dst: B + 1 })).toThrow(/checksum/);
    const none = seg.slice(); none[6] = 0; none[7] = 0;
    expect(parseUdp(none, { src: 1, dst: 2 }).sport).toBe(40000);
    const long = seg.slice(); long[5] = 11;
    expect(() => parseUdp(long)).toThrow(/length/);
  });
  it('sends a computed 0 checksum as 0xffff', () => {
    // Find a payload whose checksum computes to 0: the pseudo-header + header + payload sum to 0xffff.
    const r = { sport: 0, dport: 0, payload: new Uint8Array(2) };
    const base = fold(sum16(new Uint8Array([0, 0, 0, 0, 0, 10, 0, 0]), 0, 8, pseudoHeaderSum(A, B, 17, 10)));
    // choose payload word w with ~(sum + w) == 0 → w = ~sum = base
    r.payload[0] = base >>> 8; r.payload[1] = base & 255;
    const b = new Uint8Array(udpBufferLen(r));
    emitUdp(r, b, 0, A, B);
    expect((b[6]! << 8) | b[7]!).toBe(0xffff);
    expect(parseUdp(b, { src: A, dst: B })).toEqual(r);
  });
  it('round-trips with a verifying checksum', () => {
    fc.assert(fc.property(udpRepr(), ipv4Address(), ipv4Address(), (r, s, d) => {
      const b = new Uint8Array(udpBufferLen(r));
      emitUdp(r, b, 0, s, d);
      expect(fold(sum16(b, 0, b.length, pseudoHeaderSum(s, d, 17, b.length)))).toBe(0);
      expect(parseUdp(b, { src: s, dst: d })).toEqual(r);
    }));
  });
});

describe('tcp', () => {
  it('deconstructs a Linux SYN', () => {
    const r = parseTcp(TCP_SYN_FRAME.subarray(34), { src: A, dst: B });
    expect(r).toEqual({
      sport: 40000, dport: 80, seq: 0x11223344, ack: 0, flags: TCP_SYN, window: 64240, urgent: 0,
      options: [
        { kind: 'mss', mss: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', tsval: 123456, tsecr: 0 },
        { kind: 'nop' }, { kind: 'wscale', shift: 7 },
      ],
      payload: new Uint8Array(0),
    });
  });
  it('constructs the same SYN', () => {
    const r = parseTcp(TCP_SYN_FRAME.subarray(34));
    const b = new Uint8Array(tcpBufferLen(r));
    emitTcp(r, b, 0, A, B);
    expect(hex(b)).toBe(hex(TCP_SYN_FRAME.subarray(34)));
  });
  it('keeps unknown options raw and stops at EOL', () => {
    const seg = TCP_SYN_FRAME.slice(34);
    seg.set([0x1e, 0x04, 0xab, 0xcd, 0x00, 0x99, 0x99, 0x99], 20); // unknown kind 30, then EOL + junk
    const r = parseTcp(seg);
    expect(r.options[0]).toEqual({ kind: 'unknown', type: 30, data: fromHex('abcd') });
    expect(r.options.length).toBe(1);
  });
  it('refuses bad data offset, bad option length, bad checksum', () => {
    const seg = TCP_SYN_FRAME.slice(34);
    let x = seg.slice(); x[12] = 0x40; expect(() => parseTcp(x)).toThrow(/data offset/);
    x = seg.slice(); x[12] = 0xf0; expect(() => parseTcp(x)).toThrow(/exceeds/);
    x = seg.slice(); x[21] = 0x40; expect(() => parseTcp(x)).toThrow(/option/);
    x = seg.slice(); x[21] = 1; expect(() => parseTcp(x)).toThrow(/option/);
    expect(() => parseTcp(seg, { src: A, dst: A })).toThrow(/checksum/);
  });
  it('round-trips with a verifying checksum', () => {
    fc.assert(fc.property(tcpRepr(), ipv4Address(), ipv4Address(), (r, s, d) => {
      const b = new Uint8Array(tcpBufferLen(r));
      emitTcp(r, b, 0, s, d);
      expect(fold(sum16(b, 0, b.length, pseudoHeaderSum(s, d, IPPROTO_TCP, b.length)))).toBe(0);
      expect(parseTcp(b, { src: s, dst: d })).toEqual(r);
    }));
  });
});

