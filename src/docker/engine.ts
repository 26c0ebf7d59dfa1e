/**
 * The Docker engine on top of the packet core: a host namespace with docker0, libnetwork's
 * drivers (bridge, host, null, container:, macvlan), IPAM, iptables programming, published ports
 * with docker-proxy, the embedded DNS, and the container files it owns. `docker network` and
 * `docker port` are handled here; every other command goes to the runtime, whose lifecycle hooks
 * call back into {@link Engine} to attach and detach containers.
 *
 * @example
 * ```ts
 * const e = new Engine({ seed: 1 });
 * e.exec('docker run -d --name web -p 8080:80 mini:latest httpd -f -p 80 -h /www');
 * e.exec('docker port web').stdout; // "80/tcp -> 0.0.0.0:8080\n80/tcp -> :::8080\n"
 * ```
 */
import { Sim } from '../core/scheduler.js';
import { Rng } from '../core/rng.js';
import { DockernetError } from '../core/errors.js';
import { NetNamespace } from '../netns/netns.js';
import { Runtime, type ExecResult, type RuntimeOptions } from '../runtime/runtime.js';
import type { Container } from '../runtime/container.js';
import type { CommandIo } from '../runtime/commands/dispatch.js';
import { splitCommandLine } from '../runtime/cli/split.js';
import { Ipam } from './ipam/ipam.js';
import { PortAllocator, type PortRange } from './ports/allocator.js';
import { Iptables, type IptablesRunner } from './iptables/program.js';
import { setupIPChains, setupBridgeNetworkRules, removeBridgeNetworkRules } from './iptables/bridge-rules.js';
import type { ProxyInfo } from './ports/proxy.js';
import type { Network } from './network/model.js';
import { dockerRandomMac, newId } from './ids.js';
import { ipToString, parseIp } from '../wire/addr.js';
import { networkCommand } from './commands/network.js';
import { portCommand } from './commands/port.js';
import { Sandboxes } from './sandbox.js';
import { createBridge, deleteLink } from './kernel.js';

/** Engine settings; the defaults describe the oracle's lab machine. */
export interface EngineOptions {
  /** Seed of every random choice (ids, MACs, veth names, ports of the embedded DNS). */
  seed?: number | string;
  /** The host's hostname (`vm`). */
  hostname?: string;
  /** The host's /etc/resolv.conf. */
  hostResolvConf?: string;
  /** The host's /etc/hosts (what `--network host` containers see). */
  hostEtcHosts?: string;
  /** `ip_local_port_range` of the host namespace (32768 60999). */
  portRange?: PortRange;
  /** An existing simulator (a new one otherwise). */
  sim?: Sim;
  /** The iptables front-end of a namespace (default: the namespace's netfilter). */
  iptablesFor?: (ns: NetNamespace) => IptablesRunner | null;
  /** Options of the runtime underneath (`cliStyle`, `dataRoot`, `execRoot`, cgroup settings…). */
  runtime?: Omit<RuntimeOptions, 'sim' | 'rng' | 'hostname'>;
}

/** The lab machine's resolv.conf (NOTES). */
export const LAB_RESOLV_CONF = 'nameserver 10.255.255.53\n';
/** The lab machine's /etc/hosts, as host-mode containers show it (net-05). */
export const LAB_ETC_HOSTS = '127.0.0.1 localhost\n127.0.0.1 runsc\n127.0.0.1 vm\n';

