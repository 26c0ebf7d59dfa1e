/**
 * The Linux bridge device (`docker0`, `br-<id>`), after `net/bridge/br_device.c` and `br_if.c`.
 *
 * A {@link BridgeDevice} is itself a {@link NetDevice}: the interface its namespace sees. Frames the
 * bridge passes up arrive on it as if received (`bridge.rxHandler`, the namespace stack); frames the
 * namespace transmits on it go through the bridge's forwarding logic ({@link BridgeDevice.xmit},
 * Linux `br_dev_xmit`). Ports are added with {@link BridgeDevice.addPort}.
 *
 * @module
 */
import { Counters } from '../../core/counters.js';
import { DockernetError } from '../../core/errors.js';
import type { Sim, Timer } from '../../core/scheduler.js';
import type { Nanos } from '../../core/time.js';
import { readMacHi, readMacLo } from '../../wire/addr.js';
import type { SkBuff } from '../../wire/skbuff.js';
import { NetDevice } from '../netdev.js';
import { BR_DEFAULT_AGEING_TIME, FdbEntry, FdbTable, fdbAddPermanent, fdbCleanup, fdbDelete, fdbDeleteByPort, fdbFind, fdbFindHalves } from './fdb.js';
import { BR_PKT_BROADCAST, BR_PKT_MULTICAST, BR_PKT_UNICAST, brDrop, brFlood, brForward } from './forward.js';
import { brHandleFrame } from './input.js';
import type { BrNfHook } from './nf.js';
import { BR_STATE_FORWARDING, NetBridgePort, portState } from './port.js';

/** Most ports a bridge can have (Linux `BR_MAX_PORTS`; port numbers are 1 … 1023). */
export const BR_MAX_PORTS = 1024;

/** Default MTU of a bridge without ports (Linux `ETH_DATA_LEN`). */
const ETH_DATA_LEN = 1500;

/**
 * A learning bridge with STP off, as docker creates them.
 *
 * Details:
 * - Its MAC is given by the caller (docker uses a random 02:42:xx:xx:xx:xx) and never changes on its
 *   own; a local fdb entry for it is created at once.
 * - MTU follows the smallest port MTU (1500 without ports) unless set with {@link BridgeDevice.setMtu}.
 * - Carrier (`operUp`): admin-up and at least one port forwarding (otherwise NO-CARRIER).
 * - `nfHook` is the br_netfilter seam (see {@link BrNfHook}); `null` skips every hook.
 * - Drops are counted by reason in `counters` (see {@link brDrop}).
 *
 * @example
 * ```ts
 * const br = new BridgeDevice(sim, 'docker0', parseMac('02:42:8e:3c:1a:07'));
 * br.adminUp = true;
 * br.addPort(hostVeth);
 * br.rxHandler = (dev, skb) => stack.receive(dev, skb);
 * ```
 */
export class BridgeDevice extends NetDevice {
  /** Ports in Linux `port_list` order (newest first): the order floods visit them. */
  readonly portList: NetBridgePort[] = [];
  /** The forwarding database (a hash table keyed by MAC, with a `Map`-like read API). */
  readonly fdb = new FdbTable();
  /** Ageing time of learned entries in virtual nanoseconds (default 300 s). Set it with {@link BridgeDevice.setAgeingTime}. */
  ageingTime: Nanos = BR_DEFAULT_AGEING_TIME;
  /** br_netfilter hook (installed by the namespace when bridge-nf-call-iptables = 1). */
  nfHook: BrNfHook | null = null;
  /** Promiscuous bridge device: every frame is also passed up. Off by default. */
  promisc = false;
  /** True once the MTU was set explicitly; the MTU then no longer follows the ports. */
  mtuSetByUser = false;
  /** Multicast snooping (`mcast_snooping 1`); only shown in text, no querier is modelled. */
  mcastSnooping = true;
  /** Drop counters by reason (`hairpin`, `port-down`, `nf-drop`, `mtu`, …). */
  readonly counters = new Counters();
  /** @internal number of dynamic (ageing) fdb entries; the GC timer runs only while it is > 0 */
  fdbDynamic = 0;
  /** @internal the pending fdb GC timer, if any */
  gcTimer: Timer | null = null;
  /** @internal the GC timer callback (one closure per bridge) */
  readonly gcFn: () => void;
  private readonly portByNo: (NetBridgePort | undefined)[] = [];
  /** No port number below this one is free. */
  private freeFrom = 1;

