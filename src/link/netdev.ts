import type { Sim } from '../core/scheduler.js';
import { intern } from '../core/intern.js';
import { macFromHalves, macHi, macLo } from '../wire/addr.js';
import type { SkBuff } from '../wire/skbuff.js';
import { traceDev, traceDevDrop } from './trace.js';

/** Per-device statistics, as `ip -s link` shows them. */
export interface DevStats {
  rxPackets: number;
  rxBytes: number;
  rxDropped: number;
  txPackets: number;
  txBytes: number;
  txDropped: number;
}

let linkGeneration = 0;

/**
 * A number that changes whenever any device's administrative state changes (and so possibly some
 * device's carrier, {@link NetDevice.operUp}). Caches of derived link state (a bridge port's
 * effective state) compare it instead of re-reading `operUp` on every frame.
 */
export function linkGen(): number {
  return linkGeneration;
}

/**
 * Invalidates the caches keyed by {@link linkGen}. Setting `adminUp` calls it; a device whose
 * carrier changes for another reason must call it too.
 */
export function linkChanged(): void {
  linkGeneration++;
}

/** The taps of every device nobody has asked for its `taps` (never handed out, so never changed). */
const NO_TAPS: readonly CaptureTap[] = Object.freeze([]);

/** Direction of a captured frame. */
export type CaptureDir = 'rx' | 'tx';

/** Something that sees every frame crossing a device (pcap writers, tests). */
export type CaptureTap = (dev: NetDevice, skb: SkBuff, dir: CaptureDir) => void;

/**
 * What a device does with a frame it received. A bridge port's handler is the bridge; any other
 * device's handler is its namespace's stack (Linux: `netdev_rx_handler_register` and `netif_receive_skb`).
 */
export type RxHandler = (dev: NetDevice, skb: SkBuff) => void;

/**
 * A network device, after Linux's `struct net_device`. Subclasses implement {@link NetDevice.xmit}.
 * Device and namespace ownership is opaque at this layer (`owner` is set by the namespace).
 */
export abstract class NetDevice implements DevStats {
  // Field order is the object layout: what every frame reads or writes comes first, so that a
  // frame crossing a device touches as few cache lines of it as possible (matters with 10,000s of
  // devices). Fields are made in the order of their initializers (`sim`, a parameter property,
  // first), then of the constructor's assignments: see tsconfig's useDefineForClassFields.
  // A transmit reads `sim`, `up`, `tapList`, `peer` and the tx counters (and the peer's `up` and
  // `mtu`); a receive reads `up`, `tapList`, the rx counters and what follows them up to `rxHandler`.
  private up = false;
  /**
   * @internal the capture taps: the shared, frozen {@link NO_TAPS} until {@link NetDevice.taps} is
   * first read, so that the per-frame "any taps?" test of a device nobody captures on reads one
   * array every device shares (in the CPU cache) instead of an empty array of its own (a cache
   * miss per device crossing with thousands of devices).
   */
  tapList: readonly CaptureTap[] = NO_TAPS;
  /** The other end of a veth pair (Linux `veth_priv.peer`); null for every other kind of device. */
  peer: NetDevice | null = null;
  /** Frames transmitted. */
  txPackets = 0;
  /** Bytes transmitted. */
  txBytes = 0;
  /** MTU in bytes (payload above the Ethernet header). */
  mtu = 1500;
  /** Frames received (counted in {@link NetDevice.stats}). */
  rxPackets = 0;
  /** Bytes received. */
  rxBytes = 0;
  /** @internal top 16 bits of `mac`, kept by its setter (the packet path compares MACs as two halves) */
  macHi = 0;
  /** @internal low 32 bits of `mac` as an int32, kept by its setter */
  macLo = 0;
  /** Interface index inside its namespace. */
  ifindex = 0;
  /** Interface name (`eth0`, `veth1a2b3c4`, `docker0`). */
  name = '';
  /** Bridge-port receive handler; takes precedence over `rxHandler`. */
  portHandler: RxHandler | null = null;
  /**
   * Data of the port handler (Linux `rx_handler_data`): the bridge port of an enslaved device, so
   * that one shared handler function serves every port.
   */
  rxHandlerData: unknown = null;
  /** Receive handler; frames are dropped (and counted) when none is set. */
  rxHandler: RxHandler | null = null;
  /**
   * Owner namespace (opaque at this layer). When it is an object with a string `name`, trace events
   * of this device carry that name as their `ns`. (With the per-frame fields: the namespace's receive
   * handler reads it for every frame.)
   */
  owner: unknown = null;
  /** Frames dropped on receive. */
  rxDropped = 0;
  /** Frames dropped on transmit. */
  txDropped = 0;
  /** The bridge this device is enslaved to, if any (`master docker0`). */
  master: NetDevice | null = null;

