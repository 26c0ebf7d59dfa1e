/**
 * The loopback device, after Linux `drivers/net/loopback.c`.
 *
 * @module
 */
import type { Sim } from '../core/scheduler.js';
import type { SkBuff } from '../wire/skbuff.js';
import { NetDevice } from './netdev.js';

/**
 * `lo`: MTU 65536, MAC 00:00:00:00:00:00; every frame it transmits comes back to it as received
 * (through the simulator's queue). Frames transmitted while it is down are dropped (`txDropped`).
 */
export class LoopbackDevice extends NetDevice {
  constructor(sim: Sim, name = 'lo') {
    super(sim, name, 0);
    this.mtu = 65536;
  }

  /** Link kind, as `ip -d link` shows it. */
  get kind(): string {
    return 'loopback';
  }

  /**
   * Sends the frame back to this device's own receive path. Takes ownership of `skb`.
   *
   * @see Linux `loopback_xmit`
   */
  xmit(skb: SkBuff): void {
    if (!this.adminUp) {
      this.dropTx(skb, 'link down');
      return;
    }
    this.countTx(skb);
    this.sim.post(this, skb);
  }
}

/** Creates a loopback device (administratively down, ifindex 0: the namespace sets both; Linux gives lo ifindex 1). */
export function createLoopback(sim: Sim, name = 'lo'): LoopbackDevice {
  return new LoopbackDevice(sim, name);
}
