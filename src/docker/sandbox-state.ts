/**
 * A container's network sandbox while it runs, and the deferral of its namespace's configuration.
 *
 * Starting a container does what is visible from outside its namespace at once: the endpoint and
 * its address, the veth pair on the bridge with the container end moved in, the published ports,
 * /etc/hosts and /etc/resolv.conf, the events. What only the inside of the namespace shows (the
 * interface's address and its routes, the default route, the embedded resolver's sockets and its
 * nat rules) is recorded and done the first time anything looks inside: a frame delivered to one of
 * its interfaces, the runtime namespace's handle or the sandbox's `ns` read (a program run in it, a
 * trace, a test). Until then the namespace has no `lo` either (`{ loopback: false }`). Every later
 * observation sees the same state, in the same order of operations, as if it had been done at
 * start; a thousand containers that nobody talks to cost only their outside.
 *
 * The one frame looked at without configuring: an ARP request for an address the namespace will
 * not have (the bridge floods those to every port; a configured namespace ignores them too: it has
 * no neighbour entry to refresh).
 */
import type { NetDevice, RxHandler } from '../link/netdev.js';
import type { NetNamespace } from '../netns/netns.js';
import { ETH_P_ARP } from '../wire/ethernet.js';
import type { SkBuff } from '../wire/skbuff.js';
import type { EmbeddedDns } from './dns/resolver.js';
import type { HostsRecord } from './etc/hosts.js';
import type { Endpoint, MappedPort } from './network/model.js';
import type { DockerProxy } from './ports/proxy.js';

const NO_ADDRS: readonly number[] = [];
/** The pending operations of a sandbox that has none yet (shared; every deferral makes a new array). */
const NO_OPS: readonly unknown[] = [];

/**
 * A deferred configuration step (see {@link Sandbox.defer}): a module-level function applied to the
 * namespace and three arguments, so that a deferral stores data, not a closure.
 */
export type DeferredOp<A, B, C> = (ns: NetNamespace, a: A, b: B, c: C) => void;

/** A container's network sandbox while it runs. */
export class Sandbox {
  /** Endpoints in join order. */
  endpoints: Endpoint[];
  /** Next ethN index (never reused while the sandbox lives, as osl's nextIfIndex). */
  nextIf = 0;
  /** /etc/hosts records (default block, extra hosts, links, own records). */
  hosts: readonly HostsRecord[];
  /** The embedded resolver (created with the namespace's configuration; see {@link resolverWanted}). */
  resolver: EmbeddedDns | null = null;
  /** A user-defined network was joined: the sandbox has (or will have, once configured) its resolver. */
  resolverWanted = false;
  /** The endpoint that provides the default route and published ports. */
  gw: Endpoint | null = null;
  /** Port mappings programmed for the container (on `gw`). */
  ports: MappedPort[];
  /** The docker-proxy relays of `ports`. */
  proxies: DockerProxy[];
  /** Addresses (uint32) the pending configuration gives the namespace. */
  private pendingAddrs: readonly number[];
  private readonly netns: NetNamespace;
  /**
   * The deferred operations, four slots each: a shared function ({@link DeferredOp}) and its three
   * arguments (no closure and no context per operation and container); null once configured.
   */
  private pending: readonly unknown[] | null;

  constructor(ns: NetNamespace, endpoints: Endpoint[], hosts: readonly HostsRecord[], empty: never[], deferred: boolean) {
    this.netns = ns;
    this.endpoints = endpoints;
    this.hosts = hosts;
    this.ports = empty;
    this.proxies = empty;
    this.pendingAddrs = NO_ADDRS;
    this.pending = deferred ? NO_OPS : null;
    // a sandbox whose namespace configuration is still pending is found through its namespace
    if (deferred) ns.deferredConfig = this;
  }

  /** The network namespace (the host's for `--network host`), its pending configuration done. */
  get ns(): NetNamespace {
    if (this.pending !== null) this.configure();
    return this.netns;
  }