  constructor(
    /** The simulator that carries this device's frames. */
    readonly sim: Sim,
    name: string,
    mac: number,
  ) {
    this.name = intern(name);
    this.mac = mac;
  }

  /** Capture taps (pcap): push a {@link CaptureTap} to see every frame crossing the device. Empty in the common case. */
  get taps(): CaptureTap[] {
    let t = this.tapList;
    if (t === NO_TAPS) t = this.tapList = [];
    return t as CaptureTap[];
  }

  set taps(t: CaptureTap[]) {
    this.tapList = t;
  }

  /** Administrative state (`ip link set up`). Changing it invalidates cached link state ({@link linkGen}). */
  get adminUp(): boolean {
    return this.up;
  }

  set adminUp(up: boolean) {
    if (up !== this.up) {
      this.up = up;
      linkGeneration++;
    }
  }

  /**
   * Per-device statistics, as `ip -s link` shows them: the device itself seen as {@link DevStats}
   * (the counters are fields of the device, so counting a frame touches no other object).
   */
  get stats(): DevStats {
    return this;
  }

  /** Link-layer address as a 48-bit number (kept as its two halves: a 48-bit number in a field would be a heap number). */
  get mac(): number {
    return macFromHalves(this.macHi, this.macLo);
  }

  set mac(mac: number) {
    this.macHi = macHi(mac);
    this.macLo = macLo(mac);
  }

  /** Link kind as `ip -d link` names it: `veth`, `bridge`, `macvlan`, `loopback`. */
  abstract get kind(): string;

  /** Operational state: the carrier is up (for veth: both ends admin-up). */
  get operUp(): boolean {
    return this.adminUp;
  }

  /** Transmits a frame out of this device (Linux `ndo_start_xmit`). */
  abstract xmit(skb: SkBuff): void;

  /**
   * Called (through the simulator's transmit queue) when a frame arrives on this device: counts it,
   * classifies it (`skb.pktType`, Linux `eth_type_trans`), shows it to the taps, then hands it to
   * the bridge or macvlan port (`portHandler`) if there is one, else to the namespace stack.
   * Frames shorter than an Ethernet header are counted in `rxDropped` and dropped. Takes ownership
   * of `skb`.
   */
  receive(skb: SkBuff): void {
    if (this.up !== true || skb.len < 14) {
      this.rxDropped++;
      return;
    }
    this.rxPackets++;
    this.rxBytes += skb.len;
    const v = skb.view;
    const hi = v.getUint16(0);
    if ((hi & 0x100) !== 0) skb.pktType = hi === 0xffff && v.getInt32(2) === -1 ? 1 : 2;
    else skb.pktType = v.getInt32(2) === this.macLo && hi === this.macHi ? 0 : 3;
    if (this.tapList.length !== 0) this.tap(skb, 'rx');
    skb.iif = this.ifindex;
    skb.inDev = this.name;
    if (skb.traced === true && this.sim.tracer !== null) traceDev(this, skb, 'rx');
    // two call sites, so that each stays monomorphic (bridge ports / namespace stacks)
    const ph = this.portHandler;
    if (ph !== null) {
      ph(this, skb);
      return;
    }
    const h = this.rxHandler;
    if (h !== null) h(this, skb);
    else this.rxDropped++;
  }

  /** Shows a frame to the capture taps. */
  protected tap(skb: SkBuff, dir: CaptureDir): void {
    for (const t of this.tapList) t(this, skb, dir);
  }

  /** Accounts a transmitted frame and shows it to the taps. Subclasses call this from `xmit`. */
  protected countTx(skb: SkBuff): void {
    this.txPackets++;
    this.txBytes += skb.len;
    if (this.tapList.length !== 0 || skb.traced === true) this.tapTx(skb);
  }

  /** The rare part of {@link NetDevice.countTx}: taps and the trace event. */
  private tapTx(skb: SkBuff): void {
    if (this.tapList.length !== 0) this.tap(skb, 'tx');
    if (skb.traced && this.sim.tracer !== null) traceDev(this, skb, 'tx');
  }

  /** Counts a frame this device could not transmit (and reports it to the tracer, if traced). */
  protected dropTx(skb: SkBuff, reason: string): void {
    this.txDropped++;
    if (skb.traced && this.sim.tracer) traceDevDrop(this, skb, reason);
  }
}
