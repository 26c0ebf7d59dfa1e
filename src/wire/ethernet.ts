/**
 * Ethernet II frames (IEEE 802.3 with an EtherType).
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Destination MAC address (6 octets)            |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                   Source MAC address (6 octets)               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          EtherType            |   Payload …
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * @module
 */
import { ParseError } from '../core/errors.js';
import { readMac, writeMac } from './addr.js';

/** Byte offsets of the Ethernet II header fields. */
export const EthernetField = {
  /** Destination MAC (6 bytes). */
  Dst: 0,
  /** Source MAC (6 bytes). */
  Src: 6,
  /** EtherType (2 bytes). */
  EtherType: 12,
  /** First payload byte. */
  Payload: 14,
} as const;

/** Length of an Ethernet II header. */
export const ETH_HLEN = 14;
/** Minimum Ethernet frame length without FCS (shorter frames are padded on a real wire). */
export const ETH_ZLEN = 60;
/** EtherType IPv4. */
export const ETH_P_IP = 0x0800;
/** EtherType ARP. */
export const ETH_P_ARP = 0x0806;
/** EtherType IPv6. */
export const ETH_P_IPV6 = 0x86dd;
/** EtherType 802.1Q VLAN tag. */
export const ETH_P_8021Q = 0x8100;

/**
 * A reusable, allocation-free view of an Ethernet header in a byte buffer: rebind it with
 * {@link EthernetFrame.bind} per packet. Accessors do not check bounds; call `checkLen` first on
 * untrusted bytes.
 */
export class EthernetFrame {
  /** The bound buffer. */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the header in `buf`. */
  off = 0;

  /** Points the view at `buf[off…]`; returns `this`. */
  bind(buf: Uint8Array, off = 0): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  /** True when `len` bytes from `off` hold a whole header. */
  checkLen(len: number = this.buf.length - this.off): boolean {
    return len >= ETH_HLEN;
  }
  /** Destination MAC (48-bit number). */
  dstAddr(): number {
    return readMac(this.buf, this.off);
  }
  /** Source MAC (48-bit number). */
  srcAddr(): number {
    return readMac(this.buf, this.off + 6);
  }
  /** EtherType. */
  ethertype(): number {
    return (this.buf[this.off + 12]! << 8) | this.buf[this.off + 13]!;
  }
  /** Sets the destination MAC. */
  setDstAddr(mac: number): void {
    writeMac(this.buf, this.off, mac);
  }
  /** Sets the source MAC. */
  setSrcAddr(mac: number): void {
    writeMac(this.buf, this.off + 6, mac);
  }
  /** Sets the EtherType. */
  setEthertype(t: number): void {
    this.buf[this.off + 12] = (t >>> 8) & 255;
    this.buf[this.off + 13] = t & 255;
  }
}

/** The decoded Ethernet II header. */
export interface EthernetRepr {
  /** Destination MAC (48-bit number). */
  dst: number;
  /** Source MAC (48-bit number). */
  src: number;
  /** EtherType (an unknown value is kept as is). */
  ethertype: number;
}

/** Decodes an Ethernet II header; throws {@link ParseError} when shorter than 14 bytes. */
export function parseEthernet(bytes: Uint8Array): EthernetRepr {
  if (bytes.length < ETH_HLEN) throw new ParseError('ethernet', `frame too short (${bytes.length} < ${ETH_HLEN} bytes)`);
  return {
    dst: readMac(bytes, 0),
    src: readMac(bytes, 6),
    ethertype: (bytes[12]! << 8) | bytes[13]!,
  };
}

/** Bytes {@link emitEthernet} writes: 14. */
export function ethernetBufferLen(_repr?: EthernetRepr): number {
  return ETH_HLEN;
}

/** Writes the Ethernet header at `buf[off…]`. */
export function emitEthernet(repr: EthernetRepr, buf: Uint8Array, off = 0): void {
  writeMac(buf, off, repr.dst);
  writeMac(buf, off + 6, repr.src);
  buf[off + 12] = (repr.ethertype >>> 8) & 255;
  buf[off + 13] = repr.ethertype & 255;
}
