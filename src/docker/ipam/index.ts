/** IPAM as libnetwork 20.10's default driver does it. */
export { Ipam, parseSubnet, type PoolRequest } from './ipam.js';
export { AddressPool } from './pool.js';
export { PoolCursor, defaultPools, cidrOverlaps } from './pools.js';
export { IpamError, type IpamCategory, ipAlreadyAllocated, noAvailableIps, poolOverlap, ipOutOfRange, noDefaultPool } from './errors.js';
