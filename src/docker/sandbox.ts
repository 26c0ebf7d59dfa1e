/**
 * Containers on the network: the runtime's lifecycle hooks attach them (libnetwork sandbox +
 * endpoint Join), detach them on stop/remove, and keep the files Docker owns (/etc/hosts,
 * /etc/resolv.conf, /etc/hostname) and the inspect/ps network fields.
 */
import { DockernetError } from '../core/errors.js';
import { NetNamespace } from '../netns/netns.js';
import type { Container, EtcRenderer } from '../runtime/container.js';
import { dockerMacFor, ipToString, macToString, parseMac, tryParseIp } from '../wire/addr.js';
import { share } from '../core/intern.js';
import type { Engine } from './engine.js';
import type { AttachmentConfig, Endpoint, MappedPort, Network } from './network/model.js';
import { IpamError } from './ipam/errors.js';
import { DEFAULT_HOSTS, extraHostRecords, linkRecord, ownHostsNames, renderHosts, type HostsRecord } from './etc/hosts.js';
import { resolvConfWithResolver, resolvConfWithoutResolver, externalResolvers } from './etc/resolv.js';
import { kernelRandomMac, newId, vethName } from './ids.js';
import { plugVeth, unplug } from './kernel.js';
import { createMacvlan } from '../link/macvlan.js';
import { Iptables, type IptablesRunner } from './iptables/program.js';
import { setupResolverRules } from './iptables/dns-rules.js';
import { publishPorts, unpublishPorts } from './ports/publish.js';
import type { DockerProxy } from './ports/proxy.js';
import { EmbeddedDns } from './dns/resolver.js';
import { DnsNames } from './dns/names.js';
import { registerNetPrograms } from './programs/index.js';
import { Sandbox } from './sandbox-state.js';

/** A container's interface names (one string each, shared by every container, not made per `docker run`). */
const ETH_NAMES = ['eth0', 'eth1', 'eth2', 'eth3', 'eth4', 'eth5', 'eth6', 'eth7'];

export { Sandbox } from './sandbox-state.js';

/** The network state of one container (kept in `Container.net`). */
export interface ContainerNet {
  /** Network attachments (NetworkSettings.Networks), by network id, in order. */
  attachments: Map<string, AttachmentConfig>;
  /** The running sandbox, or null. */
  sb: Sandbox | null;
}

/** The empty list of a sandbox field before anything is added (shared: fields are replaced, never pushed to). */
const NONE: never[] = [];
const NO_ENDPOINT_FLAGS: { readonly aliases: readonly string[]; readonly ipv4: string; readonly ipv6: string } = { aliases: [], ipv4: '', ipv6: '' };

/** Per-container network state and the lifecycle hooks. */
export class Sandboxes implements EtcRenderer {
  /** @internal The embedded DNS's index of the names on each network (kept up to date by join and leave). */
  readonly dnsNames: DnsNames;

  constructor(private readonly e: Engine) {
    this.dnsNames = new DnsNames(e);
  }

  /** The network state of `c`. */
  of(c: Container): ContainerNet {
    let s = c.net as ContainerNet | null;
    if (s === null) {
      s = { attachments: new Map(), sb: null };
      c.net = s;
    }
    return s;
  }

  /** Registers hooks, inspect provider, ps fields and the programs. */
  install(): void {
    const rt = this.e.runtime;
    rt.hostNs.net.handle = this.e.host;
    rt.hooks.add({
      afterCreate: (c) => this.afterCreate(c),
      beforeStart: (c) => this.beforeStart(c),
      afterStop: (c) => this.detachAll(c),
      beforeRemove: (c) => {
        this.detachAll(c);
        this.of(c).attachments.clear();
      },
    });
    rt.inspectProviders.push((c, doc) => this.inspect(c, doc));
    rt.psFields.set('Networks', (c) => this.psNetworks(c));
    rt.psFields.set('Ports', (c) => this.psPorts(c));
    registerNetPrograms(this.e);
  }

