/**
 * Text as iproute2 (`ip addr`, `ip link`, `ip -d link`, `ip route`, `ip neigh`) and busybox `ip`
 * (the shorter form printed inside containers) print it, plus `ss -lntu`. Byte-compatible with the
 * oracle captures once indexes, MACs and link-local addresses are normalized.
 *
 * @module
 */
import type { NetDevice } from '../link/netdev.js';
import { BridgeDevice } from '../link/bridge/bridge.js';
import { deviceFlags, linkOf } from '../link/text.js';
import { ipToString, macToString } from '../wire/addr.js';
import type { NetNamespace } from './netns.js';
import type { Route } from './route.js';
import { routeDstString } from './route.js';

/** Which `ip` prints: iproute2 (the host) or busybox (inside `mini:latest` containers). */
export type IpFormat = 'iproute2' | 'busybox';

/** Display-only attributes of a device (what the model does not otherwise need). */
export interface DevDisplay {
  /** txqueuelen (`qlen N`; 0 = not printed). lo: 1000; Docker's veths and bridges: 0. */
  txqlen: number;
  /** Queueing discipline (`noqueue`). */
  qdisc: string;
  /** numtxqueues/numrxqueues in `ip -d link`. */
  numQueues: number;
  /** The EUI-64 link-local was configured earlier (carrier was up once) and stays after carrier loss. */
  ll6?: boolean;
  /** tso_max_size when it differs from 524280 (a bridge that never had a port keeps the legacy 65536). */
  tsoMaxSize?: number;
}

const display = new WeakMap<NetDevice, DevDisplay>();

/** Display attributes of `dev` (defaults by kind). */
export function devDisplay(dev: NetDevice): DevDisplay {
  let d = display.get(dev);
  if (!d) {
    d = { txqlen: dev.kind === 'loopback' ? 1000 : 0, qdisc: 'noqueue', numQueues: dev.kind === 'veth' ? 2 : 1 };
    display.set(dev, d);
  }
  return d;
}

/** Sets display attributes (e.g. `{ txqlen: 1000 }` for a veth made with `ip link add`). */
export function setDevDisplay(dev: NetDevice, attrs: Partial<DevDisplay>): void {
  Object.assign(devDisplay(dev), attrs);
}

function ownerNs(dev: NetDevice): NetNamespace | null {
  const o = dev.owner as NetNamespace | null;
  return o && typeof o === 'object' && 'addrs' in o ? o : null;
}

