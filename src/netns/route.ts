/**
 * The FIB of one namespace: the `local` and `main` routing tables with longest-prefix match, as
 * Linux `fib_table_lookup` does it after the default rules (`0: from all lookup local`,
 * `32766: from all lookup main`).
 *
 * ```
 *   lookup(dst) ──► local table (local / broadcast entries, added with addresses)
 *                    │ miss
 *                    ▼
 *                  main table: buckets by prefix length 32 … 0, Map<network, routes>
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
  /** Destination network (uint32, host bits zero). */
  dst: number;
  /** Prefix length. */
  len: number;
  /** Next-hop gateway (uint32), 0 for a directly connected route. */
  gateway: number;
  /** Output device (null for unreachable/blackhole/prohibit). */
  dev: NetDevice | null;
  /** Preferred source address (`src`), 0 when none. */
  prefsrc: number;
  /** Who installed it. */
  proto: RouteProto;
  /** Scope. */
  scope: RouteScope;
  /** Metric (priority); lower wins. */
  metric: number;
}

/** The outcome of a routing decision. Cached and shared: treat as read-only. */
export interface FibResult {
  /** Route type: `unicast` (forward / send out `dev`), `local`, `broadcast`, or an error type. */
  type: RouteType;
  /** The route that matched (null when nothing matched). */
  route: Route | null;
  /** Output device (the route's device). */
  dev: NetDevice | null;
  /** Next hop: the gateway, or the destination itself for a connected route. */
  nexthop: number;
  /** Gateway (0 when directly connected). */
  gateway: number;
  /** Preferred source: the route's `src`, or 0 (the caller selects one with `inet_select_addr`). */
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

/** One routing table: 33 buckets (prefix length 32 … 0), each a Map from network to routes. */
export class FibTable {
  /** `local` or `main`. */
  readonly id: 'local' | 'main';
  /** buckets[len] maps a network address to its routes (sorted by metric). */
  private readonly buckets: Array<Map<number, Route[]>> = [];
  /** Prefix lengths that hold at least one route, longest first. */
  private lens: number[] = [];

  constructor(id: 'local' | 'main') {
    this.id = id;
    for (let i = 0; i <= 32; i++) this.buckets.push(new Map());
  }

  /** Adds a route; returns false if an identical one (same dst/len/metric/type/dev/gateway) exists. */
  add(r: Route): boolean {
    const b = this.buckets[r.len]!;
    let list = b.get(r.dst | 0);
    if (!list) {
      list = [];
      b.set(r.dst | 0, list);
    }
    if (list.some((x) => x.metric === r.metric && x.type === r.type && x.dev === r.dev && x.gateway === r.gateway)) return false;
    list.push(r);
    list.sort((a, c) => a.metric - c.metric);
    this.recomputeLens();
    return true;
  }

  /** Removes routes matching `pred` among those for `dst/len`; returns how many were removed. */
  remove(dst: number, len: number, pred: (r: Route) => boolean): number {
    const b = this.buckets[len]!;
    const list = b.get(dst | 0);
    if (!list) return 0;
    const keep = list.filter((r) => !pred(r));
    const n = list.length - keep.length;
    if (keep.length) b.set(dst | 0, keep);
    else b.delete(dst | 0);
    if (n) this.recomputeLens();
    return n;
  }

  /** Removes every route for which `pred` holds (e.g. all routes through a device). */
  removeWhere(pred: (r: Route) => boolean): number {
    let n = 0;
    for (let len = 0; len <= 32; len++) {
      const b = this.buckets[len]!;
      for (const [k, list] of [...b]) {
        const keep = list.filter((r) => !pred(r));
        n += list.length - keep.length;
        if (keep.length) b.set(k, keep);
        else b.delete(k);
      }
    }
    if (n) this.recomputeLens();
    return n;
  }

  private recomputeLens(): void {
    const lens: number[] = [];
    for (let len = 32; len >= 0; len--) if (this.buckets[len]!.size) lens.push(len);
    this.lens = lens;
  }

  /**
   * Longest-prefix match: the lowest-metric usable route of the longest matching prefix, or null.
   * A route through a device that is administratively down is skipped (its nexthop is dead),
   * except host-scope `local` entries.
   *
   * @see Linux `fib_table_lookup`
   */
  lookup(dst: number): Route | null {
    const lens = this.lens;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      const list = this.buckets[len]!.get((dst & MASKS[len]!) | 0);
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
    const out: Route[] = [];
    for (let len = 0; len <= 32; len++) for (const list of this.buckets[len]!.values()) out.push(...list);
    out.sort((a, b) => (a.dst >>> 0) - (b.dst >>> 0) || a.len - b.len || a.metric - b.metric);
    return out;
  }
}

/** Maximum number of cached destinations before the cache is flushed. */
const FIB_CACHE_MAX = 4096;

/**
 * The routing state of a namespace: the `local` and `main` tables and a per-destination cache.
 */
export class Fib {
  /** Table 255: local and broadcast addresses of this namespace. */
  readonly local: FibTable = new FibTable('local');
  /** Table 254: connected routes, static routes, the default route. */
  readonly main: FibTable = new FibTable('main');
  private readonly cache = new Map<number, FibResult>();
  /** Incremented on every change; lets callers notice invalidation. */
  generation = 0;
  /**
   * A cache derived from routing decisions (the namespace's output routes), created by its owner
   * and cleared here with the lookup cache, so its readers need not check {@link Fib.generation}.
   */
  derived: Map<number, { obsolete: boolean }> | null = null;

  /** Drops the lookup cache (call after any route, address or link-state change). */
  flush(): void {
    this.cache.clear();
    const d = this.derived;
    if (d !== null && d.size !== 0) {
      // whoever kept one of them (a socket's dst cache) sees it is stale (Linux dst->obsolete)
      for (const e of d.values()) e.obsolete = true;
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
    const c = this.cache.get(dst | 0); // int32 key: a Smi, no boxing
    if (c !== undefined) return c;
    const r = this.local.lookup(dst) ?? this.main.lookup(dst);
    let res: FibResult;
    if (!r) res = FIB_NO_ROUTE;
    else
      res = Object.freeze({
        type: r.type,
        route: r,
        dev: r.dev,
        nexthop: r.gateway !== 0 ? r.gateway : dst >>> 0,
        gateway: r.gateway,
        prefsrc: r.prefsrc,
      });
    if (this.cache.size >= FIB_CACHE_MAX) this.cache.clear();
    this.cache.set(dst | 0, res);
    return res;
  }
}

/** Formats a route's destination as `ip route` does (`default`, `a.b.c.d`, `a.b.c.d/n`). */
export function routeDstString(r: Route): string {
  if (r.len === 0 && r.dst === 0 && r.table === 'main') return 'default';
  return r.len === 32 ? ipToString(r.dst) : `${ipToString(r.dst)}/${r.len}`;
}
