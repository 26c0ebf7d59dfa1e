/**
 * Bridge ports, after Linux `struct net_bridge_port` (net/bridge/br_private.h, br_if.c).
 *
 * @module
 */
import { linkGen, type NetDevice, type RxHandler } from '../netdev.js';
import type { BridgeDevice } from './bridge.js';

/** Port state: disabled (link down, or the bridge is down). */
export const BR_STATE_DISABLED = 0;
/** Port state: listening (STP). */
export const BR_STATE_LISTENING = 1;
/** Port state: learning: source addresses are learned, nothing is forwarded. */
export const BR_STATE_LEARNING = 2;
/** Port state: forwarding. With STP off (docker's bridges) a port that is up forwards at once. */
export const BR_STATE_FORWARDING = 3;
/** Port state: blocking (STP). */
export const BR_STATE_BLOCKING = 4;

/** Port state names, as `bridge link` prints them, indexed by state. */
export const BR_STATE_NAMES: readonly string[] = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** Default port priority (`priority 32`). */
export const BR_PORT_DEFAULT_PRIORITY = 32;

/** Number of bits of the port number in a port id (Linux `BR_PORT_BITS`). */
const BR_PORT_BITS = 10;

/**
 * One port of a {@link BridgeDevice}: the enslaved device plus its per-port bridge settings. The
 * flags default to Linux's defaults for a new port: learning, flood, mcast_flood and bcast_flood
 * on; hairpin and isolated off.
 */
export class NetBridgePort {
  // field order is the object layout: what every frame reads comes first (`br` and `dev`, the
  // constructor's parameter properties, are made before every initialized field: see tsconfig's
  // useDefineForClassFields)
  /** @internal the {@link linkGen} value `linkUp` was computed at; -1 = never */
  linkGen = -1;
  /** @internal `br.adminUp && dev.operUp`, cached at link generation `linkGen` (see {@link portState}) */
  linkUp = false;
  /**
   * Configured STP state. With STP off this stays {@link BR_STATE_FORWARDING}; the effective
   * state is {@link BR_STATE_DISABLED} while the link or the bridge is down (see {@link portState}).
   */
  state: number = BR_STATE_FORWARDING;
  /** Learn source MACs of frames received on this port (`learning on`). */
  learning = true;
  /** Isolated ports do not talk to each other, only to non-isolated ports (`isolated off`). */
  isolated = false;
  /** Hairpin mode: a frame may go back out of the port it came in on (`hairpin off` by default). */
  hairpin = false;
  /** Port number (1-based; the lowest free number is used, so a freed number is reused). */
  readonly portNo: number;
  /** STP port priority. */
  priority = BR_PORT_DEFAULT_PRIORITY;
  /** STP path cost (2 for a 10 Gb/s veth). */
  pathCost: number;
  /** Flood unknown unicast to this port (`flood on`). */
  flood = true;
  /** Flood multicast to this port (`mcast_flood on`). */
  mcastFlood = true;
  /** Flood broadcast to this port (`bcast_flood on`). */
  bcastFlood = true;
  /**
   * The receive handler installed as `dev.portHandler` (Linux `br_handle_frame`): one function
   * shared by every port of every bridge, which finds the port in `dev.rxHandlerData`.
   */
  readonly handler: RxHandler;
  constructor(
    /** The bridge this port belongs to. */
    readonly br: BridgeDevice,
    /** The enslaved device. */
    readonly dev: NetDevice,
    portNo: number,
    handler: RxHandler,
  ) {
    this.portNo = portNo;
    this.pathCost = portCost(dev);
    this.handler = handler;
  }

  /** Port id as STP uses it: priority and port number (0x8001 for port 1 at priority 32). */
  get portId(): number {
    return ((this.priority << BR_PORT_BITS) | (this.portNo & ((1 << BR_PORT_BITS) - 1))) >>> 0;
  }
}

/**
 * Effective state of a port: its configured state, or disabled while the bridge or the port's link
 * is down. The link part is cached on the port and recomputed only after some device's
 * administrative state changed ({@link linkGen}), so the packet path does not walk `operUp`.
 */
export function portState(p: NetBridgePort): number {
  if (p.linkGen !== linkGen()) portLinkRefresh(p);
  return p.linkUp === true ? p.state : BR_STATE_DISABLED;
}

function portLinkRefresh(p: NetBridgePort): void {
  p.linkUp = p.br.adminUp && p.dev.operUp;
  p.linkGen = linkGen();
}

/**
 * Default STP path cost from the link speed (veth reports 10 Gb/s: cost 2; macvlan inherits its
 * lower device's speed; anything without a known speed: 100).
 *
 * @see Linux `port_cost`
 */
export function portCost(dev: NetDevice): number {
  let d: NetDevice = dev;
  for (let i = 0; i < 8 && d.kind === 'macvlan'; i++) d = (d as NetDevice & { lower: NetDevice }).lower;
  return d.kind === 'veth' ? 2 : 100;
}
