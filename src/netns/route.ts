/**
 * The FIB of one namespace: the `local` and `main` routing tables with longest-prefix match, as
 * Linux `fib_table_lookup` does it after the default rules (`0: from all lookup local`,
 * `32766: from all lookup main`).
 *
 * ```
 *   lookup(dst) ──► local table (local / broadcast entries, added with addresses)
 *                    │ miss
 *                    ▼
 *                  main table: routes by prefix length, longest first (a sorted array while
 *                    │         small, else a Map<network, routes> per prefix length in use)
 *                    │ hit: lowest metric whose device is up
 *                    ▼
 *                  FibResult { type, dev, gateway, prefsrc }   (cached per destination)
 * ```
 *
 * Lookups on the packet path go through a per-destination cache (a Map keyed by the uint32
 * address) that is dropped whenever a route, an address or a link state changes, so a forwarded
 * packet costs one Map lookup and allocates nothing.
 *
 * @module
 */
import type { NetDevice } from '../link/netdev.js';
import { ipToString, prefixMask } from '../wire/addr.js';
import { withInserted } from '../core/arrays.js';

/** Route types, as `ip route` names them (Linux `RTN_*`). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'unreachable' | 'blackhole' | 'prohibit';

/** Route scope (Linux `RT_SCOPE_*`). */
export type RouteScope = 'global' | 'link' | 'host';

/** Route protocol (who installed it): `kernel` for connected routes, `boot` for `ip route add`. */
export type RouteProto = 'kernel' | 'boot' | 'static' | 'dhcp';

/** One route. */
export interface Route {
  /** `local` (table 255) or `main` (table 254). */
  table: 'local' | 'main';
  /** Route type. */
  type: RouteType;
  /**
   * Destination network, host bits zero, as a signed 32-bit integer (`ip | 0`, as a rule's `src`
   * and `dst`): V8 keeps a uint32 above 2^31 as a boxed double, and once one route held such an
   * address every route's address fields would be boxed. `ipToString` and `>>> 0` read it back.
   */
  dst: number;
  /** Prefix length. */
  len: number;
  /** Next-hop gateway (int32, as `dst`), 0 for a directly connected route. */
  gateway: number;
  /** Output device (null for unreachable/blackhole/prohibit). */
  dev: NetDevice | null;
  /** Preferred source address (`src`, int32 as `dst`), 0 when none. */
  prefsrc: number;
  /** Who installed it. */
  proto: RouteProto;
  /** Scope. */
  scope: RouteScope;
  /** Metric (priority); lower wins. */
  metric: number;
}

/**
 * A route with every field in {@link Route}'s order, so all routes share one hidden class (object
 * literals built by spreading a common base get one per key order). Addresses may be given as
 * uint32 or int32; the route keeps them as int32.
 */
export function newRoute(
  table: 'local' | 'main',
  type: RouteType,
  dst: number,
  len: number,
  gateway: number,
  dev: NetDevice | null,
  prefsrc: number,
  proto: RouteProto,
  scope: RouteScope,
  metric: number,
): Route {
  return { table, type, dst: dst | 0, len, gateway: gateway | 0, dev, prefsrc: prefsrc | 0, proto, scope, metric };
}

/** A route the kernel derives from an address (`proto kernel`, metric 0, no gateway). */
export function kernelRoute(
  table: 'local' | 'main',
  type: RouteType,
  dst: number,
  len: number,
  dev: NetDevice,
  prefsrc: number,
  scope: RouteScope,
): Route {
  return newRoute(table, type, dst, len, 0, dev, prefsrc, 'kernel', scope, 0);
}

/** The outcome of a routing decision. Cached and shared: treat as read-only. */
export interface FibResult {
  /** Route type: `unicast` (forward / send out `dev`), `local`, `broadcast`, or an error type. */
  type: RouteType;
  /** The route that matched (null when nothing matched). */
  route: Route | null;
  /** Output device (the route's device). */
  dev: NetDevice | null;
  /** Next hop: the gateway, or the destination itself for a connected route (int32, as {@link Route.dst}). */
  nexthop: number;
  /** Gateway (int32; 0 when directly connected). */
  gateway: number;
  /** Preferred source: the route's `src` (int32), or 0 (the caller selects one with `inet_select_addr`). */
  prefsrc: number;
}