/** EUI-64 IPv6 link-local address of a MAC, compressed as `inet_ntop` prints it. */
export function linkLocal6(mac: number): string {
  const hi = Math.floor(mac / 0x100000000);
  const lo = mac >>> 0;
  const b = [((hi >>> 8) & 255) ^ 2, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
  const groups = [0xfe80, 0, 0, 0, (b[0]! << 8) | b[1]!, (b[2]! << 8) | 0xff, (0xfe << 8) | b[3]!, (b[4]! << 8) | b[5]!];
  return ipv6Compress(groups);
}

/** RFC 5952 text of eight 16-bit groups. */
export function ipv6Compress(g: number[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** `deviceFlags`, plus `M-DOWN` when the linked device, looked up by ifindex here, is down or missing. */
function linkFlags(ns: NetNamespace, dev: NetDevice, fmt: IpFormat): string {
  const f = deviceFlags(dev);
  const peer = linkOf(dev);
  if (peer) {
    const other = ownerNs(peer);
    if (fmt === 'busybox' || other === ns) {
      const same = ns.devByIndex(peer.ifindex);
      if (!same || !same.adminUp) f.push('M-DOWN');
    }
  }
  return f.join(',');
}

function linkName(ns: NetNamespace, dev: NetDevice, fmt: IpFormat): string {
  const peer = linkOf(dev);
  if (!peer) return dev.name;
  const other = ownerNs(peer);
  if (fmt === 'iproute2' && other !== ns) return `${dev.name}@if${peer.ifindex}`;
  const same = ns.devByIndex(peer.ifindex);
  return `${dev.name}@${same ? same.name : `if${peer.ifindex}`}`;
}

function operState(dev: NetDevice): string {
  if (dev.kind === 'loopback') return dev.adminUp ? 'UNKNOWN' : 'DOWN';
  if (!dev.adminUp) return 'DOWN';
  if (dev.operUp) return 'UP';
  return dev.kind === 'veth' ? 'LOWERLAYERDOWN' : 'DOWN';
}

function netnsAttr(ns: NetNamespace, dev: NetDevice): string {
  const peer = linkOf(dev);
  if (!peer) return '';
  const other = ownerNs(peer);
  if (!other || other === ns) return '';
  if (other.ipNetnsNamed) return ` link-netns ${other.name}`;
  return ` link-netnsid ${ns.nsidOf(other)}`;
}

function header(ns: NetNamespace, dev: NetDevice, fmt: IpFormat, link: boolean): string {
  const d = devDisplay(dev);
  const master = dev.master ? `master ${dev.master.name} ` : '';
  const qlen = d.txqlen ? `qlen ${d.txqlen}` : '';
  const head = `${dev.ifindex}: ${linkName(ns, dev, fmt)}: <${linkFlags(ns, dev, fmt)}> mtu ${dev.mtu} qdisc ${d.qdisc} `;
  if (fmt === 'busybox') return `${head}${master}${qlen}\n`;
  return `${head}${master}state ${operState(dev)} ${link ? 'mode DEFAULT ' : ''}group default ${qlen}\n`;
}

function linkLine(ns: NetNamespace, dev: NetDevice, fmt: IpFormat): string {
  if (dev.kind === 'loopback') return '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00';
  return `    link/ether ${macToString(dev.mac)} brd ff:ff:ff:ff:ff:ff${fmt === 'iproute2' ? netnsAttr(ns, dev) : ''}`;
}

/** Options of {@link ipAddr}. */
export interface IpAddrOptions {
  /** iproute2 (default) or busybox. */
  format?: IpFormat;
  /** Only this device. */
  dev?: string;
}

/**
 * `ip addr` text. IPv6 lines (`::1` on lo, EUI-64 link-local on other devices with carrier) are
 * printed when `ns.ipv6` is on (the host; Docker disables IPv6 in containers).
 */
export function ipAddr(ns: NetNamespace, opts: IpAddrOptions = {}): string {
  const fmt = opts.format ?? 'iproute2';
  let out = '';
  for (const dev of ns.devices()) {
    if (opts.dev !== undefined && dev.name !== opts.dev) continue;
    out += header(ns, dev, fmt, false);
    out += linkLine(ns, dev, fmt) + '\n';
    for (const a of ns.addrs) {
      if (a.dev !== dev) continue;
      out += `    inet ${ipToString(a.local)}/${a.prefixLen}${a.broadcast ? ` brd ${ipToString(a.broadcast)}` : ''} scope ${a.scope} ${a.secondary ? 'secondary ' : ''}${a.label}\n`;
      out += '       valid_lft forever preferred_lft forever\n';
    }
    if (ns.ipv6 && dev.adminUp) {
      if (dev.kind === 'loopback') out += '    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n';
      else if (dev.operUp || devDisplay(dev).ll6) out += `    inet6 ${linkLocal6(dev.mac)}/64 scope link \n       valid_lft forever preferred_lft forever\n`;
    }
  }
  return out;
}

/** Options of {@link ipLink}. */
export interface IpLinkOptions {
  /** iproute2 (default) or busybox. */
  format?: IpFormat;
  /** `ip -d link`: kind and bridge/bridge_slave details. */
  details?: boolean;
  /** Only this device. */
  dev?: string;
}

const GSO = 'gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ';

function hex16(mac: number): string {
  return macToString(mac);
}

function bridgeDetails(br: NetDevice): string {
  const b = br as unknown as { ageingTime?: number; mcastSnooping?: boolean };
  const ageing = Math.round((b.ageingTime ?? 300e9) / 1e7);
  const id = `8000.${hex16(br.mac)}`;
  return (
    `    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time ${ageing} stp_state 0 priority 32768 vlan_filtering 0 ` +
    `bridge_id ${id} designated_root ${id} root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 ` +
    `hello_timer    0.00 tcn_timer    0.00 topology_change_timer    0.00 gc_timer    0.00 group_fwd_mask 0 group_address 01:80:c2:00:00:00 ` +
    `mcast_snooping ${b.mcastSnooping === false ? 0 : 1} no_linklocal_learn 0 mcast_vlan_snooping 0 mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 ` +
    `mcast_hash_elasticity 16 mcast_hash_max 4096 mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 ` +
    `mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 12500 mcast_query_response_interval 1000 ` +
    `mcast_startup_query_interval 3124 mcast_stats_enabled 0 mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 `
  );
}

function slaveDetails(dev: NetDevice): string {
  const br = dev.master as unknown as { portOf?: (d: NetDevice) => unknown; mac: number } | null;
  const p = br?.portOf?.(dev) as
    | { portNo: number; priority: number; pathCost: number; hairpin: boolean; learning: boolean; flood: boolean; mcastFlood: boolean; bcastFlood: boolean; isolated: boolean; portId: number; state: number }
    | undefined;
  if (!br || !p) return '';
  const names = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];
  const st = dev.operUp && (dev.master as NetDevice).adminUp ? names[p.state] ?? 'forwarding' : 'disabled';
  const id = `8000.${hex16(br.mac)}`;
  const onoff = (x: boolean): string => (x ? 'on' : 'off');
  return (
    `    bridge_slave state ${st} priority ${p.priority} cost ${p.pathCost} hairpin ${onoff(p.hairpin)} guard off root_block off fastleave off ` +
    `learning ${onoff(p.learning)} flood ${onoff(p.flood)} port_id 0x${p.portId.toString(16)} port_no 0x${p.portNo.toString(16)} ` +
    `designated_port ${p.portId} designated_cost 0 designated_bridge ${id} designated_root ${id} hold_timer    0.00 message_age_timer    0.00 ` +
    `forward_delay_timer    0.00 topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off ` +
    `mcast_flood ${onoff(p.mcastFlood)} bcast_flood ${onoff(p.bcastFlood)} mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 ` +
    `vlan_tunnel off isolated ${onoff(p.isolated)} locked off `
  );
}

/** `ip link` / `ip -d link` text. */
export function ipLink(ns: NetNamespace, opts: IpLinkOptions = {}): string {
  const fmt = opts.format ?? 'iproute2';
  let out = '';
  for (const dev of ns.devices()) {
    if (opts.dev !== undefined && dev.name !== opts.dev) continue;
    out += header(ns, dev, fmt, true);
    let l = linkLine(ns, dev, fmt);
    if (!opts.details) {
      out += l + '\n';
      continue;
    }
    const d = devDisplay(dev);
    const lo = dev.kind === 'loopback';
    // a bridge port is promiscuous and allmulti; a macvlan lower device (it has a port handler but
    // no master) is promiscuous only
    const promisc = dev.master || dev.portHandler ? 1 : 0;
    const allmulti = dev.master ? 1 : 0;
    l += ` promiscuity ${promisc}  allmulti ${allmulti} minmtu ${lo ? 0 : 68} maxmtu ${lo ? 0 : 65535} `;
    const gso = d.tsoMaxSize !== undefined ? GSO.replace('tso_max_size 524280', `tso_max_size ${d.tsoMaxSize}`) : GSO;
    const tail = `addrgenmode eui64 numtxqueues ${d.numQueues} numrxqueues ${d.numQueues} ${gso}`;
    if (lo) out += l + tail + '\n';
    else if (dev.kind === 'bridge') out += l + '\n' + bridgeDetails(dev) + tail + '\n';
    else {
      out += l + '\n';
      const slave = slaveDetails(dev);
      const kind = dev.kind === 'macvlan' ? 'macvlan mode bridge bcqueuelen 1000 usedbcqueuelen 1000' : dev.kind;
      if (slave) out += `    ${kind} \n${slave}${tail}\n`;
      else out += `    ${kind} ${tail}\n`;
    }
  }
  return out;
}

/** Options of {@link ipRoute}. */
export interface IpRouteOptions {
  /** iproute2 (default) or busybox. */
  format?: IpFormat;
  /** `main` (default) or `local` (`ip route show table local`). */
  table?: 'main' | 'local';
}

function routeLine(r: Route, fmt: IpFormat): string {
  let s = '';
  if (r.type !== 'unicast' || r.table === 'local') s += `${r.type} `;
  s += `${routeDstString(r)} `;
  if (r.gateway) s += `via ${ipToString(r.gateway)} `;
  if (r.dev) s += `dev ${r.dev.name} `;
  if (fmt === 'iproute2') {
    if (r.proto !== 'boot') s += `proto ${r.proto} `;
    if (r.scope !== 'global') s += `scope ${r.scope} `;
    if (r.prefsrc) s += `src ${ipToString(r.prefsrc)} `;
    if (r.metric) s += `metric ${r.metric} `;
    if (r.dev && r.dev.adminUp && !r.dev.operUp && r.dev.kind !== 'loopback') s += 'linkdown ';
  } else {
    if (r.proto !== 'boot' && r.proto !== 'kernel') s += `proto ${r.proto} `;
    if (r.scope !== 'global') s += `scope ${r.scope} `;
    if (r.prefsrc) s += ` src ${ipToString(r.prefsrc)} `;
    if (r.metric) s += `metric ${r.metric} `;
  }
  return s;
}

/**
 * `ip route` text: `default via 172.17.0.1 dev eth0 ` and, for connected routes, iproute2's
 * `172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 ` or busybox's
 * `172.17.0.0/16 dev eth0 scope link  src 172.17.0.2 ` (no proto, two spaces before `src`).
 * Routes through a device that is down are gone (the kernel removed them), except its `local` entries.
 */
export function ipRoute(ns: NetNamespace, opts: IpRouteOptions = {}): string {
  const fmt = opts.format ?? 'iproute2';
  let out = '';
  for (const r of ns.routes(opts.table ?? 'main')) {
    if (r.dev && !r.dev.adminUp && r.type !== 'local') continue;
    out += routeLine(r, fmt) + '\n';
  }
  return out;
}

/** `ip neigh` text. */
export function ipNeigh(ns: NetNamespace): string {
  return ns.neigh.show();
}

/** An extra listener line for {@link ssListen} (e.g. docker-proxy's `[::]` sockets). */
export interface SsExtra {
  /** `tcp` or `udp`. */
  proto: 'tcp' | 'udp';
  /** Address text (`0.0.0.0`, `[::]`, `127.0.0.1`). */
  addr: string;
  /** Port. */
  port: number;
  /** Send-Q column (TCP listen backlog; default 4096). */
  sendq?: number;
}

/** One socket line of `ss -H`, before column alignment. */
export interface SsRow {
  /** `tcp` or `udp`. */
  netid: string;
  /** `LISTEN`, `UNCONN`, … */
  state: string;
  /** Send-Q column (a listener's backlog). */
  sendq: number;
  /** Local address text (`0.0.0.0`, `[::]`, `*`). */
  addr: string;
  /** Local port text. */
  port: string;
  /** Peer address text (`0.0.0.0`, `[::]`, `*`); the peer port is always `*`. */
  peer: string;
  /** Process column (`ss -p`: `users:(("name",pid=…,fd=…))`), when shown. */
  proc?: string;
}

/**
 * `ss -H` lines of `rows`: Recv-Q 0, Send-Q, the local address right-aligned against its
 * left-aligned port, the peer right-aligned, then the process column when a row has one; sorted
 * as the oracle's capture sorts them.
 */
export function ssLines(rows: readonly SsRow[]): string {
  const aw = Math.max(0, ...rows.map((r) => r.addr.length));
  const pw = Math.max(0, ...rows.map((r) => r.port.length));
  const ppw = Math.max(0, ...rows.map((r) => r.peer.length));
  const lines = rows.map(
    (r) =>
      `${r.netid} ${r.state} ${'0'.padEnd(6)} ${String(r.sendq).padEnd(6)} ${r.addr.padStart(aw)}:${r.port.padEnd(pw)} ${r.peer.padStart(ppw)}:*` +
      (r.proc !== undefined ? ` ${r.proc}` : ''),
  );
  lines.sort();
  return lines.map((l) => l + '\n').join('');
}

/**
 * `ss -lntuH` text, lines sorted as the oracle's capture sorts them:
 * `tcp LISTEN 0      4096     0.0.0.0:8080  0.0.0.0:*`.
 */
export function ssListen(ns: NetNamespace, extra: SsExtra[] = []): string {
  const rows: SsRow[] = [];
  for (const l of ns.tcp.listening()) rows.push({ netid: 'tcp', state: 'LISTEN', sendq: 4096, addr: ipToString(l.laddr), port: String(l.lport), peer: '0.0.0.0' });
  for (const u of ns.udp.list()) rows.push({ netid: 'udp', state: 'UNCONN', sendq: 0, addr: ipToString(u.laddr), port: String(u.lport), peer: '0.0.0.0' });
  for (const e of extra)
    rows.push({
      netid: e.proto,
      state: e.proto === 'tcp' ? 'LISTEN' : 'UNCONN',
      sendq: e.sendq ?? (e.proto === 'tcp' ? 4096 : 0),
      addr: e.addr,
      port: String(e.port),
      peer: e.addr.startsWith('[') ? '[::]' : '0.0.0.0',
    });
  return ssLines(rows);
}

/** Output of {@link ipCommand}. */
export interface IpCommandResult {
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Exit status (0 ok; 1 usage or unknown device; 2 a kernel refusal, as iproute2). */
  exitCode: number;
}

function prefixMatch(word: string, full: string, min = 1): boolean {
  return word.length >= min && full.startsWith(word);
}

/**
 * Runs an `ip` command line (argv without the leading `ip`) against `ns`: `addr show|add|del`,
 * `route show|add|del|get`, `link show|set|del`, `neigh show|add|del|flush`, with `-d`/`-4`.
 * Errors are printed as iproute2 prints them (busybox prefixes `ip: `).
 */
export function ipCommand(ns: NetNamespace, argv: readonly string[], opts: { format?: IpFormat } = {}): IpCommandResult {
  const fmt = opts.format ?? 'iproute2';
  const args = [...argv];
  let details = false;
  while (args.length && args[0]!.startsWith('-')) {
    const f = args.shift()!;
    if (f === '-d' || f === '-details') details = true;
    else if (f === '-4' || f === '-o' || f === '-br') continue;
    else return { stdout: '', stderr: `Option "${f}" is unknown, try "ip -help".\n`, exitCode: 255 };
  }
  const obj = args.shift() ?? 'help';
  const cmd = args.shift() ?? 'show';
  const kv = (k: string): string | undefined => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const ok = (stdout = ''): IpCommandResult => ({ stdout, stderr: '', exitCode: 0 });
  const isShow = (c: string): boolean => prefixMatch(c, 'show') || prefixMatch(c, 'list') || c === 'lst';
  try {
    if (prefixMatch(obj, 'address')) {
      if (isShow(cmd)) return ok(ipAddr(ns, { format: fmt, dev: kv('dev') ?? (args[0] !== 'dev' ? args[0] : undefined) }));
      const cidr = args[0]!;
      const dev = kv('dev');
      if (!dev) return { stdout: '', stderr: 'Not enough information: "dev" argument is required.\n', exitCode: 1 };
      if (prefixMatch(cmd, 'add')) {
        const brd = kv('broadcast') ?? kv('brd');
        ns.addAddress(dev, cidr.includes('/') ? cidr : `${cidr}/32`, { broadcast: brd === undefined ? false : brd === '+' ? true : brd, label: kv('label') });
        return ok();
      }
      if (prefixMatch(cmd, 'delete')) {
        ns.delAddress(dev, cidr.includes('/') ? cidr : `${cidr}/32`);
        return ok();
      }
    } else if (prefixMatch(obj, 'route')) {
      if (isShow(cmd)) {
        const t = kv('table');
        return ok(ipRoute(ns, { format: fmt, table: t === 'local' ? 'local' : 'main' }));
      }
      if (prefixMatch(cmd, 'get')) return ok(ns.routeGet(args[0]!));
      const dst = args[0]!;
      if (prefixMatch(cmd, 'add') || prefixMatch(cmd, 'append')) {
        const metric = kv('metric') ?? kv('priority');
        ns.addRoute({
          dst,
          via: kv('via'),
          dev: kv('dev'),
          src: kv('src'),
          metric: metric === undefined ? undefined : Number(metric),
          proto: kv('proto') as RouteProtoText | undefined,
          scope: kv('scope') as 'global' | 'link' | 'host' | undefined,
        });
        return ok();
      }
      if (prefixMatch(cmd, 'delete')) {
        ns.delRoute({ dst, via: kv('via'), dev: kv('dev') });
        return ok();
      }
    } else if (prefixMatch(obj, 'link')) {
      if (isShow(cmd)) return ok(ipLink(ns, { format: fmt, details, dev: kv('dev') ?? (args[0] !== 'dev' ? args[0] : undefined) }));
      const name = args[0] === 'dev' ? args[1]! : args[0]!;
      if (cmd === 'set') {
        const dev = ns.mustDev(name);
        if (args.includes('up')) ns.setLinkUp(dev, true);
        if (args.includes('down')) ns.setLinkUp(dev, false);
        const nn = kv('name');
        if (nn) ns.renameDevice(dev, nn);
        const mtu = kv('mtu');
        if (mtu) {
          dev.mtu = Number(mtu);
          // NETDEV_CHANGEMTU on a port: the bridge follows its smallest port (br_mtu_auto_adjust)
          if (dev.master instanceof BridgeDevice) dev.master.mtuAutoAdjust();
        }
        return ok();
      }
      if (prefixMatch(cmd, 'delete')) {
        ns.removeDevice(name);
        return ok();
      }
    } else if (prefixMatch(obj, 'neighbour') || prefixMatch(obj, 'neighbor')) {
      if (isShow(cmd)) return ok(ipNeigh(ns));
      const dev = kv('dev');
      if (prefixMatch(cmd, 'flush')) {
        if (dev) ns.neigh.flushDev(ns.mustDev(dev));
        return ok();
      }
      if (!dev) return { stdout: '', stderr: 'Device and destination are required arguments.\n', exitCode: 255 };
      const ip = parseIpText(args[0]!);
      if (prefixMatch(cmd, 'add') || prefixMatch(cmd, 'replace')) {
        const ll = kv('lladdr');
        if (!ll) return { stdout: '', stderr: 'Device and destination are required arguments.\n', exitCode: 255 };
        ns.neigh.addPermanent(ns.mustDev(dev), ip, parseMacText(ll));
        return ok();
      }
      if (prefixMatch(cmd, 'delete')) {
        if (!ns.neigh.delete(ns.mustDev(dev), ip)) return { stdout: '', stderr: 'RTNETLINK answers: No such file or directory\n', exitCode: 2 };
        return ok();
      }
    }
    return { stdout: '', stderr: `Command "${cmd}" is unknown, try "ip ${obj} help".\n`, exitCode: 1 };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (typeof err.message !== 'string') throw e;
    const prefix = fmt === 'busybox' ? 'ip: ' : '';
    return { stdout: '', stderr: `${prefix}${err.message}\n`, exitCode: err.code === 'ENODEV' ? 1 : 2 };
  }
}

type RouteProtoText = 'kernel' | 'boot' | 'static' | 'dhcp';

function parseIpText(s: string): number {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`Error: inet prefix is expected rather than "${s}".`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

function parseMacText(s: string): number {
  const p = s.split(':');
  if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) throw new Error(`Error: "${s}" is invalid lladdr.`);
  return p.reduce((v, x) => v * 256 + parseInt(x, 16), 0);
}
