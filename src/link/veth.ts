/**
 * Virtual Ethernet pairs, after Linux `drivers/net/veth.c`: two devices joined back to back; what
 * one end transmits, the other receives.
 *
 * @module
 */
import type { Sim } from '../core/scheduler.js';
import type { SkBuff } from '../wire/skbuff.js';
import { NetDevice } from './netdev.js';

/** Length of the Ethernet header a veth carries on top of its MTU. */
const ETH_HLEN = 14;

/**
 * One end of a veth pair. Create both ends with {@link createVethPair}.
 *
 * Details: the carrier (`operUp`, LOWER_UP) is on only when both ends are administratively up.
 * Frames transmitted while either end is down, or longer than 14 bytes + the receiving end's MTU,
 * are dropped and counted in `stats.txDropped` of the sending end.
 */
export class VethDevice extends NetDevice {
  /** The other end of the pair (set by {@link createVethPair}; the field is {@link NetDevice.peer}). */
  declare peer: VethDevice;

  /** Link kind, as `ip -d link` shows it. */
  get kind(): string {
    return 'veth';
  }

  /** Carrier: both ends are admin-up (Linux sets LOWER_UP on a veth only then). */
  override get operUp(): boolean {
    return this.adminUp && this.peer.adminUp;
  }

  /** ifindex of the peer, for the `eth0@if7` form of `ip link` when the peer is in another namespace. */
  get peerIfindex(): number {
    return this.peer.ifindex;
  }

  /**
   * Transmits a frame: the peer receives it through the simulator's transmit queue
   * (`sim.post(peer, skb)`), never by direct recursion. Takes ownership of `skb`.
   *
   * @see Linux `veth_xmit`, `is_skb_forwardable`
   */
  xmit(skb: SkBuff): void {
    const peer = this.peer;
    if (this.adminUp !== true || peer.adminUp !== true) {
      this.dropTx(skb, 'link down');
      return;
    }
    if (skb.len > ETH_HLEN + peer.mtu) {
      this.dropTx(skb, 'frame exceeds MTU');
      return;
    }
    this.countTx(skb);
    this.sim.post(peer, skb);
  }
}

/**
 * Creates a veth pair (`ip link add NAME_A type veth peer name NAME_B`). Both ends start
 * administratively down, with MTU 1500 and ifindex 0: the namespace that adopts each end sets
 * `ifindex` and `adminUp`.
 *
 * @example
 * ```ts
 * const [host, ctr] = createVethPair(sim, 'veth1a2b3c4', parseMac('ee:11:22:33:44:55'), 'eth0', dockerMacFor(ip));
 * host.adminUp = ctr.adminUp = true;
 * ```
 */
export function createVethPair(sim: Sim, nameA: string, macA: number, nameB: string, macB: number): [VethDevice, VethDevice] {
  const a = new VethDevice(sim, nameA, macA);
  const b = new VethDevice(sim, nameB, macB);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
