/**
 * ICMP for IPv4 (RFC 792): echo request/reply and the error messages (destination unreachable,
 * time exceeded, parameter problem, redirect, source quench) that quote the offending datagram.
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: Identifier             |  echo: Sequence Number        |
 * |  errors: unused / next-hop MTU (frag needed) / pointer / gateway
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: data …                                                 |
 * |  errors: offending IP header + at least 8 bytes of its payload|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * @module
 */
import { ParseError } from '../core/errors.js';
import { checksum } from './checksum.js';
import { emitIpv4, parseIpv4, type Ipv4Repr } from './ipv4.js';

/** Byte offsets of the ICMP header fields. */
export const IcmpField = {
  /** Type. */
  Type: 0,
  /** Code. */
  Code: 1,
  /** Checksum. */
  Check: 2,
  /** Echo identifier. */
  Ident: 4,
  /** Echo sequence number. */
  Seq: 6,
  /** The 32-bit "rest of header" word of error messages. */
  Rest: 4,
  /** Data (echo payload or quoted datagram). */
  Data: 8,
} as const;

/** Length of the ICMP header. */
export const ICMP_HLEN = 8;

/** ICMP type: echo reply. */
export const ICMP_ECHOREPLY = 0;
/** ICMP type: destination unreachable. */
export const ICMP_DEST_UNREACH = 3;
/** ICMP type: source quench. */
export const ICMP_SOURCE_QUENCH = 4;
/** ICMP type: redirect. */
export const ICMP_REDIRECT = 5;
/** ICMP type: echo request. */
export const ICMP_ECHO = 8;
/** ICMP type: time exceeded. */
export const ICMP_TIME_EXCEEDED = 11;
/** ICMP type: parameter problem. */
export const ICMP_PARAMETERPROB = 12;

/** Destination-unreachable code: network unreachable. */
export const ICMP_NET_UNREACH = 0;
/** Destination-unreachable code: host unreachable. */
export const ICMP_HOST_UNREACH = 1;
/** Destination-unreachable code: protocol unreachable. */
export const ICMP_PROT_UNREACH = 2;
/** Destination-unreachable code: port unreachable. */
export const ICMP_PORT_UNREACH = 3;
/** Destination-unreachable code: fragmentation needed and DF set. */
export const ICMP_FRAG_NEEDED = 4;
/** Destination-unreachable code: source route failed. */
export const ICMP_SR_FAILED = 5;
/** Destination-unreachable code: destination network unknown. */
export const ICMP_NET_UNKNOWN = 6;
/** Destination-unreachable code: destination host unknown. */
export const ICMP_HOST_UNKNOWN = 7;
/** Destination-unreachable code: network administratively prohibited. */
export const ICMP_NET_ANO = 9;
/** Destination-unreachable code: host administratively prohibited. */
export const ICMP_HOST_ANO = 10;
/** Destination-unreachable code: communication administratively prohibited (iptables `REJECT --reject-with icmp-admin-prohibited`). */
export const ICMP_PKT_FILTERED = 13;
/** Time-exceeded code: TTL exceeded in transit. */
export const ICMP_EXC_TTL = 0;
/** Time-exceeded code: fragment reassembly time exceeded. */
export const ICMP_EXC_FRAGTIME = 1;

/** True for the ICMP error types (3, 4, 5, 11, 12), which quote an offending datagram. */
export function icmpIsError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** A reusable, allocation-free view of an ICMP header, rebound per packet with `bind`. */
export class IcmpPacket {
  /** The bound buffer. */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the ICMP header in `buf`. */
  off = 0;
  /** Length of the ICMP message (header + data). */
  len = 0;
  /** Points the view at the `len`-byte message at `buf[off…]`; returns `this`. */
  bind(buf: Uint8Array, off = 0, len: number = buf.length - off): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    return this;
  }
  /** Type. */
  msgType(): number {
    return this.buf[this.off]!;
  }
  /** Code. */
  code(): number {
    return this.buf[this.off + 1]!;
  }
  /** Checksum field. */
  checksumField(): number {
    return (this.buf[this.off + 2]! << 8) | this.buf[this.off + 3]!;
  }
  /** Echo identifier. */
  ident(): number {
    return (this.buf[this.off + 4]! << 8) | this.buf[this.off + 5]!;
  }
  /** Echo sequence number. */
  seq(): number {
    return (this.buf[this.off + 6]! << 8) | this.buf[this.off + 7]!;
  }
  /** The 32-bit rest-of-header word. */
  rest(): number {
    const b = this.buf;
    const o = this.off + 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  /** True when the checksum over the whole message verifies. */
  verifyChecksum(): boolean {
    return checksum(this.buf, this.off, this.len) === 0;
  }
  /** Recomputes and writes the checksum over the whole message. */
  fillChecksum(): void {
    this.buf[this.off + 2] = 0;
    this.buf[this.off + 3] = 0;
    const c = checksum(this.buf, this.off, this.len);
    this.buf[this.off + 2] = c >>> 8;
    this.buf[this.off + 3] = c & 255;
  }
}

