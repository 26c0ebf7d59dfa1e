/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624), over byte arrays.
 */

/** One's-complement sum of 16-bit big-endian words in `b[off, off+len)`, not folded, plus `init`. */
export function sum16(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  const end = off + (len & ~1);
  for (let i = off; i < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (len & 1) s += b[off + len - 1]! << 8;
  return s;
}

/** Folds a 32-bit+ sum to 16 bits and complements it. */
export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Internet checksum of `b[off, off+len)`. */
export function checksum(b: Uint8Array, off: number, len: number, init = 0): number {
  return fold(sum16(b, off, len, init));
}

/** Sum of the IPv4 pseudo-header (src, dst, protocol, L4 length) for TCP/UDP checksums. */
export function pseudoHeaderSum(src: number, dst: number, proto: number, l4len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4len;
}

/**
 * Incremental update of checksum `check` when a 16-bit field changes from `old` to `nw`
 * (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
 */
export function csumReplace16(check: number, old: number, nw: number): number {
  let s = (~check & 0xffff) + (~old & 0xffff) + (nw & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Incremental update when a 32-bit field (an IPv4 address) changes. */
export function csumReplace32(check: number, old: number, nw: number): number {
  let s = (~check & 0xffff) + (~(old >>> 16) & 0xffff) + (~old & 0xffff) + ((nw >>> 16) & 0xffff) + (nw & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
