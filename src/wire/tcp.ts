/**
 * TCP headers (RFC 9293) and options (MSS, window scale, SACK-permitted, SACK, timestamps, NOP,
 * EOL; unknown options are kept raw). The checksum covers the IPv4 pseudo-header.
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * @module
 */
import { DockernetError, ParseError } from '../core/errors.js';
import { fold, pseudoHeaderSum, sum16 } from './checksum.js';
import { IPPROTO_TCP } from './ipv4.js';
import type { PseudoHeader } from './udp.js';

/** Byte offsets of the TCP header fields. */
export const TcpField = {
  /** Source port. */
  SrcPort: 0,
  /** Destination port. */
  DstPort: 2,
  /** Sequence number. */
  Seq: 4,
  /** Acknowledgment number. */
  Ack: 8,
  /** Data offset (high nibble, 32-bit words). */
  DataOff: 12,
  /** Flags (FIN … CWR). */
  Flags: 13,
  /** Window. */
  Window: 14,
  /** Checksum. */
  Check: 16,
  /** Urgent pointer. */
  Urgent: 18,
  /** Options. */
  Options: 20,
} as const;

/** Length of a TCP header without options. */
export const TCP_HLEN = 20;
/** Longest TCP header (data offset 15). */
export const TCP_MAX_HLEN = 60;

/** TCP FIN flag. */
export const TCP_FIN = 0x01;
/** TCP SYN flag. */
export const TCP_SYN = 0x02;
/** TCP RST flag. */
export const TCP_RST = 0x04;
/** TCP PSH flag. */
export const TCP_PSH = 0x08;
/** TCP ACK flag. */
export const TCP_ACK = 0x10;
/** TCP URG flag. */
export const TCP_URG = 0x20;
/** TCP ECE flag. */
export const TCP_ECE = 0x40;
/** TCP CWR flag. */
export const TCP_CWR = 0x80;

/** TCP option kinds. */
export const TcpOptionKind = {
  /** End of option list. */
  Eol: 0,
  /** No-operation (padding between options). */
  Nop: 1,
  /** Maximum segment size (length 4). */
  Mss: 2,
  /** Window scale (length 3). */
  WScale: 3,
  /** SACK permitted (length 2). */
  SackPermitted: 4,
  /** SACK blocks (length 2 + 8n). */
  Sack: 5,
  /** Timestamps (length 10). */
  Timestamps: 8,
} as const;

/**
 * One TCP option, in header order. EOL and the padding after it are implicit: parsing stops at
 * EOL and emitting pads with zeros to a multiple of 4 bytes. A known kind whose length is wrong
 * is kept as `unknown`.
 */
export type TcpOption =
  | {
      /** Maximum segment size (kind 2). */
      kind: 'mss';
      /** The MSS in bytes. */
      mss: number;
    }
  | {
      /** Window scale (kind 3). */
      kind: 'wscale';
      /** Shift count. */
      shift: number;
    }
  | {
      /** SACK permitted (kind 4). */
      kind: 'sackPermitted';
    }
  | {
      /** SACK blocks (kind 5). */
      kind: 'sack';
      /** [left edge, right edge] pairs. */
      blocks: Array<[number, number]>;
    }
  | {
      /** Timestamps (kind 8). */
      kind: 'timestamps';
      /** TS value. */
      tsval: number;
      /** TS echo reply. */
      tsecr: number;
    }
  | {
      /** No-operation (kind 1). */
      kind: 'nop';
    }
  | {
      /** Any other option, raw (or a known kind with the wrong length). */
      kind: 'unknown';
      /** Option kind. */
      type: number;
      /** Option data (after kind and length). */
      data: Uint8Array;
    };

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function w32(b: Uint8Array, o: number, x: number): void {
  b[o] = x >>> 24;
  b[o + 1] = (x >>> 16) & 255;
  b[o + 2] = (x >>> 8) & 255;
  b[o + 3] = x & 255;
}

/** Encoded length of a TCP option list, before padding. */
export function tcpOptionsLen(options: readonly TcpOption[]): number {
  let n = 0;
  for (const o of options) {
    switch (o.kind) {
      case 'mss': n += 4; break;
      case 'wscale': n += 3; break;
      case 'sackPermitted': n += 2; break;
      case 'sack': n += 2 + 8 * o.blocks.length; break;
      case 'timestamps': n += 10; break;
      case 'nop': n += 1; break;
      case 'unknown': n += 2 + o.data.length; break;
    }
  }
  return n;
}

