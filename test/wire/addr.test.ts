import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipToString, macToString, parseMac, tryParseIp } from '../../src/wire/addr.js';

/** The definition: four dot-separated parts of 1–3 decimal digits, each ≤ 255. */
function reference(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return -1;
    const n = Number(p);
    if (n > 255) return -1;
    v = v * 256 + n;
  }
  return v >>> 0;
}

describe('tryParseIp', () => {
  it('agrees with the definition on strings of digits, dots and a few other characters', () => {
    const ch = fc.constantFrom('0', '1', '2', '5', '9', '.', '.', 'a', ' ', '-', '/');
    fc.assert(fc.property(fc.array(ch, { maxLength: 18 }).map((a) => a.join('')), (s) => {
      expect(tryParseIp(s)).toBe(reference(s));
    }), { numRuns: 3000 });
  });

  it('reads back every address ipToString writes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (ip) => {
      expect(tryParseIp(ipToString(ip))).toBe(ip);
    }));
    expect(tryParseIp('010.001.000.255')).toBe(0x0a0100ff);
    expect(tryParseIp('256.0.0.1')).toBe(-1);
    expect(tryParseIp('1.2.3')).toBe(-1);
    expect(tryParseIp('1.2.3.4.')).toBe(-1);
    expect(tryParseIp('')).toBe(-1);
  });

  it('ipToString writes the same text for an address in either form, whatever was asked for before', () => {
    const text = (ip: number) => [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
    const form = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.boolean()).map(([ip, signed]) => (signed ? ip | 0 : ip));
    fc.assert(
      // addresses alike in all but a few bits (172.17.0.2, 10.17.0.2, 172.18.0.2, 172.17.1.2, 172.17.0.3) and in both forms
      fc.property(fc.array(fc.oneof(form, fc.constantFrom(-1, 0xffffffff, 0, 0xac110002, 0xac110002 | 0, 0x0a110002, 0xac120002, 0xac120002 | 0, 0xac110102, 0xac110003)), { maxLength: 12 }), (ips) => {
        for (const ip of ips) expect(ipToString(ip)).toBe(text(ip));
      }),
    );
  });
});

describe('macToString', () => {
  it('writes six lower-case two-digit hex bytes, high byte first, that parseMac reads back', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }), (bytes) => {
        const mac = bytes.reduce((m, b) => m * 256 + b, 0);
        const text = macToString(mac);
        expect(text).toBe(bytes.map((b) => b.toString(16).padStart(2, '0')).join(':'));
        expect(parseMac(text)).toBe(mac);
      }),
    );
    expect(macToString(0x0242ac110002)).toBe('02:42:ac:11:00:02');
    expect(macToString(0xffffffffffff)).toBe('ff:ff:ff:ff:ff:ff');
  });
});