  // ------------------------------------------------------------------ hooks

  private afterCreate(c: Container): void {
    // the endpoint flags of the run/create request (createContainer keeps the parsed request)
    const req = c.request?.endpoint ?? NO_ENDPOINT_FLAGS;
    // the attachment below keeps what the network layer needs of the request
    c.request = null;
    const mode = c.hostConfig.NetworkMode;
    if (mode.startsWith('container:')) return;
    const name = mode === 'default' ? 'bridge' : mode;
    const n = this.e.findNetwork(name);
    // daemon-side create checks (nothing is created): the endpoint address, legacy link targets
    const refuse = (msg: string): never => {
      this.e.runtime.store.delete(c);
      throw new DockernetError('EDAEMON', msg, 125);
    };
    if (req.ipv4 && tryParseIp(req.ipv4) < 0) refuse(`invalid IPv4 address: ${req.ipv4}`);
    const links = c.hostConfig.Links ?? NONE;
    for (let i = 0; i < links.length; i++) {
      const child = links[i]!.split(':')[0]!.replace(/^\//, '');
      if (!this.e.runtime.store.find(child)) refuse(`could not get container for ${child}: No such container: ${child}`);
    }
    // a missing network fails the start, not the create (the lab's 20.10: the id is printed, the
    // container stays Created)
    if (!n) return;
    const isDefault = n.name === 'bridge';
    // on a user-defined network the daemon moves --link into the endpoint config, as given
    // ("child:alias" or "child"), and HostConfig.Links becomes null (kernel lab, net-15)
    const userLinks: string[] = !isDefault && c.hostConfig.Links ? c.hostConfig.Links : NONE;
    if (!isDefault && c.hostConfig.Links !== null) c.hostConfig.Links = null;
    // on the default bridge it stores them as /child:/parent/alias
    if (c.hostConfig.Links) {
      c.hostConfig.Links = c.hostConfig.Links.map((l) => {
        const [child, alias] = l.split(':') as [string, string?];
        const cc = this.e.runtime.store.find(child.replace(/^\//, ''));
        const childName = cc ? cc.name : '/' + child.replace(/^\//, '');
        const a = (alias ?? childName).split('/').pop()!;
        return `${childName}:${c.name}/${a}`;
      });
    }
    this.of(c).attachments.set(n.id, {
      networkId: n.id,
      aliases: isDefault || req.aliases.length === 0 ? NONE : [...req.aliases],
      ipv4: isDefault ? '' : req.ipv4,
      ipv6: req.ipv6,
      // on a user-defined network a link is an embedded-DNS alias (EndpointSettings.Links "child:alias")
      links: userLinks,
      driverOpts: null,
      // set at join: in the literal, so the object keeps its fields in-object (no property array)
      joined: false,
    });
  }

  private beforeStart(c: Container): void {
    const st = this.of(c);
    const mode = c.hostConfig.NetworkMode;
    if (mode !== 'host' && !mode.startsWith('container:')) {
      const name = mode === 'default' ? 'bridge' : mode;
      if (!this.e.findNetwork(name)) throw new DockernetError('EDAEMON', `network ${name} not found`, 125);
    }
    const netNs = c.namespaces!.net;
    if (mode.startsWith('container:')) {
      const owner = this.e.netOwner(c);
      for (const f of ['/etc/resolv.conf', '/etc/hostname']) {
        const v = owner.etc.get(f);
        if (v !== undefined) c.etc.set(f, v);
      }
      // the joiner bind-mounts the donor's hosts file: it follows the in-place edits of the donor's
      // sandbox (connect adds lines, a leave deletes them) but not the file a restarted donor's new
      // sandbox builds (net-17 l-j: after the donor's restart, the default block only)
      const donorSb = this.of(owner).sb;
      if (donorSb && donorSb.nsObject !== this.e.host) c.etc.setLive('/etc/hosts', { renderEtc: () => renderHosts(donorSb.hosts) });
      else {
        const v = owner.etc.get('/etc/hosts');
        if (v !== undefined) c.etc.set('/etc/hosts', v);
      }
      return;
    }
    if (mode === 'host') {
      netNs.handle = this.e.host;
      const hostNet = this.e.findNetwork('host')!;
      const ep = this.newEndpoint(hostNet, c, 0, 0, '');
      st.sb = new Sandbox(this.e.host, [ep], [], NONE, false);
      this.setEndpoint(hostNet, c, ep);
      this.networkEvent('connect', hostNet, c);
      // libnetwork buildHostsFile: the host's file, or with --add-host a new one (the default block
      // and the extra records, no own line: net-23)
      c.etc.set('/etc/hosts', c.hostConfig.ExtraHosts?.length ? renderHosts(DEFAULT_HOSTS.concat(extraHostRecords(c.hostConfig.ExtraHosts, this.hostGatewayIp()))) : this.e.hostEtcHosts);
      // the host's file, or one built from it with --dns/--dns-search/--dns-option (net-19 d-h)
      const hcd = c.hostConfig;
      const custom = (hcd.Dns?.length ?? 0) + (hcd.DnsSearch?.length ?? 0) + (hcd.DnsOptions?.length ?? 0) > 0;
      c.etc.set('/etc/resolv.conf', custom ? this.resolvConfOf(c) : this.e.hostResolvConf);
      c.etc.set('/etc/hostname', c.config.Hostname + '\n');
      return;
    }
    // the inside of the namespace is configured on first use (sandbox-state.ts), unless another
    // iptables front-end must see the resolver's rules as they are made; `lo` comes first then
    const defer = !this.e.ownIptablesFrontEnd;
    const ns = new NetNamespace(this.e.sim, 'ctr-' + c.id.slice(0, 12), this.e.rng.fork('ns'), { loopback: !defer });
    ns.ipv6 = false;
    netNs.handle = ns;
    const hc = c.hostConfig;
    // the default records themselves when nothing is added (the records change only by new arrays)
    const extra = hc.ExtraHosts?.length ? extraHostRecords(hc.ExtraHosts, this.hostGatewayIp()) : NONE;
    const links = this.linkRecords(c);
    const sb = new Sandbox(ns, NONE, extra.length === 0 && links.length === 0 ? DEFAULT_HOSTS : DEFAULT_HOSTS.concat(extra, links), NONE, defer);
    st.sb = sb;
    if (!sb.configured) netNs.deferHandleWork(sb);
    c.etc.set('/etc/hostname', c.config.Hostname + '\n');
    c.etc.set('/etc/resolv.conf', this.resolvConfOf(c));
    try {
      // daemon allocateNetwork: the default "bridge" first, then the rest in Go map order, which is
      // random; by name here (one of the real orders: net-17's restart gave lnet eth0, lnet2 eth1)
      const nets: Network[] = [];
      for (const att of st.attachments.values()) {
        const n = this.e.networks.find((x) => x.id === att.networkId);
        if (n) nets.push(n);
      }
      if (nets.length > 1) nets.sort((a, b) => (a.name === 'bridge' ? -1 : b.name === 'bridge' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (let i = 0; i < nets.length; i++) this.join(c, sb, nets[i]!, st.attachments.get(nets[i]!.id)!);
    } catch (err) {
      this.detachAll(c);
      c.state.ExitCode = 128;
      c.state.Error = (err as Error).message;
      throw err;
    }
    this.writeHosts(c);
  }

  /** Removes every endpoint of a container and drops its sandbox (stop, failed start, remove). */
  detachAll(c: Container): void {
    const st = this.of(c);
    const sb = st.sb;
    if (!sb) return;
    // /etc/hosts keeps the records of the sandbox it was written for
    c.etc.materialise();
    for (const ep of [...sb.endpoints].reverse()) this.leave(c, sb, ep);
    sb.resolver?.close();
    st.sb = null;
  }

  // ------------------------------------------------------------------ join / leave

  private newEndpoint(n: Network, c: Container, ip: number, mac: number, ifname: string): Endpoint {
    return { id: newId(this.e.rng), network: n, containerId: c.id, ip, mac, ifname, hostVeth: '', ports: NONE };
  }

  /** Adds `ep` to the endpoints of `n` and to the network's DNS names. */
  private setEndpoint(n: Network, c: Container, ep: Endpoint): void {
    // a replaced endpoint would keep its place in the map's order: the index starts over
    if (n.endpoints.has(c.id)) this.dnsNames.changed();
    n.endpoints.set(c.id, ep);
    this.dnsNames.joined(ep);
  }

  /** Joins a running container's sandbox to a network (start, or `network connect`). */
  join(c: Container, sb: Sandbox, n: Network, att: AttachmentConfig): Endpoint {
    if (n.driver === 'null' || n.driver === 'host') {
      const ep = this.newEndpoint(n, c, 0, 0, '');
      sb.endpoints = sb.endpoints.concat([ep]);
      this.setEndpoint(n, c, ep);
      this.networkEvent('connect', n, c);
      return ep;
    }
    const pool = n.pool!;
    if (!n.predefined) {
      const hn = c.config.Hostname;
      // the default hostname is this same short id: share its string
      const short = hn.length === 12 && c.id.startsWith(hn) ? hn : c.id.slice(0, 12);
      // exact-size copies (an attachment lives as long as the container)
      if (!att.aliases.includes(short)) att.aliases = att.aliases.concat([short]);
      if (hn && hn !== short && !att.aliases.includes(hn)) att.aliases = att.aliases.concat([hn]);
    }
    let preferred: number | null = null;
    // libnetwork: a static address needs a subnet the user configured (net-22: at start, the
    // container stays Created with its IPAMConfig)
    if (att.ipv4 && !n.userSubnet) throw new DockernetError('EDAEMON', 'user specified IP address is supported only when connecting to networks with user configured subnets', 125);
    if (att.ipv4) {
      const ip = tryParseIp(att.ipv4);
      if (ip < 0 || !pool.contains(ip)) throw new DockernetError('EDAEMON', `Invalid address ${att.ipv4}: It does not belong to any of this network's subnets`, 125);
      preferred = ip;
    }
    let ip: number;
    try {
      ip = pool.allocate(preferred);
    } catch (err) {
      if (err instanceof IpamError && err.category === 'NoService')
        throw new DockernetError('EDAEMON', `no available IPv4 addresses on this network's address pools: ${n.name} (${n.id})`, 125);
      if (err instanceof IpamError) throw new DockernetError('EDAEMON', err.message, 125);
      throw err;
    }
    const isFirst = sb.endpoints.length === 0;
    const macText = c.config.MacAddress;
    const mac = isFirst && macText ? parseMac(macText) : dockerMacFor(ip);
    const k = sb.nextIf++;
    const ifname = k < ETH_NAMES.length ? ETH_NAMES[k]! : 'eth' + k;
    const ep = this.newEndpoint(n, c, ip, mac, ifname);
    att.joined = true;
    if (n.driver === 'bridge') {
      ep.hostVeth = vethName(this.e.rng);
      sb.holdFrames(plugVeth(this.e.host, n.bridgeName, ep.hostVeth, kernelRandomMac(this.e.rng), sb.nsObject, ifname, mac, n.mtu));
    } else {
      plugMacvlanEndpoint(this.e, n, sb.ns, ifname, mac);
    }
    sb.defer(addAddressOp, ifname, ip | 0, pool.subnet.len, ip);
    sb.endpoints = sb.endpoints.concat([ep]); // exact size (push would reserve 17 slots)
    this.setEndpoint(n, c, ep);
    // a pending /etc/hosts shows the records as they were at writeHosts: render it before they change
    c.etc.materialise();
    // the address text is shared with the published ports' proxies (publish.ts)
    sb.hosts = sb.hosts.concat([{ ip: share(ipToString(ip)), hosts: ownHostsNames(c.config.Hostname, c.config.Domainname) }]);
    if (!n.predefined && !sb.resolverWanted) this.startResolver(c, sb);
    this.updateGateway(c, sb);
    this.networkEvent('connect', n, c);
    return ep;
  }

  /** The daemon's `network connect|disconnect` event (Actor: the network; container, name, type). */
  private networkEvent(action: 'connect' | 'disconnect', n: Network, c: Container): void {
    this.e.runtime.events.emit('network', action, n.id, { container: c.id, name: n.name, type: n.driver });
  }

  /** Leaves a network (stop, disconnect). */
  leave(c: Container, sb: Sandbox, ep: Endpoint): void {
    const n = ep.network;
    if (sb.gw === ep) {
      this.unpublish(sb);
      sb.gw = null;
    }
    if (sb.endpoints.includes(ep)) sb.endpoints = sb.endpoints.filter((x) => x !== ep);
    n.endpoints.delete(c.id);
    this.dnsNames.changed();
    // libnetwork deletes the hosts entries of a network's service records: user networks only
    // (a disconnect from the default bridge leaves the line, net-09 r-d). etchosts.Delete drops
    // every line that ends in "\t<names>", whatever its address: leaving one network of two takes
    // the other network's line too (net-14 o-c)
    if (ep.ip && !n.predefined) {
      const own = ownHostsNames(c.config.Hostname, c.config.Domainname);
      if (sb.hosts.some((r) => r.hosts === own)) {
        c.etc.materialise();
        sb.hosts = sb.hosts.filter((r) => r.hosts !== own);
      }
    }
    if (ep.ip) n.pool?.release(ep.ip);
    if (ep.ifname && sb.nsObject !== this.e.host) unplug(sb.ns, ep.ifname);
    if (sb.endpoints.length) this.updateGateway(c, sb);
    this.networkEvent('disconnect', n, c);
  }

  /**
   * Chooses the gateway endpoint (libnetwork's endpoint heap: --internal networks after the others,
   * then networks by name: net-21) and moves the default route and the published ports to it.
   */
  private updateGateway(c: Container, sb: Sandbox): void {
    const cands = sb.endpoints.filter((x) => x.ip && x.network.gateway && (x.network.driver === 'bridge' || x.network.driver === 'macvlan'));
    cands.sort((a, b) =>
      a.network.internal !== b.network.internal ? (a.network.internal ? 1 : -1) : a.network.name < b.network.name ? -1 : a.network.name > b.network.name ? 1 : 0,
    );
    const gw = cands[0] ?? null;
    if (gw === sb.gw) return;
    if (sb.gw) {
      this.unpublish(sb);
      sb.defer(delDefaultRouteOp, null, null, null);
    }
    sb.gw = gw;
    if (!gw) return;
    sb.defer(addDefaultRouteOp, gw.network.gateway | 0, gw.ifname, null);
    if (gw.network.driver === 'bridge' && !gw.network.internal) {
      const r = publishPorts(this.e, c, gw, sb);
      sb.ports = r.ports;
      sb.proxies = r.stops;
    }
  }

  private unpublish(sb: Sandbox): void {
    if (sb.gw && sb.ports.length) unpublishPorts(this.e, sb.gw, sb.ports);
    for (const s of sb.proxies) s.stop();
    sb.ports = NONE;
    sb.proxies = NONE;
  }

  private startResolver(c: Container, sb: Sandbox): void {
    sb.resolverWanted = true;
    sb.defer(startResolverOp, this.e, sb, c);
    c.etc.set('/etc/resolv.conf', resolvConfWithResolver(c.etc.get('/etc/resolv.conf') ?? ''));
  }

  /**
   * Rewrites /etc/hosts of a container (and of the containers sharing its namespace). The text is
   * rendered from the sandbox's records when first read (or before the sandbox goes away).
   */
  writeHosts(c: Container): void {
    const sb = this.of(c).sb;
    if (!sb || sb.nsObject === this.e.host) return;
    c.etc.setLazy('/etc/hosts', this);
  }

  /** {@link EtcRenderer}: /etc/hosts from the running sandbox's records. */
  renderEtc(c: Container, path: string): string {
    const sb = this.of(c).sb;
    if (path !== '/etc/hosts' || !sb) throw new DockernetError('EINTERNAL', `no renderer for ${path} of ${c.id}`);
    return renderHosts(sb.hosts);
  }

  /** The host's resolv.conf with the container's --dns, --dns-search and --dns-option applied. */
  private resolvConfOf(c: Container): string {
    const hc = c.hostConfig;
    return resolvConfWithoutResolver(this.e.hostResolvConf, { dns: hc.Dns, dnsSearch: hc.DnsSearch, dnsOptions: hc.DnsOptions });
  }

  /** The daemon's host-gateway-ip: the default bridge's gateway address. */
  private hostGatewayIp(): string {
    const br = this.e.networks.find((n) => n.name === 'bridge');
    return br && br.gateway ? ipToString(br.gateway) : '';
  }

  private linkRecords(c: Container): HostsRecord[] {
    const out: HostsRecord[] = [];
    const env: string[] = [];
    // legacy links (/etc/hosts, env) exist on the default bridge only; elsewhere the resolver answers them
    const mode = c.hostConfig.NetworkMode;
    if (mode !== 'default' && mode !== 'bridge') {
      c.linkEnv = NONE;
      return out;
    }
    for (const l of c.hostConfig.Links ?? []) {
      const [childRef, aliasRaw] = l.split(':') as [string, string?];
      // stored as /child:/parent/alias
      const child = this.e.runtime.store.find(childRef.replace(/^\//, ''));
      if (!child) throw new DockernetError('EDAEMON', `could not get container for ${childRef.replace(/^\//, '')}`, 125);
      const alias = (aliasRaw ?? child.name).split('/').pop()!;
      const ep = this.e.bridge.endpoints.get(child.id);
      if (!ep) throw new DockernetError('EDAEMON', `Cannot link to a non running container: ${child.name} AS ${c.name}/${alias}`, 125);
      out.push(linkRecord(alias, child.name.slice(1), child.config.Hostname, ipToString(ep.ip)));
      env.push(...linkEnv(alias, `${c.name}/${alias}`, child, ipToString(ep.ip)));
    }
    c.linkEnv = env.length ? env : NONE;
    return out;
  }

  // ------------------------------------------------------------------ inspect / ps

  private inspect(c: Container, doc: Record<string, unknown>): void {
    const st = this.of(c);
    const sb = st.sb;
    const nets: Record<string, unknown> = {};
    const rows: Array<[string, Network | undefined, AttachmentConfig]> = [];
    for (const a of st.attachments.values()) {
      const n = this.e.networks.find((x) => x.id === a.networkId);
      const name = n ? n.name : a.removedNetwork;
      if (name !== undefined) rows.push([name, n, a]);
    }
    for (const [name, n, att] of rows.sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const ep = n ? sb?.endpoints.find((x) => x.network === n) : undefined;
      const len = n?.pool?.subnet.len ?? 0;
      nets[name] = {
        IPAMConfig: att.ipv4 || att.ipv6 ? { IPv4Address: att.ipv4 || undefined, IPv6Address: att.ipv6 || undefined } : att.fromConnect ? {} : null,
        Links: att.links.length ? att.links : null,
        Aliases: att.aliases.length || att.fromConnect ? att.aliases : null,
        NetworkID: n && (ep || att.joined) ? n.id : '',
        EndpointID: ep ? ep.id : '',
        Gateway: n && ep && ep.ip ? ipToString(n.gateway) : '',
        IPAddress: ep && ep.ip ? ipToString(ep.ip) : '',
        IPPrefixLen: ep && ep.ip ? len : 0,
        IPv6Gateway: '',
        GlobalIPv6Address: '',
        GlobalIPv6PrefixLen: 0,
        MacAddress: ep && ep.mac ? macToString(ep.mac) : '',
        DriverOpts: att.driverOpts,
      };
    }
    const def = sb?.endpoints.find((x) => x.network.name === 'bridge');
    const ports: Record<string, unknown> = {};
    if (sb && c.running && sb.gw && sb.gw.network.driver === 'bridge' && !sb.gw.network.internal) {
      for (const p of Object.keys(c.config.ExposedPorts ?? {})) ports[p] = null;
      for (const m of sb.ports) {
        const k = `${m.containerPort}/${m.proto}`;
        const list = (ports[k] as Array<{ HostIp: string; HostPort: string }> | null) ?? [];
        list.push({ HostIp: m.hostIp, HostPort: String(m.hostPort) });
        ports[k] = list;
      }
    }
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(ports).sort()) sorted[k] = ports[k];
    const ns = doc['NetworkSettings'] as Record<string, unknown> | undefined;
    const base: Record<string, unknown> = ns ?? {};
    Object.assign(base, {
      Bridge: '',
      SandboxID: sb ? sandboxId(c) : '',
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      Ports: sorted,
      SandboxKey: sb ? `${this.e.runtime.execRoot}/netns/${sandboxId(c).slice(0, 12)}` : '',
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: def ? def.id : '',
      Gateway: def ? ipToString(def.network.gateway) : '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: def ? ipToString(def.ip) : '',
      IPPrefixLen: def ? def.network.pool!.subnet.len : 0,
      IPv6Gateway: '',
      MacAddress: def ? macToString(def.mac) : '',
      Networks: nets,
    });
    doc['NetworkSettings'] = base;
  }

  private psNetworks(c: Container): string {
    if (c.hostConfig.NetworkMode.startsWith('container:')) return '';
    const st = this.of(c);
    return [...st.attachments.values()]
      .map((a) => this.e.networks.find((n) => n.id === a.networkId)?.name ?? '')
      .filter((x) => x)
      .join(',');
  }

  private psPorts(c: Container): string {
    const sb = this.of(c).sb;
    if (!sb || !c.running) return '';
    // the 20.10 CLI's DisplayablePorts: sorted by private port, IP, public port, type; equal
    // public/private ports grouped into ranges per IP/type, other mappings listed after the groups
    type P = { priv: number; ip: string; pub: number; type: string };
    const ports: P[] = sb.ports.map((m) => ({ priv: m.containerPort, ip: m.hostIp, pub: m.hostPort, type: m.proto }));
    // NetworkSettings.Ports lists exposed ports only for a network of the container's own (not host/none/container:)
    const mode = c.hostConfig.NetworkMode;
    const ownNet = mode !== 'host' && mode !== 'none' && !mode.startsWith('container:');
    for (const k of ownNet ? Object.keys(c.config.ExposedPorts ?? {}) : []) {
      const [n = '', type = 'tcp'] = k.split('/');
      if (!ports.some((p) => p.priv === Number(n) && p.type === type)) ports.push({ priv: Number(n), ip: '', pub: 0, type });
    }
    ports.sort((a, b) => a.priv - b.priv || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0) || a.pub - b.pub || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    const groups = new Map<string, { first: number; last: number }>();
    const result: string[] = [];
    const mappings: string[] = [];
    const form = (key: string, g: { first: number; last: number }): string => {
      const range = g.first === g.last ? String(g.first) : `${g.first}-${g.last}`;
      const slash = key.lastIndexOf('/');
      const ip = slash > 0 ? key.slice(0, slash) : '';
      return `${ip ? `${ip}:${range}->${range}` : range}/${key.slice(slash + 1)}`;
    };
    for (const p of ports) {
      let key = p.type;
      if (p.ip) {
        if (p.pub !== p.priv) {
          mappings.push(`${p.ip}:${p.pub}->${p.priv}/${p.type}`);
          continue;
        }
        key = `${p.ip}/${p.type}`;
      }
      const g = groups.get(key);
      if (!g) groups.set(key, { first: p.priv, last: p.priv });
      else if (p.priv === g.last + 1) g.last = p.priv;
      else {
        result.push(form(key, g));
        groups.set(key, { first: p.priv, last: p.priv }); // the key keeps its first place, as in Go
      }
    }
    for (const [key, g] of groups) result.push(form(key, g));
    return [...result, ...mappings].join(', ');
  }
}

/** The legacy link environment of one link (daemon/links: NAME, PORT*, ENV_*). */
function linkEnv(alias: string, fullName: string, child: Container, ip: string): string[] {
  const p = alias.toUpperCase().replace(/-/g, '_');
  const env = [`${p}_NAME=${fullName}`];
  const ports = Object.keys(child.config.ExposedPorts ?? {}).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  if (ports.length) {
    const [p0, pr0 = 'tcp'] = ports[0]!.split('/') as [string, string?];
    env.push(`${p}_PORT=${pr0}://${ip}:${p0}`);
    for (const k of ports) {
      const [port, proto = 'tcp'] = k.split('/') as [string, string?];
      const q = `${p}_PORT_${port}_${proto.toUpperCase()}`;
      env.push(`${q}=${proto}://${ip}:${port}`, `${q}_ADDR=${ip}`, `${q}_PORT=${port}`, `${q}_PROTO=${proto}`);
    }
  }
  for (const v of child.config.Env ?? []) {
    const i = v.indexOf('=');
    const k = v.slice(0, i);
    if (k === 'HOME' || k === 'PATH') continue;
    env.push(`${p}_ENV_${k}=${v.slice(i + 1)}`);
  }
  return env;
}

/** A deterministic sandbox id for a container (64 hex). */
function sandboxId(c: Container): string {
  return (c.id.slice(32) + c.id.slice(0, 32)).slice(0, 64);
}

/** The macvlan driver's Join: a bridge-mode macvlan link on the parent, moved into the sandbox. */
function plugMacvlanEndpoint(e: Engine, n: Network, ns: NetNamespace, ifname: string, mac: number): void {
  const parent = e.host.dev(n.parent);
  if (!parent) throw new DockernetError('EDAEMON', `-o parent interface was not found on the host: ${n.parent}`, 125);
  const tmp = vethName(e.rng).replace('veth', 'mv');
  const dev = createMacvlan(e.sim, parent, tmp, mac, 'bridge');
  e.host.addDevice(dev);
  e.host.moveDevice(dev, ns, ifname);
  ns.setLinkUp(ifname, true);
}

/** Deferred: `ip addr add IP/LEN dev IFNAME` (`ip` as int32). */
function addAddressOp(ns: NetNamespace, ifname: string, ip: number, len: number): void {
  ns.addAddress(ifname, `${ipToString(ip >>> 0)}/${len}`);
}

/** Deferred: `ip route add default via GW dev IFNAME` (`gw` as int32). */
function addDefaultRouteOp(ns: NetNamespace, gw: number, dev: string): void {
  ns.addRoute({ dst: 'default', via: ipToString(gw >>> 0), dev });
}

/** Deferred: `ip route del default` (none is fine). */
function delDefaultRouteOp(ns: NetNamespace): void {
  try {
    ns.delRoute({ dst: 'default' });
  } catch {
    /* no default route */
  }
}

/** Deferred: the embedded resolver's sockets and its nat rules in the container's namespace. */
function startResolverOp(ns: NetNamespace, e: Engine, sb: Sandbox, c: Container): void {
  const nf: IptablesRunner | null = e.iptablesFor(ns);
  const hc = c.hostConfig;
  const ext = externalResolvers(e.hostResolvConf, { dns: hc.Dns, dnsSearch: hc.DnsSearch, dnsOptions: hc.DnsOptions });
  const r = new EmbeddedDns(e, sb, c, ext);
  sb.resolver = r;
  if (nf && typeof nf.iptables === 'function') setupResolverRules(new Iptables(nf), r.udpPort, r.tcpPort);
}
