import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  parseEthernet, parseArp, parseIpv4, parseIcmp, parseUdp, parseTcp, parseDns, ipv4Validate, arpValidate,
  l4Validate, SkBuff, ipv4Src, ipv4Dst, ipv4Proto, l4SrcPort, l4DstPort, tcpFlags, tcpOptMss, ipv4DecTtl,
  ipv4SetSrc, ipv4SetDst, l4SetSrcPort, l4SetDstPort, ipv4IsFragment, tcpPayloadLen,
  icmpInnerValidate, icmpInnerSrc, icmpInnerSrcPort, icmpInnerDstPort, icmpInnerSetSrc, icmpInnerSetDst,
  icmpInnerSetSrcPort, icmpInnerSetDstPort,
} from '../../src/wire/index.js';
import { ParseError } from '../../src/core/errors.js';
import { malformedFrame, udpDatagram, tcpSegment, icmpPacket } from '../../src/arbitraries/packets.js';

const parsers: Array<[string, (b: Uint8Array) => unknown]> = [
  ['ethernet', parseEthernet],
  ['arp', parseArp],
  ['ipv4', (b) => parseIpv4(b)],
  ['ipv4 quoted', (b) => parseIpv4(b, { quoted: true })],
  ['icmp', parseIcmp],
  ['udp', (b) => parseUdp(b, { src: 1, dst: 2 })],
  ['tcp', (b) => parseTcp(b, { src: 1, dst: 2 })],
  ['dns', parseDns],
];

function onlyParseError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
  }
}

describe('random bytes', () => {
  for (const [name, parse] of parsers) {
    it(`parse ${name} throws nothing but ParseError`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 120, size: 'max' }), (b) => onlyParseError(() => parse(b))), { numRuns: 500 });
    });
  }
  it('parse throws nothing but ParseError on mutated well-formed L4 messages', () => {
    const msg = fc.oneof(udpDatagram(), tcpSegment(), icmpPacket()).map((f) => f.bytes.slice(34));
    fc.assert(
      fc.property(msg, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (b, muts) => {
        for (const [i, v] of muts) if (b.length) b[i % b.length] = v;
        for (const [, parse] of parsers) onlyParseError(() => parse(b));
      }),
    );
  });
  it('ipv4Validate/arpValidate never throw, and once valid, getters and patchers never throw', () => {
    // a plausible IPv4 header prefix makes it past validation often enough to exercise the getters
    const frame = fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 100, size: 'max' }), fc.boolean()).map(([b, fix]) => {
      const f = new Uint8Array(14 + b.length);
      f.set(b, 14);
      if (fix && f.length >= 34) {
        f[14] = 0x45;
        const tot = f.length - 14;
        f[16] = tot >> 8; f[17] = tot & 255;
        f[20] = 0; f[21] = 0; // not a fragment
        f[24] = 0; f[25] = 0;
        let s = 0;
        for (let i = 14; i < 34; i += 2) s += (f[i]! << 8) | f[i + 1]!;
        while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
        const c = ~s & 0xffff;
        f[24] = c >> 8; f[25] = c & 255;
      }
      return f;
    });
    let valid = 0;
    fc.assert(
      fc.property(frame, (f) => {
        const skb = new SkBuff(f);
        expect(typeof arpValidate(skb)).toBe('number');
        if (ipv4Validate(skb) !== 0) return;
        valid++;
        ipv4Src(skb); ipv4Dst(skb); ipv4Proto(skb); l4Validate(skb); ipv4IsFragment(skb);
        const proto = ipv4Proto(skb);
        l4SetSrcPort(skb, 1); // a no-op for other protocols, must not throw
        if (!ipv4IsFragment(skb) && (proto === 1 || proto === 6 || proto === 17)) {
          l4SrcPort(skb); l4DstPort(skb);
          if (ipv4Proto(skb) === 6) { tcpFlags(skb); tcpOptMss(skb); tcpPayloadLen(skb); }
          l4SetSrcPort(skb, 1); l4SetDstPort(skb, 2);
        }
        if (proto === 1 && !ipv4IsFragment(skb) && icmpInnerValidate(skb) === 0) {
          icmpInnerSrc(skb); icmpInnerSrcPort(skb); icmpInnerDstPort(skb);
          icmpInnerSetSrc(skb, 5); icmpInnerSetDst(skb, 6); icmpInnerSetSrcPort(skb, 7); icmpInnerSetDstPort(skb, 8);
        }
        ipv4DecTtl(skb); ipv4SetSrc(skb, 3); ipv4SetDst(skb, 4);
      }),
      { numRuns: 1000 },
    );
    expect(valid).toBeGreaterThan(50);
  });
});

describe('malformedFrame', () => {
  it('ipv4Validate reports the targeted corruption', () => {
    fc.assert(
      fc.property(malformedFrame(), (m) => {
        expect(ipv4Validate(new SkBuff(m.original.slice()))).toBe(0);
        expect(ipv4Validate(new SkBuff(m.bytes))).toBe(m.reason);
      }),
    );
  });
  it('every corrupted frame makes parseIpv4 throw ParseError', () => {
    fc.assert(
      fc.property(malformedFrame(), (m) => {
        expect(() => parseIpv4(m.bytes.subarray(14))).toThrow(ParseError);
      }),
    );
  });
});
