/**
 * IPv4 headers (RFC 791).
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * @module
 */
import { DockernetError, ParseError } from '../core/errors.js';
import { checksum } from './checksum.js';

/** Byte offsets of the IPv4 header fields. */
export const Ipv4Field = {
  /** Version (high nibble) and IHL (low nibble, 32-bit words). */
  VerIhl: 0,
  /** Type of service (DSCP + ECN). */
  Tos: 1,
  /** Total length. */
  TotLen: 2,
  /** Identification. */
  Id: 4,
  /** Flags (3 bits) and fragment offset (13 bits, 8-byte units). */
  FragOff: 6,
  /** Time to live. */
  Ttl: 8,
  /** Protocol. */
  Proto: 9,
  /** Header checksum. */
  Check: 10,
  /** Source address. */
  Src: 12,
  /** Destination address. */
  Dst: 16,
  /** Options (IHL > 5). */
  Options: 20,
} as const;

/** Length of an IPv4 header without options. */
export const IPV4_HLEN = 20;
/** Longest IPv4 header (IHL 15). */
export const IPV4_MAX_HLEN = 60;
/** IP protocol number of ICMP. */
export const IPPROTO_ICMP = 1;
/** IP protocol number of TCP. */
export const IPPROTO_TCP = 6;
/** IP protocol number of UDP. */
export const IPPROTO_UDP = 17;
/** IPv4 flag: don't fragment (in the flags/fragment-offset word). */
export const IP_DF = 0x4000;
/** IPv4 flag: more fragments. */
export const IP_MF = 0x2000;
/** IPv4 fragment offset mask (8-byte units). */
export const IP_OFFSET = 0x1fff;

/**
 * A reusable, allocation-free view of an IPv4 header, rebound per packet with `bind`.
 * Accessors trust the bytes; check them first with {@link Ipv4Packet.check} on untrusted input.
 */
