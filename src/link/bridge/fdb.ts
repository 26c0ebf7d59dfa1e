/**
 * The forwarding database, after Linux `net/bridge/br_fdb.c`: MAC → port, learned from the source
 * addresses of received frames, aged out after `ageingTime` of virtual time.
 *
 * The table ({@link FdbTable}) is a chained hash table like the kernel's `fdb_hash_tbl`: a MAC is
 * hashed from its low 32 bits as an int32 (`br_mac_hash` hashes the same 4 bytes) and compared on
 * both halves (top 16 bits, low 32 bits), so the packet path never builds the 48-bit number (no
 * VLANs: docker's bridges do not filter VLANs). Entries also sit on a list in insertion order (the
 * kernel's `fdb_list`), which `bridge fdb show` and the garbage collector walk. Expiry is lazy at
 * lookup ({@link fdbFind}) plus a garbage-collection timer on the {@link Sim} ({@link fdbCleanup})
 * that is armed only while dynamic (learned) entries exist and reschedules itself at the next
 * expiry, so an idle bridge leaves no timers behind.
 *
 * @module
 */
import type { Nanos } from '../../core/time.js';
import { macFromHalves, macHi, macLo } from '../../wire/addr.js';
import type { BridgeDevice } from './bridge.js';
import type { NetBridgePort } from './port.js';

/** Default ageing time: 300 s (`ageing_time 30000` centiseconds in `ip -d link`). */
export const BR_DEFAULT_AGEING_TIME: Nanos = 300_000_000_000;

/** One FDB entry (Linux `struct net_bridge_fdb_entry`). */
export class FdbEntry {
  // field order is the object layout: the lookup's fields first (the fields set by the constructor
  // have initializers here too, so that they are made in this order: see tsconfig's
  // useDefineForClassFields)
  /** Low 32 bits of the MAC, as a signed int32. */
  readonly lo: number = 0;
  /** Top 16 bits of the MAC. */
  readonly hi: number = 0;
  /** @internal next entry in the same hash bucket */
  hnext: FdbEntry | null = null;
  /** Port behind which the address lives; `null` for the bridge device's own address. */
  port: NetBridgePort | null = null;
  /** The address belongs to this host (a port's or the bridge's own MAC): frames to it are passed up. */
  readonly isLocal: boolean = false;
  /** Never ages out (local entries, and entries added with `bridge fdb add … static`). */
  readonly isStatic: boolean = false;
  /** Virtual time the entry was last learned or refreshed (ageing counts from here). */
  updated: Nanos = 0;
  /** Virtual time a frame was last forwarded using this entry. */
  used: Nanos = 0;
  /** @internal neighbours on the table's insertion-ordered list; `linked` is false once removed */
  lprev: FdbEntry | null = null;
  /** @internal */
  lnext: FdbEntry | null = null;
  /** @internal the entry is in a table */
  linked = false;

  constructor(mac: number, port: NetBridgePort | null, isLocal: boolean, isStatic: boolean, now: Nanos) {
    this.hi = macHi(mac);
    this.lo = macLo(mac);
    this.port = port;
    this.isLocal = isLocal;
    this.isStatic = isStatic;
    this.updated = now;
    this.used = now;
  }

  /** The MAC address (48-bit number), from its two halves (a 48-bit number in a field would be a heap number). */
  get mac(): number {
    return macFromHalves(this.hi, this.lo);
  }
}

const MIN_BUCKETS = 16;

/**
 * Bucket of a MAC in a table of 2^(32 − `shift`) buckets: Fibonacci hashing of the low 32 bits
 * (the 4 bytes Linux's `br_mac_hash` hashes) xor the top 16, so that addresses differing only in
 * their first two bytes (a host-side veth and its container, say) do not share a chain.
 */
function bucketOf(hi: number, lo: number, shift: number): number {
  return Math.imul(lo ^ hi, 0x9e3779b1) >>> shift;
}

