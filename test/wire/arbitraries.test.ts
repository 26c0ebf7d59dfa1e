import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as w from '../../src/wire/index.js';
import { macAddress, ipv4Address, ipv4Subnet } from '../../src/arbitraries/addresses.js';
import {
  ethernetFrame, arpPacket, ipv4Packet, icmpPacket, udpDatagram, tcpSegment, malformedFrame, frameToSkb, dnsRepr,
} from '../../src/arbitraries/packets.js';

/** The counterexample fast-check reports for `pred` after shrinking. */
function shrunk<T>(arb: fc.Arbitrary<T>, pred: (x: T) => boolean): T {
  const r = fc.check(fc.property(arb, pred), { seed: 42, numRuns: 1000 });
  expect(r.failed).toBe(true);
  return r.counterexample![0] as T;
}

describe('address arbitraries', () => {
  it('macAddress stays in 48 bits; unicast and docker constraints hold', () => {
    fc.assert(fc.property(macAddress(), (m) => Number.isInteger(m) && m >= 0 && m < 2 ** 48));
    fc.assert(fc.property(macAddress({ unicast: true }), (m) => !w.macIsMulticast(m)));
    fc.assert(fc.property(macAddress({ docker: true }), (m) => w.macToString(m).startsWith('02:42:')));
  });
  it('ipv4Address is a uint32, optionally inside a prefix', () => {
    fc.assert(fc.property(ipv4Address(), (a) => a >>> 0 === a));
    fc.assert(fc.property(ipv4Subnet({ minLen: 8, maxLen: 30 }), fc.nat(), (c, _) => {
      expect(c.len).toBeGreaterThanOrEqual(8);
      expect(c.addr & ~w.prefixMask(c.len)).toBe(0);
    }));
    fc.assert(fc.property(ipv4Subnet().chain((c) => fc.tuple(fc.constant(c), ipv4Address({ within: c }))), ([c, a]) => w.cidrContains(c, a)));
  });
  it('shrinks towards zero', () => {
    expect(shrunk(macAddress(), (m) => m < 1000)).toBe(1000);
    expect(shrunk(ipv4Address(), (a) => a < 0x0a000000)).toBe(0x0a000000);
  });
});

describe('frame arbitraries', () => {
  it('well-formed frames validate and decode back to their repr', () => {
    fc.assert(fc.property(udpDatagram(), (f) => {
      const skb = frameToSkb(f.bytes);
      expect(w.ipv4Validate(skb)).toBe(0);
      expect(w.l4Validate(skb)).toBe(0);
      expect(w.parseIpv4(f.bytes.subarray(14))).toEqual(f.repr.ip);
      expect(w.parseUdp(f.bytes.subarray(skb.transport), f.repr.ip)).toEqual(f.repr.l4);
    }));
    fc.assert(fc.property(tcpSegment(), (f) => {
      const skb = frameToSkb(f.bytes);
      expect(w.ipv4Validate(skb)).toBe(0);
      expect(w.l4Validate(skb)).toBe(0);
      expect(w.parseTcp(f.bytes.subarray(skb.transport), f.repr.ip)).toEqual(f.repr.l4);
    }));
    fc.assert(fc.property(icmpPacket(), (f) => {
      const skb = frameToSkb(f.bytes);
      expect(w.ipv4Validate(skb)).toBe(0);
      expect(w.l4Validate(skb)).toBe(0);
      expect(w.parseIcmp(f.bytes.subarray(skb.transport))).toEqual(f.repr.l4);
    }));
    fc.assert(fc.property(ipv4Packet(), (f) => {
      expect(w.ipv4Validate(frameToSkb(f.bytes))).toBe(0);
      expect(w.parseIpv4(f.bytes.subarray(14))).toEqual(f.repr.ip);
    }));
    fc.assert(fc.property(arpPacket(), (f) => {
      const skb = frameToSkb(f.bytes);
      expect(w.arpValidate(skb)).toBe(0);
      expect(w.parseArp(f.bytes.subarray(14))).toEqual(f.repr.arp);
      if (f.repr.arp.op === 1) expect(w.ethDst(skb)).toBe(w.MAC_BROADCAST);
    }));
    fc.assert(fc.property(ethernetFrame(), (f) => {
      expect(w.parseEthernet(f.bytes)).toEqual(f.repr.eth);
    }));
  });
  it('malformedFrame covers every corruption kind', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(malformedFrame(), (m) => { seen.add(m.corruption); }), { numRuns: 300 });
    expect([...seen].sort()).toEqual(['badChecksum', 'badIhl', 'badLength', 'badVersion', 'truncated']);
  });
  it('shrinks frames to minimal counterexamples', () => {
    // "no UDP payload is 3 bytes or longer" shrinks to a 3-byte zero payload, ports 0
    const u = shrunk(udpDatagram(), (f) => f.repr.l4.payload.length < 3);
    expect(Array.from(u.repr.l4.payload)).toEqual([0, 0, 0]);
    expect(u.repr.l4.sport).toBe(0);
    expect(u.repr.ip.options.length).toBe(0);
    // "no SYN" shrinks to flags exactly SYN, no options, no payload
    const t = shrunk(tcpSegment(), (f) => (f.repr.l4.flags & w.TCP_SYN) === 0);
    expect(t.repr.l4.flags).toBe(w.TCP_SYN);
    expect(t.repr.l4.options).toEqual([]);
    expect(t.repr.l4.payload.length).toBe(0);
  });
  it('dnsRepr shares suffixes so compression is exercised', () => {
    let compressed = 0;
    fc.assert(fc.property(dnsRepr(), (r) => {
      if (w.dnsBufferLen(r) < w.dnsBufferLen(r, { compress: false })) compressed++;
    }), { numRuns: 200 });
    expect(compressed).toBeGreaterThan(20);
  });
});
