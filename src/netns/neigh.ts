/**
 * The neighbour table (ARP cache) of one namespace, after Linux `net/core/neighbour.c` and
 * `net/ipv4/arp.c`, in virtual time.
 *
 * ```
 *           output, no entry                reply           reachable_time passes
 *   (none) ─────────────────► INCOMPLETE ─────────► REACHABLE ───────────────────► STALE
 *                               │ 3 broadcast requests, 1 s apart,                   │ used for output
 *                               │ no reply                                           ▼
 *                               ▼                                    5 s            DELAY
 *                             FAILED ◄──── 3 unicast probes ◄── PROBE ◄────────────┘
 *                 (queued packets dropped,   1 s apart, no reply        (a reply in DELAY/PROBE
 *                  ICMP host unreachable)                                → REACHABLE)
 * ```
 *
 * Entries are keyed by a number (`ip + ifindex · 2³²`), so a lookup on the forwarding path is one
 * Map access. REACHABLE → STALE is computed lazily from `confirmed + reachableTime` at lookup, as
 * the kernel's timer would have done it; only INCOMPLETE, DELAY and PROBE hold a timer.
 *
 * @module
 */
import type { Sim, Timer } from '../core/scheduler.js';
import { Rng } from '../core/rng.js';
import type { Nanos } from '../core/time.js';
import { SECOND } from '../core/time.js';
import type { NetDevice } from '../link/netdev.js';
import type { SkBuff } from '../wire/skbuff.js';
import { ipToString, macFromHalves, macHi, macLo, macToString } from '../wire/addr.js';

/** Neighbour states (Linux `NUD_*`). */
export const NudState = {
  NONE: 0x00,
  INCOMPLETE: 0x01,
  REACHABLE: 0x02,
  STALE: 0x04,
  DELAY: 0x08,
  PROBE: 0x10,
  FAILED: 0x20,
  NOARP: 0x40,
  PERMANENT: 0x80,
} as const;
/** A value of {@link NudState}. */
export type NudStateValue = (typeof NudState)[keyof typeof NudState];

/** States in which the cached MAC may be used for output (Linux `NUD_VALID`). */
const NUD_VALID = NudState.PERMANENT | NudState.NOARP | NudState.REACHABLE | NudState.PROBE | NudState.STALE | NudState.DELAY;

/** Names as `ip neigh` prints them. */
export function nudStateName(s: number): string {
  switch (s) {
    case NudState.INCOMPLETE: return 'INCOMPLETE';
    case NudState.REACHABLE: return 'REACHABLE';
    case NudState.STALE: return 'STALE';
    case NudState.DELAY: return 'DELAY';
    case NudState.PROBE: return 'PROBE';
    case NudState.FAILED: return 'FAILED';
    case NudState.NOARP: return 'NOARP';
    case NudState.PERMANENT: return 'PERMANENT';
    default: return 'NONE';
  }
}

/** ARP parameters (`/proc/sys/net/ipv4/neigh/default/*`), Linux defaults. */
export interface NeighParms {
  /** base_reachable_time: 30 s. The actual reachable time is random in [½, 1½) of it. */
  baseReachableTime: Nanos;
  /** retrans_time: 1 s between solicitations. */
  retransTime: Nanos;
  /** delay_first_probe_time: 5 s in DELAY before unicast probing. */
  delayFirstProbeTime: Nanos;
  /** ucast_solicit: 3 unicast probes in PROBE. */
  ucastProbes: number;
  /** mcast_solicit: 3 broadcast requests in INCOMPLETE. */
  mcastProbes: number;
  /** unres_qlen: packets queued per unresolved entry (older kernels' packet count; 101). */
  unresQlen: number;
}

/** Linux defaults for {@link NeighParms}. */
export const DEFAULT_NEIGH_PARMS: Readonly<NeighParms> = Object.freeze({
  baseReachableTime: 30 * SECOND,
  retransTime: 1 * SECOND,
  delayFirstProbeTime: 5 * SECOND,
  ucastProbes: 3,
  mcastProbes: 3,
  unresQlen: 101,
});

/** A fresh copy of the defaults (a literal: a spread of a frozen object costs V8 11 ~0.3 us). */
function defaultParms(): NeighParms {
  const d = DEFAULT_NEIGH_PARMS;
  return {
    baseReachableTime: d.baseReachableTime,
    retransTime: d.retransTime,
    delayFirstProbeTime: d.delayFirstProbeTime,
    ucastProbes: d.ucastProbes,
    mcastProbes: d.mcastProbes,
    unresQlen: d.unresQlen,
  };
}

