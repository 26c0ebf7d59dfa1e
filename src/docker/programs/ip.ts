/**
 * busybox `ip addr` / `ip route` as they print inside `mini:latest` (no `state`/`group`, `M-DOWN`
 * on links whose peer is in another namespace, no `proto` in routes).
 */
import type { NetDevice } from '../../link/netdev.js';
import type { NetNamespace } from '../../netns/netns.js';
import type { Program } from '../../runtime/process.js';
import { ipToString, macToString } from '../../wire/addr.js';
import type { Engine } from '../engine.js';
import { ll6 } from '../oracle/normalize.js';
import { netnsOf } from './netns-of.js';

function flags(d: NetDevice, mdown: boolean): string {
  const f: string[] = [];
  if (d.kind === 'loopback') f.push('LOOPBACK');
  else f.push('BROADCAST', 'MULTICAST');
  if (d.adminUp) f.push('UP');
  if (d.operUp) f.push('LOWER_UP');
  if (mdown) f.push('M-DOWN');
  return f.join(',');
}

/** The other end's ifindex when the link points to a device in another namespace (veth peer, macvlan parent). */
function linkIndex(d: NetDevice): number {
  const x = d as unknown as { peer?: NetDevice; lowerDev?: NetDevice; parent?: NetDevice };
  const other = x.peer ?? x.lowerDev ?? x.parent;
  return other ? other.ifindex : 0;
}

/** busybox `ip addr` of a namespace; `ipv6` adds the ::1 and EUI-64 lines (the host namespace). */
export function busyboxIpAddr(ns: NetNamespace, ipv6: boolean): string {
  let s = '';
  for (const d of ns.devices()) {
    const li = linkIndex(d);
    const peerHere = li && ns.devByIndex(li) && (d as unknown as { peer?: NetDevice }).peer === ns.devByIndex(li);
    const mdown = li !== 0 && !peerHere;
    const at = li ? `@if${li}` : '';
    const master = d.master ? `master ${d.master.name} ` : '';
    const qlen = d.kind === 'loopback' ? 'qlen 1000' : '';
    s += `${d.ifindex}: ${d.name}${at}: <${flags(d, mdown)}> mtu ${d.kind === 'loopback' ? 65536 : d.mtu} qdisc noqueue ${master}${qlen}\n`;
    if (d.kind === 'loopback') s += '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n';
    else s += `    link/ether ${macToString(d.mac)} brd ff:ff:ff:ff:ff:ff\n`;
    for (const a of ns.addresses(d.name)) {
      const brd = a.broadcast ? ` brd ${ipToString(a.broadcast)}` : '';
      s += `    inet ${ipToString(a.local)}/${a.prefixLen}${brd} scope ${a.scope} ${a.label}\n       valid_lft forever preferred_lft forever\n`;
    }
    if (ipv6) {
      if (d.kind === 'loopback') s += '    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n';
      else if (d.adminUp) s += `    inet6 ${ll6(macToString(d.mac))}/64 scope link \n       valid_lft forever preferred_lft forever\n`;
    }
  }
  return s;
}

/** busybox `ip route` (main table). */
export function busyboxIpRoute(ns: NetNamespace): string {
  const rs = [...ns.routes('main')].sort((a, b) => (a.dst >>> 0) - (b.dst >>> 0) || a.len - b.len);
  let s = '';
  for (const r of rs) {
    if (r.dev && !r.dev.adminUp) continue;
    let line = r.len === 0 ? 'default ' : `${ipToString(r.dst)}/${r.len} `;
    if (r.gateway) line += `via ${ipToString(r.gateway)} `;
    if (r.dev) line += `dev ${r.dev.name} `;
    if (r.scope !== 'global') line += `scope ${r.scope} `;
    if (r.prefsrc) line += ` src ${ipToString(r.prefsrc)} `;
    s += line + '\n';
  }
  return s;
}

/** The `ip` applet (addr/route show). */
export function ipProgram(e: Engine): Program {
  return (ctx, argv) => {
    const ns = netnsOf(ctx);
    if (!ns) return { stderr: 'ip: can\'t find network namespace\n', exitCode: 1 };
    const obj = argv[1] ?? 'addr';
    if ('address'.startsWith(obj) && obj.length > 0) return { stdout: busyboxIpAddr(ns, ns === e.host), exitCode: 0 };
    if ('route'.startsWith(obj) && obj.length > 0) return { stdout: busyboxIpRoute(ns), exitCode: 0 };
    if ('link'.startsWith(obj)) return { stdout: busyboxIpAddr(ns, false).split('\n').filter((l) => !/^\s+(inet|valid_lft)/.test(l)).join('\n'), exitCode: 0 };
    return { stderr: `ip: unknown object ${obj}\n`, exitCode: 1 };
  };
}
