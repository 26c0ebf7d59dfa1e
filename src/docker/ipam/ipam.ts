/**
 * The default IPAM driver of one address space (libnetwork ipam/allocator.go): pools requested by
 * subnet or taken from the predefined list, addresses requested per pool.
 */
import { type Cidr, cidrContains, parseCidr, tryParseIp } from '../../wire/addr.js';
import { IpamError, noDefaultPool, poolOverlap } from './errors.js';
import { AddressPool } from './pool.js';
import { DEFAULT_POOLS, PoolCursor, cidrOverlaps } from './pools.js';

/** Options of {@link Ipam.requestPool}. */
export interface PoolRequest {
  /** `--subnet`; empty or absent for a predefined pool. */
  subnet?: string;
  /** `--ip-range`. */
  ipRange?: string;
}

/** The pools of the local address space. */
export class Ipam {
  private readonly pools = new Map<string, AddressPool>();
  /** The predefined-pool cursor (survives releases). */
  readonly cursor: PoolCursor;

  constructor(pools: readonly Cidr[] = DEFAULT_POOLS) {
    this.cursor = new PoolCursor(pools);
  }

  /** Allocates a pool; returns it. Errors: overlap, no default pool left, bad --ip-range. */
  requestPool(req: PoolRequest = {}): AddressPool {
    const inUse = [...this.pools.values()].map((p) => p.subnet);
    let subnet: Cidr;
    if (req.subnet) {
      const c = parseSubnet(req.subnet);
      if (inUse.some((u) => cidrOverlaps(u, c))) throw poolOverlap();
      subnet = c;
    } else {
      const p = this.cursor.pick(inUse);
      if (!p) throw noDefaultPool();
      subnet = p;
    }
    let range: Cidr | null = null;
    if (req.ipRange) {
      range = parseSubnet(req.ipRange);
      if (!cidrContains(subnet, range.addr) || range.len < subnet.len)
        throw new IpamError('BadRequest', `Invalid IP range ${req.ipRange}: it does not belong to subnet ${req.subnet ?? ''}`);
    }
    const pool = new AddressPool(subnet, range);
    this.pools.set(pool.cidr, pool);
    return pool;
  }

  /** Releases a pool (its subnet becomes free; the cursor does not move back). */
  releasePool(pool: AddressPool): void {
    this.pools.delete(pool.cidr);
  }

  /** Every allocated pool. */
  list(): AddressPool[] {
    return [...this.pools.values()];
  }
}

/** Parses a `--subnet`/`--ip-range` value (host bits are masked like Go's ParseCIDR). */
export function parseSubnet(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0 || tryParseIp(text.slice(0, slash)) < 0 || !/^\d{1,2}$/.test(text.slice(slash + 1)) || Number(text.slice(slash + 1)) > 32)
    throw new IpamError('BadRequest', `invalid CIDR address: ${text}`);
  const c = parseCidr(text);
  return { addr: c.addr, len: c.len };
}
