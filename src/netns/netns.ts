/**
 * A network namespace: devices, IPv4 addresses, the FIB, the neighbour table, sysctls, sockets
 * and one netfilter instance. The packet path itself lives in `ip-input.ts`, `ip-forward.ts`,
 * `ip-output.ts` and `icmp.ts`; this file holds the state and the control plane (what `ip link`,
 * `ip addr` and `ip route` change).
 *
 * @module
 */
import type { Sim } from '../core/scheduler.js';
import { hashString, Rng } from '../core/rng.js';
import { Counters } from '../core/counters.js';
import { DockernetError } from '../core/errors.js';
import { intern } from '../core/intern.js';
import type { NetDevice } from '../link/netdev.js';
import type { NfHookNum, NfHookState, NfHost, NfVerdict } from '../netfilter/hook.js';
import { NF_ACCEPT, NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_POST_ROUTING } from '../netfilter/hook.js';
import type { SkBuff } from '../wire/skbuff.js';
import { cidrBroadcast, ipToString, parseCidr, parseIp, prefixMask } from '../wire/addr.js';
import { Fib, kernelRoute, newRoute } from './route.js';
import type { FibResult, Route, RouteProto, RouteScope, RouteType } from './route.js';
import { NeighTable, type NeighHost } from './neigh.js';
import { LoopbackDevice } from '../link/loopback.js';
import { netifReceive } from './ip-input.js';
import { installBridgeHook } from './br-netfilter.js';
import { arpSolicit, ipLocalOutRaw, neighQueueOverflow, neighXmit } from './ip-output.js';
import type { CachedOutputRoute } from './ip-output.js';
import { icmpHostUnreachFromNeigh } from './icmp.js';
import { UdpTable } from './socket/udp.js';
import { TcpTable } from './socket/tcp.js';
import { PingTable } from './socket/ping.js';
import { Netfilter } from '../netfilter/netfilter.js';
import { TABLE_NAMES } from '../netfilter/table.js';

/** Per-namespace sysctls (`net.ipv4.*`, `net.bridge.*`), Linux defaults for a new namespace. */
export interface NetnsSysctls {
  /** net.ipv4.ip_forward (0 in a new namespace). */
  ip_forward: number;
  /** net.bridge.bridge-nf-call-iptables (0 here; Docker's host namespace sets 1). */
  bridge_nf_call_iptables: number;
  /** net.ipv4.conf.all.route_localnet: 127/8 is martian on non-loopback devices when 0. */
  route_localnet: number;
  /** net.ipv4.ip_local_port_range. */
  ip_local_port_range: [number, number];
  /** net.ipv4.icmp_echo_ignore_all. */
  icmp_echo_ignore_all: number;
  /** net.ipv4.icmp_echo_ignore_broadcasts (1). */
  icmp_echo_ignore_broadcasts: number;
  /** net.ipv4.ip_default_ttl (64). */
  ip_default_ttl: number;
  /** net.ipv4.tcp_syn_retries (6). */
  tcp_syn_retries: number;
  /** net.ipv4.tcp_synack_retries (5). */
  tcp_synack_retries: number;
}

/** Default sysctls of a fresh namespace. */
export function defaultSysctls(): NetnsSysctls {
  return {
    ip_forward: 0,
    bridge_nf_call_iptables: 0,
    route_localnet: 0,
    ip_local_port_range: [32768, 60999],
    icmp_echo_ignore_all: 0,
    icmp_echo_ignore_broadcasts: 1,
    ip_default_ttl: 64,
    tcp_syn_retries: 6,
    tcp_synack_retries: 5,
  };
}

/**
 * The per-packet SNMP counters, as plain numeric fields (incremented on every packet, so they are
 * kept out of the string-keyed {@link Counters}). They live in the {@link NetNamespace} object
 * itself (`ns.mib` is the namespace), next to the other fields the packet path reads, so a datagram
 * reaching a namespace whose state is out of the CPU cache pays one miss less. Read every counter
 * with {@link NetNamespace.stat}.
 */
export interface IpMib {
  /** Ip: InReceives — datagrams received from devices (including malformed ones). */
  InReceives: number;
  /** Ip: InDelivers — datagrams delivered to ICMP/UDP/TCP. */
  InDelivers: number;
  /** Ip: ForwDatagrams — datagrams forwarded. */
  ForwDatagrams: number;
  /** Ip: OutRequests — locally generated datagrams sent. */
  OutRequests: number;
  /** Udp: InDatagrams. */
  UdpInDatagrams: number;
  /** Udp: OutDatagrams. */
  UdpOutDatagrams: number;
  /** Tcp: InSegs. */
  TcpInSegs: number;
  /** Tcp: OutSegs. */
  TcpOutSegs: number;
}

/** The names of the {@link IpMib} counters. */
export const IP_MIB_COUNTERS: ReadonlyArray<keyof IpMib> = [
  'InReceives',
  'InDelivers',
  'ForwDatagrams',
  'OutRequests',
  'UdpInDatagrams',
  'UdpOutDatagrams',
  'TcpInSegs',
  'TcpOutSegs',
];

/** An IPv4 address on a device (Linux `struct in_ifaddr`). */
export interface InetAddress {
  /** The device. */
  dev: NetDevice;
  /** The address (uint32). */
  local: number;
  /** Prefix length. */
  prefixLen: number;
  /** Broadcast address, 0 when none. */
  broadcast: number;
  /** `host` for 127/8, `global` otherwise (or as given). */
  scope: 'host' | 'link' | 'global';
  /** Label (`eth0`, `eth0:1`). */
  label: string;
  /** A second address in a subnet the device already has. */
  secondary: boolean;
}

/** Options of {@link NetNamespace.addAddress}. */
export interface AddAddressOptions {
  /** Broadcast: `true` (default) computes it as docker/`brd +` does, `false` for none, or an address. */
  broadcast?: boolean | string;
  /** Scope (default `host` for 127/8, else `global`). */
  scope?: 'host' | 'link' | 'global';
  /** Label (default the device name). */
  label?: string;
}

