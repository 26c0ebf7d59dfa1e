/**
 * macvlan devices in bridge mode, after Linux `drivers/net/macvlan.c`: several virtual devices with
 * their own MACs on top of one lower ("parent") device.
 *
 * ```text
 *  macvlan xmit ─┬─ dst = sibling MAC ─► sibling rx (directly, never out of the parent)
 *                ├─ broadcast/multicast ─► every other sibling (clones) + out of the parent
 *                └─ else ─► parent.xmit
 *  parent rx ────┬─ dst = a macvlan MAC ─► that macvlan rx
 *                ├─ broadcast/multicast ─► every macvlan (clones) + the parent's own stack
 *                └─ else ─► the parent's own stack
 * ```
 *
 * Frames the parent's own namespace transmits go straight out of the parent and never reach the
 * macvlans, and frames from the macvlans never reach the parent's stack: the host and its macvlan
 * children cannot talk to each other through the parent, as on Linux.
 *
 * @module
 */
import { DockernetError } from '../core/errors.js';
import type { Sim } from '../core/scheduler.js';
import { readMac } from '../wire/addr.js';
import type { SkBuff } from '../wire/skbuff.js';
import { NetDevice } from './netdev.js';

/** macvlan modes (`ip link add … type macvlan mode MODE`); only `bridge` (docker's default) is modelled. */
export type MacvlanMode = 'bridge';

/**
 * The macvlan state of a lower device (Linux `struct macvlan_port`): its macvlans by MAC. Installed
 * as the lower device's `portHandler` while it has at least one macvlan.
 */
export class MacvlanPort {
  /** The lower (parent) device. */
  readonly lower: NetDevice;
  /** The macvlans on this lower device, in creation order. */
  readonly vlans: MacvlanDevice[] = [];
  /** macvlans by MAC number. */
  readonly byMac = new Map<number, MacvlanDevice>();
  /** The rx handler installed on the lower device (Linux `macvlan_handle_frame`). */
  readonly handler: (dev: NetDevice, skb: SkBuff) => void;

  constructor(lower: NetDevice) {
    this.lower = lower;
    // a local first, then stored: V8 allocates a function literal assigned straight to a property in the
    // old generation, and its closure would keep the port and its engine alive through every scavenge
    // (docs/performance.md)
    const handler = (_dev: NetDevice, skb: SkBuff): void => macvlanHandleFrame(this, skb);
    this.handler = handler;
  }
}

const ports = new WeakMap<NetDevice, MacvlanPort>();

/** The macvlan port of a lower device, if it has macvlans. */
export function macvlanPortOf(lower: NetDevice): MacvlanPort | undefined {
  return ports.get(lower);
}

/**
 * A macvlan device (bridge mode). Create it with {@link createMacvlan}; it usually moves to a
 * container namespace as `eth0`/`ethN`, while its lower device stays in the host namespace.
 *
 * Details: `operUp` needs both its own admin state and the lower device's carrier. A macvlan that
 * is administratively down is invisible to its siblings and to the lower device's rx path (Linux
 * hashes only open macvlans). While it is up
 * and its MAC differs from the lower device's, that MAC is in the lower device's unicast address
 * list (`bridge fdb show` lists it as `self permanent` on the parent).
 */
export class MacvlanDevice extends NetDevice {
  /** The lower (parent) device. */
  readonly lower: NetDevice;
  /** Mode; always `bridge` here. */
  readonly mode: MacvlanMode = 'bridge';
  /** @internal the lower device's macvlan port */
  readonly port: MacvlanPort;

  constructor(sim: Sim, lower: NetDevice, port: MacvlanPort, name: string, mac: number) {
    super(sim, name, mac);
    this.lower = lower;
    this.port = port;
    this.mtu = lower.mtu;
  }

  /** Link kind, as `ip -d link` shows it. */
  get kind(): string {
    return 'macvlan';
  }

  /** Carrier: admin-up and the lower device has carrier. */
  override get operUp(): boolean {
    return this.adminUp && this.lower.operUp;
  }