  constructor(sim: Sim, name: string, mac: number) {
    super(sim, name, mac);
    // a local first, then stored: V8 allocates a function literal assigned straight to a property in the
    // old generation, and its closure would keep the bridge and its engine alive through every scavenge
    // (docs/performance.md)
    const gcFn = (): void => {
      this.gcTimer = null;
      fdbCleanup(this);
    };
    this.gcFn = gcFn;
    fdbAddPermanent(this, null, mac, true);
  }

  /** Link kind, as `ip -d link` shows it. */
  get kind(): string {
    return 'bridge';
  }

  /** Carrier: admin-up with at least one forwarding port (a bridge without ports shows NO-CARRIER). */
  override get operUp(): boolean {
    if (!this.adminUp) return false;
    const ports = this.portList;
    for (let i = 0; i < ports.length; i++) if (portState(ports[i]!) === BR_STATE_FORWARDING) return true;
    return false;
  }

  /** Ports in ascending port-number order. */
  get ports(): NetBridgePort[] {
    return this.portByNo.filter((p): p is NetBridgePort => p !== undefined);
  }

  /** The port whose device is `dev`, or `undefined`. */
  portOf(dev: NetDevice): NetBridgePort | undefined {
    // an enslaved device carries its port as its handler data (not a search over a thousand ports)
    return dev.master === this ? (dev.rxHandlerData as NetBridgePort) : undefined;
  }

  /**
   * Enslaves `dev` (`ip link set DEV master BRIDGE`): sets `dev.master` and `dev.portHandler`,
   * gives it the lowest free port number (a freed number is reused), adds a local fdb entry for its
   * MAC and recomputes the bridge MTU. Throws a {@link DockernetError} if the device is a bridge
   * itself or a loopback, is already enslaved, or already has a port handler (a macvlan lower
   * device).
   *
   * @see Linux `br_add_if`, `find_portno`
   */
  addPort(dev: NetDevice): NetBridgePort {
    if (dev === this) throw new DockernetError('ELOOP', `${dev.name}: cannot enslave a bridge to itself`);
    if (dev.kind === 'loopback' || dev.kind === 'bridge') throw new DockernetError('EINVAL', `${dev.name}: cannot be a bridge port (Invalid argument)`);
    if (dev.master !== null || dev.portHandler !== null) throw new DockernetError('EBUSY', `${dev.name}: Device or resource busy`);
    // lowest free number (find_portno), searched from below the last one given
    let no = this.freeFrom;
    while (no < BR_MAX_PORTS && this.portByNo[no] !== undefined) no++;
    if (no >= BR_MAX_PORTS) throw new DockernetError('EXFULL', `${this.name}: too many ports`);
    const p = new NetBridgePort(this, dev, no, brHandleFrame);
    this.portByNo[no] = p;
    this.portList.unshift(p);
    dev.master = this;
    dev.rxHandlerData = p;
    dev.portHandler = p.handler;
    fdbAddPermanent(this, p, dev.mac, true);
    this.freeFrom = no + 1;
    // the smallest port MTU, as mtuAutoAdjust computes it, without walking every port again
    if (!this.mtuSetByUser) this.mtu = this.portList.length === 1 || dev.mtu < this.mtu ? dev.mtu : this.mtu;
    return p;
  }

  /**
   * Releases `dev` (`ip link set DEV nomaster`, or the device is deleted): forgets every fdb entry
   * pointing at it, clears `master`/`portHandler`, frees its port number and recomputes the MTU.
   * Returns false if `dev` was not a port of this bridge.
   *
   * @see Linux `br_del_if`, `del_nbp`
   */
  removePort(dev: NetDevice): boolean {
    const p = this.portOf(dev);
    if (p === undefined) return false;
    fdbDeleteByPort(this, p, true);
    this.portList.splice(this.portList.indexOf(p), 1);
    this.portByNo[p.portNo] = undefined;
    if (p.portNo < this.freeFrom) this.freeFrom = p.portNo;
    dev.master = null;
    dev.portHandler = null;
    dev.rxHandlerData = null;
    this.mtuAutoAdjust();
    return true;
  }

  /**
   * Forgets the learned (dynamic) entries of a port, as Linux does when the port's link goes down
   * (`br_fdb_delete_by_port(br, p, 0, 0)`). The namespace calls it on carrier loss.
   */
  flushPort(dev: NetDevice): void {
    const p = this.portOf(dev);
    if (p !== undefined) fdbDeleteByPort(this, p, false);
  }