/** The Docker engine. */
export class Engine {
  /** The simulator (virtual time, transmit queue). */
  readonly sim: Sim;
  /** Seeded randomness of the engine. */
  readonly rng: Rng;
  /** The container runtime (store, lifecycle, processes). */
  readonly runtime: Runtime;
  /** The daemon's (host) network namespace. */
  readonly host: NetNamespace;
  /** IPAM of the local address space. */
  readonly ipam = new Ipam();
  /** Host port allocator. */
  readonly ports: PortAllocator;
  /** iptables of the host namespace. */
  readonly ipt: Iptables;
  /** How the engine reaches a namespace's iptables. */
  readonly iptablesFor: (ns: NetNamespace) => IptablesRunner | null;
  /** `iptablesFor` is a caller's own front-end (it sees every command as it is made: nothing is deferred). */
  readonly ownIptablesFrontEnd: boolean;
  /** Networks in creation order. */
  readonly networks: Network[] = [];
  /** @internal the running docker-proxies (docker/ports/proxy.ts `proxiesOf`), made with the first */
  proxySet: Set<ProxyInfo> | null = null;
  /** Container sandboxes and endpoints. */
  readonly sandboxes: Sandboxes;
  /** Host settings. */
  readonly hostname: string;
  readonly hostResolvConf: string;
  readonly hostEtcHosts: string;

  constructor(opts: EngineOptions = {}) {
    this.sim = opts.sim ?? new Sim();
    this.rng = new Rng(opts.seed ?? 1);
    this.hostname = opts.hostname ?? 'vm';
    this.hostResolvConf = opts.hostResolvConf ?? LAB_RESOLV_CONF;
    this.hostEtcHosts = opts.hostEtcHosts ?? LAB_ETC_HOSTS;
    this.runtime = new Runtime(Object.assign({}, opts.runtime, { sim: this.sim, rng: this.rng.fork('runtime'), hostname: this.hostname }));
    this.host = new NetNamespace(this.sim, 'host', this.rng.fork('host'));
    this.host.setSysctl('ip_forward', 1);
    this.host.setSysctl('bridge_nf_call_iptables', 1);
    this.host.setLinkUp('lo', true);
    const range = opts.portRange ?? { start: this.host.sysctl.ip_local_port_range[0], end: this.host.sysctl.ip_local_port_range[1] };
    this.ports = new PortAllocator(range);
    this.iptablesFor = opts.iptablesFor ?? tryNetfilterOf;
    this.ownIptablesFrontEnd = opts.iptablesFor !== undefined;
    this.ipt = new Iptables(this.iptablesFor(this.host) ?? netfilterOf(this.host));
    this.sandboxes = new Sandboxes(this);
    // bridge driver configure: setupIPForwarding turns ip_forward on and the FORWARD policy to DROP
    this.ipt.raw(['-t', 'filter', '-P', 'FORWARD', 'DROP']);
    setupIPChains(this.ipt);
    this.createPredefinedNetworks();
    this.sandboxes.install();
  }

  // ------------------------------------------------------------------ commands

  /**
   * Runs one docker command line (`docker ...`), returning what the 20.10 CLI prints. `io.stdin`
   * is the CLI's standard input: `e.exec('docker exec -i web nc db 80', { stdin: 'GET / HTTP/1.0\r\n\r\n' })`.
   */
  exec(line: string | readonly string[], io: CommandIo = {}): ExecResult {
    let argv: string[];
    try {
      argv = typeof line === 'string' ? splitCommandLine(line) : [...line];
    } catch (e) {
      return { stdout: '', stderr: (e as Error).message + '\n', exitCode: 2 };
    }
    if (argv[0] === 'docker') argv = argv.slice(1);
    let r: ExecResult;
    if (argv[0] === 'network') r = networkCommand(this, argv.slice(1));
    else if (argv[0] === 'port') r = portCommand(this, argv.slice(1));
    else r = this.runtime.exec(argv, io);
    this.sim.drain();
    return r;
  }

