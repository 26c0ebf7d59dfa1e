/**
 * DNS messages (RFC 1035): header, questions, resource records (A, AAAA, CNAME, PTR, NS decoded;
 * anything else kept raw), with name compression on parse (loop-proof) and on emit. Enough for
 * Docker's embedded DNS server (127.0.0.11) and for clients such as nslookup.
 *
 * ```text
 *                                 1  1  1  1  1  1
 *   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                      ID                       |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                    QDCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                    ANCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                    NSCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                    ARCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * | questions: QNAME QTYPE QCLASS …               |
 * | answers, authority, additional:               |
 * |   NAME TYPE CLASS TTL(32) RDLENGTH RDATA …    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * ```
 *
 * Names are dotted strings without the trailing dot (the root is `''`); case is preserved.
 *
 * @module
 */
import { DockernetError, ParseError } from '../core/errors.js';

/** Byte offsets of the DNS header fields. */
export const DnsField = {
  /** Transaction id. */
  Id: 0,
  /** Flags (QR, opcode, AA, TC, RD, RA, Z, RCODE). */
  Flags: 2,
  /** Question count. */
  QdCount: 4,
  /** Answer count. */
  AnCount: 6,
  /** Authority count. */
  NsCount: 8,
  /** Additional count. */
  ArCount: 10,
  /** First question. */
  Body: 12,
} as const;

/** Length of the DNS header. */
export const DNS_HLEN = 12;
/** The DNS port. */
export const DNS_PORT = 53;

/** Resource record types. */
export const DnsType = {
  /** IPv4 address. */
  A: 1,
  /** Name server. */
  NS: 2,
  /** Canonical name. */
  CNAME: 5,
  /** Start of authority. */
  SOA: 6,
  /** Domain name pointer (reverse lookups). */
  PTR: 12,
  /** Mail exchange. */
  MX: 15,
  /** Text. */
  TXT: 16,
  /** IPv6 address. */
  AAAA: 28,
  /** Service locator. */
  SRV: 33,
  /** EDNS(0) pseudo-record. */
  OPT: 41,
  /** Any type (query only). */
  ANY: 255,
} as const;

/** Class IN (Internet). */
export const DNS_CLASS_IN = 1;

/** Response codes. */
export const DnsRcode = {
  /** No error. */
  NoError: 0,
  /** Format error. */
  FormErr: 1,
  /** Server failure. */
  ServFail: 2,
  /** Name does not exist. */
  NxDomain: 3,
  /** Not implemented. */
  NotImp: 4,
  /** Refused. */
  Refused: 5,
} as const;

/** A question. */
export interface DnsQuestion {
  /** Queried name. */
  name: string;
  /** Query type (DnsType). */
  type: number;
  /** Query class (1 = IN). */
  class: number;
}

/** Decoded RDATA of a record. */
export type DnsRdata =
  | {
      /** A record. */
      kind: 'a';
      /** IPv4 address (uint32). */
      address: number;
    }
  | {
      /** AAAA record. */
      kind: 'aaaa';
      /** IPv6 address (16 bytes). */
      address: Uint8Array;
    }
  | {
      /** CNAME, PTR or NS: a domain name. */
      kind: 'name';
      /** The name. */
      name: string;
    }
  | {
      /** Any other type, raw. */
      kind: 'raw';
      /** RDATA bytes. */
      data: Uint8Array;
    };

/** A resource record. */
export interface DnsRecord {
  /** Owner name. */
  name: string;
  /** Type (DnsType); decides the `rdata` kind: A → a, AAAA → aaaa, CNAME/PTR/NS → name, else raw. */
  type: number;
  /** Class (1 = IN; the UDP payload size in an OPT record). */
  class: number;
  /** Time to live in seconds (uint32). */
  ttl: number;
  /** Data. */
  rdata: DnsRdata;
}