/** The result of a lookup that matched nothing (Linux `-ENETUNREACH`). */
export const FIB_NO_ROUTE: FibResult = Object.freeze({
  type: 'unreachable',
  route: null,
  dev: null,
  nexthop: 0,
  gateway: 0,
  prefsrc: 0,
}) as FibResult;

/** Netmasks as int32, by prefix length. */
const MASKS: readonly number[] = Array.from({ length: 33 }, (_, l) => prefixMask(l) | 0);

/** Removes the routes of `list` for which `pred` holds, in place; returns how many. */
function removeFrom(list: Route[], pred: (r: Route) => boolean): number {
  let w = 0;
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (!pred(r)) list[w++] = r;
  }
  const n = list.length - w;
  list.length = w;
  return n;
}

/** Routes a table keeps in one sorted array; beyond this many it switches to buckets per prefix length. */
const FIB_SMALL_MAX = 16;

/** The route list of an empty table in small mode (shared; never mutated). */
const NO_ROUTES: Route[] = [];

/**
 * One routing table with longest-prefix match. A small table (a container's five local entries,
 * its two main routes) is one exact-size array sorted by prefix length (longest first), then
 * metric, scanned in order: the first usable route whose network contains the address is the
 * answer. Past 16 routes (FIB_SMALL_MAX) the table keeps buckets instead: for each prefix length
 * in use (longest first) a Map from network to its routes by metric.
 */
export class FibTable {
  /** `local` or `main`. */
  readonly id: 'local' | 'main';
  /** Small mode: every route, by prefix length (longest first) then metric; null in bucket mode. */
  private small: Route[] | null = NO_ROUTES;
  /** Bucket mode: prefix lengths that hold at least one route, longest first. */
  private lens: number[] = NO_LENS;
  /** Bucket mode: nets[i] maps a network of prefix length lens[i] (int32) to its routes by metric. */
  private nets: Array<Map<number, Route[]>> = NO_NETS;

  constructor(id: 'local' | 'main') {
    this.id = id;
  }

  /** The bucket of prefix length `len`, or undefined (bucket mode). */
  private bucket(len: number): Map<number, Route[]> | undefined {
    const lens = this.lens;
    for (let i = 0; i < lens.length; i++) if (lens[i] === len) return this.nets[i];
    return undefined;
  }

  /** Adds `r` to its bucket, creating the bucket (bucket mode). */
  private bucketAdd(r: Route): void {
    let b = this.bucket(r.len);
    if (b === undefined) {
      b = new Map();
      if (this.lens === NO_LENS) {
        this.lens = [];
        this.nets = [];
      }
      const lens = this.lens;
      let i = 0;
      while (i < lens.length && lens[i]! > r.len) i++;
      lens.splice(i, 0, r.len);
      this.nets.splice(i, 0, b);
    }
    const list = b.get(r.dst | 0);
    if (list === undefined) b.set(r.dst | 0, [r]);
    else insertByMetric(list, r);
  }

  /** Adds a route; returns false if an identical one (same dst/len/metric/type/dev/gateway) exists. */
  add(r: Route): boolean {
    const s = this.small;
    if (s !== null) {
      let at = s.length;
      for (let i = 0; i < s.length; i++) {
        const x = s[i]!;
        if (x.len === r.len && (x.dst | 0) === (r.dst | 0) && sameRoute(x, r)) return false;
        if (at === s.length && (x.len < r.len || (x.len === r.len && x.metric > r.metric))) at = i;
      }
      if (s.length < FIB_SMALL_MAX) {
        // a new exact-size array (after the last route of longer prefix or equal length and lower or equal metric)
        this.small = withInserted(s, at, r);
        return true;
      }
      this.small = null;
      for (const x of s) this.bucketAdd(x);
      this.bucketAdd(r);
      return true;
    }
    const list = this.bucket(r.len)?.get(r.dst | 0);
    if (list !== undefined) for (const x of list) if (sameRoute(x, r)) return false;
    this.bucketAdd(r);
    return true;
  }

  /** Removes routes matching `pred` among those for `dst/len`; returns how many were removed. */
  remove(dst: number, len: number, pred: (r: Route) => boolean): number {
    const s = this.small;
    const d = dst | 0;
    if (s !== null) return this.removeSmall((r) => r.len === len && (r.dst | 0) === d && pred(r));
    const b = this.bucket(len);
    if (b === undefined) return 0;
    const list = b.get(d);
    if (!list) return 0;
    const n = removeFrom(list, pred);
    if (list.length === 0) {
      b.delete(d);
      if (b.size === 0) this.dropBucket(len);
    }
    return n;
  }

