/**
 * ARP for IPv4 over Ethernet (RFC 826).
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Hardware type (1)        |     Protocol type (0x0800)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | HW len (6)    | Proto len (4) |           Opcode              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Sender hardware address (6)                    |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | Sender protocol address (4)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                Target hardware address (6)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Target protocol address (4)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * @module
 */
import { ParseError } from '../core/errors.js';
import { readMac, writeMac } from './addr.js';
import { ETH_P_IP } from './ethernet.js';

/** Byte offsets of the ARP fields (from the start of the ARP header). */
export const ArpField = {
  /** Hardware type. */
  HType: 0,
  /** Protocol type. */
  PType: 2,
  /** Hardware address length. */
  HLen: 4,
  /** Protocol address length. */
  PLen: 5,
  /** Opcode. */
  Op: 6,
  /** Sender hardware address. */
  Sha: 8,
  /** Sender protocol address. */
  Spa: 14,
  /** Target hardware address. */
  Tha: 18,
  /** Target protocol address. */
  Tpa: 24,
} as const;

/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LEN = 28;
/** ARP hardware type Ethernet. */
export const ARPHRD_ETHER = 1;
/** ARP opcode: request. */
export const ARPOP_REQUEST = 1;
/** ARP opcode: reply. */
export const ARPOP_REPLY = 2;

/** A reusable, allocation-free view of an ARP packet, rebound per packet with `bind`. */
export class ArpPacket {
  /** The bound buffer. */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the ARP header in `buf`. */
  off = 0;
  /** Points the view at `buf[off…]`; returns `this`. */
  bind(buf: Uint8Array, off = 0): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  /** True when `len` bytes hold a whole Ethernet/IPv4 ARP packet. */
  checkLen(len: number = this.buf.length - this.off): boolean {
    return len >= ARP_LEN;
  }
  /** Hardware type. */
  htype(): number {
    return (this.buf[this.off]! << 8) | this.buf[this.off + 1]!;
  }
  /** Protocol type. */
  ptype(): number {
    return (this.buf[this.off + 2]! << 8) | this.buf[this.off + 3]!;
  }
  /** Opcode. */
  op(): number {
    return (this.buf[this.off + 6]! << 8) | this.buf[this.off + 7]!;
  }
  /** Sender hardware address. */
  senderMac(): number {
    return readMac(this.buf, this.off + ArpField.Sha);
  }
  /** Sender IPv4 address. */
  senderIp(): number {
    return readU32(this.buf, this.off + ArpField.Spa);
  }
  /** Target hardware address. */
  targetMac(): number {
    return readMac(this.buf, this.off + ArpField.Tha);
  }
  /** Target IPv4 address. */
  targetIp(): number {
    return readU32(this.buf, this.off + ArpField.Tpa);
  }
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function writeU32(b: Uint8Array, o: number, x: number): void {
  b[o] = x >>> 24;
  b[o + 1] = (x >>> 16) & 255;
  b[o + 2] = (x >>> 8) & 255;
  b[o + 3] = x & 255;
}

/** A decoded Ethernet/IPv4 ARP packet. */
export interface ArpRepr {
  /** Opcode (1 request, 2 reply; other values kept). */
  op: number;
  /** Sender MAC. */
  senderMac: number;
  /** Sender IPv4 address. */
  senderIp: number;
  /** Target MAC (zero in a request). */
  targetMac: number;
  /** Target IPv4 address. */
  targetIp: number;
}

/**
 * Decodes an ARP packet (starting at its first byte, not the Ethernet header).
 * Throws {@link ParseError} when too short or not Ethernet/IPv4.
 */
export function parseArp(bytes: Uint8Array): ArpRepr {
  if (bytes.length < ARP_LEN) throw new ParseError('arp', `packet too short (${bytes.length} < ${ARP_LEN} bytes)`);
  const p = new ArpPacket().bind(bytes, 0);
  if (p.htype() !== ARPHRD_ETHER) throw new ParseError('arp', `unsupported hardware type ${p.htype()}`);
  if (p.ptype() !== ETH_P_IP) throw new ParseError('arp', `unsupported protocol type 0x${p.ptype().toString(16)}`);
  if (bytes[4] !== 6 || bytes[5] !== 4) throw new ParseError('arp', `bad address lengths ${bytes[4]}/${bytes[5]}`);
  return { op: p.op(), senderMac: p.senderMac(), senderIp: p.senderIp(), targetMac: p.targetMac(), targetIp: p.targetIp() };
}

/** Bytes {@link emitArp} writes: 28. */
export function arpBufferLen(_repr?: ArpRepr): number {
  return ARP_LEN;
}

/** Writes an Ethernet/IPv4 ARP packet at `buf[off…]`. */
export function emitArp(repr: ArpRepr, buf: Uint8Array, off = 0): void {
  buf[off] = 0;
  buf[off + 1] = ARPHRD_ETHER;
  buf[off + 2] = ETH_P_IP >>> 8;
  buf[off + 3] = ETH_P_IP & 255;
  buf[off + 4] = 6;
  buf[off + 5] = 4;
  buf[off + 6] = (repr.op >>> 8) & 255;
  buf[off + 7] = repr.op & 255;
  writeMac(buf, off + ArpField.Sha, repr.senderMac);
  writeU32(buf, off + ArpField.Spa, repr.senderIp);
  writeMac(buf, off + ArpField.Tha, repr.targetMac);
  writeU32(buf, off + ArpField.Tpa, repr.targetIp);
}
