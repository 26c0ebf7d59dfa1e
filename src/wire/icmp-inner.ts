/**
 * Access to the datagram quoted inside an ICMP error (the "inner" packet), for conntrack
 * (RELATED tracking uses the inner tuple) and NAT of ICMP errors (rewriting the inner addresses
 * and ports so the error matches the connection as the host behind the NAT knows it).
 *
 * ```text
 * skb.network → outer IPv4 header
 * skb.transport → ICMP type code checksum rest(4)
 *                 inner IPv4 header (IHL×4)       ← icmpInnerNetwork(skb)
 *                 inner L4: first 8 bytes (ports) ← icmpInnerTransport(skb)
 * ```
 *
 * Like the other hot-path helpers these read and write the one buffer and never allocate; they
 * are bounds-safe once {@link icmpInnerValidate} returned 0.
 *
 * @see Linux `nf_nat_icmp_reply_translation`, `icmp_error_message` (nf_conntrack_proto_icmp.c)
 * @module
 */
import type { SkBuff } from './skbuff.js';
import { checksum, csumReplace16, csumReplace32 } from './checksum.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IP_OFFSET } from './ipv4.js';
import { icmpIsError } from './icmp.js';

/** Reasons {@link icmpInnerValidate} refuses a frame (0 = usable). */
export const IcmpInnerInvalid = {
  /** The quoted datagram is usable. */
  Ok: 0,
  /** Not an ICMP error message. */
  NotError: 1,
  /** Fewer than 20 quoted bytes, or the quoted header is not IPv4 / its IHL does not fit. */
  BadHeader: 2,
  /** Fewer than 8 quoted L4 bytes (ports unavailable) for TCP/UDP/ICMP. */
  Truncated: 3,
} as const;

/** Offset of the quoted IPv4 header (transport + 8). */
export function icmpInnerNetwork(skb: SkBuff): number {
  return skb.transport + 8;
}

/** Offset of the quoted L4 header. */
export function icmpInnerTransport(skb: SkBuff): number {
  const n = skb.transport + 8;
  return n + (skb.data[n]! & 15) * 4;
}

/**
 * Checks that `skb` (already through `ipv4Validate`, protocol ICMP, first fragment) is an ICMP
 * error quoting a usable IPv4 header and at least 8 bytes of a TCP/UDP/ICMP header. Returns 0 or
 * an {@link IcmpInnerInvalid} reason; never throws. The quoted header's checksum is not checked
 * (Linux does not either).
 */
export function icmpInnerValidate(skb: SkBuff): number {
  const b = skb.data;
  const t = skb.transport;
  const end = Math.min(skb.len, b.length);
  if (t + 8 > end || !icmpIsError(b[t]!)) return IcmpInnerInvalid.NotError;
  const n = t + 8;
  if (n + 20 > end || b[n]! >>> 4 !== 4) return IcmpInnerInvalid.BadHeader;
  const ihl = (b[n]! & 15) * 4;
  if (ihl < 20 || n + ihl > end) return IcmpInnerInvalid.BadHeader;
  const proto = b[n + 9];
  const frag = ((b[n + 6]! << 8) | b[n + 7]!) & IP_OFFSET;
  if (frag === 0 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_ICMP) && n + ihl + 8 > end)
    return IcmpInnerInvalid.Truncated;
  return IcmpInnerInvalid.Ok;
}

/** Quoted datagram's source address. */
export function icmpInnerSrc(skb: SkBuff): number {
  return skb.view.getUint32(skb.transport + 8 + 12);
}
/** Quoted datagram's destination address. */
export function icmpInnerDst(skb: SkBuff): number {
  return skb.view.getUint32(skb.transport + 8 + 16);
}
/** Quoted datagram's protocol. */
export function icmpInnerProto(skb: SkBuff): number {
  return skb.data[skb.transport + 8 + 9]!;
}
/** Quoted datagram's source port (TCP/UDP; the echo identifier for ICMP). */
export function icmpInnerSrcPort(skb: SkBuff): number {
  const l4 = icmpInnerTransport(skb);
  return skb.view.getUint16(icmpInnerProto(skb) === IPPROTO_ICMP ? l4 + 4 : l4);
}
/** Quoted datagram's destination port (TCP/UDP; the echo identifier for ICMP). */
export function icmpInnerDstPort(skb: SkBuff): number {
  const l4 = icmpInnerTransport(skb);
  return skb.view.getUint16(icmpInnerProto(skb) === IPPROTO_ICMP ? l4 + 4 : l4 + 2);
}