  /** The namespace object as it is, for its identity and name: no pending configuration is done. */
  get nsObject(): NetNamespace {
    return this.netns;
  }

  /** The namespace's configuration is done (or was never deferred). */
  get configured(): boolean {
    return this.pending === null;
  }

  /**
   * Runs `op(ns, a, b, c)` on the namespace now, or (while the configuration is deferred) when the
   * namespace is first used. `addr` is an address `op` gives it, for the ARP filter of the pending
   * receive handler.
   */
  defer<A, B, C>(op: DeferredOp<A, B, C>, a: A, b: B, c: C, addr = 0): void {
    const ops = this.pending;
    if (ops === null) {
      op(this.netns, a, b, c);
      return;
    }
    this.pending = ops.concat([op, a, b, c]); // exact size (push would reserve 17 slots)
    if (addr !== 0) this.pendingAddrs = this.pendingAddrs.concat([addr]);
  }

  /** Hands `dev` (an interface just moved into the namespace) its frames through the pending receive handler until configured. */
  holdFrames(dev: NetDevice): void {
    if (this.pending !== null) dev.rxHandler = pendingRx;
  }

  /** Does the deferred configuration, in the order it was asked for. */
  configure(): void {
    const ops = this.pending;
    if (ops === null) return;
    this.pending = null;
    if (this.netns.deferredConfig === this) this.netns.deferredConfig = null;
    this.pendingAddrs = NO_ADDRS;
    const rx = this.netns.rx;
    for (const d of this.netns.devices()) if (d.rxHandler === pendingRx) d.rxHandler = rx;
    const ns = this.netns;
    // a deferring sandbox's namespace was made without `lo` (sandbox.ts): its address and routes come first
    ns.addLoopback();
    for (let i = 0; i < ops.length; i += 4) (ops[i] as DeferredOp<unknown, unknown, unknown>)(ns, ops[i + 1], ops[i + 2], ops[i + 3]);
  }

  /** Whether the pending configuration gives the namespace address `ip`. */
  willOwn(ip: number): boolean {
    return this.pendingAddrs.includes(ip);
  }
}

/**
 * Receive handler of an interface whose namespace is not configured yet: an ARP request for an
 * address it will not own changes nothing in a namespace without neighbour entries (Linux
 * `arp_process` only refreshes an existing entry), so it is dropped as the namespace would, traced
 * or not (a configured namespace records no trace event for it either: the device's receive did);
 * any other frame configures the namespace and is delivered.
 */
const pendingRx: RxHandler = (dev: NetDevice, skb: SkBuff): void => {
  const ns = dev.owner as NetNamespace;
  const sb = ns.deferredConfig as Sandbox | null;
  if (sb !== null) {
    if (isArpRequestNotFor(sb, skb)) return;
    sb.configure();
  }
  const h = dev.rxHandler;
  if (h !== null && h !== pendingRx) h(dev, skb);
  else ns.rx(dev, skb);
};

/** A well-formed ARP request (Ethernet/IPv4) whose target is neither loopback nor an address `sb` will own. */
function isArpRequestNotFor(sb: Sandbox, skb: SkBuff): boolean {
  if (skb.len < 42 || skb.data.length < 42) return false;
  const v = skb.view;
  if (v.getUint16(12) !== ETH_P_ARP) return false;
  // htype 1, ptype IPv4, hlen 6, plen 4, op request
  if (v.getUint16(14) !== 1 || v.getUint16(16) !== 0x0800 || v.getUint8(18) !== 6 || v.getUint8(19) !== 4 || v.getUint16(20) !== 1) return false;
  const sip = v.getUint32(28);
  const tip = v.getUint32(38);
  if (tip >>> 24 === 127 || tip >>> 28 === 0xe || sip >>> 28 === 0xe) return false;
  return !sb.willOwn(tip);
}
