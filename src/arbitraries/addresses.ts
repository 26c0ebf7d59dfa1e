/**
 * fast-check arbitraries for addresses, in the packet-path representation: MAC as a 48-bit number,
 * IPv4 as a uint32, prefixes as {@link Cidr}. All shrink towards small numbers (00:…:00, 0.0.0.0,
 * short prefixes).
 *
 * @module
 */
import fc from 'fast-check';
import { prefixMask, type Cidr } from '../wire/addr.js';

/** Constraints for {@link macAddress}. */
export interface MacAddressConstraints {
  /** Only unicast addresses (I/G bit of the first byte clear). Default false. */
  unicast?: boolean;
  /** Only Docker-style `02:42:xx:xx:xx:xx` addresses. Default false. */
  docker?: boolean;
}

/**
 * A MAC address as a 48-bit number (`0 … 2^48−1`).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(macAddress({ unicast: true }), (m) => !macIsMulticast(m)));
 * ```
 */
export function macAddress(constraints: MacAddressConstraints = {}): fc.Arbitrary<number> {
  if (constraints.docker) return fc.integer({ min: 0, max: 0xffffffff }).map((lo) => 0x0242 * 0x100000000 + lo);
  const any = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }));
  return any.map(([hi, lo]) => (constraints.unicast ? hi & 0xfeff : hi) * 0x100000000 + lo);
}

/** Constraints for {@link ipv4Address}. */
export interface Ipv4AddressConstraints {
  /** Only addresses inside this prefix. */
  within?: Cidr;
}

/** An IPv4 address as a uint32 (optionally inside a prefix). */
export function ipv4Address(constraints: Ipv4AddressConstraints = {}): fc.Arbitrary<number> {
  const w = constraints.within;
  if (!w) return fc.integer({ min: 0, max: 0xffffffff });
  const hostBits = 32 - w.len;
  const max = hostBits === 32 ? 0xffffffff : 2 ** hostBits - 1;
  return fc.integer({ min: 0, max }).map((h) => (w.addr + h) >>> 0);
}

/** Constraints for {@link ipv4Subnet}. */
export interface Ipv4SubnetConstraints {
  /** Shortest prefix length; default 0. */
  minLen?: number;
  /** Longest prefix length; default 32. */
  maxLen?: number;
}

/** An IPv4 prefix with its host bits zero (`{ addr, len }`). */
export function ipv4Subnet(constraints: Ipv4SubnetConstraints = {}): fc.Arbitrary<Cidr> {
  const minLen = constraints.minLen ?? 0;
  const maxLen = constraints.maxLen ?? 32;
  return fc
    .tuple(fc.integer({ min: minLen, max: maxLen }), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([len, a]) => ({ addr: (a & prefixMask(len)) >>> 0, len }));
}
