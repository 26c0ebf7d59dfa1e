/**
 * reach.tsv: the oracle's reachability matrix (tools/oracle.py `reach`), with the same sources,
 * targets, order, labels and detail texts, measured by sending real packets in the emulator:
 * ICMP echo (`ping -c 1 -W 1`), an HTTP GET over TCP (`nc -w 1`, `ok` when `hello` comes back),
 * and a UDP datagram to an echo server behind each published UDP port.
 */
import { SECOND } from '../../core/time.js';
import { latin1 } from '../../core/text.js';
import type { NetNamespace } from '../../netns/netns.js';
import { ncTcp, ping, udpRequest } from '../../netns/tools.js';
import type { UdpSocket } from '../../netns/socket/udp.js';
import type { Container } from '../../runtime/container.js';
import { ipToString } from '../../wire/addr.js';
import type { Engine } from '../engine.js';
import { networkDoc } from '../commands/network.js';
import { httpdListeners } from '../programs/httpd.js';

const HTTP_REQ = 'GET / HTTP/1.0\r\n\r\n';

type Doc = Record<string, unknown>;

function inspectDoc(e: Engine, name: string): Doc | null {
  const r = e.exec(['docker', 'inspect', name]);
  try {
    return (JSON.parse(r.stdout) as Doc[])[0] ?? null;
  } catch {
    return null;
  }
}

function nsOf(c: Container): NetNamespace | null {
  return (c.namespaces?.net.handle as NetNamespace | null) ?? null;
}