/** Options of {@link NetNamespace.addRoute}. */
export interface AddRouteOptions {
  /** Destination `a.b.c.d/len` or `default`. */
  dst: string;
  /** Gateway address (`via`). */
  via?: string;
  /** Output device name (`dev`). Required unless `via` resolves through a connected route. */
  dev?: string;
  /** Preferred source (`src`). */
  src?: string;
  /** Metric. */
  metric?: number;
  /** Type (default unicast). */
  type?: RouteType;
  /** Table (default main). */
  table?: 'main' | 'local';
  /** Protocol (default `boot`, as `ip route add`). */
  proto?: RouteProto;
  /** Scope (default: `link` without gateway, `global` with one). */
  scope?: RouteScope;
}

/** The netfilter seam: what the stack calls at each hook. The netfilter layer implements it. */
export interface NetfilterHook {
  /** Runs every table registered at `state.hook` on `skb`. */
  hook(skb: SkBuff, state: NfHookState): NfVerdict;
}

/** The receive handler of every namespace's devices (`dev.owner` is the namespace). */
function nsReceive(dev: NetDevice, skb: SkBuff): void {
  netifReceive(dev.owner as NetNamespace, dev, skb);
}

/** The sysctls of every namespace that has not changed any (never written). */
const DEFAULT_SYSCTLS: NetnsSysctls = defaultSysctls();

/** The extra local addresses of a namespace with at most two: an empty open-addressing table (shared, never written). */
const NO_LOCAL_IPS = new Int32Array(1);

/**
 * The slot of nonzero `x` in the open-addressing table `l` ({@link NetNamespace.localIps}): where `x`
 * is, or the empty slot (0) where it would go (linear probing from a multiplicative hash).
 */
function localSlot(l: Int32Array, x: number): number {
  const m = l.length - 1;
  let i = Math.imul(x, 0x9e3779b1) >>> 16;
  for (;;) {
    const y = l[i & m]!;
    if (y === x || y === 0) return i & m;
    i++;
  }
}

/** The addresses of a namespace that has none (shared: every change makes a new array). */
const NO_ADDRS: readonly InetAddress[] = Object.freeze([]);

/** Devices a namespace finds by a scan; beyond this many it keeps Maps by name and ifindex. */
const DEV_INDEX_MIN = 8;

/** The hook-state stack of {@link NetNamespace.nfHook} (shared by every namespace). */
const nfStates: NfHookState[] = [];
let nfDepth = 0;

let trIds = new WeakMap<Sim, { n: number }>();

/** A fresh trace id, unique within `sim` (trace ids change when a bridged packet is routed). */
export function allocTraceId(sim: Sim): number {
  let c = trIds.get(sim);
  if (!c) {
    c = { n: 0x10000 };
    trIds.set(sim, c);
  }
  return ++c.n;
}

/** Resets trace-id allocation (tests). @internal */
export function resetTraceIds(): void {
  trIds = new WeakMap();
}

/** Options of a {@link NetNamespace}. */
export interface NetNamespaceOptions {
  /**
   * false: the namespace starts without `lo`, which {@link NetNamespace.addLoopback} makes later (a
   * container's namespace that nobody has looked inside yet holds no loopback device, address or
   * routes). Default true.
   */
  loopback?: boolean;
}

/**
 * One network namespace: the IPv4 stack of a container or of the host.
 *
 * When to use: create one per container sandbox (`createNetns`), put a veth end in it, add an
 * address and a default route, then open sockets or run `ping`/`ncTcp` from `tools.ts`.
 *
 * Details: `lo` (ifindex 1, 127.0.0.1/8) exists and is up from the start, unless the namespace
 * was made with `{ loopback: false }`: it then has no `lo` until {@link NetNamespace.addLoopback}
 * (a higher layer that sets up the inside of a namespace on its first use). Interface indexes are
 * allocated cyclically (never reused until they wrap), as Linux does. Every device added gets this
 * namespace's receive handler; bridges also get the br_netfilter hook.
 *
 * @see Linux `struct net`
 */
