import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  parseDns, emitDns, encodeDns, dnsBufferLen, dnsQuery, dnsResponse, dnsARecord, dnsCnameRecord, dnsPtrRecord,
  dnsReverseName, DnsRcode, DnsType,
} from '../../src/wire/index.js';
import { ParseError } from '../../src/core/errors.js';
import { dnsRepr } from '../../src/arbitraries/packets.js';

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// A query for "web" type A, id 0x1a2b, RD (as nslookup/musl sends it), and Docker's answer
// (compression pointer c00c to the question name), both written by hand from RFC 1035.
const QUERY = fromHex('1a2b 0100 0001 0000 0000 0000 03776562 00 0001 0001');
const ANSWER = fromHex(
  '1a2b 8180 0001 0001 0000 0000 03776562 00 0001 0001' + 'c00c 0001 0001 00000258 0004 ac120002',
);

describe('dns', () => {
  it('deconstructs a query', () => {
    expect(parseDns(QUERY)).toEqual(dnsQuery(0x1a2b, 'web'));
  });
  it('constructs the query', () => {
    expect(hex(encodeDns(dnsQuery(0x1a2b, 'web')))).toBe(hex(QUERY));
  });
  it('deconstructs and constructs the compressed answer', () => {
    const r = parseDns(ANSWER);
    expect(r.qr).toBe(true);
    expect(r.ra).toBe(true);
    expect(r.rcode).toBe(DnsRcode.NoError);
    expect(r.answers).toEqual([dnsARecord('web', 0xac120002, 600)]);
    const built = dnsResponse(dnsQuery(0x1a2b, 'web'), DnsRcode.NoError, [dnsARecord('web', 0xac120002)]);
    expect(hex(encodeDns(built))).toBe(hex(ANSWER));
  });
  it('NXDOMAIN and REFUSED responses', () => {
    for (const rc of [DnsRcode.NxDomain, DnsRcode.Refused]) {
      const r = parseDns(encodeDns(dnsResponse(dnsQuery(7, 'nope.example'), rc)));
      expect(r.rcode).toBe(rc);
      expect(r.answers).toEqual([]);
      expect(r.questions[0]!.name).toBe('nope.example');
    }
  });
  it('compresses CNAME chains and PTR names', () => {
    const q = dnsQuery(1, 'www.docker.internal');
    const resp = dnsResponse(q, 0, [
      dnsCnameRecord('www.docker.internal', 'web.docker.internal'),
      dnsARecord('web.docker.internal', 0x0a000005),
    ]);
    const c = encodeDns(resp);
    const u = encodeDns(resp, { compress: false });
    expect(c.length).toBeLessThan(u.length);
    expect(parseDns(c)).toEqual(resp);
    expect(parseDns(u)).toEqual(resp);
    const ptr = dnsResponse(dnsQuery(2, dnsReverseName(0xac110002), DnsType.PTR), 0, [
      dnsPtrRecord(dnsReverseName(0xac110002), 'web.mynet'),
    ]);
    expect(dnsReverseName(0xac110002)).toBe('2.0.17.172.in-addr.arpa');
    expect(parseDns(encodeDns(ptr))).toEqual(ptr);
  });
  it('refuses compression loops and forward pointers', () => {
    // question name is a pointer to itself
    const self = fromHex('0000 0100 0001 0000 0000 0000 c00c 0001 0001');
    expect(() => parseDns(self)).toThrow(/backwards/);
    // two labels pointing at each other: 12: 01 61 c0 10 ; 16: 01 62 c0 0c
    const loop = fromHex('0000 0100 0001 0000 0000 0000 0161c010 0162c00c 0001 0001');
    expect(() => parseDns(loop)).toThrow(ParseError);
  });
  it('refuses truncation, bad label types and over-long names', () => {
    expect(() => parseDns(QUERY.subarray(0, 11))).toThrow(ParseError);
    expect(() => parseDns(QUERY.subarray(0, QUERY.length - 1))).toThrow(/truncated/);
    const bad = QUERY.slice(); bad[12] = 0x43;
    expect(() => parseDns(bad)).toThrow(/label type/);
    const labels = Array.from({ length: 5 }, () => '3f' + '61'.repeat(63)).join('');
    expect(() => parseDns(fromHex('0000 0100 0001 0000 0000 0000' + labels + '00 0001 0001'))).toThrow(/255/);
  });
  it('round-trips generated messages, compressed or not; compression never grows', () => {
    fc.assert(
      fc.property(dnsRepr(), (r) => {
        const c = encodeDns(r);
        expect(c.length).toBe(dnsBufferLen(r));
        expect(parseDns(c)).toEqual(r);
        const u = encodeDns(r, { compress: false });
        expect(parseDns(u)).toEqual(r);
        expect(c.length).toBeLessThanOrEqual(u.length);
      }),
    );
  });
  it('emits at an offset with pointers relative to the message', () => {
    const r = dnsResponse(dnsQuery(3, 'a.b'), 0, [dnsARecord('a.b', 1)]);
    const buf = new Uint8Array(100);
    const n = emitDns(r, buf, 28);
    expect(parseDns(buf.subarray(28, 28 + n))).toEqual(r);
  });
});
