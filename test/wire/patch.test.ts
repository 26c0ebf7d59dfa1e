import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  SkBuff, ipv4Validate, l4Validate, ipv4DecTtl, ipv4SetSrc, ipv4SetDst, l4SetSrcPort, l4SetDstPort,
  l4FinishChecksum, csumReplace16, csumReplace32, checksum, ipv4Ttl, l4SrcPort, l4DstPort, ipv4Src, ipv4Dst,
  Ipv4Packet,
} from '../../src/wire/index.js';
import { udpDatagram, tcpSegment, icmpPacket } from '../../src/arbitraries/packets.js';
import { ipv4Address } from '../../src/arbitraries/addresses.js';

const frames = fc.oneof(udpDatagram(), tcpSegment(), icmpPacket()).map((f) => f.bytes);

/** The same frame with every checksum recomputed from scratch. */
function recomputed(skb: SkBuff): Uint8Array {
  const c = skb.clone();
  new Ipv4Packet().bind(c.data, c.network).fillChecksum();
  const udpNone = c.data[c.network + 9] === 17 && c.view.getUint16(c.transport + 6) === 0;
  if (!udpNone) l4FinishChecksum(c);
  return c.bytes();
}

describe('incremental checksum updates (RFC 1624) equal full recomputation', () => {
  it('csumReplace16/32 equal a recomputed checksum over random words', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 40 }).filter((b) => b.length % 2 === 0), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (b, at, nw) => {
        const i = (at % (b.length / 2 - 1)) * 2;
        const before = checksum(b, 0, b.length);
        const old32 = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
        const c = b.slice();
        c[i] = nw >>> 24; c[i + 1] = (nw >>> 16) & 255; c[i + 2] = (nw >>> 8) & 255; c[i + 3] = nw & 255;
        const inc = csumReplace32(before, old32, nw);
        const full = checksum(c, 0, c.length);
        // one's complement: 0x0000 and 0xffff are the same value
        expect(inc % 0xffff).toBe(full % 0xffff);
        const d = b.slice();
        const old16 = (b[i]! << 8) | b[i + 1]!;
        d[i] = (nw >>> 8) & 255; d[i + 1] = nw & 255;
        expect(csumReplace16(before, old16, nw & 0xffff) % 0xffff).toBe(checksum(d, 0, d.length) % 0xffff);
      }),
    );
  });
  it('NAT and TTL patches on generated frames leave the same bytes as a full recomputation', () => {
    fc.assert(
      fc.property(frames, ipv4Address(), ipv4Address(), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (bytes, s, d, sp, dp) => {
        const skb = new SkBuff(bytes.slice());
        expect(ipv4Validate(skb)).toBe(0);
        const ttl = ipv4Ttl(skb);
        if (ttl > 0) ipv4DecTtl(skb);
        ipv4SetSrc(skb, s);
        ipv4SetDst(skb, d);
        l4SetSrcPort(skb, sp);
        l4SetDstPort(skb, dp);
        expect(ipv4Validate(skb)).toBe(0);
        expect(l4Validate(skb)).toBe(0);
        expect(ipv4Src(skb)).toBe(s);
        expect(ipv4Dst(skb)).toBe(d);
        if (skb.data[skb.network + 9] !== 1) {
          expect(l4SrcPort(skb)).toBe(sp);
          expect(l4DstPort(skb)).toBe(dp);
        }
        const full = recomputed(skb);
        const a = skb.bytes();
        // compare as one's-complement values (0 ≡ 0xffff for IP/TCP/ICMP; UDP never sends 0)
        const n = skb.network;
        const t = skb.transport;
        const proto = skb.data[n + 9];
        const coff = proto === 6 ? t + 16 : proto === 17 ? t + 6 : t + 2;
        const word = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
        expect(word(a, n + 10) % 0xffff).toBe(word(full, n + 10) % 0xffff);
        expect(word(a, coff) % 0xffff).toBe(word(full, coff) % 0xffff);
        if (proto === 17) expect(word(a, coff) === 0).toBe(word(bytes, coff) === 0);
      }),
    );
  });
});