/** Writes TCP options at `off`; returns the number of bytes written (before padding). */
export function writeTcpOptions(b: Uint8Array, off: number, options: readonly TcpOption[]): number {
  let p = off;
  for (const o of options) {
    switch (o.kind) {
      case 'mss':
        b[p] = 2; b[p + 1] = 4; b[p + 2] = (o.mss >>> 8) & 255; b[p + 3] = o.mss & 255; p += 4;
        break;
      case 'wscale':
        b[p] = 3; b[p + 1] = 3; b[p + 2] = o.shift & 255; p += 3;
        break;
      case 'sackPermitted':
        b[p] = 4; b[p + 1] = 2; p += 2;
        break;
      case 'sack':
        b[p] = 5; b[p + 1] = 2 + 8 * o.blocks.length; p += 2;
        for (const [l, r] of o.blocks) { w32(b, p, l); w32(b, p + 4, r); p += 8; }
        break;
      case 'timestamps':
        b[p] = 8; b[p + 1] = 10; w32(b, p + 2, o.tsval); w32(b, p + 6, o.tsecr); p += 10;
        break;
      case 'nop':
        b[p] = 1; p += 1;
        break;
      case 'unknown':
        b[p] = o.type & 255; b[p + 1] = 2 + o.data.length; b.set(o.data, p + 2); p += 2 + o.data.length;
        break;
    }
  }
  return p - off;
}

/**
 * Offset of the first option at or after `p` in `b[p, end)`, NOPs skipped; -1 at EOL, at `end`, or
 * at a malformed option (length byte missing, below 2 or past `end`), where Linux
 * `tcp_parse_options` stops too. The option's kind is `b[off]`, its length `b[off + 1]`, and the
 * next one is looked for from `off + b[off + 1]`. Allocation-free, for the per-segment path.
 */
export function tcpOptionAt(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const k = b[p]!;
    if (k === TcpOptionKind.Eol) return -1;
    if (k === TcpOptionKind.Nop) {
      p++;
      continue;
    }
    if (p + 1 >= end) return -1;
    const l = b[p + 1]!;
    if (l < 2 || p + l > end) return -1;
    return p;
  }
  return -1;
}

/**
 * Decodes the options in `b[off, end)`. Throws {@link ParseError} on an option whose length byte
 * is missing, below 2 or runs past the header.
 */
export function parseTcpOptions(b: Uint8Array, off: number, end: number): TcpOption[] {
  const out: TcpOption[] = [];
  let p = off;
  while (p < end) {
    const k = b[p]!;
    if (k === TcpOptionKind.Eol) break;
    if (k === TcpOptionKind.Nop) { out.push({ kind: 'nop' }); p++; continue; }
    if (p + 1 >= end) throw new ParseError('tcp', `option ${k} truncated`);
    const l = b[p + 1]!;
    if (l < 2 || p + l > end) throw new ParseError('tcp', `option ${k} has bad length ${l}`);
    if (k === TcpOptionKind.Mss && l === 4) out.push({ kind: 'mss', mss: (b[p + 2]! << 8) | b[p + 3]! });
    else if (k === TcpOptionKind.WScale && l === 3) out.push({ kind: 'wscale', shift: b[p + 2]! });
    else if (k === TcpOptionKind.SackPermitted && l === 2) out.push({ kind: 'sackPermitted' });
    else if (k === TcpOptionKind.Sack && (l - 2) % 8 === 0) {
      const blocks: Array<[number, number]> = [];
      for (let q = p + 2; q < p + l; q += 8) blocks.push([u32(b, q), u32(b, q + 4)]);
      out.push({ kind: 'sack', blocks });
    } else if (k === TcpOptionKind.Timestamps && l === 10) out.push({ kind: 'timestamps', tsval: u32(b, p + 2), tsecr: u32(b, p + 6) });
    else out.push({ kind: 'unknown', type: k, data: b.slice(p + 2, p + l) });
    p += l;
  }
  return out;
}

/** A reusable, allocation-free view of a TCP header, rebound per packet with `bind`. */
export class TcpPacket {
  /** The bound buffer. */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the TCP header in `buf`. */
  off = 0;
  /** Length of the segment (header + data). */
  len = 0;
  /** Points the view at the `len`-byte segment at `buf[off…]`; returns `this`. */
  bind(buf: Uint8Array, off = 0, len: number = buf.length - off): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
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
  /** Sequence number. */
  seqNumber(): number {
    return u32(this.buf, this.off + 4);
  }
  /** Acknowledgment number. */
  ackNumber(): number {
    return u32(this.buf, this.off + 8);
  }
  /** Header length in bytes (data offset × 4). */
  headerLen(): number {
    return (this.buf[this.off + 12]! >>> 4) * 4;
  }
  /** Flag byte. */
  flags(): number {
    return this.buf[this.off + 13]!;
  }
  /** Window (unscaled). */
  window(): number {
    return this.u16(14);
  }
  /** Checksum field. */
  checksumField(): number {
    return this.u16(16);
  }
  /** Urgent pointer. */
  urgent(): number {
    return this.u16(18);
  }
  /** True when the checksum verifies against the pseudo-header. */
  verifyChecksum(src: number, dst: number): boolean {
    return fold(sum16(this.buf, this.off, this.len, pseudoHeaderSum(src, dst, IPPROTO_TCP, this.len))) === 0;
  }
  /** Recomputes and writes the checksum over the segment. */
  fillChecksum(src: number, dst: number): void {
    const b = this.buf;
    const o = this.off;
    b[o + 16] = 0;
    b[o + 17] = 0;
    const c = fold(sum16(b, o, this.len, pseudoHeaderSum(src, dst, IPPROTO_TCP, this.len)));
    b[o + 16] = c >>> 8;
    b[o + 17] = c & 255;
  }
  private u16(o: number): number {
    return (this.buf[this.off + o]! << 8) | this.buf[this.off + o + 1]!;
  }
}