/** A decoded ICMP message. */
export type IcmpRepr =
  | {
      /** Echo request (type 8) or reply (type 0). */
      kind: 'echo';
      /** 8 request, 0 reply. */
      type: 0 | 8;
      /** Identifier. */
      ident: number;
      /** Sequence number. */
      seq: number;
      /** Echo data. */
      data: Uint8Array;
    }
  | {
      /** An error quoting an offending datagram (types 3, 4, 5, 11, 12). */
      kind: 'error';
      /** Type. */
      type: number;
      /** Code. */
      code: number;
      /** Rest-of-header word: next-hop MTU for frag needed (low 16 bits), pointer, gateway; else 0. */
      info: number;
      /** The quoted IPv4 header (its payloadLen is the original datagram's). */
      header: Ipv4Repr;
      /** The quoted bytes after the header (at least 8 by RFC 792; fewer if the datagram was shorter). */
      data: Uint8Array;
    }
  | {
      /** Any other type, kept raw. */
      kind: 'other';
      /** Type. */
      type: number;
      /** Code. */
      code: number;
      /** Rest-of-header word. */
      rest: number;
      /** Data after the 8-byte header. */
      data: Uint8Array;
    };

/**
 * Decodes an ICMP message (`bytes` is exactly the ICMP message: IP payload). Throws
 * {@link ParseError} when shorter than 8 bytes, the checksum fails, an echo has a non-zero code,
 * or an error's quoted IPv4 header is malformed.
 */
export function parseIcmp(bytes: Uint8Array): IcmpRepr {
  if (bytes.length < ICMP_HLEN) throw new ParseError('icmp', `message too short (${bytes.length} < ${ICMP_HLEN} bytes)`);
  const p = new IcmpPacket().bind(bytes, 0, bytes.length);
  if (!p.verifyChecksum()) throw new ParseError('icmp', `bad checksum 0x${p.checksumField().toString(16).padStart(4, '0')}`);
  const type = p.msgType();
  const code = p.code();
  if (type === ICMP_ECHO || type === ICMP_ECHOREPLY) {
    if (code !== 0) throw new ParseError('icmp', `bad echo code ${code}`);
    return { kind: 'echo', type, ident: p.ident(), seq: p.seq(), data: bytes.slice(ICMP_HLEN) };
  }
  if (icmpIsError(type)) {
    const quoted = bytes.subarray(ICMP_HLEN);
    let header: Ipv4Repr;
    try {
      header = parseIpv4(quoted, { quoted: true });
    } catch (e) {
      throw new ParseError('icmp', `bad quoted datagram (${(e as Error).message})`);
    }
    const hl = 20 + header.options.length;
    return { kind: 'error', type, code, info: p.rest(), header, data: quoted.slice(hl) };
  }
  return { kind: 'other', type, code, rest: p.rest(), data: bytes.slice(ICMP_HLEN) };
}

/** Bytes {@link emitIcmp} writes: 8 + data (errors: + quoted header). */
export function icmpBufferLen(repr: IcmpRepr): number {
  if (repr.kind === 'error') return ICMP_HLEN + 20 + ((repr.header.options.length + 3) & ~3) + repr.data.length;
  return ICMP_HLEN + repr.data.length;
}

/** Writes the ICMP message (checksum filled) at `buf[off…]`. */
export function emitIcmp(repr: IcmpRepr, buf: Uint8Array, off = 0): void {
  const len = icmpBufferLen(repr);
  buf[off] = repr.type & 255;
  let rest: number;
  if (repr.kind === 'echo') {
    buf[off + 1] = 0;
    rest = (((repr.ident & 0xffff) << 16) | (repr.seq & 0xffff)) >>> 0;
    buf.set(repr.data, off + ICMP_HLEN);
  } else if (repr.kind === 'error') {
    buf[off + 1] = repr.code & 255;
    rest = repr.info >>> 0;
    emitIpv4(repr.header, buf, off + ICMP_HLEN);
    buf.set(repr.data, off + len - repr.data.length);
  } else {
    buf[off + 1] = repr.code & 255;
    rest = repr.rest >>> 0;
    buf.set(repr.data, off + ICMP_HLEN);
  }
  buf[off + 4] = rest >>> 24;
  buf[off + 5] = (rest >>> 16) & 255;
  buf[off + 6] = (rest >>> 8) & 255;
  buf[off + 7] = rest & 255;
  new IcmpPacket().bind(buf, off, len).fillChecksum();
}
