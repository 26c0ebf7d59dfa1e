import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as w from '../../src/wire/index.js';
import { udpDatagram, tcpSegment, icmpPacket, frameToSkb } from '../../src/arbitraries/packets.js';
import { ipv4Address, macAddress } from '../../src/arbitraries/addresses.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const offending = fc
  .oneof(udpDatagram(), tcpSegment(), icmpPacket().filter((f) => f.repr.l4.kind === 'echo'))
  .map((f) => f.bytes);

describe('ICMP error inner packet', () => {
  it('getters see the quoted tuple', () => {
    const udp = w.buildUdp({ srcMac: 1, dstMac: 2, src: 0x0a000001, dst: 0x0a000002 }, 1234, 53, new Uint8Array(3));
    const err = w.buildIcmpError(3, 3, { srcMac: 2, dstMac: 1, src: 0x0a000002, dst: 0x0a000001 }, udp);
    expect(w.ipv4Validate(err)).toBe(0);
    expect(w.icmpInnerValidate(err)).toBe(0);
    expect(w.icmpInnerSrc(err)).toBe(0x0a000001);
    expect(w.icmpInnerDst(err)).toBe(0x0a000002);
    expect(w.icmpInnerProto(err)).toBe(w.IPPROTO_UDP);
    expect(w.icmpInnerSrcPort(err)).toBe(1234);
    expect(w.icmpInnerDstPort(err)).toBe(53);
    expect(w.icmpInnerNetwork(err)).toBe(42);
    expect(w.icmpInnerTransport(err)).toBe(62);
  });
  it('refuses non-errors and short quotes', () => {
    const echo = w.buildIcmpEcho(8, { srcMac: 1, dstMac: 2, src: 1, dst: 2 }, 1, 1);
    w.ipv4Validate(echo);
    expect(w.icmpInnerValidate(echo)).toBe(w.IcmpInnerInvalid.NotError);
    const udp = w.buildUdp({ srcMac: 1, dstMac: 2, src: 1, dst: 2 }, 1, 2, new Uint8Array(0));
    const err = w.buildIcmpError(3, 3, { srcMac: 2, dstMac: 1, src: 2, dst: 1 }, udp);
    // cut the quote to 4 L4 bytes, fixing the outer lengths and checksums
    const cut = new w.SkBuff(err.bytes().slice(0, err.len - 4));
    cut.view.setUint16(16, cut.len - 14);
    new w.Ipv4Packet().bind(cut.data, 14).fillChecksum();
    expect(w.ipv4Validate(cut)).toBe(0);
    expect(w.icmpInnerValidate(cut)).toBe(w.IcmpInnerInvalid.Truncated);
  });
  it('inner NAT of a quoted datagram equals quoting the NATed datagram (property)', () => {
    fc.assert(
      fc.property(offending, ipv4Address(), ipv4Address(), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.boolean(), macAddress(), (bytes, s, d, sp, dp, all, mac) => {
        const orig = frameToSkb(bytes);
        expect(w.ipv4Validate(orig)).toBe(0);
        const out = { srcMac: mac, dstMac: mac, src: 0x0a000001, dst: 0x0a000002 };
        const a = w.buildIcmpError(3, 3, out, orig, { quoteAll: all });
        expect(w.ipv4Validate(a)).toBe(0);
        expect(w.icmpInnerValidate(a)).toBe(0);
        w.icmpInnerSetSrc(a, s);
        w.icmpInnerSetDst(a, d);
        w.icmpInnerSetSrcPort(a, sp);
        w.icmpInnerSetDstPort(a, dp);
        const o2 = orig.clone();
        w.ipv4SetSrc(o2, s);
        w.ipv4SetDst(o2, d);
        w.l4SetSrcPort(o2, sp);
        w.l4SetDstPort(o2, dp);
        const b = w.buildIcmpError(3, 3, out, o2, { quoteAll: all });
        expect(hex(a.bytes())).toBe(hex(b.bytes()));
        expect(w.l4Validate(a)).toBe(0);
        expect(w.icmpInnerSrc(a)).toBe(s);
        expect(w.icmpInnerDst(a)).toBe(d);
        if (w.icmpInnerProto(a) !== w.IPPROTO_ICMP) {
          expect(w.icmpInnerSrcPort(a)).toBe(sp);
          expect(w.icmpInnerDstPort(a)).toBe(dp);
        }
        expect(w.checksum(a.data, w.icmpInnerNetwork(a), 20 + w.parseIpv4(a.data.subarray(w.icmpInnerNetwork(a)), { quoted: true }).options.length)).toBe(0);
      }),
    );
  });
});