  /** Small mode: keeps the routes for which `drop` is false (a new exact-size array when any goes). */
  private removeSmall(drop: (r: Route) => boolean): number {
    const s = this.small!;
    let n = 0;
    let keep: Route[] | null = null;
    for (let i = 0; i < s.length; i++) {
      const r = s[i]!;
      if (drop(r)) {
        if (keep === null) keep = s.slice(0, i);
        n++;
      } else if (keep !== null) keep.push(r);
    }
    if (keep !== null) this.small = keep.length === 0 ? NO_ROUTES : keep.slice(); // slice: exact size
    return n;
  }

  /** Drops the bucket of prefix length `len` (it became empty). */
  private dropBucket(len: number): void {
    const i = this.lens.indexOf(len);
    if (i < 0) return;
    this.lens.splice(i, 1);
    this.nets.splice(i, 1);
  }

  /** Removes every route for which `pred` holds (e.g. all routes through a device). */
  removeWhere(pred: (r: Route) => boolean): number {
    if (this.small !== null) return this.removeSmall(pred);
    let n = 0;
    const lens = this.lens;
    for (let i = lens.length - 1; i >= 0; i--) {
      const b = this.nets[i]!;
      b.forEach((list, k) => {
        const m = removeFrom(list, pred);
        if (m === 0) return;
        n += m;
        if (list.length === 0) b.delete(k); // deleting the current entry during forEach is allowed
      });
      if (b.size === 0) {
        lens.splice(i, 1);
        this.nets.splice(i, 1);
      }
    }
    return n;
  }

  /**
   * Longest-prefix match: the lowest-metric usable route of the longest matching prefix, or null.
   * A route through a device that is administratively down is skipped (its nexthop is dead),
   * except host-scope `local` entries.
   *
   * @see Linux `fib_table_lookup`
   */
  lookup(dst: number): Route | null {
    const s = this.small;
    if (s !== null) {
      for (let i = 0; i < s.length; i++) {
        const r = s[i]!;
        if ((dst & MASKS[r.len]!) === (r.dst | 0) && (r.dev === null || r.dev.adminUp || r.type === 'local')) return r;
      }
      return null;
    }
    const lens = this.lens;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      const list = this.nets[i]!.get((dst & MASKS[len]!) | 0);
      if (!list) continue;
      for (let j = 0; j < list.length; j++) {
        const r = list[j]!;
        if (r.dev === null || r.dev.adminUp || r.type === 'local') return r;
      }
    }
    return null;
  }

  /** Every route, sorted as `ip route` lists them (by destination, then prefix length). */
  routes(): Route[] {
    let out: Route[];
    if (this.small !== null) out = this.small.slice();
    else {
      out = [];
      for (const b of this.nets) for (const list of b.values()) for (const r of list) out.push(r);
    }
    out.sort((a, b) => (a.dst >>> 0) - (b.dst >>> 0) || a.len - b.len || a.metric - b.metric);
    return out;
  }
}

const NO_LENS: number[] = [];
const NO_NETS: Array<Map<number, Route[]>> = [];

/** Same metric, type, device and gateway (with the same dst/len: the same route for `ip route add`). */
function sameRoute(x: Route, r: Route): boolean {
  return x.metric === r.metric && x.type === r.type && x.dev === r.dev && (x.gateway | 0) === (r.gateway | 0);
}

/** Inserts `r` after the last route of lower or equal metric (stable, as sorting by metric was). */
function insertByMetric(list: Route[], r: Route): void {
  let j = list.length;
  while (j > 0 && list[j - 1]!.metric > r.metric) j--;
  list.splice(j, 0, r);
}

/** Maximum number of cached destinations before the cache is flushed. */
const FIB_CACHE_MAX = 4096;

/**
 * The lookup cache of every {@link Fib} that has not looked anything up yet (always empty: a Fib
 * replaces it with its own Map before storing a result), so an idle namespace holds no cache Map.
 */
const NO_CACHE: Map<number, FibResult> = new Map();

