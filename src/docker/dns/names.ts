/**
 * The names the embedded DNS answers on each network, indexed: a container's name, its aliases
 * (`--network-alias`, `--alias`, the short id and hostname libnetwork adds) on that network, each
 * lowercased, to the addresses of the endpoints they name, in the network's join order.
 *
 * A query used to scan every endpoint of the network (~180 µs on a network of 1,000 containers,
 * ~1 ms in a storm of pings whose scans had left the cache). The index gives the same addresses in
 * the same order: built on a network's first query, appended to as endpoints join, and rebuilt on
 * the next query after anything that takes a name away (an endpoint leaving, a container renamed or
 * removed), which {@link DnsNames.changed} and the container store's `namesGeneration` record.
 *
 * @module
 */
import type { Engine } from '../engine.js';
import type { Endpoint, Network } from '../network/model.js';

/** One network's index. */
interface NameIndex {
  /** {@link DnsNames.generation} when built. */
  gen: number;
  /** The container store's `namesGeneration` when built. */
  storeGen: number;
  /** Address of each indexed endpoint, by its ordinal (join order). */
  ips: number[];
  /** Lowercased name → ordinal, or ordinals in ascending order when several endpoints share it. */
  byName: Map<string, number | number[]>;
}

/** Per-network name indexes of one engine. */
export class DnsNames {
  /** Changes when a name may have gone from a network; every index is then rebuilt on its next query. */
  private generation = 0;
  private readonly indexes = new WeakMap<Network, NameIndex>();

  constructor(private readonly e: Engine) {}

  /** Something took a name away (an endpoint left, or was replaced): indexes are stale. */
  changed(): void {
    this.generation++;
  }

  /** `ep` joined its network with its aliases final: appended to the network's index if one is built. */
  joined(ep: Endpoint): void {
    const ix = this.indexes.get(ep.network);
    if (ix !== undefined && this.current(ix)) this.add(ix, ep);
  }

  /**
   * Addresses of the endpoints of `n` named `q` or `q2` (both lowercase), in join order, each once;
   * a new array the caller may shuffle.
   */
  lookup(n: Network, q: string, q2: string): number[] {
    let ix = this.indexes.get(n);
    if (ix === undefined || !this.current(ix)) {
      ix = this.build(n);
      this.indexes.set(n, ix);
    }
    const a = ix.byName.get(q);
    const b = q2 === q ? undefined : ix.byName.get(q2);
    const ips = ix.ips;
    if (b === undefined) return a === undefined ? [] : typeof a === 'number' ? [ips[a]!] : a.map((o) => ips[o]!);
    if (a === undefined) return typeof b === 'number' ? [ips[b]!] : b.map((o) => ips[o]!);
    // both names hit: merge the two ascending lists of ordinals, an endpoint named by both once
    const x = typeof a === 'number' ? [a] : a;
    const y = typeof b === 'number' ? [b] : b;
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      const u = i < x.length ? x[i]! : Infinity;
      const v = j < y.length ? y[j]! : Infinity;
      const o = u <= v ? u : v;
      if (u === o) i++;
      if (v === o) j++;
      out.push(ips[o]!);
    }
    return out;
  }

  private current(ix: NameIndex): boolean {
    return ix.gen === this.generation && ix.storeGen === this.e.runtime.store.namesGeneration;
  }

  private build(n: Network): NameIndex {
    const ix: NameIndex = { gen: this.generation, storeGen: this.e.runtime.store.namesGeneration, ips: [], byName: new Map() };
    for (const ep of n.endpoints.values()) this.add(ix, ep);
    return ix;
  }

  /** Indexes `ep` under its container's name and its aliases on the network (what the scan compared). */
  private add(ix: NameIndex, ep: Endpoint): void {
    if (!ep.ip) return;
    const c = this.e.runtime.store.find(ep.containerId);
    if (!c) return;
    const o = ix.ips.push(ep.ip) - 1;
    put(ix.byName, c.name.slice(1).toLowerCase(), o);
    const aliases = this.e.sandboxes.of(c).attachments.get(ep.network.id)?.aliases;
    if (aliases !== undefined) for (const a of aliases) put(ix.byName, a.toLowerCase(), o);
  }
}

/** Adds ordinal `o` under `k` (ordinals come in ascending order; a name twice on one endpoint counts once). */
function put(m: Map<string, number | number[]>, k: string, o: number): void {
  const v = m.get(k);
  if (v === undefined) m.set(k, o);
  else if (typeof v === 'number') {
    if (v !== o) m.set(k, [v, o]);
  } else if (v[v.length - 1] !== o) v.push(o);
}