/** Recomputes the outer ICMP checksum over the whole message (Linux does the same here). */
function refreshIcmpChecksum(skb: SkBuff): void {
  const v = skb.view;
  const n = skb.network;
  const t = skb.transport;
  const len = n + v.getUint16(n + 2) - t;
  v.setUint16(t + 2, 0);
  v.setUint16(t + 2, checksum(skb.data, t, len));
}

/** Quoted bytes available after `off` (the quote may stop short of the original datagram). */
function quotedEnd(skb: SkBuff): number {
  return skb.network + skb.view.getUint16(skb.network + 2);
}

function innerAddr(skb: SkBuff, fieldOff: number, ip: number): void {
  skb.ensureWritable();
  const v = skb.view;
  const n = skb.transport + 8;
  const old = v.getUint32(n + fieldOff);
  const nw = ip >>> 0;
  v.setUint32(n + fieldOff, nw);
  v.setUint16(n + 10, csumReplace32(v.getUint16(n + 10), old, nw));
  const proto = v.getUint8(n + 9);
  if ((v.getUint16(n + 6) & IP_OFFSET) === 0) {
    const l4 = n + (v.getUint8(n) & 15) * 4;
    const end = quotedEnd(skb);
    if (proto === IPPROTO_UDP && l4 + 8 <= end) {
      const c = v.getUint16(l4 + 6);
      if (c !== 0) {
        const nc = csumReplace32(c, old, nw);
        v.setUint16(l4 + 6, nc === 0 ? 0xffff : nc);
      }
    } else if (proto === IPPROTO_TCP && l4 + 18 <= end) {
      v.setUint16(l4 + 16, csumReplace32(v.getUint16(l4 + 16), old, nw));
    }
  }
  refreshIcmpChecksum(skb);
}

function innerPort(skb: SkBuff, which: 0 | 2, port: number): void {
  skb.ensureWritable();
  const v = skb.view;
  const n = skb.transport + 8;
  const proto = v.getUint8(n + 9);
  if ((v.getUint16(n + 6) & IP_OFFSET) !== 0) return;
  const l4 = n + (v.getUint8(n) & 15) * 4;
  const end = quotedEnd(skb);
  const pOff = proto === IPPROTO_ICMP ? l4 + 4 : l4 + which;
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_ICMP) return;
  const old = v.getUint16(pOff);
  const nw = port & 0xffff;
  v.setUint16(pOff, nw);
  if (proto === IPPROTO_UDP) {
    const c = v.getUint16(l4 + 6);
    if (c !== 0) {
      const nc = csumReplace16(c, old, nw);
      v.setUint16(l4 + 6, nc === 0 ? 0xffff : nc);
    }
  } else if (proto === IPPROTO_TCP && l4 + 18 <= end) {
    v.setUint16(l4 + 16, csumReplace16(v.getUint16(l4 + 16), old, nw));
  } else if (proto === IPPROTO_ICMP) {
    v.setUint16(l4 + 2, csumReplace16(v.getUint16(l4 + 2), old, nw));
  }
  refreshIcmpChecksum(skb);
}

/**
 * Rewrites the quoted datagram's source address: patches the quoted IP checksum and (when quoted)
 * the quoted UDP/TCP checksum incrementally, then recomputes the ICMP checksum. Requires
 * {@link icmpInnerValidate} = 0.
 */
export function icmpInnerSetSrc(skb: SkBuff, ip: number): void {
  innerAddr(skb, 12, ip);
}
/** Rewrites the quoted datagram's destination address, as {@link icmpInnerSetSrc}. */
export function icmpInnerSetDst(skb: SkBuff, ip: number): void {
  innerAddr(skb, 16, ip);
}
/** Rewrites the quoted datagram's source port (ICMP: echo identifier), fixing the checksums it can. */
export function icmpInnerSetSrcPort(skb: SkBuff, port: number): void {
  innerPort(skb, 0, port);
}
/** Rewrites the quoted datagram's destination port (ICMP: echo identifier), as {@link icmpInnerSetSrcPort}. */
export function icmpInnerSetDstPort(skb: SkBuff, port: number): void {
  innerPort(skb, 2, port);
}
