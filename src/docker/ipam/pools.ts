/**
 * libnetwork's local default address pools (ipamutils): 172.17.0.0/16 … 172.31.0.0/16, then
 * 192.168.0.0/16 split in /20s; and the round-robin cursor of `getPredefinedPool`, which survives
 * network removal and wraps to the start (NOTES items 1–2).
 */
import { type Cidr, prefixMask } from '../../wire/addr.js';

/** The 31 default pools in libnetwork's order. */
export function defaultPools(): Cidr[] {
  const out: Cidr[] = [];
  for (let b = 17; b <= 31; b++) out.push({ addr: ((172 << 24) | (b << 16)) >>> 0, len: 16 });
  for (let c = 0; c < 256; c += 16) out.push({ addr: ((192 << 24) | (168 << 16) | (c << 8)) >>> 0, len: 20 });
  return out;
}

/** {@link defaultPools}, made once and frozen: what every engine's IPAM starts from (they never change it). */
export const DEFAULT_POOLS: readonly Cidr[] = Object.freeze(defaultPools().map((c) => Object.freeze(c)));

/** True when two prefixes share an address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.len, b.len);
  const m = prefixMask(len);
  return ((a.addr & m) >>> 0) === ((b.addr & m) >>> 0);
}

/**
 * The predefined-pool cursor: the search starts where the last hand-out stopped and wraps around.
 * `pick` returns the first pool at or after the cursor that overlaps none of `inUse`.
 */
export class PoolCursor {
  /** Index of the next pool to try. */
  index = 0;
  constructor(readonly pools: readonly Cidr[] = DEFAULT_POOLS) {}

  /** Hands out a pool and moves the cursor past it, or returns null when every pool overlaps. */
  pick(inUse: readonly Cidr[]): Cidr | null {
    const n = this.pools.length;
    for (let k = 0; k < n; k++) {
      const i = (this.index + k) % n;
      const p = this.pools[i]!;
      if (inUse.some((u) => cidrOverlaps(u, p))) continue;
      this.index = i + 1 >= n ? 0 : i + 1;
      return p;
    }
    return null;
  }
}