export class NetNamespace implements NfHost, IpMib, NeighHost {
  // The fields every datagram reads come first (class fields are laid out in declaration order),
  // so a namespace out of the CPU cache costs as few cache lines as possible.
  /** The simulator. */
  readonly sim: Sim;
  /**
   * What the stack calls at each hook when it is not this namespace's own `nf` (see
   * {@link NetNamespace.netfilter}): undefined = `nf` (the default), null = every hook accepts.
   */
  private nfOther: NetfilterHook | null | undefined = undefined;
  /**
   * This namespace's own netfilter once something asked for it (see {@link NetNamespace.nf}); null
   * while nobody has: its ruleset is then empty and every hook accepts, as Linux registers no hook in
   * a namespace whose tables are empty (a container's namespace until its embedded resolver's rules).
   */
  private nfValue: Netfilter | null = null;
  /**
   * Seed of `nf`'s random source, drawn from {@link NetNamespace.rng} when the namespace is created
   * (as `rng.fork('netfilter')` would), so that creating `nf` later draws nothing from `rng`.
   */
  private readonly nfSeed: number;
  /** Ruleset generation of `nf` at which it was found empty (no rule, no DROP policy); -1 = not empty. */
  private nfEmptyGen = -1;
  /** Ruleset generation of `nf` that {@link NetNamespace.nfEmptyGen} was computed for; -1 = stale (rules changed since). */
  private nfCheckedGen = -1;
  /** Ip: InReceives (see {@link IpMib}). */
  InReceives = 0;
  /** Ip: OutRequests. */
  OutRequests = 0;
  /** Ip: InDelivers. */
  InDelivers = 0;
  /** Udp: InDatagrams. */
  UdpInDatagrams = 0;
  /** Routing tables. */
  readonly fib: Fib = new Fib();
  /** UDP sockets, once asked for (see {@link NetNamespace.udp}). */
  private udpV: UdpTable | null = null;
  /**
   * The first two addresses of {@link NetNamespace.addrs} as int32 and how many there are (a
   * container has two: `lo` and `eth0`), kept in the namespace object itself so that the local-source
   * test of every received datagram reads no other object; the rest in {@link NetNamespace.localIps}.
   * Rebuilt when `addrs` is replaced (every change makes a new array).
   */
  private local0 = 0;
  private local1 = 0;
  private localN = 0;
  private localFor: readonly InetAddress[] | null = null;
  /**
   * Addresses past the second of {@link NetNamespace.addrs} as int32 in an open-addressing table (a
   * power-of-two length at least twice their number, linear probing, 0 = empty; the address 0.0.0.0
   * is {@link NetNamespace.localZero}): a host or an outside namespace with many addresses answers the
   * local-source test of every datagram in one or two probes instead of a scan.
   */
  private localIps: Int32Array = NO_LOCAL_IPS;
  private localZero = false;
  /**
   * Output-route cache of `ipRouteOutput` (keyed by destination as int32), created on first use;
   * the FIB clears it on every change (it is the FIB's `derived` cache). @internal
   */
  outRoutes: Map<number, CachedOutputRoute> | null = null;
  /** The ARP cache once made (see {@link NetNamespace.neigh}). */
  private neighV: NeighTable | null = null;
  /** Seed of the neighbour table's random source, drawn when the namespace is made (see {@link NetNamespace.neigh}). */
  private readonly neighSeed: number;
  /** Ip: ForwDatagrams. */
  ForwDatagrams = 0;
  /** Udp: OutDatagrams. */
  UdpOutDatagrams = 0;
  /** Tcp: InSegs. */
  TcpInSegs = 0;
  /** Tcp: OutSegs. */
  TcpOutSegs = 0;
  /** Namespace name (for traces and `link-netns`). */
  name: string;
  /** Seeded randomness (ephemeral ports, ISNs, IP IDs, reachable times). */
  readonly rng: Rng;
  /**
   * SNMP-style counters of rarer events (`InHdrErrors`, `InAddrErrors`, `OutNoRoutes`,
   * `UdpNoPorts`, `ArpResFailed`, …). Read any counter with {@link NetNamespace.stat}.
   */
  get counters(): Counters {
    return (this.countersV ??= new Counters());
  }
  private countersV: Counters | null = null;
  /**
   * Sysctls (read-only here: change them through {@link NetNamespace.setSysctl}). A namespace that
   * never changed one shares the defaults with every other such namespace.
   */
  sysctl: NetnsSysctls = DEFAULT_SYSCTLS;
  /** The loopback device, or null until {@link NetNamespace.addLoopback} (see {@link NetNamespaceOptions}). */
  private loDev: NetDevice | null = null;
  /** TCP sockets, once asked for (see {@link NetNamespace.tcp}). */
  private tcpV: TcpTable | null = null;
  /** ICMP echo sockets, once asked for (see {@link NetNamespace.ping}). */
  private pingV: PingTable | null = null;
  /** IPv4 addresses, in the order they were added. */
  addrs: readonly InetAddress[] = NO_ADDRS;
  /**
   * IPv6 is enabled (display only: `ip addr` lists `::1` and EUI-64 link-local addresses). Docker
   * turns it off in containers (`net.ipv6.conf.all.disable_ipv6 = 1`).
   */
  ipv6 = true;
  /** Created with `ip netns add` (peers then print `link-netns NAME` instead of `link-netnsid N`). */
  ipNetnsNamed = false;
  /**
   * Receive handler installed on every device of this namespace: one function for every namespace
   * (it finds the namespace as the device's owner), so the device's call to it stays monomorphic.
   */
  readonly rx: (dev: NetDevice, skb: SkBuff) => void;

  /** Devices in the order they were added (an exact-size array while there are few). */
  private devs: NetDevice[] = [];
  /** The last answer of {@link NetNamespace.masqueradeSource} and what it was computed from. */
  private masqMemo: { res: FibResult; dst: number; outDev: string; addrs: readonly InetAddress[]; src: number } | null = null;
  /**
   * Devices by ifindex and by name, built once there are more than {@link DEV_INDEX_MIN} (a
   * container's `lo` and `eth0` are found by a scan, a host with a thousand veths by a Map).
   */
  private byIndex: Map<number, NetDevice> | null = null;
  private byName: Map<string, NetDevice> | null = null;
  private nextIfindex = 1;
  /** IP identification counter for datagrams without a socket counter. */
  ipId: number;
  /**
   * Netnsids of peer namespaces: the first peer (id 0; a container's only one, the host) in a field,
   * the others in a Map created for the second.
   */
  private peerNsid0: NetNamespace | null = null;
  private peerNsids: Map<NetNamespace, number> | null = null;
  /**
   * @internal configuration a higher layer left for the namespace's first use (the docker layer's
   * pending sandbox), opaque here. A field rather than a WeakMap entry keyed by the namespace: V8's
   * scavenger keeps an old WeakMap's values alive while their keys are young, and this value holds
   * the whole engine.
   */
  deferredConfig: unknown = null;

  constructor(sim: Sim, name: string, rng?: Rng, opts?: NetNamespaceOptions) {
    this.sim = sim;
    this.name = name;
    this.rng = rng ?? new Rng(`netns:${name}`);
    this.rx = nsReceive;
    // the seed rng.fork('neigh') would use, drawn now (the same draws in the same order), made into
    // the table's Rng when it first needs one
    this.neighSeed = (this.rng.nextU32() ^ hashString('neigh')) | 0;
    // `| 0`: the draw can come back as a heap number (a double in the Smi range), which would make
    // the field a double, boxed in every namespace
    this.ipId = this.rng.int(0x10000) | 0;
    if (opts?.loopback === false) this.nextIfindex = 2;
    else this.addLoopback();
    this.nfSeed = (this.rng.nextU32() ^ hashString('netfilter')) | 0;
  }

  /**
   * The loopback device (ifindex 1). Throws in a namespace made with `{ loopback: false }` until
   * {@link NetNamespace.addLoopback}.
   */
  get lo(): NetDevice {
    const lo = this.loDev;
    if (lo === null) throw new DockernetError('ENODEV', `Cannot find device "lo" (namespace ${this.name} has no loopback yet)`);
    return lo;
  }

  /** Whether `lo` exists (false only in a namespace made with `{ loopback: false }`, before {@link NetNamespace.addLoopback}). */
  get hasLoopback(): boolean {
    return this.loDev !== null;
  }

  /**
   * Makes `lo` as every namespace starts with it: ifindex 1, up, `127.0.0.1/8` (its `local` routes
   * in the local table). Done by the constructor unless the namespace was made with
   * `{ loopback: false }`; the caller then does it before anything looks inside (its address and
   * routes come before any other's, as in a namespace that had `lo` from the start). Returns the
   * existing `lo` if there is one.
   *
   * @see Linux `loopback_net_init`
   */
  addLoopback(): NetDevice {
    const had = this.loDev;
    if (had !== null) return had;
    const lo = new LoopbackDevice(this.sim);
    lo.adminUp = true;
    this.loDev = lo;
    this.addDevice(lo, 1);
    this.addAddress('lo', '127.0.0.1/8', { broadcast: false });
    return lo;
  }

