/**
 * Checks on captured frames: IPv4 header and L4 checksums, and a capture tap for every device.
 */
import type { NetDevice } from '../../src/link/netdev.js';
import { checksum, pseudoHeaderSum } from '../../src/wire/checksum.js';

/** A frame seen on a device. */
export interface Captured {
  dev: NetDevice;
  dir: 'rx' | 'tx';
  bytes: Uint8Array;
}

/** Records every frame crossing `devs` (both directions). */
export function tapAll(devs: Iterable<NetDevice>, out: Captured[] = []): Captured[] {
  for (const d of devs) d.taps.push((dev, skb, dir) => out.push({ dev, dir, bytes: skb.bytes().slice() }));
  return out;
}

/** The IPv4 header fields a property looks at, or null for a non-IPv4 frame. */
export interface Ipv4Fields {
  src: number;
  dst: number;
  proto: number;
  ttl: number;
  id: number;
  /** Byte offset of the L4 header. */
  l4: number;
  /** IPv4 total length. */
  totLen: number;
}

/** The IPv4 fields of an Ethernet frame (null when it is not IPv4). */
export function ipv4Fields(f: Uint8Array): Ipv4Fields | null {
  if (f.length < 34 || f[12] !== 0x08 || f[13] !== 0x00) return null;
  const ihl = (f[14]! & 15) * 4;
  return {
    src: ((f[26]! << 24) | (f[27]! << 16) | (f[28]! << 8) | f[29]!) >>> 0,
    dst: ((f[30]! << 24) | (f[31]! << 16) | (f[32]! << 8) | f[33]!) >>> 0,
    proto: f[23]!,
    ttl: f[22]!,
    id: (f[18]! << 8) | f[19]!,
    l4: 14 + ihl,
    totLen: (f[16]! << 8) | f[17]!,
  };
}

/** Why a frame's checksums are wrong, or null when they are right (non-IPv4 frames pass). */
export function checksumError(f: Uint8Array): string | null {
  const ip = ipv4Fields(f);
  if (!ip) return null;
  if ((f[14]! >> 4) !== 4) return 'IP version';
  const ihl = ip.l4 - 14;
  if (checksum(f, 14, ihl) !== 0) return 'IPv4 header checksum';
  if (14 + ip.totLen > f.length) return 'IPv4 total length beyond the frame';
  const frag = ((f[20]! << 8) | f[21]!) & 0x3fff;
  if (frag) return null; // only first, unfragmented datagrams carry a whole L4 checksum
  const l4len = ip.totLen - ihl;
  if (ip.proto === 1 && checksum(f, ip.l4, l4len) !== 0) return 'ICMP checksum';
  if (ip.proto === 17) {
    const c = (f[ip.l4 + 6]! << 8) | f[ip.l4 + 7]!;
    if (c !== 0 && checksum(f, ip.l4, l4len, pseudoHeaderSum(ip.src, ip.dst, 17, l4len)) !== 0) return 'UDP checksum';
  }
  if (ip.proto === 6 && checksum(f, ip.l4, l4len, pseudoHeaderSum(ip.src, ip.dst, 6, l4len)) !== 0) return 'TCP checksum';
  return null;
}