/** An entry of a cache derived from the FIB: made stale, with the entries chained to it, on every FIB change. */
export interface DerivedEntry {
  obsolete: boolean;
  nextSrc: DerivedEntry | null;
}

/**
 * The routing state of a namespace: the `local` and `main` tables and a per-destination cache.
 */
export class Fib {
  /** Table 255: local and broadcast addresses of this namespace. */
  readonly local: FibTable = new FibTable('local');
  /** Table 254: connected routes, static routes, the default route. */
  readonly main: FibTable = new FibTable('main');
  /** Results by destination (int32); the shared empty {@link NO_CACHE} until the first lookup. */
  private cache: Map<number, FibResult> = NO_CACHE;
  /**
   * The last destination looked up (int32) and its result, checked before the Map: a container
   * receives almost every datagram for its one address, and a sender keeps asking for the same
   * gateway, so most lookups are one integer compare (no hashing, no Map backing store to load).
   * {@link Fib.flush} clears it with the Map.
   */
  private lastDst = 0;
  private lastRes: FibResult | null = null;
  /** `lastRes.type`, kept here so that {@link Fib.lookupType} reads no result object. */
  private lastType: RouteType = 'unicast';
  /** Incremented on every change; lets callers notice invalidation. */
  generation = 0;
  /**
   * A cache derived from routing decisions (the namespace's output routes), created by its owner
   * and cleared here with the lookup cache, so its readers need not check {@link Fib.generation}.
   */
  derived: Map<number, DerivedEntry> | null = null;

  /** Drops the lookup cache (call after any route, address or link-state change). */
  flush(): void {
    this.lastRes = null;
    if (this.cache.size !== 0) this.cache.clear();
    const d = this.derived;
    if (d !== null && d.size !== 0) {
      // whoever kept one of them (a socket's dst cache) sees it is stale (Linux dst->obsolete)
      for (const e of d.values()) for (let x: DerivedEntry | null = e; x !== null; x = x.nextSrc) x.obsolete = true;
      d.clear();
    }
    this.generation++;
  }

  /** Adds a route to its table. Returns false if it already exists. */
  add(r: Route): boolean {
    const ok = (r.table === 'local' ? this.local : this.main).add(r);
    this.flush();
    return ok;
  }

  /**
   * Looks `dst` up: local table first, then main (Linux's default policy rules). Never allocates
   * on a cache hit.
   *
   * @see Linux `fib_lookup`
   */
  lookup(dst: number): FibResult {
    const key = dst | 0; // int32 key: a Smi, no boxing
    const last = this.lastRes;
    if (last !== null && this.lastDst === key) return last;
    const c = this.cache.get(key);
    if (c !== undefined) {
      this.lastDst = key;
      this.lastRes = c;
      this.lastType = c.type;
      return c;
    }
    const r = this.local.lookup(dst) ?? this.main.lookup(dst);
    let res: FibResult;
    if (!r) res = FIB_NO_ROUTE;
    else
      res = Object.freeze({
        type: r.type,
        route: r,
        dev: r.dev,
        // int32 whatever form the route was built with (newRoute's are int32 already)
        nexthop: r.gateway !== 0 ? r.gateway | 0 : key,
        gateway: r.gateway | 0,
        prefsrc: r.prefsrc | 0,
      });
    let cache = this.cache;
    if (cache === NO_CACHE) cache = this.cache = new Map();
    else if (cache.size >= FIB_CACHE_MAX) cache.clear();
    cache.set(key, res);
    this.lastDst = key;
    this.lastRes = res;
    this.lastType = res.type;
    return res;
  }

  /**
   * The route type of `dst` (`lookup(dst).type`): for a repeated destination, from the FIB object
   * itself without reading the result (the receive path only needs to know that a datagram is for
   * this host; with thousands of namespaces each result object is one more cache miss).
   */
  lookupType(dst: number): RouteType {
    if (this.lastRes !== null && this.lastDst === (dst | 0)) return this.lastType;
    return this.lookup(dst).type;
  }
}

/** Formats a route's destination as `ip route` does (`default`, `a.b.c.d`, `a.b.c.d/n`). */
export function routeDstString(r: Route): string {
  if (r.len === 0 && r.dst === 0 && r.table === 'main') return 'default';
  return r.len === 32 ? ipToString(r.dst) : `${ipToString(r.dst)}/${r.len}`;
}