  /** Runs every docker line of a scenario file (comments and blank lines skipped). */
  execFile(text: string): Array<{ line: string } & ExecResult> {
    const out: Array<{ line: string } & ExecResult> = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      out.push({ line, ...this.exec(line) });
    }
    return out;
  }

  // ------------------------------------------------------------------ networks

  /** Finds a network by full id, name, or unique id prefix (Docker's lookup order). */
  findNetwork(ref: string): Network | undefined {
    const byId = this.networks.find((n) => n.id === ref);
    if (byId) return byId;
    const byName = this.networks.find((n) => n.name === ref);
    if (byName) return byName;
    const hits = this.networks.filter((n) => n.id.startsWith(ref));
    return hits.length === 1 ? hits[0] : undefined;
  }

  /** The default bridge network. */
  get bridge(): Network {
    return this.networks.find((n) => n.name === 'bridge')!;
  }

  private createPredefinedNetworks(): void {
    // one literal per network (adding properties after a spread is a slow path in V8 11)
    const make = (id: string, name: string, driver: Network['driver'], options: Record<string, string>, ipamConfig: Network['ipamConfig'], pool: Network['pool'], bridgeName: string): Network => ({
      created: this.sim.now,
      internal: false,
      attachable: false,
      labels: {},
      pool,
      gateway: 0,
      bridgeName,
      parent: '',
      icc: true,
      masquerade: true,
      predefined: true,
      id,
      name,
      driver,
      options,
      ipamConfig,
      ipamOptions: null,
      endpoints: new Map(),
    });
    this.networks.push(make(newId(this.rng), 'none', 'null', {}, [], null, ''));
    this.networks.push(make(newId(this.rng), 'host', 'host', {}, [], null, ''));
    const pool = this.ipam.requestPool();
    const options = {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': 'docker0',
      'com.docker.network.driver.mtu': '1500',
    };
    const n = make(newId(this.rng), 'bridge', 'bridge', options, [{ Subnet: pool.cidr }], pool, 'docker0');
    n.gateway = pool.allocate();
    this.setupBridge(n);
    this.networks.push(n);
  }

  /** Creates the Linux bridge of a bridge network and programs its rules. */
  setupBridge(n: Network): void {
    createBridge(this.host, n.bridgeName, dockerRandomMac(this.rng));
    this.host.addAddress(n.bridgeName, `${ipToString(n.gateway)}/${n.pool!.subnet.len}`);
    this.host.setLinkUp(n.bridgeName, true);
    setupBridgeNetworkRules(this.ipt, { bridge: n.bridgeName, subnet: n.pool!.cidr, icc: n.icc, masquerade: n.masquerade, internal: n.internal });
  }

  /** Removes a bridge network's bridge and rules. */
  teardownBridge(n: Network): void {
    removeBridgeNetworkRules(this.ipt, { bridge: n.bridgeName, subnet: n.pool!.cidr, icc: n.icc, masquerade: n.masquerade, internal: n.internal });
    deleteLink(this.host, n.bridgeName);
  }

  /** The container owning `c`'s network namespace (itself unless `container:` mode). */
  netOwner(c: Container): Container {
    const mode = c.hostConfig.NetworkMode;
    if (!mode.startsWith('container:')) return c;
    const ref = mode.slice('container:'.length);
    return this.runtime.store.find(ref) ?? c;
  }

  /** Parses an IPv4 text or throws Docker's error. */
  static ip(text: string): number {
    try {
      return parseIp(text);
    } catch {
      throw new DockernetError('EINVAL', `invalid IP address: ${text}`);
    }
  }
}

/** The iptables front-end of a namespace's netfilter. */
export function netfilterOf(ns: NetNamespace): IptablesRunner {
  const nf = ns.netfilter as unknown as IptablesRunner | null;
  if (!nf || typeof nf.iptables !== 'function') throw new DockernetError('ENOSYS', `namespace ${ns.name} has no netfilter with iptables()`);
  return nf;
}

/** `iptables-save` of a namespace through the engine's front-end. */
export function iptablesSave(e: Engine, ns: NetNamespace): string {
  const r = e.iptablesFor(ns) as (IptablesRunner & { save?: () => string }) | null;
  if (r && typeof r.save === 'function') return r.save();
  const nf = ns.netfilter as unknown as { save?: () => string } | null;
  return nf && typeof nf.save === 'function' ? nf.save() : '';
}

/** Like {@link netfilterOf} but null when the namespace has no netfilter. */
export function tryNetfilterOf(ns: NetNamespace): IptablesRunner | null {
  const nf = ns.netfilter as unknown as IptablesRunner | null;
  return nf && typeof nf.iptables === 'function' ? nf : null;
}