/**
 * The bridge's forwarding database: a hash table of {@link FdbEntry} keyed by MAC, with a `Map`-like
 * read API (`get`, `has`, `size`, `values`, iteration in insertion order) for the text and tests.
 * Changes go through the `fdb*` functions of this module, which keep the bridge's dynamic-entry
 * count and GC timer right. The packet path uses {@link FdbTable.find} with the two halves of a
 * MAC; nothing here allocates except a new entry and the bucket array when the table grows.
 */
export class FdbTable {
  private buckets: (FdbEntry | null)[] = newBuckets(MIN_BUCKETS);
  private shift = 32 - Math.log2(MIN_BUCKETS);
  private count = 0;
  private head: FdbEntry | null = null;
  private tail: FdbEntry | null = null;

  /** Number of entries (expired ones included until they are collected). */
  get size(): number {
    return this.count;
  }

  /** The entry for the MAC with top 16 bits `hi` and low 32 bits `lo` (int32), or `null`. No expiry check. */
  find(hi: number, lo: number): FdbEntry | null {
    let f: FdbEntry | null = this.buckets[Math.imul(lo ^ hi, 0x9e3779b1) >>> this.shift]!;
    while (f !== null) {
      if (f.lo === lo && f.hi === hi) return f;
      f = f.hnext;
    }
    return null;
  }

  /** The entry for a 48-bit MAC, or `undefined`. No expiry check. */
  get(mac: number): FdbEntry | undefined {
    return this.find(macHi(mac), macLo(mac)) ?? undefined;
  }

  /** Whether there is an entry (expired or not) for a 48-bit MAC. */
  has(mac: number): boolean {
    return this.find(macHi(mac), macLo(mac)) !== null;
  }

  /** @internal adds `f`, whose MAC must not be in the table yet, at the end of the list */
  insert(f: FdbEntry): void {
    // at most one entry per two buckets: shorter chains (L2 with 10 containers: 916 -> 898 instructions per frame)
    if (2 * this.count >= this.buckets.length) this.grow();
    const b = bucketOf(f.hi, f.lo, this.shift);
    f.hnext = this.buckets[b]!;
    this.buckets[b] = f;
    f.lprev = this.tail;
    f.lnext = null;
    if (this.tail !== null) this.tail.lnext = f;
    else this.head = f;
    this.tail = f;
    f.linked = true;
    this.count++;
  }

  /** @internal removes `f`; false if it is not in the table */
  remove(f: FdbEntry): boolean {
    if (!f.linked) return false;
    const b = bucketOf(f.hi, f.lo, this.shift);
    let p: FdbEntry | null = this.buckets[b]!;
    if (p === f) this.buckets[b] = f.hnext;
    else {
      while (p !== null && p.hnext !== f) p = p.hnext;
      if (p === null) return false;
      p.hnext = f.hnext;
    }
    if (f.lprev !== null) f.lprev.lnext = f.lnext;
    else this.head = f.lnext;
    if (f.lnext !== null) f.lnext.lprev = f.lprev;
    else this.tail = f.lprev;
    // lnext is kept so that a walk standing on `f` can go on (see values())
    f.hnext = null;
    f.linked = false;
    this.count--;
    return true;
  }

  /** @internal removes every entry */
  clear(): void {
    for (let f = this.head; f !== null; f = f.lnext) f.linked = false;
    this.buckets = newBuckets(MIN_BUCKETS);
    this.shift = 32 - Math.log2(MIN_BUCKETS);
    this.count = 0;
    this.head = this.tail = null;
  }

  /**
   * The entries in insertion order (oldest first). Removing the entry the walk stands on is
   * allowed (the walk goes on with its successor), as with a `Map`.
   */
  *values(): IterableIterator<FdbEntry> {
    let f = this.head;
    while (f !== null) {
      yield f;
      let n = f.lnext;
      // the entry was removed while we stood on it: skip successors removed since, too
      while (n !== null && !n.linked) n = n.lnext;
      f = n;
    }
  }

  /** Same as {@link FdbTable.values}. */
  [Symbol.iterator](): IterableIterator<FdbEntry> {
    return this.values();
  }

  /** @internal first entry of the insertion-ordered list (for allocation-free walks) */
  first(): FdbEntry | null {
    return this.head;
  }