export class Ipv4Packet {
  /** The bound buffer. */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the IPv4 header in `buf`. */
  off = 0;
  /** Points the view at `buf[off…]`; returns `this`. */
  bind(buf: Uint8Array, off = 0): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  /**
   * Validates the header against `len` available bytes: 0 when usable, else a reason
   * (1 too short, 2 version, 3 IHL, 4 total length, 5 checksum), as `ipv4Validate`.
   */
  check(len: number = this.buf.length - this.off): number {
    if (len < IPV4_HLEN) return 1;
    if (this.version() !== 4) return 2;
    const h = this.headerLen();
    if (h < IPV4_HLEN || h > len) return 3;
    const t = this.totalLen();
    if (t < h || t > len) return 4;
    if (checksum(this.buf, this.off, h) !== 0) return 5;
    return 0;
  }
  /** Version (4). */
  version(): number {
    return this.buf[this.off]! >>> 4;
  }
  /** Header length in bytes (IHL × 4). */
  headerLen(): number {
    return (this.buf[this.off]! & 15) * 4;
  }
  /** TOS byte. */
  tos(): number {
    return this.buf[this.off + 1]!;
  }
  /** Total length. */
  totalLen(): number {
    return this.u16(2);
  }
  /** Identification. */
  ident(): number {
    return this.u16(4);
  }
  /** Don't-fragment flag. */
  dontFrag(): boolean {
    return (this.u16(6) & IP_DF) !== 0;
  }
  /** More-fragments flag. */
  moreFrags(): boolean {
    return (this.u16(6) & IP_MF) !== 0;
  }
  /** Fragment offset in bytes. */
  fragOffset(): number {
    return (this.u16(6) & IP_OFFSET) * 8;
  }
  /** Time to live. */
  ttl(): number {
    return this.buf[this.off + 8]!;
  }
  /** Protocol number. */
  protocol(): number {
    return this.buf[this.off + 9]!;
  }
  /** Header checksum field. */
  checksumField(): number {
    return this.u16(10);
  }
  /** Source address (uint32). */
  srcAddr(): number {
    return this.u32(12);
  }
  /** Destination address (uint32). */
  dstAddr(): number {
    return this.u32(16);
  }
  /** True when the header checksum verifies. */
  verifyChecksum(): boolean {
    return checksum(this.buf, this.off, this.headerLen()) === 0;
  }
  /** Sets the TTL (checksum not updated; see `fillChecksum` or `ipv4DecTtl`). */
  setTtl(ttl: number): void {
    this.buf[this.off + 8] = ttl & 255;
  }
  /** Sets the source address (checksum not updated). */
  setSrcAddr(ip: number): void {
    this.w32(12, ip);
  }
  /** Sets the destination address (checksum not updated). */
  setDstAddr(ip: number): void {
    this.w32(16, ip);
  }
  /** Recomputes and writes the header checksum. */
  fillChecksum(): void {
    this.buf[this.off + 10] = 0;
    this.buf[this.off + 11] = 0;
    const c = checksum(this.buf, this.off, this.headerLen());
    this.buf[this.off + 10] = c >>> 8;
    this.buf[this.off + 11] = c & 255;
  }
  private u16(o: number): number {
    return (this.buf[this.off + o]! << 8) | this.buf[this.off + o + 1]!;
  }
  private u32(o: number): number {
    const b = this.buf;
    const p = this.off + o;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  private w32(o: number, x: number): void {
    const b = this.buf;
    const p = this.off + o;
    b[p] = x >>> 24;
    b[p + 1] = (x >>> 16) & 255;
    b[p + 2] = (x >>> 8) & 255;
    b[p + 3] = x & 255;
  }
}

/** A decoded IPv4 header. */
export interface Ipv4Repr {
  /** Source address (uint32). */
  src: number;
  /** Destination address (uint32). */
  dst: number;
  /** Protocol number. */
  proto: number;
  /** Time to live. */
  ttl: number;
  /** TOS byte. */
  tos: number;
  /** Identification. */
  id: number;
  /** Don't fragment. */
  df: boolean;
  /** More fragments. */
  mf: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset: number;
  /** Raw option bytes (length a multiple of 4, at most 40; empty when IHL = 5). */
  options: Uint8Array;
  /** Payload length (total length − header length). */
  payloadLen: number;
}

/** Options for {@link parseIpv4}. */
export interface Ipv4ParseOptions {
  /**
   * The header is quoted inside an ICMP error: the total length may exceed the bytes present.
   * Default false.
   */
  quoted?: boolean;
}

/**
 * Decodes the IPv4 header at the start of `bytes`. Throws {@link ParseError} when too short,
 * the version is not 4, IHL < 5, the total length is below the header or beyond the bytes (unless
 * `opts.quoted`), or the header checksum does not verify.
 */
export function parseIpv4(bytes: Uint8Array, opts?: Ipv4ParseOptions): Ipv4Repr {
  if (bytes.length < IPV4_HLEN) throw new ParseError('ipv4', `packet too short (${bytes.length} < ${IPV4_HLEN} bytes)`);
  const p = new Ipv4Packet().bind(bytes, 0);
  if (p.version() !== 4) throw new ParseError('ipv4', `bad version ${p.version()}`);
  const h = p.headerLen();
  if (h < IPV4_HLEN) throw new ParseError('ipv4', `bad IHL ${h / 4}`);
  if (h > bytes.length) throw new ParseError('ipv4', `header length ${h} exceeds packet (${bytes.length} bytes)`);
  const t = p.totalLen();
  if (t < h) throw new ParseError('ipv4', `bad total length ${t} (header is ${h})`);
  if (t > bytes.length && !opts?.quoted) throw new ParseError('ipv4', `total length ${t} exceeds packet (${bytes.length} bytes)`);
  if (!p.verifyChecksum()) throw new ParseError('ipv4', `bad header checksum 0x${p.checksumField().toString(16).padStart(4, '0')}`);
  return {
    src: p.srcAddr(),
    dst: p.dstAddr(),
    proto: p.protocol(),
    ttl: p.ttl(),
    tos: p.tos(),
    id: p.ident(),
    df: p.dontFrag(),
    mf: p.moreFrags(),
    fragOffset: p.fragOffset(),
    options: bytes.slice(IPV4_HLEN, h),
    payloadLen: t - h,
  };
}

/** Header bytes {@link emitIpv4} writes: 20 + options rounded up to 4. */
export function ipv4BufferLen(repr: Ipv4Repr): number {
  return IPV4_HLEN + ((repr.options.length + 3) & ~3);
}

/**
 * Writes the IPv4 header (options padded with zeros = EOL, checksum filled) at `buf[off…]`.
 * The payload (`repr.payloadLen` bytes) is the caller's to write after it.
 */
export function emitIpv4(repr: Ipv4Repr, buf: Uint8Array, off = 0): void {
  const h = ipv4BufferLen(repr);
  if (h > IPV4_MAX_HLEN) throw new DockernetError('EINVAL', `ipv4: options too long (${repr.options.length} bytes, at most 40)`);
  const t = h + repr.payloadLen;
  const frag = (repr.df ? IP_DF : 0) | (repr.mf ? IP_MF : 0) | ((repr.fragOffset >>> 3) & IP_OFFSET);
  buf[off] = 0x40 | (h >>> 2);
  buf[off + 1] = repr.tos & 255;
  buf[off + 2] = (t >>> 8) & 255;
  buf[off + 3] = t & 255;
  buf[off + 4] = (repr.id >>> 8) & 255;
  buf[off + 5] = repr.id & 255;
  buf[off + 6] = frag >>> 8;
  buf[off + 7] = frag & 255;
  buf[off + 8] = repr.ttl & 255;
  buf[off + 9] = repr.proto & 255;
  const p = new Ipv4Packet().bind(buf, off);
  p.setSrcAddr(repr.src);
  p.setDstAddr(repr.dst);
  buf.fill(0, off + IPV4_HLEN, off + h);
  buf.set(repr.options, off + IPV4_HLEN);
  p.fillChecksum();
}