  /**
   * This namespace's iptables/conntrack/NAT (`ns.nf.iptables([...])`, `ns.nf.restore(text)`),
   * created on first use: until then the namespace holds no tables, conntrack or NAT state (a
   * namespace that never had a rule behaves and prints exactly as one whose empty `nf` exists).
   */
  get nf(): Netfilter {
    let nf = this.nfValue;
    if (nf === null) {
      nf = new Netfilter({ sim: this.sim, rng: new Rng(this.nfSeed >>> 0), host: this });
      nf.rules.watcher = this;
      this.nfValue = nf;
    }
    return nf;
  }

  /**
   * The neighbour (ARP) table, made on first use: a namespace that has sent nothing holds none. Its
   * random source's seed was drawn when the namespace was made, so making it later draws nothing.
   */
  get neigh(): NeighTable {
    return (this.neighV ??= new NeighTable(this, this.neighSeed));
  }

  /** UDP sockets (the table is made on first use: a namespace without sockets holds none). */
  get udp(): UdpTable {
    let t = this.udpV;
    if (t === null) t = this.udpV = new UdpTable(this);
    return t;
  }

  /** TCP sockets (the table is made on first use). */
  get tcp(): TcpTable {
    let t = this.tcpV;
    if (t === null) t = this.tcpV = new TcpTable(this);
    return t;
  }

  /** ICMP echo ("ping") sockets (the table is made on first use). */
  get ping(): PingTable {
    let t = this.pingV;
    if (t === null) t = this.pingV = new PingTable(this);
    return t;
  }

  /** What the stack calls at each hook: `nf` by default; null makes every hook accept. */
  get netfilter(): NetfilterHook | null {
    const o = this.nfOther;
    return o === undefined ? this.nf : o;
  }

  set netfilter(h: NetfilterHook | null) {
    this.nfOther = h !== null && h === this.nfValue ? undefined : h;
  }

  /** The per-packet counters ({@link IpMib}; they are fields of the namespace itself). */
  get mib(): IpMib {
    return this;
  }

  /** Any counter by its SNMP name (`InReceives`, `InHdrErrors`, `UdpNoPorts`, …); 0 if never counted. */
  stat(name: string): number {
    if ((IP_MIB_COUNTERS as readonly string[]).includes(name)) return this[name as keyof IpMib];
    return this.counters.get(name);
  }

