/**
 * One address pool of the default IPAM driver: a subnet with an allocation bitmap (network and
 * broadcast addresses reserved), an optional sub-range (`--ip-range`), first-free allocation and
 * immediate reuse of freed addresses (NOTES item 1).
 */
import { type Cidr, cidrBroadcast, cidrContains, cidrToString, ipToString } from '../../wire/addr.js';
import { ipAlreadyAllocated, noAvailableIps } from './errors.js';

/** A subnet and the addresses allocated in it. */
export class AddressPool {
  /** Allocated addresses as offsets from the subnet address (small integers, no boxed doubles). */
  private readonly used = new Set<number>();
  /** Every address of the range below this one is allocated (where first-free scanning starts). */
  private firstMaybeFree: number;
  /** First and last address (inclusive) dynamic allocation may use. */
  readonly rangeStart: number;
  readonly rangeEnd: number;

  constructor(
    /** The subnet. */
    readonly subnet: Cidr,
    /** `--ip-range`, inside the subnet, or null. */
    readonly range: Cidr | null = null,
  ) {
    const bcast = cidrBroadcast(subnet);
    const small = subnet.len >= 31;
    const lo = small ? subnet.addr : subnet.addr + 1;
    const hi = small ? bcast : bcast - 1;
    if (range) {
      this.rangeStart = Math.max(lo, range.addr);
      this.rangeEnd = Math.min(hi, cidrBroadcast(range));
    } else {
      this.rangeStart = lo;
      this.rangeEnd = hi;
    }
    this.firstMaybeFree = this.rangeStart;
  }

  private off(ip: number): number {
    // `| 0`: a small integer in every tier (a difference of two uint32 above 2^31 is a new heap
    // number in unoptimized code, and the set kept it: 16 B per allocated address); either form of
    // address gives the same offset
    return (ip - this.subnet.addr) | 0;
  }

  /** `a.b.c.d/n` of the subnet. */
  get cidr(): string {
    return cidrToString(this.subnet);
  }

  /** True when `ip` belongs to the subnet. */
  contains(ip: number): boolean {
    return cidrContains(this.subnet, ip);
  }

  /** True when `ip` is allocated. */
  isAllocated(ip: number): boolean {
    return this.used.has(this.off(ip));
  }

  /** Number of allocated addresses (gateway included). */
  get allocatedCount(): number {
    return this.used.size;
  }

  /**
   * Allocates `preferred` (throws "Address already in use" when taken; a static address may lie
   * outside --ip-range, as in net-12) or the lowest free address of the range.
   */
  allocate(preferred?: number | null): number {
    if (preferred !== undefined && preferred !== null) {
      const ip = preferred >>> 0;
      if (this.used.has(this.off(ip)) || ip === this.subnet.addr || ip === cidrBroadcast(this.subnet)) throw ipAlreadyAllocated();
      this.used.add(this.off(ip));
      return ip;
    }
    for (let ip = this.firstMaybeFree; ip <= this.rangeEnd; ip++) {
      if (!this.used.has(this.off(ip))) {
        this.used.add(this.off(ip));
        this.firstMaybeFree = ip + 1;
        return ip;
      }
    }
    this.firstMaybeFree = this.rangeEnd + 1;
    throw noAvailableIps();
  }

  /** Frees an address (no-op when not allocated). */
  release(ip: number): void {
    const a = ip >>> 0;
    if (this.used.delete(this.off(a)) && a >= this.rangeStart && a < this.firstMaybeFree) this.firstMaybeFree = a;
  }

  /** The allocated addresses as text, lowest first (for debugging and tests). */
  allocated(): string[] {
    return [...this.used].sort((a, b) => a - b).map((o) => ipToString((this.subnet.addr >>> 0) + o));
  }
}
