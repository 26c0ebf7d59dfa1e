/**
 * Identifiers and random link-layer addresses drawn from the engine's seeded Rng: 64-hex network
 * and endpoint ids, `veth<hex7>` names, Docker's 02:42 bridge MACs and kernel-random veth MACs.
 */
import type { Rng } from '../core/rng.js';

/** A 64-hex id whose 12-hex short form is not all digits (stringid.GenerateRandomID). */
export function newId(rng: Rng): string {
  for (;;) {
    const id = rng.hex(64);
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

/** libnetwork's host-side veth name: `veth` + 7 hex digits. */
export function vethName(rng: Rng): string {
  return 'veth' + rng.hex(7);
}

/** A MAC Docker gives bridges: 02:42 + 4 random bytes. */
export function dockerRandomMac(rng: Rng): number {
  return 0x0242 * 0x100000000 + rng.nextU32();
}

/** A kernel random MAC (`eth_random_addr`): locally administered, unicast. */
export function kernelRandomMac(rng: Rng): number {
  const hi = ((rng.nextU32() & 0xfeff) | 0x0200) & 0xfeff;
  return (hi & 0xffff) * 0x100000000 + rng.nextU32();
}