  /** Every non-zero counter, sorted by name. */
  stats(): Record<string, number> {
    const all: Record<string, number> = { ...this.counters.snapshot() };
    for (const k of IP_MIB_COUNTERS) if (this[k]) all[k] = this[k];
    return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  // ------------------------------------------------------------------ NeighHost

  /** ARP solicitation for the neighbour table ({@link NeighHost}). @internal */
  arpSolicit(dev: NetDevice, target: number, unicastMac: number, cause: SkBuff | null): void {
    arpSolicit(this, dev, target, unicastMac, cause);
  }

  /** Transmission of a resolved packet for the neighbour table. @internal */
  neighXmit(dev: NetDevice, skb: SkBuff, mac: number): void {
    neighXmit(this, dev, skb, mac);
  }

  /** Failed resolution: ICMP host unreachable. @internal */
  neighUnreachable(skb: SkBuff): void {
    icmpHostUnreachFromNeigh(this, skb);
  }

  /** A packet that did not fit in a neighbour entry's queue. @internal */
  neighQueueOverflow(skb: SkBuff): void {
    neighQueueOverflow(this, skb);
  }

  // ------------------------------------------------------------------ devices

  /** Every device, by ifindex. */
  devices(): NetDevice[] {
    return [...this.devs].sort((a, b) => a.ifindex - b.ifindex);
  }

  /** The device called `name`, or undefined. */
  dev(name: string): NetDevice | undefined {
    if (this.byName !== null) return this.byName.get(name);
    const l = this.devs;
    for (let i = 0; i < l.length; i++) if (l[i]!.name === name) return l[i];
    return undefined;
  }

  /** The device called `name`, or a `Cannot find device "name"` error (iproute2's text). */
  mustDev(name: string): NetDevice {
    const d = this.dev(name);
    if (!d) throw new DockernetError('ENODEV', `Cannot find device "${name}"`);
    return d;
  }

  /** The device with interface index `i`, or undefined. */
  devByIndex(i: number): NetDevice | undefined {
    if (this.byIndex !== null) return this.byIndex.get(i);
    const l = this.devs;
    for (let k = 0; k < l.length; k++) if (l[k]!.ifindex === i) return l[k];
    return undefined;
  }

  /** Adds `dev` (its ifindex and name set) to the device list and indexes. */
  private listDevice(dev: NetDevice): void {
    this.masqMemo = null;
    const l = this.devs;
    if (l.length < DEV_INDEX_MIN) this.devs = l.concat([dev]); // exact size (push would reserve 17 slots)
    else l.push(dev);
    if (this.byIndex !== null) {
      this.byIndex.set(dev.ifindex, dev);
      this.byName!.set(dev.name, dev);
    } else if (this.devs.length > DEV_INDEX_MIN) {
      this.byIndex = new Map(this.devs.map((d) => [d.ifindex, d]));
      this.byName = new Map(this.devs.map((d) => [d.name, d]));
    }
  }

  /** Removes `dev` from the device list and indexes (under its current name and ifindex). */
  private unlistDevice(dev: NetDevice): void {
    this.masqMemo = null;
    const l = this.devs;
    // from the end: the device leaving is most often the one added last (a veth end made here and
    // moved into a container's namespace), found at once among the host's thousands of devices
    const i = l.lastIndexOf(dev);
    if (i < 0) return;
    if (l.length <= DEV_INDEX_MIN) this.devs = l.filter((d) => d !== dev).slice();
    else l.splice(i, 1);
    if (this.byIndex !== null) {
      this.byIndex.delete(dev.ifindex);
      this.byName!.delete(dev.name);
    }
  }

  private allocIfindex(): number {
    for (;;) {
      const i = this.nextIfindex++;
      if (this.nextIfindex > 0x7fffffff) this.nextIfindex = 1;
      if (this.devByIndex(i) === undefined) return i;
    }
  }

  /**
   * Adds `dev` to this namespace: gives it the next free ifindex (or `ifindex` if given and free),
   * sets its owner and receive handler, and hooks bridges up to br_netfilter.
   */
  addDevice(dev: NetDevice, ifindex?: number): NetDevice {
    if (this.dev(dev.name) !== undefined) throw new DockernetError('EEXIST', 'RTNETLINK answers: File exists');
    if (dev.owner && dev.owner !== this) throw new DockernetError('EBUSY', `device ${dev.name} already belongs to a namespace`);
    dev.ifindex = ifindex !== undefined && ifindex > 0 && this.devByIndex(ifindex) === undefined ? ifindex : this.allocIfindex();
    dev.owner = this;
    dev.rxHandler = this.rx;
    this.listDevice(dev);
    if (dev.kind === 'bridge') installBridgeHook(this, dev);
    this.fib.flush();
    return dev;
  }

  /** Forgets `dev` here without touching its peer (used by delete and move). */
  private detach(dev: NetDevice): void {
    if (this.addrs.some((a) => a.dev === dev)) this.addrs = this.addrs.filter((a) => a.dev !== dev).slice();
    this.localFor = null;
    this.fib.local.removeWhere((r) => r.dev === dev);
    this.fib.main.removeWhere((r) => r.dev === dev);
    this.fib.flush();
    this.neighV?.flushDev(dev);
    this.unlistDevice(dev);
    if (dev.kind === 'bridge') (dev as unknown as { nfHook: unknown }).nfHook = null;
    dev.owner = null;
    dev.rxHandler = null;
  }

  /**
   * Deletes a device (`ip link del`). Deleting one end of a veth pair deletes the other end too,
   * wherever it lives. `lo` cannot be deleted.
   */
  removeDevice(devOrName: NetDevice | string): void {
    const dev = typeof devOrName === 'string' ? this.mustDev(devOrName) : devOrName;
    if (dev === this.loDev) throw new DockernetError('EOPNOTSUPP', 'RTNETLINK answers: Operation not supported');
    if (this.devByIndex(dev.ifindex) !== dev) throw new DockernetError('ENODEV', `Cannot find device "${dev.name}"`);
    dev.adminUp = false;
    if (dev.master) {
      const br = dev.master as unknown as { removePort?: (d: NetDevice) => boolean };
      br.removePort?.(dev);
    }
    if (dev.kind === 'bridge') {
      // deleting a bridge releases its ports (br_dev_delete → del_nbp)
      const b = dev as unknown as { ports?: Array<{ dev: NetDevice }>; removePort?: (d: NetDevice) => boolean };
      for (const p of b.ports ?? []) b.removePort?.(p.dev);
    }
    this.detach(dev);
    const peer = dev.peer;
    if (peer !== null && peer.owner instanceof NetNamespace && peer.owner.devByIndex(peer.ifindex) === peer) {
      peer.owner.removeDevice(peer);
    }
  }

  /**
   * Moves `dev` into `target` (`ip link set DEV netns NS`): it goes down, loses its addresses and
   * routes, keeps its ifindex if that is free in the target (else gets a new one), and may be
   * renamed on the way (`newName`).
   *
   * @see Linux `__dev_change_net_namespace`
   */
  moveDevice(devOrName: NetDevice | string, target: NetNamespace, newName?: string): NetDevice {
    const dev = typeof devOrName === 'string' ? this.mustDev(devOrName) : devOrName;
    if (dev === this.loDev) throw new DockernetError('EINVAL', 'RTNETLINK answers: Invalid argument');
    const name = newName ?? dev.name;
    if (target.dev(name) !== undefined) throw new DockernetError('EEXIST', 'RTNETLINK answers: File exists');
    if (dev.master) {
      const br = dev.master as unknown as { removePort?: (d: NetDevice) => boolean };
      br.removePort?.(dev);
    }
    dev.adminUp = false;
    const idx = dev.ifindex;
    this.detach(dev);
    dev.name = intern(name);
    target.addDevice(dev, idx);
    const peer = dev.peer;
    if (peer !== null && peer.owner instanceof NetNamespace && peer.owner !== target) {
      peer.owner.nsidOf(target);
      target.nsidOf(peer.owner);
    }
    return dev;
  }

  /** Renames a device (`ip link set DEV name NEW`); the device must be down, as in Linux. */
  renameDevice(devOrName: NetDevice | string, newName: string): void {
    const dev = typeof devOrName === 'string' ? this.mustDev(devOrName) : devOrName;
    if (newName === dev.name) return;
    if (this.dev(newName) !== undefined) throw new DockernetError('EEXIST', 'RTNETLINK answers: File exists');
    if (dev.adminUp) throw new DockernetError('EBUSY', 'RTNETLINK answers: Device or resource busy');
    this.byName?.delete(dev.name);
    this.masqMemo = null;
    dev.name = intern(newName);
    this.byName?.set(newName, dev);
    for (const a of this.addrs) if (a.dev === dev && !a.label.includes(':')) a.label = newName;
  }

  /**
   * `ip link set DEV up|down`. Down removes every route through the device (static ones are lost,
   * as in Linux `fib_disable_ip`); up re-adds the routes its addresses imply (`fib_add_ifaddr`).
   */
  setLinkUp(devOrName: NetDevice | string, up: boolean): void {
    const dev = typeof devOrName === 'string' ? this.mustDev(devOrName) : devOrName;
    const was = dev.adminUp;
    dev.adminUp = up;
    if (up && !was) {
      const addrs = this.addrs;
      for (let i = 0; i < addrs.length; i++) if (addrs[i]!.dev === dev) this.addAddrRoutes(addrs[i]!);
    }
    if (!up && was) {
      // host-scope local entries stay (fib_sync_down_dev spares them): our own address still answers via lo
      this.fib.main.removeWhere((r) => r.dev === dev);
      this.fib.local.removeWhere((r) => r.dev === dev && r.type !== 'local');
    }
    if (!up) {
      this.neighV?.flushDev(dev);
      // carrier loss on a bridge port (this device, or a veth peer) flushes its learned fdb entries
      const flush = (d: NetDevice | null | undefined): void => {
        const br = d?.master as unknown as { flushPort?: (x: NetDevice) => void } | null | undefined;
        if (d && br) br.flushPort?.(d);
      };
      flush(dev);
      flush(dev.peer);
    }
    this.fib.flush();
  }

  /**
   * Tears the namespace down (the last process left it): every device except `lo` is deleted
   * (a veth's peer in another namespace goes with it), and every socket is closed.
   */
  destroy(): void {
    for (const d of this.devices()) if (d !== this.loDev && this.devByIndex(d.ifindex) === d) this.removeDevice(d);
    for (const l of this.tcp.listening()) l.close();
    for (const s of this.tcp.connections()) s.destroy(false);
    for (const u of this.udp.list()) u.close();
    if (this.loDev !== null) this.setLinkUp(this.loDev, false);
  }

  /**
   * The netnsid under which this namespace knows `other` (`link-netnsid N`), allocated on first
   * use from 0 upwards, as Linux `peernet2id_alloc`.
   */
  nsidOf(other: NetNamespace): number {
    if (this.peerNsid0 === null) this.peerNsid0 = other;
    if (other === this.peerNsid0) return 0;
    const m = (this.peerNsids ??= new Map());
    let id = m.get(other);
    if (id === undefined) {
      id = m.size + 1;
      m.set(other, id);
    }
    return id;
  }

  // ------------------------------------------------------------------ sysctls

  /** Sets a sysctl; keeps derived state (br_netfilter hooks, caches) in step. */
  setSysctl<K extends keyof NetnsSysctls>(key: K, value: NetnsSysctls[K]): void {
    if (this.sysctl === DEFAULT_SYSCTLS) this.sysctl = defaultSysctls(); // copy on first write
    this.sysctl[key] = value;
    if (key === 'bridge_nf_call_iptables') for (const d of this.devs) if (d.kind === 'bridge') installBridgeHook(this, d);
    this.fib.flush();
  }

  // ------------------------------------------------------------------ addresses

  /**
   * `ip addr add CIDR dev DEV`: adds the address and what the kernel derives from it — a `local`
   * and (with a broadcast address) a `broadcast` entry in the local table, and the connected route
   * `NET/LEN dev DEV proto kernel scope link src ADDR` in main (on `lo`, a `local NET/LEN` entry
   * instead). A second address in an existing subnet is `secondary` and adds no prefix route.
   *
   * @see Linux `fib_add_ifaddr`
   */
  addAddress(devName: string, cidr: string, opts: AddAddressOptions = {}): InetAddress {
    const dev = this.mustDev(devName);
    const c = parseCidr(cidr);
    const local = c.host;
    if (this.addrs.some((a) => a.dev === dev && a.local === local && a.prefixLen === c.len))
      throw new DockernetError('EEXIST', 'RTNETLINK answers: File exists');
    const isLoop = (local >>> 24) === 127;
    let broadcast = 0;
    if (typeof opts.broadcast === 'string') broadcast = parseIp(opts.broadcast);
    else if (opts.broadcast !== false && c.len < 31) broadcast = cidrBroadcast(c);
    const secondary = this.addrs.some(
      (a) => a.dev === dev && !a.secondary && a.prefixLen === c.len && ((a.local & prefixMask(c.len)) >>> 0) === c.addr,
    );
    const a: InetAddress = {
      dev,
      local,
      prefixLen: c.len,
      broadcast,
      scope: opts.scope ?? (isLoop ? 'host' : 'global'),
      label: opts.label ?? dev.name,
      secondary,
    };
    this.addrs = this.addrs.concat([a]); // exact size: a container keeps two (push would reserve 17 slots)
    this.localFor = null;
    this.addAddrRoutes(a);
    return a;
  }

  private addAddrRoutes(a: InetAddress): void {
    const { dev, local } = a;
    this.fib.add(kernelRoute('local', 'local', local, 32, dev, local, 'host'));
    if (!dev.adminUp) return; // the rest comes when the device goes up (fib_add_ifaddr)
    if (a.broadcast) this.fib.add(kernelRoute('local', 'broadcast', a.broadcast, 32, dev, local, 'link'));
    if (!a.secondary && a.prefixLen < 32) {
      const net = (local & prefixMask(a.prefixLen)) >>> 0;
      if (dev.kind === 'loopback') this.fib.add(kernelRoute('local', 'local', net, a.prefixLen, dev, local, 'host'));
      else this.fib.add(kernelRoute('main', 'unicast', net, a.prefixLen, dev, local, 'link'));
    }
  }

  private delAddrRoutes(a: InetAddress): void {
    const { dev, local } = a;
    const src = local | 0; // a route's prefsrc is int32
    const mine = (r: Route): boolean => r.dev === dev && r.prefsrc === src && r.proto === 'kernel';
    if (!this.addrs.some((o) => o.local === local)) this.fib.local.remove(local, 32, mine);
    if (a.broadcast && !this.addrs.some((o) => o.dev === dev && o.broadcast === a.broadcast)) this.fib.local.remove(a.broadcast, 32, mine);
    if (!a.secondary && a.prefixLen < 32) {
      const net = (local & prefixMask(a.prefixLen)) >>> 0;
      this.fib.local.remove(net, a.prefixLen, mine);
      this.fib.main.remove(net, a.prefixLen, mine);
    }
    this.fib.flush();
  }

  /** `ip addr del CIDR dev DEV`. A secondary of the same subnet is promoted to primary. */
  delAddress(devName: string, cidr: string): void {
    const dev = this.mustDev(devName);
    const c = parseCidr(cidr);
    const i = this.addrs.findIndex((a) => a.dev === dev && a.local === c.host && a.prefixLen === c.len);
    if (i < 0) throw new DockernetError('EADDRNOTAVAIL', 'RTNETLINK answers: Cannot assign requested address');
    const a = this.addrs[i]!;
    this.addrs = this.addrs.filter((_, k) => k !== i).slice();
    this.localFor = null;
    this.delAddrRoutes(a);
    if (!this.addrs.some((o) => o.dev === dev)) {
      // the device's last address is gone: Linux flushes every route through it (fib_disable_ip)
      this.fib.main.removeWhere((r) => r.dev === dev);
      this.fib.local.removeWhere((r) => r.dev === dev);
      this.neighV?.flushDev(dev);
      this.fib.flush();
      return;
    }
    if (!a.secondary) {
      const sec = this.addrs.find(
        (o) => o.dev === dev && o.secondary && o.prefixLen === a.prefixLen && ((o.local & prefixMask(a.prefixLen)) >>> 0) === c.addr,
      );
      if (sec) {
        sec.secondary = false;
        this.addAddrRoutes(sec);
      }
    }
  }

  /** Addresses of `devName` (or of every device). */
  addresses(devName?: string): InetAddress[] {
    if (devName === undefined) return [...this.addrs];
    const dev = this.mustDev(devName);
    return this.addrs.filter((a) => a.dev === dev);
  }

  /** True when `ip` is one of this namespace's addresses (any device). */
  isLocalAddress(ip: number): boolean {
    if (this.localFor !== this.addrs) this.indexLocalIps();
    const x = ip | 0;
    const n = this.localN;
    if (n === 0) return false;
    if (this.local0 === x) return true;
    if (n === 1) return false;
    if (this.local1 === x) return true;
    if (n === 2) return false;
    if (x === 0) return this.localZero;
    const l = this.localIps;
    return l[localSlot(l, x)] === x;
  }

  /** Rebuilds the int32 copies of the addresses {@link NetNamespace.isLocalAddress} compares. */
  private indexLocalIps(): void {
    const addrs = this.addrs;
    const n = addrs.length;
    this.localFor = addrs;
    this.localN = n;
    this.local0 = n > 0 ? addrs[0]!.local | 0 : 0;
    this.local1 = n > 1 ? addrs[1]!.local | 0 : 0;
    this.localZero = false;
    this.localIps = NO_LOCAL_IPS;
    if (n <= 2) return;
    let size = 4;
    while (size < 2 * (n - 2)) size *= 2;
    const l = new Int32Array(size);
    for (let k = 2; k < n; k++) {
      const x = addrs[k]!.local | 0;
      if (x === 0) {
        this.localZero = true;
        continue;
      }
      l[localSlot(l, x)] = x;
    }
    this.localIps = l;
  }

  /**
   * Chooses a source address for sending out of `dev` towards `dst`, as Linux `inet_select_addr`:
   * the first primary address of `dev` whose subnet contains `dst`, else its first primary address
   * of suitable scope, else a global address of any other device. Returns 0 when there is none.
   */
  selectSourceAddr(dev: NetDevice | null, dst: number, scope: 'global' | 'link' | 'host' = 'global'): number {
    const want = scopeRank(scope);
    let first = 0;
    if (dev) {
      for (const a of this.addrs) {
        if (a.dev !== dev || a.secondary) continue;
        if (Math.min(scopeRank(a.scope), 253) > want) continue;
        if (dst === 0 || ((dst & prefixMask(a.prefixLen)) >>> 0) === ((a.local & prefixMask(a.prefixLen)) >>> 0)) return a.local;
        if (!first) first = a.local;
      }
      if (first) return first;
    }
    for (const a of this.addrs) {
      if (a.secondary || a.dev.kind === 'loopback' || scopeRank(a.scope) >= 253) continue;
      if (scopeRank(a.scope) <= want) return a.local;
    }
    if (dev && dev.kind === 'loopback') for (const a of this.addrs) if (a.dev === dev) return a.local;
    return 0;
  }

  // ------------------------------------------------------------------ routes

  /**
   * `ip route add`. Errors use iproute2's texts: `Error: Nexthop has invalid gateway.`,
   * `RTNETLINK answers: File exists`, `Cannot find device "x"`.
   */
  addRoute(o: AddRouteOptions): Route {
    const dst = o.dst === 'default' ? { addr: 0, len: 0 } : parseCidr(o.dst, true);
    const type = o.type ?? 'unicast';
    let dev = o.dev !== undefined ? this.mustDev(o.dev) : null;
    const gateway = o.via !== undefined ? parseIp(o.via) : 0;
    if (gateway) {
      const nh = this.fib.main.lookup(gateway);
      const nhLocal = this.fib.local.lookup(gateway);
      if (!nh || nh.gateway !== 0 || (dev && nh.dev !== dev) || (nhLocal && nhLocal.type === 'local'))
        throw new DockernetError('EINVAL', 'Error: Nexthop has invalid gateway.');
      dev = dev ?? nh.dev;
    } else if (!dev && type === 'unicast') {
      throw new DockernetError('EINVAL', 'Error: Device for nexthop is not up.');
    }
    const r = newRoute(
      o.table ?? 'main',
      type,
      dst.addr,
      dst.len,
      gateway,
      type === 'unicast' || type === 'local' || type === 'broadcast' ? dev : null,
      o.src !== undefined ? parseIp(o.src) : 0,
      o.proto ?? 'boot',
      o.scope ?? (type === 'local' ? 'host' : gateway || dst.len === 0 ? 'global' : 'link'),
      o.metric ?? 0,
    );
    if (!this.fib.add(r)) throw new DockernetError('EEXIST', 'RTNETLINK answers: File exists');
    return r;
  }

  /** `ip route del DST [via GW] [dev DEV]`. Error text as iproute2: `RTNETLINK answers: No such process`. */
  delRoute(o: { dst: string; via?: string; dev?: string; table?: 'main' | 'local' }): void {
    const dst = o.dst === 'default' ? { addr: 0, len: 0 } : parseCidr(o.dst, true);
    const gw = o.via !== undefined ? parseIp(o.via) : -1;
    const dev = o.dev !== undefined ? this.mustDev(o.dev) : null;
    const t = o.table === 'local' ? this.fib.local : this.fib.main;
    let done = false;
    const n = t.remove(dst.addr, dst.len, (r) => {
      if (done) return false;
      if (gw >= 0 && r.gateway !== (gw | 0)) return false;
      if (dev && r.dev !== dev) return false;
      done = true;
      return true;
    });
    this.fib.flush();
    if (!n) throw new DockernetError('ESRCH', 'RTNETLINK answers: No such process');
  }

  /** Every route of the main table (or `local`), sorted as `ip route` prints them. */
  routes(table: 'main' | 'local' = 'main'): Route[] {
    return (table === 'local' ? this.fib.local : this.fib.main).routes();
  }

  /** Routing decision for `dst` (read-only, cached). */
  routeLookup(dst: number): FibResult {
    return this.fib.lookup(dst | 0); // int32 on the way in: no heap number for 128.0.0.0/1 addresses
  }

  /** `ip route get DST` (text). */
  routeGet(dst: string): string {
    const d = parseIp(dst);
    const r = this.fib.lookup(d);
    if (!r.route || !r.dev) throw new DockernetError('ENETUNREACH', 'RTNETLINK answers: Network is unreachable');
    const src = r.prefsrc || this.selectSourceAddr(r.dev, r.nexthop);
    const typ = r.type === 'local' ? 'local ' : r.type === 'broadcast' ? 'broadcast ' : '';
    const dev = r.type === 'local' ? 'lo' : r.dev.name;
    return `${typ}${dst}${r.gateway ? ` via ${ipToString(r.gateway)}` : ''} dev ${dev} src ${ipToString(src)} uid 0 \n    cache ${r.type === 'local' ? '<local> ' : ''}\n`;
  }

  // ------------------------------------------------------------------ netfilter

  /**
   * Runs this namespace's netfilter at `hook`. Allocation-free: the hook state objects come from a
   * small stack (hooks can nest when a REJECT sends a reply through the stack).
   */
  nfHook(hook: NfHookNum, skb: SkBuff, inDev: string, outDev: string, bridged = false, physIn?: string, physOut?: string): NfVerdict {
    const o = this.nfOther;
    let nf: NetfilterHook;
    if (o === undefined) {
      const own = this.nfValue;
      // never created: no rules (as below)
      if (own === null) return NF_ACCEPT;
      // an empty ruleset registers no hook (no base chain, no conntrack: Linux registers neither in
      // a namespace whose tables are empty), so the packet does not enter netfilter at all
      // (the verdict is cached here and made stale by the ruleset's rulesChanged: no read of nf)
      if (this.nfCheckedGen < 0) this.checkNfEmpty(own.rules.generation);
      if (this.nfEmptyGen >= 0) return NF_ACCEPT;
      // the second half of an established packet's hooks: nothing to run, no hook state to set up
      if ((hook === NF_INET_POST_ROUTING || hook === NF_INET_LOCAL_IN) && own.passesUntouched(skb, hook)) return NF_ACCEPT;
      nf = own;
    } else if (o === null) return NF_ACCEPT;
    else nf = o;
    // a later packet of an established flow, bridged or routed: the FORWARD walk cached on its
    // conntrack entry, without setting up a hook state
    if (hook === NF_INET_FORWARD && skb.ct !== null && nf instanceof Netfilter) {
      const v = nf.forwardCached(skb, inDev, outDev);
      if (v >= 0) return v as NfVerdict;
    }
    // one stack for every namespace (hooks run synchronously; nesting crosses namespaces when a
    // REJECT's reply is routed): its few objects stay in cache whichever namespace runs
    const d = nfDepth++;
    let st = nfStates[d];
    if (st === undefined) {
      st = { hook, inDev, outDev, bridged, physIn, physOut };
      nfStates[d] = st;
    } else {
      st.hook = hook;
      st.inDev = inDev;
      st.outDev = outDev;
      st.bridged = bridged;
      st.physIn = physIn;
      st.physOut = physOut;
    }
    try {
      return nf.hook(skb, st);
    } finally {
      nfDepth--;
    }
  }

  /** @internal `nf`'s rules changed (its ruleset's watcher): the empty-ruleset verdict is stale. */
  rulesChanged(): void {
    this.nfCheckedGen = -1;
  }

  /** Whether `nf`'s ruleset has no rule in any chain and no DROP policy (then every hook accepts). */
  private checkNfEmpty(gen: number): void {
    this.nfCheckedGen = gen;
    this.nfEmptyGen = -1;
    const tables = this.nfValue!.rules.tables;
    for (const name of TABLE_NAMES) {
      const t = tables[name];
      if (!t.exists) continue; // never touched: no rules (and its chains are not looked at)
      for (const c of t.chains.values()) if (c.rules.length !== 0 || c.policy === 'DROP') return;
    }
    this.nfEmptyGen = gen;
  }

  // ------------------------------------------------------------------ NfHost

  /**
   * addrtype of `ip` (iptables `-m addrtype`), from the local table as Linux `inet_addr_type`. Read
   * through the FIB's cached lookup (which tries the local table first, so a route it found there is
   * the local table's answer): Docker's `-m addrtype --dst-type LOCAL` runs for every new connection.
   */
  addrType(ip: number): 'UNSPEC' | 'UNICAST' | 'LOCAL' | 'BROADCAST' | 'ANYCAST' | 'MULTICAST' | 'BLACKHOLE' | 'UNREACHABLE' | 'PROHIBIT' {
    const a = ip >>> 0;
    if (a === 0) return 'UNSPEC';
    if (a === 0xffffffff) return 'BROADCAST';
    if ((a >>> 28) === 0xe) return 'MULTICAST';
    const r = this.fib.lookup(a).route;
    if (r !== null && r.table === 'local') {
      if (r.type === 'local') return 'LOCAL';
      if (r.type === 'broadcast') return 'BROADCAST';
    }
    return 'UNICAST';
  }

  /**
   * MASQUERADE's source: `inet_select_addr(outDev, nexthop, RT_SCOPE_UNIVERSE)`. The last answer is
   * kept with what it was computed from (`dst` and the FIB's result object for it, which a route
   * change replaces, the device name and the address list, which every address change replaces; a device
   * added, removed or renamed drops it), so the new flows of one destination do not look the
   * device up and scan the addresses each time.
   */
  masqueradeSource(outDev: string, dst: number): number {
    const r = this.fib.lookup(dst >>> 0);
    const m = this.masqMemo;
    if (m !== null && m.res === r && m.dst === dst && m.outDev === outDev && m.addrs === this.addrs) return m.src;
    const dev = r.dev !== null && r.dev.name === outDev ? r.dev : this.dev(outDev);
    if (!dev) return 0;
    const nh = r.dev === dev ? r.nexthop : dst >>> 0;
    const src = this.selectSourceAddr(dev, nh, 'global');
    if (m === null) this.masqMemo = { res: r, dst, outDev, addrs: this.addrs, src };
    else {
      m.res = r;
      m.dst = dst;
      m.outDev = outDev;
      m.addrs = this.addrs;
      m.src = src;
    }
    return src;
  }

  /** Sends a locally generated IPv4 packet (REJECT's ICMP error or RST) through OUTPUT. */
  sendLocal(skb: SkBuff): void {
    ipLocalOutRaw(this, skb);
  }

  /** Debug summary. */
  toString(): string {
    return `netns ${this.name} (${this.devices().map((d) => d.name).join(', ')})`;
  }
}

/** Rank of an address scope (Linux `RT_SCOPE_*`: smaller is wider); a module function, so selecting a source address (every MASQUERADE of a new connection) makes no closure. */
function scopeRank(s: string): number {
  return s === 'global' ? 0 : s === 'link' ? 253 : 254;
}