/** The queue of an entry where no packet waits (shared, frozen). */
const NO_QUEUE: readonly SkBuff[] = Object.freeze([]);

/** One neighbour entry (Linux `struct neighbour`). */
export class NeighEntry {
  /** Device the neighbour is on. */
  readonly dev: NetDevice;
  /** Neighbour IPv4 address (uint32). */
  readonly ip: number;
  /** Top 16 bits of {@link NeighEntry.mac} (the cached header's first two bytes). */
  macHi = 0;
  /** Low 32 bits of {@link NeighEntry.mac} as an int32 (so output writes it without a heap number). */
  macLo = 0;
  /** Current state (see {@link NudState}); read through {@link NeighTable.state} for lazy ageing. */
  nud: number = NudState.NONE;
  /** When the neighbour was last confirmed reachable. */
  confirmed: Nanos = 0;
  /** When the entry last changed. */
  updated: Nanos = 0;
  /** When it was last used for output. */
  used: Nanos = 0;
  /** Probes sent in the current INCOMPLETE/PROBE round. */
  probes = 0;
  /**
   * Packets waiting for resolution (read-only outside the table). The shared empty list while none
   * waits: most entries never queue anything, and an array of their own is 32 bytes each.
   */
  queue: readonly SkBuff[] = NO_QUEUE;
  /**
   * The retransmit / delay timer: pending while its `idx` is ≥ 0. Kept once made and armed again
   * in place (a NUD cycle allocates no timer).
   */
  timer: Timer | null = null;
  /** Randomised reachable time of this entry. */
  reachableTime: Nanos;
  /** Removed from its table (a route's cached pointer to it must not be used any more). */
  dead = false;

  /** @internal the table the entry is in (its timer's handler) */
  readonly table: NeighTable;

  constructor(dev: NetDevice, ip: number, reachableTime: Nanos, table: NeighTable) {
    this.dev = dev;
    this.ip = ip;
    this.reachableTime = reachableTime;
    this.table = table;
  }

  /**
   * Link-layer address (48-bit), 0 until resolved, from its two halves (a 48-bit number in a field
   * would be a 16-byte heap number per entry). Set it through {@link NeighEntry.setMac}.
   */
  get mac(): number {
    return macFromHalves(this.macHi, this.macLo);
  }

  /** Sets the link-layer address (its two halves). */
  setMac(mac: number): void {
    this.macHi = macHi(mac);
    this.macLo = macLo(mac);
  }

  /** @internal the waiting packets, handed over; the entry's queue is empty again */
  takeQueue(): readonly SkBuff[] {
    const q = this.queue;
    this.queue = NO_QUEUE;
    return q;
  }
}

/** States in which output needs no state change (Linux `NUD_CONNECTED`). */
const NUD_CONNECTED = NudState.PERMANENT | NudState.NOARP | NudState.REACHABLE;

/**
 * The fast path of {@link NeighTable.output} for an entry a route already points to (Linux's
 * `neigh_output` with a connected neighbour): when `e` is still in its table and connected
 * (REACHABLE within its reachable time, PERMANENT, NOARP), fills the header and transmits;
 * otherwise returns false and the caller takes the full path.
 */
export function neighConnectedOutput(e: NeighEntry, now: Nanos, dev: NetDevice, skb: SkBuff): boolean {
  const nud = e.nud;
  if (e.dead || e.dev !== dev || (nud & NUD_CONNECTED) === 0) return false;
  if (nud === NudState.REACHABLE && now >= e.confirmed + e.reachableTime) return false;
  e.used = now;
  neighHhOutput(e, dev, skb);
  return true;
}

/**
 * Fills the Ethernet header from a resolved entry (destination: the entry's MAC, source: the
 * device's, type IPv4) and transmits — Linux `neigh_hh_output` with its cached header. Works on
 * the MACs' int halves: nothing allocates.
 */
export function neighHhOutput(e: NeighEntry, dev: NetDevice, skb: SkBuff): void {
  // five stores through the DataView (the halves are the MAC's big-endian 16 and 32 bits), where
  // byte stores were fourteen bounds-checked writes
  skb.ensureWritable();
  const v = skb.view;
  v.setUint16(0, e.macHi);
  v.setInt32(2, e.macLo);
  v.setUint16(6, dev.macHi);
  v.setInt32(8, dev.macLo);
  v.setUint16(12, 0x0800);
  dev.xmit(skb);
}