  private grow(): void {
    const n = this.buckets.length * 2;
    const b = newBuckets(n);
    const shift = this.shift - 1;
    for (let f = this.head; f !== null; f = f.lnext) {
      const i = bucketOf(f.hi, f.lo, shift);
      f.hnext = b[i]!;
      b[i] = f;
    }
    this.buckets = b;
    this.shift = shift;
  }
}

function newBuckets(n: number): (FdbEntry | null)[] {
  const b: (FdbEntry | null)[] = [];
  for (let i = 0; i < n; i++) b.push(null);
  return b;
}

/** True when a dynamic entry is older than the bridge's ageing time (Linux `has_expired`). */
export function fdbHasExpired(br: BridgeDevice, f: FdbEntry): boolean {
  return !f.isStatic && f.updated + br.ageingTime <= br.sim.now;
}

/**
 * Looks up the MAC with top 16 bits `hi` and low 32 bits `lo` (as `readMacHi`/`readMacLo` read
 * them from a frame). An expired dynamic entry is removed on the spot and reported as missing.
 * Allocation-free.
 *
 * @see Linux `br_fdb_find_rcu`, `__br_fdb_get` (lazy `has_expired`)
 */
export function fdbFindHalves(br: BridgeDevice, hi: number, lo: number): FdbEntry | null {
  const f = br.fdb.find(hi, lo);
  if (f !== null && f.isStatic !== true && f.updated + br.ageingTime <= br.sim.now) {
    fdbDelete(br, f);
    return null;
  }
  return f;
}

/** {@link fdbFindHalves} for a 48-bit MAC number. */
export function fdbFind(br: BridgeDevice, mac: number): FdbEntry | null {
  return fdbFindHalves(br, macHi(mac), macLo(mac));
}

/**
 * Learns that the MAC with halves `hi`/`lo` lives behind `port` (called for each received frame
 * whose port has learning on). An existing entry is refreshed (`updated`, written only when the
 * time changed) and moved if the address turned up on another port; a local entry is never
 * overwritten (Linux warns "received packet … with own address as source address"). Allocation-free
 * except when a new address is learned.
 *
 * @see Linux `br_fdb_update`
 */
export function fdbUpdateHalves(br: BridgeDevice, port: NetBridgePort, hi: number, lo: number): void {
  const f = br.fdb.find(hi, lo);
  if (f === null || f.isLocal === true) {
    fdbUpdateSlow(br, port, hi, lo, f);
    return;
  }
  const now = br.sim.now;
  if (f.updated !== now) f.updated = now;
  // fastpath: update of existing entry
  if (f.port !== port) f.port = port;
}

/** A new address (learned here), or a local one seen as a source (counted in `own-source`, never moved). */
function fdbUpdateSlow(br: BridgeDevice, port: NetBridgePort, hi: number, lo: number, f: FdbEntry | null): void {
  if (f !== null) {
    br.counters.inc('own-source');
    return;
  }
  const now = br.sim.now;
  br.fdb.insert(new FdbEntry(macFromHalves(hi, lo), port, false, false, now));
  br.fdbDynamic++;
  if (br.gcTimer === null) br.gcTimer = br.sim.schedule(br.ageingTime, br.gcFn);
}

/** {@link fdbUpdateHalves} for a 48-bit MAC number. */
export function fdbUpdate(br: BridgeDevice, port: NetBridgePort, mac: number): void {
  fdbUpdateHalves(br, port, macHi(mac), macLo(mac));
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
  br.fdb.insert(f);
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
  if (!br.fdb.remove(f)) return;
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
  let f = br.fdb.first();
  while (f !== null) {
    const n = f.lnext;
    if (f.port === port && (all || !f.isStatic)) fdbDelete(br, f);
    f = n;
  }
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
  let f = br.fdb.first();
  while (f !== null) {
    const n = f.lnext;
    if (!f.isStatic) {
      const expires = f.updated + hold;
      if (expires <= now) fdbDelete(br, f);
      else if (expires < next) next = expires;
    }
    f = n;
  }
  if (next !== Infinity) br.gcTimer = br.sim.scheduleAt(next, br.gcFn);
  return next;
}
