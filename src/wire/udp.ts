/**
 * UDP (RFC 768). The checksum covers the IPv4 pseudo-header; a checksum of 0 means "none" and a
 * computed 0 is sent as 0xffff.
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          data …                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * @module
 */
import { ParseError } from '../core/errors.js';
import { fold, pseudoHeaderSum, sum16 } from './checksum.js';
import { IPPROTO_UDP } from './ipv4.js';

/** Byte offsets of the UDP header fields. */
export const UdpField = {
  /** Source port. */
  SrcPort: 0,
  /** Destination port. */
  DstPort: 2,
  /** Length (header + data). */
  Length: 4,
  /** Checksum. */
  Check: 6,
  /** First data byte. */
  Payload: 8,
} as const;

/** Length of the UDP header. */
export const UDP_HLEN = 8;

/** A reusable, allocation-free view of a UDP header, rebound per packet with `bind`. */
export class UdpPacket {
  /** The bound buffer. */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the UDP header in `buf`. */
  off = 0;
  /** Points the view at `buf[off…]`; returns `this`. */
  bind(buf: Uint8Array, off = 0): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  /** Source port. */
  srcPort(): number {
    return this.u16(0);
  }
  /** Destination port. */
  dstPort(): number {
    return this.u16(2);
  }
  /** Length field. */
  length(): number {
    return this.u16(4);
  }
  /** Checksum field (0 = none). */
  checksumField(): number {
    return this.u16(6);
  }
  /** True when the checksum is absent (0) or verifies against the pseudo-header. */
  verifyChecksum(src: number, dst: number): boolean {
    if (this.checksumField() === 0) return true;
    const len = this.length();
    return fold(sum16(this.buf, this.off, len, pseudoHeaderSum(src, dst, IPPROTO_UDP, len))) === 0;
  }
  /** Recomputes and writes the checksum over `length()` bytes (a computed 0 becomes 0xffff). */
  fillChecksum(src: number, dst: number): void {
    const b = this.buf;
    const o = this.off;
    b[o + 6] = 0;
    b[o + 7] = 0;
    const len = this.length();
    let c = fold(sum16(b, o, len, pseudoHeaderSum(src, dst, IPPROTO_UDP, len)));
    if (c === 0) c = 0xffff;
    b[o + 6] = c >>> 8;
    b[o + 7] = c & 255;
  }
  private u16(o: number): number {
    return (this.buf[this.off + o]! << 8) | this.buf[this.off + o + 1]!;
  }
}

/** A decoded UDP datagram. */
export interface UdpRepr {
  /** Source port. */
  sport: number;
  /** Destination port. */
  dport: number;
  /** Data. */
  payload: Uint8Array;
}

/** The IPv4 addresses a TCP/UDP checksum covers. */
export interface PseudoHeader {
  /** IPv4 source (uint32). */
  src: number;
  /** IPv4 destination (uint32). */
  dst: number;
}

/**
 * Decodes a UDP datagram (`bytes` is the IP payload; bytes past the length field are ignored).
 * With `pseudo`, a non-zero checksum is verified. Throws {@link ParseError} when shorter than 8
 * bytes, the length field is out of range, or the checksum fails.
 */
export function parseUdp(bytes: Uint8Array, pseudo?: PseudoHeader): UdpRepr {
  if (bytes.length < UDP_HLEN) throw new ParseError('udp', `datagram too short (${bytes.length} < ${UDP_HLEN} bytes)`);
  const p = new UdpPacket().bind(bytes, 0);
  const len = p.length();
  if (len < UDP_HLEN || len > bytes.length) throw new ParseError('udp', `bad length ${len} (${bytes.length} bytes present)`);
  if (pseudo && !p.verifyChecksum(pseudo.src, pseudo.dst))
    throw new ParseError('udp', `bad checksum 0x${p.checksumField().toString(16).padStart(4, '0')}`);
  return { sport: p.srcPort(), dport: p.dstPort(), payload: bytes.slice(UDP_HLEN, len) };
}

/** Bytes {@link emitUdp} writes: 8 + payload. */
export function udpBufferLen(repr: UdpRepr): number {
  return UDP_HLEN + repr.payload.length;
}

/** Writes the UDP datagram at `buf[off…]` with its checksum over the pseudo-header `src`/`dst`. */
export function emitUdp(repr: UdpRepr, buf: Uint8Array, off: number, src: number, dst: number): void {
  const len = udpBufferLen(repr);
  buf[off] = (repr.sport >>> 8) & 255;
  buf[off + 1] = repr.sport & 255;
  buf[off + 2] = (repr.dport >>> 8) & 255;
  buf[off + 3] = repr.dport & 255;
  buf[off + 4] = (len >>> 8) & 255;
  buf[off + 5] = len & 255;
  buf.set(repr.payload, off + UDP_HLEN);
  new UdpPacket().bind(buf, off).fillChecksum(src, dst);
}
