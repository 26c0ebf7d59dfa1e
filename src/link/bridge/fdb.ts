/**
 * The forwarding database, after Linux `net/bridge/br_fdb.c`: MAC → port, learned from the source
 * addresses of received frames, aged out after `ageingTime` of virtual time.
 *
 * The table is a `Map` keyed by the 48-bit MAC number (no VLANs: docker's bridges do not filter
 * VLANs). Expiry is lazy at lookup ({@link fdbFind}) plus a garbage-collection timer on the
 * {@link Sim} ({@link fdbCleanup}) that is armed only while dynamic (learned) entries exist and
 * reschedules itself at the next expiry, so an idle bridge leaves no timers behind.
 *
 * @module
 */
import type { Nanos } from '../../core/time.js';
import type { BridgeDevice } from './bridge.js';
import type { NetBridgePort } from './port.js';

/** Default ageing time: 300 s (`ageing_time 30000` centiseconds in `ip -d link`). */
export const BR_DEFAULT_AGEING_TIME: Nanos = 300_000_000_000;

/** One FDB entry (Linux `struct net_bridge_fdb_entry`). */
export class FdbEntry {
  /** The MAC address (48-bit number). */
  readonly mac: number;
  /** Port behind which the address lives; `null` for the bridge device's own address. */
  port: NetBridgePort | null;
  /** The address belongs to this host (a port's or the bridge's own MAC): frames to it are passed up. */
  readonly isLocal: boolean;
  /** Never ages out (local entries, and entries added with `bridge fdb add … static`). */
  readonly isStatic: boolean;
  /** Virtual time the entry was last learned or refreshed (ageing counts from here). */
  updated: Nanos;
  /** Virtual time a frame was last forwarded using this entry. */
  used: Nanos;

  constructor(mac: number, port: NetBridgePort | null, isLocal: boolean, isStatic: boolean, now: Nanos) {
    this.mac = mac;
    this.port = port;
    this.isLocal = isLocal;
    this.isStatic = isStatic;
    this.updated = now;
    this.used = now;
  }
}

/** True when a dynamic entry is older than the bridge's ageing time (Linux `has_expired`). */
export function fdbHasExpired(br: BridgeDevice, f: FdbEntry): boolean {
  return !f.isStatic && f.updated + br.ageingTime <= br.sim.now;
}

/**
 * Looks up `mac`. An expired dynamic entry is removed on the spot and reported as missing.
 * Allocation-free.
 *
 * @see Linux `br_fdb_find_rcu`, `__br_fdb_get` (lazy `has_expired`)
 */
export function fdbFind(br: BridgeDevice, mac: number): FdbEntry | null {
  const f = br.fdb.get(mac);
  if (f === undefined) return null;
  if (fdbHasExpired(br, f)) {
    fdbDelete(br, f);
    return null;
  }
  return f;
}

/**
 * Learns that `mac` lives behind `port` (called for each received frame whose port has learning
 * on). An existing entry is refreshed (`updated`, written only when the time changed) and moved if
 * the address turned up on another port; a local entry is never overwritten (Linux warns "received
 * packet … with own address as source address"). Allocation-free except when a new address is
 * learned.
 *
 * @see Linux `br_fdb_update`
 */
export function fdbUpdate(br: BridgeDevice, port: NetBridgePort, mac: number): void {
  const now = br.sim.now;
  const f = br.fdb.get(mac);
  if (f !== undefined) {
    if (f.isLocal) {
      br.counters.inc('own-source');
      return;
    }
    if (f.updated !== now) f.updated = now;
    // fastpath: update of existing entry
    if (f.port !== port) f.port = port;
    return;
  }
  br.fdb.set(mac, new FdbEntry(mac, port, false, false, now));
  br.fdbDynamic++;
  if (br.gcTimer === null) br.gcTimer = br.sim.schedule(br.ageingTime, br.gcFn);
}

/**
 * Inserts (or replaces) a permanent entry: a local address (`isLocal`, frames to it are passed up;
 * `port` null for the bridge's own MAC) or a user-added static entry.
 *
 * @see Linux `br_fdb_add_local`, `br_fdb_insert`
 */
export function fdbAddPermanent(br: BridgeDevice, port: NetBridgePort | null, mac: number, isLocal: boolean): FdbEntry {
  const old = br.fdb.get(mac);
  if (old !== undefined) fdbDelete(br, old);
  const f = new FdbEntry(mac, port, isLocal, true, br.sim.now);
  br.fdb.set(mac, f);
  return f;
}

/** Adds a dynamic entry as if `mac` had just been learned on `port` (`bridge fdb add … dynamic`). */
export function fdbAddDynamic(br: BridgeDevice, port: NetBridgePort, mac: number): FdbEntry {
  const old = br.fdb.get(mac);
  if (old !== undefined && old.isStatic) fdbDelete(br, old);
  fdbUpdate(br, port, mac);
  return br.fdb.get(mac)!;
}

/** Removes one entry; cancels the GC timer once no dynamic entry is left. */
export function fdbDelete(br: BridgeDevice, f: FdbEntry): void {
  if (br.fdb.get(f.mac) !== f) return;
  br.fdb.delete(f.mac);
  if (!f.isStatic && --br.fdbDynamic === 0 && br.gcTimer !== null) {
    br.sim.cancel(br.gcTimer);
    br.gcTimer = null;
  }
}

/**
 * Removes the entries that point at `port`: only the dynamic ones, or all of them (local and
 * static too) when `all` is set, as when the port is removed.
 *
 * @see Linux `br_fdb_delete_by_port`, `br_fdb_flush`
 */
export function fdbDeleteByPort(br: BridgeDevice, port: NetBridgePort, all: boolean): void {
  for (const f of br.fdb.values()) if (f.port === port && (all || !f.isStatic)) fdbDelete(br, f);
}

/**
 * The GC timer's work: removes every expired dynamic entry and re-arms the timer at the earliest
 * remaining expiry, or leaves it unarmed when no dynamic entry is left. Returns the time of the
 * next run (`Infinity` when none).
 *
 * @see Linux `br_fdb_cleanup`
 */
export function fdbCleanup(br: BridgeDevice): Nanos {
  if (br.gcTimer !== null) {
    br.sim.cancel(br.gcTimer);
    br.gcTimer = null;
  }
  const now = br.sim.now;
  const hold = br.ageingTime;
  let next = Infinity;
  for (const f of br.fdb.values()) {
    if (f.isStatic) continue;
    const expires = f.updated + hold;
    if (expires <= now) {
      fdbDelete(br, f);
    } else if (expires < next) next = expires;
  }
  if (next !== Infinity) br.gcTimer = br.sim.scheduleAt(next, br.gcFn);
  return next;
}