  /**
   * Transmits a frame: to a sibling's MAC it is delivered to that sibling directly; broadcast and
   * multicast go to every other sibling and out of the lower device; anything else goes out of the
   * lower device. Takes ownership of `skb`.
   *
   * @see Linux `macvlan_queue_xmit`
   */
  xmit(skb: SkBuff): void {
    if (!this.adminUp) {
      this.dropTx(skb, 'link down');
      return;
    }
    if (skb.len > 14 + this.mtu) {
      this.dropTx(skb, 'frame exceeds MTU');
      return;
    }
    this.countTx(skb);
    const d = skb.data;
    if ((d[0]! & 1) !== 0) {
      macvlanBroadcast(this.port, skb, this);
      this.lower.xmit(skb);
      return;
    }
    const dest = this.port.byMac.get(readMac(d, 0));
    if (dest !== undefined && dest.adminUp) {
      this.sim.post(dest, skb);
      return;
    }
    this.lower.xmit(skb);
  }

  /** Detaches this macvlan from its lower device (`ip link del`). */
  destroy(): void {
    const port = this.port;
    const i = port.vlans.indexOf(this);
    if (i < 0) return;
    port.vlans.splice(i, 1);
    if (port.byMac.get(this.mac) === this) port.byMac.delete(this.mac);
    if (port.vlans.length === 0) {
      ports.delete(port.lower);
      if (port.lower.portHandler === port.handler) port.lower.portHandler = null;
    }
  }
}

/** Clones `skb` to every macvlan of `port` except `src` (Linux `macvlan_broadcast`). */
function macvlanBroadcast(port: MacvlanPort, skb: SkBuff, src: MacvlanDevice | null): void {
  const vs = port.vlans;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (v === src || !v.adminUp) continue;
    v.sim.post(v, skb.cloneShared());
  }
}

/**
 * The lower device's rx handler: a frame for the MAC of a macvlan that is up goes to that macvlan;
 * broadcast and multicast go to every macvlan (unless they were sent by one of them: bridge
 * mode siblings already got them on the way out) and to the lower device's own stack; anything
 * else goes to the lower device's own stack.
 *
 * @see Linux `macvlan_handle_frame`
 */
export function macvlanHandleFrame(port: MacvlanPort, skb: SkBuff): void {
  const d = skb.data;
  const lower = port.lower;
  if ((d[0]! & 1) !== 0) {
    if (!port.byMac.has(readMac(d, 6))) macvlanBroadcast(port, skb, null);
    passToLower(lower, skb);
    return;
  }
  const v = port.byMac.get(readMac(d, 0));
  if (v === undefined || !v.adminUp) {
    passToLower(lower, skb);
    return;
  }
  v.sim.post(v, skb);
}

function passToLower(lower: NetDevice, skb: SkBuff): void {
  const h = lower.rxHandler;
  if (h !== null) h(lower, skb);
  else lower.stats.rxDropped++;
}

/**
 * Creates a macvlan in bridge mode on `lower` (`ip link add NAME link LOWER type macvlan mode
 * bridge`). The new device is administratively down, with the lower device's MTU. Throws a
 * {@link DockernetError} when `lower` is a bridge port (busy), a loopback or a macvlan, or when
 * another macvlan on it already has `mac`.
 */
export function createMacvlan(sim: Sim, lower: NetDevice, name: string, mac: number, mode: MacvlanMode = 'bridge'): MacvlanDevice {
  if (mode !== 'bridge') throw new DockernetError('EINVAL', `macvlan mode ${String(mode)} is not supported`);
  if (lower.kind === 'loopback' || lower.kind === 'macvlan') throw new DockernetError('EINVAL', `${lower.name}: cannot be a macvlan parent (Invalid argument)`);
  let port = ports.get(lower);
  if (port === undefined) {
    if (lower.portHandler !== null || lower.master !== null) throw new DockernetError('EBUSY', `${lower.name}: Device or resource busy`);
    port = new MacvlanPort(lower);
    ports.set(lower, port);
    lower.portHandler = port.handler;
  }
  if (port.byMac.has(mac)) throw new DockernetError('EADDRINUSE', `${name}: Address already in use`);
  const v = new MacvlanDevice(sim, lower, port, name, mac);
  port.vlans.push(v);
  port.byMac.set(mac, v);
  return v;
}
