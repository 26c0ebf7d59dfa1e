/**
 * Topology-free conveniences: a namespace, and a veth pair joining two namespaces.
 *
 * @module
 */
import type { Sim } from '../core/scheduler.js';
import { Rng } from '../core/rng.js';
import { createVethPair } from '../link/veth.js';
import type { VethDevice } from '../link/veth.js';
import { NetNamespace } from './netns.js';

/** Creates a namespace with only `lo` (up, 127.0.0.1/8). */
export function createNetns(sim: Sim, name: string, rng?: Rng): NetNamespace {
  return new NetNamespace(sim, name, rng ?? new Rng(`netns:${name}`));
}

/** A random locally administered unicast MAC, as Linux `eth_random_addr`. */
export function randomMac(rng: Rng): number {
  const b = rng.bytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** MAC of the end in `nsA` (default random from `nsA.rng`). */
  macA?: number;
  /** MAC of the end in `nsB` (default random from `nsB.rng`). */
  macB?: number;
  /** Leave both ends down (default: both up). */
  down?: boolean;
}

/**
 * Creates a veth pair `devA` (in `nsA`) ↔ `devB` (in `nsB`) the way Docker does: both ends are
 * created in `nsA`, then `devB` is moved into `nsB` (keeping its ifindex if free there), and both
 * are set up.
 */
export function connect(nsA: NetNamespace, devA: string, nsB: NetNamespace, devB: string, opts: ConnectOptions = {}): [VethDevice, VethDevice] {
  const [a, b] = createVethPair(nsA.sim, devA, opts.macA ?? randomMac(nsA.rng), `${devB}.tmp`, opts.macB ?? randomMac(nsB.rng));
  // `ip link add devA type veth peer name devB`: the kernel registers the peer first
  nsA.addDevice(b);
  nsA.addDevice(a);
  nsA.moveDevice(b, nsB, devB);
  if (!opts.down) {
    nsA.setLinkUp(a, true);
    nsB.setLinkUp(b, true);
  }
  return [a, b];
}