  /** Sets the MTU explicitly (`ip link set docker0 mtu N`); it no longer follows the ports. */
  setMtu(mtu: number): void {
    this.mtu = mtu;
    this.mtuSetByUser = true;
  }

  /**
   * Recomputes the MTU as the smallest port MTU (1500 without ports), unless it was set by the
   * user. Called on port add/remove; call it after changing a port's MTU.
   *
   * @see Linux `br_mtu_auto_adjust`
   */
  mtuAutoAdjust(): void {
    if (this.mtuSetByUser) return;
    let m = 0;
    for (const p of this.portList) if (m === 0 || p.dev.mtu < m) m = p.dev.mtu;
    this.mtu = m === 0 ? ETH_DATA_LEN : m;
  }

  /**
   * Sets the ageing time (`ip link set docker0 type bridge ageing_time N`, in nanoseconds here) and
   * re-runs the garbage collector so the new time applies at once.
   */
  setAgeingTime(t: Nanos): void {
    if (!(t >= 0)) throw new DockernetError('EINVAL', `invalid ageing time: ${t}`);
    this.ageingTime = t;
    fdbCleanup(this);
  }

  /** Changes the bridge's MAC (`ip link set docker0 address …`), moving its local fdb entry. */
  setMac(mac: number): void {
    const old = this.fdb.get(this.mac);
    if (old !== undefined && old.port === null && old.isLocal) fdbDelete(this, old);
    this.mac = mac;
    fdbAddPermanent(this, null, mac, true);
  }

  /**
   * Frames passed up by the bridge arrive here (through the simulator's queue): counted in the
   * bridge's rx stats, shown to its taps and handed to `rxHandler` (the namespace stack) as received
   * on the bridge device. `skb.pktType` keeps the class the port gave it (PACKET_HOST for the
   * bridge's or the port's own MAC), as `br_pass_frame_up` does. Takes ownership of `skb`.
   *
   * @see Linux `br_pass_frame_up`, `br_netif_receive_skb`
   */
  override receive(skb: SkBuff): void {
    if (!this.adminUp) {
      this.stats.rxDropped++;
      return;
    }
    this.stats.rxPackets++;
    this.stats.rxBytes += skb.len;
    if (this.tapList.length !== 0) for (const t of this.tapList) t(this, skb, 'rx');
    skb.iif = this.ifindex;
    skb.inDev = this.name;
    const h = this.portHandler ?? this.rxHandler;
    if (h) h(this, skb);
    else this.stats.rxDropped++;
  }

  /**
   * Deletes the bridge (`ip link del docker0`): releases every port, empties the fdb and cancels
   * the GC timer.
   */
  destroy(): void {
    for (const p of [...this.portList]) this.removePort(p.dev);
    this.fdb.clear();
    this.fdbDynamic = 0;
    if (this.gcTimer !== null) {
      this.sim.cancel(this.gcTimer);
      this.gcTimer = null;
    }
    this.adminUp = false;
  }

  /** Looks an address up in the fdb (with lazy expiry); `null` if unknown. */
  fdbLookup(mac: number): FdbEntry | null {
    return fdbFind(this, mac);
  }

  /**
   * Transmits a frame the namespace sends on the bridge device: broadcast and multicast are flooded
   * to every port, unicast goes to the learned port or is flooded when unknown. Frames to the
   * bridge's own address are dropped. Takes ownership of `skb`.
   *
   * @see Linux `br_dev_xmit`
   */
  xmit(skb: SkBuff): void {
    if (!this.adminUp) {
      this.dropTx(skb, 'link down');
      return;
    }
    this.countTx(skb);
    const d = skb.data;
    const hi = readMacHi(d, 0);
    if ((hi & 0x100) !== 0) {
      brFlood(this, skb, hi === 0xffff && readMacLo(d, 0) === -1 ? BR_PKT_BROADCAST : BR_PKT_MULTICAST, null, false);
      return;
    }
    const f = fdbFindHalves(this, hi, readMacLo(d, 0));
    if (f === null) brFlood(this, skb, BR_PKT_UNICAST, null, false);
    else if (f.port === null) brDrop(this, skb, 'no-port', null);
    else brForward(this, f.port, skb, null, false, !f.isStatic);
  }
}