/** A decoded TCP segment. */
export interface TcpRepr {
  /** Source port. */
  sport: number;
  /** Destination port. */
  dport: number;
  /** Sequence number (uint32). */
  seq: number;
  /** Acknowledgment number (uint32). */
  ack: number;
  /** Flag byte (`TCP_SYN | TCP_ACK` …). */
  flags: number;
  /** Window (unscaled). */
  window: number;
  /** Urgent pointer. */
  urgent: number;
  /** Options in header order. */
  options: TcpOption[];
  /** Data. */
  payload: Uint8Array;
}

/**
 * Decodes a TCP segment (`bytes` is the IP payload). With `pseudo`, the checksum is verified.
 * Throws {@link ParseError} when shorter than 20 bytes, the data offset is below 5 or past the
 * end, an option is malformed, or the checksum fails.
 */
export function parseTcp(bytes: Uint8Array, pseudo?: PseudoHeader): TcpRepr {
  if (bytes.length < TCP_HLEN) throw new ParseError('tcp', `segment too short (${bytes.length} < ${TCP_HLEN} bytes)`);
  const p = new TcpPacket().bind(bytes, 0, bytes.length);
  const h = p.headerLen();
  if (h < TCP_HLEN) throw new ParseError('tcp', `bad data offset ${h / 4}`);
  if (h > bytes.length) throw new ParseError('tcp', `header length ${h} exceeds segment (${bytes.length} bytes)`);
  if (pseudo && !p.verifyChecksum(pseudo.src, pseudo.dst))
    throw new ParseError('tcp', `bad checksum 0x${p.checksumField().toString(16).padStart(4, '0')}`);
  return {
    sport: p.srcPort(),
    dport: p.dstPort(),
    seq: p.seqNumber(),
    ack: p.ackNumber(),
    flags: p.flags(),
    window: p.window(),
    urgent: p.urgent(),
    options: parseTcpOptions(bytes, TCP_HLEN, h),
    payload: bytes.slice(h),
  };
}

/** Header length {@link emitTcp} writes: 20 + options padded to 4. */
export function tcpReprHeaderLen(repr: Pick<TcpRepr, 'options'>): number {
  return TCP_HLEN + ((tcpOptionsLen(repr.options) + 3) & ~3);
}

/** Bytes {@link emitTcp} writes: header + payload. */
export function tcpBufferLen(repr: TcpRepr): number {
  return tcpReprHeaderLen(repr) + repr.payload.length;
}

/**
 * Writes the TCP segment at `buf[off…]` with its checksum over the pseudo-header `src`/`dst`.
 * Throws {@link DockernetError} when the options exceed 40 bytes.
 */
export function emitTcp(repr: TcpRepr, buf: Uint8Array, off: number, src: number, dst: number): void {
  const h = tcpReprHeaderLen(repr);
  if (h > TCP_MAX_HLEN) throw new DockernetError('EINVAL', `tcp: options too long (${h - TCP_HLEN} bytes, at most 40)`);
  buf[off] = (repr.sport >>> 8) & 255;
  buf[off + 1] = repr.sport & 255;
  buf[off + 2] = (repr.dport >>> 8) & 255;
  buf[off + 3] = repr.dport & 255;
  w32(buf, off + 4, repr.seq);
  w32(buf, off + 8, repr.ack);
  buf[off + 12] = (h >>> 2) << 4;
  buf[off + 13] = repr.flags & 255;
  buf[off + 14] = (repr.window >>> 8) & 255;
  buf[off + 15] = repr.window & 255;
  buf[off + 18] = (repr.urgent >>> 8) & 255;
  buf[off + 19] = repr.urgent & 255;
  const n = writeTcpOptions(buf, off + TCP_HLEN, repr.options);
  buf.fill(0, off + TCP_HLEN + n, off + h);
  buf.set(repr.payload, off + h);
  new TcpPacket().bind(buf, off, h + repr.payload.length).fillChecksum(src, dst);
}