/** What the neighbour table needs from its namespace. */
export interface NeighHost {
  /** Namespace name (traces). */
  readonly name: string;
  /** The simulator. */
  readonly sim: Sim;
  /**
   * Sends an ARP request for `target` out of `dev`: broadcast when `unicastMac` is 0, else a
   * unicast probe. `cause` is the first queued packet (its source selects the sender address).
   */
  arpSolicit(dev: NetDevice, target: number, unicastMac: number, cause: SkBuff | null): void;
  /** Transmits `skb` out of `dev` to `mac` (fills the Ethernet header). */
  neighXmit(dev: NetDevice, skb: SkBuff, mac: number): void;
  /** Resolution failed: drop `skb` and report ICMP host unreachable to its sender. */
  neighUnreachable(skb: SkBuff): void;
  /** Drops a packet that did not fit in an entry's queue. */
  neighQueueOverflow(skb: SkBuff): void;
}

/** A neighbour entry's timer went off: its table's `neigh_timer_handler` (one function for every entry's timer). */
function neighTimer(e: NeighEntry): void {
  e.table.timerHandler(e);
}

/** The entry map of a table that has none yet (shared: never written). */
const NO_ENTRIES: ReadonlyMap<number, Map<number, NeighEntry>> = new Map();

/** The ARP cache of a namespace. */
export class NeighTable {
  /** This table's own parameters, once asked for through {@link NeighTable.parms}; null = the shared defaults. */
  private ownParms: NeighParms | null = null;
  /**
   * The entries of the first device that had one, keyed by the address as an int32 (a Smi: no boxing
   * on lookup), and its ifindex; -1 before the first entry, -2 once that device's entries were
   * flushed (later devices, that one included, then go to `byDev`). Most namespaces have one
   * device with neighbours: it needs no map of maps (a Map costs ~180 bytes).
   */
  private if0 = -1;
  private map0: Map<number, NeighEntry> | undefined = undefined;
  /** The other devices' entries by ifindex, as `map0`; the shared empty map until the first. */
  private byDev: Map<number, Map<number, NeighEntry>> = NO_ENTRIES as Map<number, Map<number, NeighEntry>>;
  /** The per-device map of the last lookup (most namespaces have one device with neighbours). */
  private lastIf = -1;
  private lastMap: Map<number, NeighEntry> | undefined = undefined;
  private readonly host: NeighHost;
  /** Seed of the random source of reachable times, made into an {@link Rng} on the first entry's use. */
  private readonly seed: number;
  private rngV: Rng | null = null;

  /** @param seed the seed of the table's random source, made on first use (a namespace that never resolves a neighbour holds none) */
  constructor(host: NeighHost, seed: number) {
    this.host = host;
    // as an int32: a small integer in the object, where a uint32 above 2^31 is a 16-byte heap number
    // per table (Rng takes the seed `>>> 0`, the same number)
    this.seed = seed | 0;
  }

  private get rng(): Rng {
    return (this.rngV ??= new Rng(this.seed));
  }

  /**
   * Parameters (Linux defaults). The table's own copy, which may be changed, is made when first
   * asked for; until then the table reads the shared defaults (a namespace that never tunes its
   * ARP cache holds no copy).
   */
  get parms(): NeighParms {
    return (this.ownParms ??= defaultParms());
  }

  /** The parameters in force: the own copy if made, else the defaults. */
  private get p(): Readonly<NeighParms> {
    const o = this.ownParms;
    return o === null ? DEFAULT_NEIGH_PARMS : o;
  }

  private randomReachable(): Nanos {
    // Linux neigh_rand_reach_time: uniform in [base/2, 3·base/2)
    const base = this.p.baseReachableTime;
    return Math.floor(base / 2) + Math.floor(this.rng.float() * base);
  }

  /** The entry for (`dev`, `ip`), if any. */
  get(dev: NetDevice, ip: number): NeighEntry | undefined {
    const i = dev.ifindex;
    let m = this.lastMap;
    if (i !== this.lastIf) {
      m = this.mapOf(i);
      this.lastIf = i;
      this.lastMap = m;
    }
    return m === undefined ? undefined : m.get(ip | 0);
  }