/** A decoded DNS message. */
export interface DnsRepr {
  /** Transaction id. */
  id: number;
  /** True for a response. */
  qr: boolean;
  /** Opcode (0 = standard query). */
  opcode: number;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated. */
  tc: boolean;
  /** Recursion desired. */
  rd: boolean;
  /** Recursion available. */
  ra: boolean;
  /** Response code (DnsRcode). */
  rcode: number;
  /** Questions. */
  questions: DnsQuestion[];
  /** Answer records. */
  answers: DnsRecord[];
  /** Authority records. */
  authorities: DnsRecord[];
  /** Additional records. */
  additionals: DnsRecord[];
}

/** The rdata kind a record type decodes to. */
function rdataKindFor(type: number): DnsRdata['kind'] {
  if (type === DnsType.A) return 'a';
  if (type === DnsType.AAAA) return 'aaaa';
  if (type === DnsType.CNAME || type === DnsType.PTR || type === DnsType.NS) return 'name';
  return 'raw';
}

// ---------------------------------------------------------------------------------------------
// Parsing

const MAX_NAME_WIRE = 255;

class Reader {
  constructor(
    readonly b: Uint8Array,
    public p: number,
  ) {}
  need(n: number, what: string): void {
    if (this.p + n > this.b.length) throw new ParseError('dns', `truncated ${what} at offset ${this.p}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.b[this.p++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = (this.b[this.p]! << 8) | this.b[this.p + 1]!;
    this.p += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const b = this.b;
    const p = this.p;
    this.p += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  /**
   * Reads a possibly compressed name. Loop protection: every compression pointer must point
   * strictly before the start of the label run that contains it, so the walk always moves
   * backwards and terminates; the decoded name is limited to 255 wire bytes.
   */
  name(): string {
    const b = this.b;
    let p = this.p;
    let runStart = p;
    let jumped = false;
    let wire = 0;
    const labels: string[] = [];
    for (;;) {
      if (p >= b.length) throw new ParseError('dns', `truncated name at offset ${p}`);
      const len = b[p]!;
      if ((len & 0xc0) === 0xc0) {
        if (p + 1 >= b.length) throw new ParseError('dns', `truncated compression pointer at offset ${p}`);
        const target = ((len & 0x3f) << 8) | b[p + 1]!;
        if (target >= runStart) throw new ParseError('dns', `compression pointer at offset ${p} does not point backwards (${target})`);
        if (!jumped) this.p = p + 2;
        jumped = true;
        p = target;
        runStart = target;
        continue;
      }
      if ((len & 0xc0) !== 0) throw new ParseError('dns', `bad label type 0x${len.toString(16)} at offset ${p}`);
      wire += len + 1;
      if (wire > MAX_NAME_WIRE) throw new ParseError('dns', `name longer than ${MAX_NAME_WIRE} bytes`);
      if (len === 0) {
        if (!jumped) this.p = p + 1;
        return labels.join('.');
      }
      if (p + 1 + len > b.length) throw new ParseError('dns', `truncated label at offset ${p}`);
      let s = '';
      for (let i = p + 1; i <= p + len; i++) s += String.fromCharCode(b[i]!);
      labels.push(s);
      p += 1 + len;
    }
  }
}

function readRecord(r: Reader): DnsRecord {
  const name = r.name();
  const type = r.u16('record type');
  const klass = r.u16('record class');
  const ttl = r.u32('record TTL');
  const rdlen = r.u16('record length');
  r.need(rdlen, 'record data');
  const start = r.p;
  const end = start + rdlen;
  let rdata: DnsRdata;
  switch (rdataKindFor(type)) {
    case 'a':
      if (rdlen !== 4) throw new ParseError('dns', `A record with ${rdlen}-byte data`);
      rdata = { kind: 'a', address: r.u32('A address') };
      break;
    case 'aaaa':
      if (rdlen !== 16) throw new ParseError('dns', `AAAA record with ${rdlen}-byte data`);
      rdata = { kind: 'aaaa', address: r.b.slice(start, end) };
      break;
    case 'name': {
      const sub = new Reader(r.b.subarray(0, end), start);
      const target = sub.name();
      if (sub.p !== end) throw new ParseError('dns', `record name data length ${rdlen} does not match the name`);
      rdata = { kind: 'name', name: target };
      break;
    }
    default:
      rdata = { kind: 'raw', data: r.b.slice(start, end) };
  }
  r.p = end;
  return { name, type, class: klass, ttl, rdata };
}

/**
 * Decodes a DNS message (the UDP payload). Throws {@link ParseError} on truncation, a bad label
 * type, a compression pointer that does not point backwards (loops), names over 255 bytes, or A /
 * AAAA data of the wrong length. Bytes after the last record are ignored.
 */
export function parseDns(bytes: Uint8Array): DnsRepr {
  if (bytes.length < DNS_HLEN) throw new ParseError('dns', `message too short (${bytes.length} < ${DNS_HLEN} bytes)`);
  const r = new Reader(bytes, 0);
  const id = r.u16('id');
  const flags = r.u16('flags');
  const qd = r.u16('qdcount');
  const an = r.u16('ancount');
  const ns = r.u16('nscount');
  const ar = r.u16('arcount');
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qd; i++) {
    const name = r.name();
    questions.push({ name, type: r.u16('question type'), class: r.u16('question class') });
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < an; i++) answers.push(readRecord(r));
  const authorities: DnsRecord[] = [];
  for (let i = 0; i < ns; i++) authorities.push(readRecord(r));
  const additionals: DnsRecord[] = [];
  for (let i = 0; i < ar; i++) additionals.push(readRecord(r));
  return {
    id,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 15,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 15,
    questions,
    answers,
    authorities,
    additionals,
  };
}

// ---------------------------------------------------------------------------------------------
// Emitting

/** Writes (or, with `buf` null, only measures) a message; returns its length. */
class Writer {
  p: number;
  /** Suffix name → offset from the message start, for compression. */
  readonly seen = new Map<string, number>();
  constructor(
    readonly buf: Uint8Array | null,
    readonly base: number,
  ) {
    this.p = base;
  }
  u8(x: number): void {
    if (this.buf) this.buf[this.p] = x & 255;
    this.p += 1;
  }
  u16(x: number): void {
    this.u8(x >>> 8);
    this.u8(x);
  }
  u32(x: number): void {
    this.u16(x >>> 16);
    this.u16(x & 0xffff);
  }
  bytes(b: Uint8Array): void {
    if (this.buf) this.buf.set(b, this.p);
    this.p += b.length;
  }
  name(name: string, compress: boolean): void {
    const labels = name === '' ? [] : name.split('.');
    let wire = 1;
    for (const l of labels) {
      if (l.length === 0 || l.length > 63) throw new DockernetError('EINVAL', `dns: bad label in name "${name}"`);
      wire += l.length + 1;
    }
    if (wire > MAX_NAME_WIRE) throw new DockernetError('EINVAL', `dns: name "${name}" longer than ${MAX_NAME_WIRE} bytes`);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      const at = compress ? this.seen.get(suffix) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      const rel = this.p - this.base;
      if (compress && rel < 0x4000) this.seen.set(suffix, rel);
      const l = labels[i]!;
      this.u8(l.length);
      for (let k = 0; k < l.length; k++) this.u8(l.charCodeAt(k));
    }
    this.u8(0);
  }
  record(rec: DnsRecord, compress: boolean): void {
    this.name(rec.name, compress);
    this.u16(rec.type);
    this.u16(rec.class);
    this.u32(rec.ttl);
    const lenAt = this.p;
    this.u16(0);
    const start = this.p;
    const d = rec.rdata;
    switch (d.kind) {
      case 'a': this.u32(d.address); break;
      case 'aaaa': this.bytes(d.address); break;
      case 'name': this.name(d.name, compress); break;
      case 'raw': this.bytes(d.data); break;
    }
    const rdlen = this.p - start;
    if (this.buf) {
      this.buf[lenAt] = rdlen >>> 8;
      this.buf[lenAt + 1] = rdlen & 255;
    }
  }
}

function encode(repr: DnsRepr, buf: Uint8Array | null, off: number, compress: boolean): number {
  const w = new Writer(buf, off);
  w.u16(repr.id);
  const flags =
    (repr.qr ? 0x8000 : 0) |
    ((repr.opcode & 15) << 11) |
    (repr.aa ? 0x0400 : 0) |
    (repr.tc ? 0x0200 : 0) |
    (repr.rd ? 0x0100 : 0) |
    (repr.ra ? 0x0080 : 0) |
    (repr.rcode & 15);
  w.u16(flags);
  w.u16(repr.questions.length);
  w.u16(repr.answers.length);
  w.u16(repr.authorities.length);
  w.u16(repr.additionals.length);
  for (const q of repr.questions) {
    w.name(q.name, compress);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const r of repr.answers) w.record(r, compress);
  for (const r of repr.authorities) w.record(r, compress);
  for (const r of repr.additionals) w.record(r, compress);
  return w.p - off;
}

/** Options for {@link emitDns} and {@link dnsBufferLen}. */
export interface DnsEmitOptions {
  /** Compress names (default true). */
  compress?: boolean;
}

/** Bytes {@link emitDns} writes for `repr` (with the same options). */
export function dnsBufferLen(repr: DnsRepr, opts?: DnsEmitOptions): number {
  return encode(repr, null, 0, opts?.compress ?? true);
}

/**
 * Writes the DNS message at `buf[off…]`, compressing names (pointers are relative to `off`, the
 * start of the message). Returns the number of bytes written. Throws {@link DockernetError} on an
 * empty label, a label over 63 bytes or a name over 255 bytes.
 */
export function emitDns(repr: DnsRepr, buf: Uint8Array, off = 0, opts?: DnsEmitOptions): number {
  return encode(repr, buf, off, opts?.compress ?? true);
}

/** Encodes a DNS message into a new byte array. */
export function encodeDns(repr: DnsRepr, opts?: DnsEmitOptions): Uint8Array {
  const buf = new Uint8Array(dnsBufferLen(repr, opts));
  emitDns(repr, buf, 0, opts);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Helpers for servers and clients

/** A standard query for `name` (type A by default) with recursion desired, as nslookup sends it. */
export function dnsQuery(id: number, name: string, type: number = DnsType.A): DnsRepr {
  return {
    id,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: true,
    ra: false,
    rcode: 0,
    questions: [{ name, type, class: DNS_CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

/**
 * A response to `query`: same id, opcode, RD and questions; QR and RA set; the given rcode and
 * answers (EDNS and other sections are not echoed).
 */
export function dnsResponse(query: DnsRepr, rcode: number, answers: DnsRecord[] = []): DnsRepr {
  return {
    id: query.id,
    qr: true,
    opcode: query.opcode,
    aa: false,
    tc: false,
    rd: query.rd,
    ra: true,
    rcode,
    questions: query.questions.map((q) => ({ ...q })),
    answers,
    authorities: [],
    additionals: [],
  };
}

/** An A record. */
export function dnsARecord(name: string, address: number, ttl = 600): DnsRecord {
  return { name, type: DnsType.A, class: DNS_CLASS_IN, ttl, rdata: { kind: 'a', address: address >>> 0 } };
}

/** A CNAME record. */
export function dnsCnameRecord(name: string, target: string, ttl = 600): DnsRecord {
  return { name, type: DnsType.CNAME, class: DNS_CLASS_IN, ttl, rdata: { kind: 'name', name: target } };
}

/** A PTR record (`name` is e.g. `2.0.17.172.in-addr.arpa`). */
export function dnsPtrRecord(name: string, target: string, ttl = 600): DnsRecord {
  return { name, type: DnsType.PTR, class: DNS_CLASS_IN, ttl, rdata: { kind: 'name', name: target } };
}

/** The reverse-lookup name of an IPv4 address: `d.c.b.a.in-addr.arpa`. */
export function dnsReverseName(ip: number): string {
  return `${ip & 255}.${(ip >>> 8) & 255}.${(ip >>> 16) & 255}.${ip >>> 24}.in-addr.arpa`;
}