/** The rows of reach.tsv (header included). */
export function reachMatrix(e: Engine, conts: Container[]): string {
  const running = conts.filter((c) => c.running);
  const docs = new Map(running.map((c) => [c.name.slice(1), inspectDoc(e, c.name.slice(1)) ?? {}]));
  const cips: Array<[string, string, string]> = [];
  for (const c of running) {
    const nets = ((docs.get(c.name.slice(1))!['NetworkSettings'] as Doc | undefined)?.['Networks'] as Record<string, Doc> | undefined) ?? {};
    for (const net of Object.keys(nets).sort()) {
      const ip = nets[net]!['IPAddress'] as string;
      if (ip) cips.push([c.name.slice(1), net, ip]);
    }
  }
  const gws: Array<[string, string, string]> = [];
  for (const n of [...e.networks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const doc = networkDoc(e, n);
    const cfg = ((doc['IPAM'] as Doc)['Config'] as Array<{ Gateway?: string }>) ?? [];
    let found = cfg.map((x) => x.Gateway).filter((g): g is string => !!g);
    if (!found.length && n.driver === 'bridge') found = e.host.addresses(n.bridgeName).map((a) => ipToString(a.local));
    for (const g of found) gws.push([n.name, g, n.driver]);
  }
  const bridgeGws = gws.filter((g) => g[2] === 'bridge').map((g) => g[1]);
  const tcpServices: Array<[string, string, string, number]> = [];
  const hostListeners = new Set<number>();
  for (const c of running) {
    const mode = c.hostConfig.NetworkMode;
    if (mode.startsWith('container:')) continue;
    const ns = nsOf(c);
    if (!ns) continue;
    const ports = new Set<number>();
    if (mode === 'host') for (const p of httpdListeners.get(ns) ?? []) ports.add(p);
    else for (const l of ns.tcp.listening()) if (ipToString(l.laddr) !== '127.0.0.11') ports.add(l.lport);
    if (mode === 'host') for (const p of ports) hostListeners.add(p);
    else for (const [cn, net, ip] of cips) if (cn === c.name.slice(1)) for (const p of [...ports].sort((a, b) => a - b)) tcpServices.push([cn, net, ip, p]);
  }
  const published: Array<[string, string, string, string, number]> = [];
  const udpServices: Array<[string, string, string, number]> = [];
  const echos: UdpSocket[] = [];
  for (const c of running) {
    const name = c.name.slice(1);
    const ports = ((docs.get(name)!['NetworkSettings'] as Doc | undefined)?.['Ports'] as Record<string, Array<{ HostIp: string; HostPort: string }> | null> | undefined) ?? {};
    for (const key of Object.keys(ports).sort()) {
      const [cport, proto] = key.split('/') as [string, string];
      if (proto === 'udp') {
        const ns = nsOf(c);
        if (ns) {
          try {
            echos.push(ns.udp.bind(0, Number(cport), (data, src, sport, s) => {
              const out = new Uint8Array(5 + data.length);
              out.set([101, 99, 104, 111, 58]);
              out.set(data, 5);
              try {
                s.sendTo(src, sport, out);
              } catch {
                /* no route back */
              }
            }));
          } catch {
            /* port taken */
          }
        }
        for (const [cn, net, ip] of cips) if (cn === name) udpServices.push([cn, net, ip, Number(cport)]);
      }
      const seen = new Set<string>();
      for (const b of ports[key] ?? []) {
        const hip = b.HostIp || '0.0.0.0';
        const hp = b.HostPort;
        if (hip === '::' || hip === '' || seen.has(`${hip}:${hp}`)) continue;
        seen.add(`${hip}:${hp}`);
        published.push([name, proto, cport, hip, Number(hp)]);
      }
    }
  }
  const byName = new Map(running.map((c) => [c.name.slice(1), c]));
  const ownIps = (src: string): Set<string> => {
    if (src === 'host') return new Set(bridgeGws);
    const c = byName.get(src)!;
    if (c.hostConfig.NetworkMode === 'host') return new Set(bridgeGws);
    const owner = e.netOwner(c).name.slice(1);
    return new Set(cips.filter(([cn]) => cn === owner).map(([, , ip]) => ip));
  };
  const rows: string[] = [];
  for (const src of ['host', ...running.map((c) => c.name.slice(1))]) {
    const mine = ownIps(src);
    const tests: Array<[string, string, number, string]> = [];
    for (const [cn, net, ip] of cips) if (!mine.has(ip)) tests.push(['icmp', ip, 0, `${cn}@${net}`]);
    for (const [net, gw] of gws) tests.push(['icmp', gw, 0, `gateway@${net}`]);
    for (const [cn, net, ip, p] of tcpServices) if (!mine.has(ip)) tests.push(['tcp', ip, p, `${cn}@${net}`]);
    for (const [cn, net, ip, p] of udpServices) if (!mine.has(ip)) tests.push(['udp', ip, p, `${cn}@${net}`]);
    for (const [cn, proto, cport, hip, hp] of published) {
      const addrs = [...(src === 'host' ? ['127.0.0.1'] : []), ...bridgeGws];
      if (hip !== '0.0.0.0' && !addrs.includes(hip) && !hip.startsWith('127.')) addrs.push(hip);
      for (const a of addrs) tests.push([proto, a, hp, `published ${cn} ${cport}/${proto} (bound ${hip})`]);
    }
    for (const p of [...hostListeners].sort((a, b) => a - b)) {
      const addrs = [...(src === 'host' ? ['127.0.0.1'] : []), ...bridgeGws];
      for (const a of addrs) tests.push(['tcp', a, p, `host-network listener :${p}`]);
    }
    const ns = src === 'host' ? e.host : nsOf(byName.get(src)!);
    for (const [proto, ip, port, label] of tests) {
      let res = 'fail';
      let det = '-';
      if (!ns) det = 'no namespace';
      else if (proto === 'icmp') {
        const r = ping(ns, ip, { count: 1, timeoutNs: SECOND });
        if (r.exitCode === 0) res = 'ok';
        else det = r.error ? r.error.replace(/^.*sendto: /, '') : 'no reply';
      } else if (proto === 'tcp') {
        const r = ncTcp(ns, ip, port, HTTP_REQ, SECOND);
        if (r.response.includes('hello')) res = 'ok';
        else det = r.error ?? (r.connected ? 'connected, no HTTP reply' : 'timed out');
      } else {
        const r = udpRequest(ns, ip, port, 'ping', SECOND);
        const txt = r.reply ? latin1(r.reply) : '';
        if (txt.startsWith('echo:')) res = 'ok';
        else if (r.error === 'Connection refused') det = 'refused (ICMP port unreachable)';
        else if (r.error === 'timed out' || !r.error) det = r.reply ? 'unexpected reply' : 'no reply';
        else det = r.error;
      }
      const to = proto === 'icmp' ? ip : `${ip}:${port}`;
      rows.push([src, to, proto, res, label, res === 'ok' ? '-' : det].join('\t'));
    }
  }
  for (const s of echos) s.close();
  return '#from\tto\tproto\tresult\ttarget\tdetail\n' + rows.join('\n') + '\n';
}