  /** The entries of device `ifindex`, if it has any. */
  private mapOf(ifindex: number): Map<number, NeighEntry> | undefined {
    return ifindex === this.if0 ? this.map0 : this.byDev.get(ifindex);
  }

  private put(e: NeighEntry): void {
    const i = e.dev.ifindex;
    let m = this.mapOf(i);
    if (m === undefined) {
      m = new Map();
      if (this.if0 === -1) {
        this.if0 = i;
        this.map0 = m;
      } else {
        if (this.byDev === NO_ENTRIES) this.byDev = new Map();
        this.byDev.set(i, m);
      }
      this.lastIf = -1;
    }
    m.set(e.ip | 0, e);
  }

  /** Current state of an entry, applying REACHABLE → STALE lazily. */
  state(e: NeighEntry): number {
    if (e.nud === NudState.REACHABLE && this.host.sim.now >= e.confirmed + e.reachableTime) {
      e.nud = NudState.STALE;
      e.updated = e.confirmed + e.reachableTime;
    }
    return e.nud;
  }

  private create(dev: NetDevice, ip: number): NeighEntry {
    const e = new NeighEntry(dev, ip >>> 0, this.randomReachable(), this);
    e.updated = this.host.sim.now;
    e.confirmed = this.host.sim.now - 2 * this.p.baseReachableTime; // "long ago", as Linux
    this.put(e);
    return e;
  }

  /**
   * Sends `skb` to `nexthop` on `dev`: directly when the MAC is known, otherwise queues it and
   * starts (or continues) resolution. Takes ownership of `skb`. Returns the entry used (a route
   * may keep it for {@link neighConnectedOutput}).
   *
   * @see Linux `neigh_output` / `__neigh_event_send`
   */
  output(dev: NetDevice, nexthop: number, skb: SkBuff): NeighEntry {
    const now = this.host.sim.now;
    let e = this.get(dev, nexthop);
    if (e !== undefined) {
      const s = this.state(e);
      if ((s & NUD_VALID) !== 0) {
        e.used = now;
        if (s === NudState.STALE) {
          // first use of a stale entry: DELAY, then probe if nothing confirms it
          e.nud = NudState.DELAY;
          e.updated = now;
          e.probes = 0;
          this.arm(e, this.p.delayFirstProbeTime);
        }
        neighHhOutput(e, dev, skb);
        return e;
      }
      if (s === NudState.INCOMPLETE) {
        this.enqueue(e, skb);
        return e;
      }
    } else {
      e = this.create(dev, nexthop);
    }
    // NONE or FAILED: start resolving
    e.used = now;
    e.nud = NudState.INCOMPLETE;
    e.updated = now;
    e.probes = this.p.ucastProbes; // Linux counts the broadcast round after the unicast budget
    this.enqueue(e, skb);
    this.probe(e);
    return e;
  }

  private enqueue(e: NeighEntry, skb: SkBuff): void {
    if (e.queue === NO_QUEUE) {
      // the entry's own array from the first waiting packet until the queue is handed over (takeQueue)
      e.queue = [skb];
      return;
    }
    const q = e.queue as SkBuff[];
    if (q.length >= this.p.unresQlen) this.host.neighQueueOverflow(q.shift()!);
    q.push(skb);
  }

  /** Sends one solicitation and arms the retransmit timer. */
  private probe(e: NeighEntry): void {
    e.probes++;
    this.arm(e, this.p.retransTime);
    const unicast = e.nud === NudState.PROBE ? e.mac : 0;
    this.host.arpSolicit(e.dev, e.ip, unicast, e.queue.length ? e.queue[0]! : null);
  }

  private arm(e: NeighEntry, delay: Nanos): void {
    // the entry's own timer object, rearmed: no closure and no timer per arm
    e.timer = this.host.sim.rescheduleCall(e.timer, delay, neighTimer, e);
  }

  /** @internal @see Linux `neigh_timer_handler` */
  timerHandler(e: NeighEntry): void {
    const now = this.host.sim.now;
    if (e.nud === NudState.DELAY) {
      if (now <= e.confirmed + this.p.delayFirstProbeTime) {
        // confirmed meanwhile (an upper layer or a reply)
        e.nud = NudState.REACHABLE;
        e.updated = now;
        return;
      }
      e.nud = NudState.PROBE;
      e.updated = now;
      e.probes = 0;
    }
    if (e.nud === NudState.INCOMPLETE || e.nud === NudState.PROBE) {
      const max = this.p.ucastProbes + (e.nud === NudState.INCOMPLETE ? this.p.mcastProbes : 0);
      if (e.probes >= max) {
        this.fail(e);
        return;
      }
      this.probe(e);
    }
  }

  private fail(e: NeighEntry): void {
    e.nud = NudState.FAILED;
    e.updated = this.host.sim.now;
    for (const skb of e.takeQueue()) this.host.neighUnreachable(skb);
  }

  /**
   * Learns or confirms `mac` for `ip` on `dev` from a received ARP packet. `reply` is true for an
   * ARP reply addressed to us (REACHABLE); a request gives STALE (Linux `arp_process`). Returns
   * the entry, or null when nothing was created (`create` false and no entry).
   *
   * @see Linux `neigh_update`
   */
  update(dev: NetDevice, ip: number, mac: number, reply: boolean, create: boolean): NeighEntry | null {
    let e = this.get(dev, ip);
    if (!e) {
      if (!create) return null;
      e = this.create(dev, ip);
    }
    const now = this.host.sim.now;
    const old = this.state(e);
    if (old === NudState.PERMANENT || old === NudState.NOARP) return e;
    const newState = reply ? NudState.REACHABLE : NudState.STALE;
    const macChanged = e.mac !== mac || (old & NUD_VALID) === 0;
    if (!macChanged && newState === NudState.STALE) {
      // same address, just heard about: keep the state (neigh_update's "new = old")
      return e;
    }
    this.host.sim.cancel(e.timer); // kept for the next arm
    e.setMac(mac);
    e.nud = newState;
    e.updated = now;
    e.confirmed = newState === NudState.REACHABLE ? now : now - 2 * this.p.baseReachableTime;
    e.probes = 0;
    if (e.queue.length) for (const skb of e.takeQueue()) this.host.neighXmit(dev, skb, mac);
    return e;
  }

  /** Adds a permanent entry (`ip neigh add … lladdr … nud permanent`). */
  addPermanent(dev: NetDevice, ip: number, mac: number): NeighEntry {
    let e = this.get(dev, ip);
    if (!e) e = this.create(dev, ip);
    if (e.timer) this.host.sim.cancel(e.timer);
    e.timer = null;
    e.setMac(mac);
    e.nud = NudState.PERMANENT;
    e.updated = this.host.sim.now;
    return e;
  }

  /** Removes the entry for (`dev`, `ip`); returns whether one existed. */
  delete(dev: NetDevice, ip: number): boolean {
    const e = this.get(dev, ip);
    if (!e) return false;
    if (e.timer) this.host.sim.cancel(e.timer);
    e.dead = true;
    this.mapOf(dev.ifindex)!.delete(ip | 0);
    return true;
  }

  /** Removes every entry on `dev` (device removed, moved or renumbered). */
  flushDev(dev: NetDevice): void {
    const i = dev.ifindex;
    const m = this.mapOf(i);
    if (!m) return;
    for (const e of m.values()) {
      if (e.timer) this.host.sim.cancel(e.timer);
      e.dead = true;
    }
    if (i === this.if0) {
      this.if0 = -2;
      this.map0 = undefined;
    } else this.byDev.delete(i);
    this.lastIf = -1;
    this.lastMap = undefined;
  }

  /** Every entry, by device (in the order each first had one), then in insertion order. */
  list(): NeighEntry[] {
    const out: NeighEntry[] = [];
    if (this.map0 !== undefined) for (const e of this.map0.values()) out.push(e);
    for (const m of this.byDev.values()) for (const e of m.values()) out.push(e);
    return out;
  }

  /**
   * `ip neigh show` text: `172.17.0.3 dev eth0 lladdr 02:42:ac:11:00:03 REACHABLE`, and
   * `172.17.0.99 dev eth0  FAILED` (iproute2's double space when there is no lladdr).
   */
  show(): string {
    let out = '';
    for (const e of this.list()) {
      const s = this.state(e);
      if (s === NudState.NONE) continue;
      // iproute2: "dev %s ", then "lladdr %s", then " %s" per state flag (so "dev eth0  FAILED")
      out += `${ipToString(e.ip)} dev ${e.dev.name} `;
      if ((s & NUD_VALID) !== 0) out += `lladdr ${macToString(e.mac)}`;
      out += ` ${nudStateName(s)}\n`;
    }
    return out;
  }
}

