/**
 * `dockernet reach`: the reachability matrix of a lab, with the same sources, targets and
 * columns as the oracle's `reach.tsv` (tools/oracle.py `reach`): from the host and every running
 * container, ICMP to every other container address and every gateway, TCP to every listener, and
 * every published port at 127.0.0.1 (host only) and each bridge gateway. Each failure carries a
 * reason, found by tracing that probe.
 *
 * @module
 */
import { SECOND } from '../core/time.js';
import { ncTcp, ping, udpEcho, udpRequest } from '../netns/tools.js';
import type { NetNamespace } from '../netns/netns.js';
import type { UdpSocket } from '../netns/socket/udp.js';
import type { ProbeProto, ResolvedSource } from './endpoint.js';
import type { Lab } from './lab.js';
import { trace } from './probe.js';

/** One probe of the matrix. */
export interface ReachRow {
  /** `host` or a container name. */
  from: string;
  /** `IP` (icmp) or `IP:PORT`. */
  to: string;
  proto: ProbeProto;
  result: 'ok' | 'fail';
  /** What the address is: `web@bridge`, `gateway@net`, `published web 80/tcp (bound 0.0.0.0)`. */
  target: string;
  /** The client's view, as the oracle words it: `-`, `no reply`, `timed out`, `Connection refused`… */
  detail: string;
  /** Why it failed, from a trace of the same probe (`-` when ok). */
  reason: string;
}

/** What one probe of the matrix tries. */
export interface ReachTest {
  /** `icmp`, `tcp` (a connect and an HTTP GET) or `udp`. */
  proto: ProbeProto;
  /** Destination address. */
  ip: string;
  /** Destination port (null for ICMP). */
  port: number | null;
  /** What the address is (the matrix's `target` column). */
  label: string;
}

/** Where a probe is sent from: the host or a running container. */
export interface ReachSource {
  /** `host` or the container's name. */
  name: string;
  /** Its network namespace. */
  ns: NetNamespace;
  /** Whether it is the host or a container. */
  kind: 'host' | 'container';
}

/** One probe of the matrix: from where, and what. */
export interface ReachProbe {
  /** Where it is sent from. */
  src: ReachSource;
  /** What it tries. */
  test: ReachTest;
}

/** Every probe of a lab's matrix, in the matrix's order, and the UDP echo servers they answer from. */
export interface ReachPlan {
  /** The probes, in the matrix's order. */
  readonly probes: readonly ReachProbe[];
  /** Closes the UDP echo servers the plan opened on published UDP ports. */
  close(): void;
}

const HTTP_REQ = 'GET / HTTP/1.0\r\n\r\n';

/** Options of {@link reachMatrix}. */
export interface ReachOptions {
  /** Trace failures to explain them (default true). */
  explain?: boolean;
}

/** Runs every probe of the matrix. */
export function reachMatrix(lab: Lab, opts: ReachOptions = {}): ReachRow[] {
  const plan = reachPlan(lab);
  try {
    return plan.probes.map((p) => runReachProbe(lab, p, opts));
  } finally {
    plan.close();
  }
}

/**
 * The probes of the matrix, from the host and every running container, in the order
 * {@link reachMatrix} runs them; opens a UDP echo server on each published UDP port's container
 * port where nothing listens yet ({@link ReachPlan.close} closes them).
 */
export function reachPlan(lab: Lab): ReachPlan {
  const running = lab.containers().filter((c) => c.running && c.ns);
  const cips: Array<{ cn: string; net: string; ip: string }> = [];
  for (const c of running)
    if (!c.networkMode.startsWith('container:'))
      for (const ep of [...c.endpoints].sort((a, b) => (a.network < b.network ? -1 : 1))) if (ep.ip) cips.push({ cn: c.name, net: ep.network, ip: ep.ip });
  const nets = [...lab.networks()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const gws = nets.filter((n) => n.gateway).map((n) => ({ net: n.name, gw: n.gateway, driver: n.driver }));
  const bridgeGws = gws.filter((g) => g.driver === 'bridge').map((g) => g.gw);
  // listeners inside containers (not host-mode ones, not the embedded DNS)
  const tcpServices: Array<{ cn: string; net: string; ip: string; port: number }> = [];
  for (const c of running) {
    if (c.networkMode === 'host' || c.networkMode.startsWith('container:')) continue;
    const ports = [...new Set(c.ns!.tcp.listening().filter((l) => (l.laddr >>> 0) !== 0x7f00000b).map((l) => l.lport))].sort((a, b) => a - b);
    for (const x of cips) if (x.cn === c.name) for (const p of ports) tcpServices.push({ ...x, port: p });
  }
  const published = lab.publishedPorts();
  // host-network containers' listeners: the host's, less docker-proxy's
  const hostListeners: number[] = [];
  if (running.some((c) => c.networkMode === 'host')) {
    const proxied = new Set(published.filter((p) => p.proto === 'tcp').map((p) => p.hostPort));
    for (const l of lab.engine.host.tcp.listening()) if (!proxied.has(l.lport) && !hostListeners.includes(l.lport)) hostListeners.push(l.lport);
    hostListeners.sort((a, b) => a - b);
  }
  const udpServices: Array<{ cn: string; net: string; ip: string; port: number }> = [];
  const echoes: UdpSocket[] = [];
  for (const p of published) {
    if (p.proto !== 'udp') continue;
    const c = running.find((x) => x.name === p.container);
    if (!c || udpServices.some((u) => u.cn === c.name && u.port === p.containerPort)) continue;
    try {
      echoes.push(udpEcho(c.ns!, p.containerPort));
    } catch {
      /* something already listens */
    }
    for (const x of cips) if (x.cn === c.name) udpServices.push({ ...x, port: p.containerPort });
  }
  const probes: ReachProbe[] = [];
  const sources: Array<ReachSource & { own: Set<string> }> = [
    { name: 'host', ns: lab.engine.host, own: new Set(bridgeGws), kind: 'host' },
  ];
  for (const c of running) {
    const owner = c.networkMode.startsWith('container:') ? running.find((o) => o.ns === c.ns && !o.networkMode.startsWith('container:')) ?? c : c;
    const own = c.networkMode === 'host' ? new Set(bridgeGws) : new Set(cips.filter((x) => x.cn === owner.name).map((x) => x.ip));
    sources.push({ name: c.name, ns: c.ns!, own, kind: 'container' });
  }
  for (const src of sources) {
    const tests: ReachTest[] = [];
    for (const x of cips) if (!src.own.has(x.ip)) tests.push({ proto: 'icmp', ip: x.ip, port: null, label: `${x.cn}@${x.net}` });
    for (const g of gws) tests.push({ proto: 'icmp', ip: g.gw, port: null, label: `gateway@${g.net}` });
    for (const x of tcpServices) if (!src.own.has(x.ip)) tests.push({ proto: 'tcp', ip: x.ip, port: x.port, label: `${x.cn}@${x.net}` });
    for (const x of udpServices) if (!src.own.has(x.ip)) tests.push({ proto: 'udp', ip: x.ip, port: x.port, label: `${x.cn}@${x.net}` });
    const seen = new Set<string>();
    for (const p of published) {
      const key = `${p.container}|${p.proto}|${p.containerPort}|${p.hostIp}|${p.hostPort}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const addrs = [...(src.kind === 'host' ? ['127.0.0.1'] : []), ...bridgeGws];
      if (p.hostIp !== '0.0.0.0' && !addrs.includes(p.hostIp) && !p.hostIp.startsWith('127.')) addrs.push(p.hostIp);
      for (const a of addrs) tests.push({ proto: p.proto, ip: a, port: p.hostPort, label: `published ${p.container} ${p.containerPort}/${p.proto} (bound ${p.hostIp})` });
    }
    for (const p of hostListeners)
      for (const a of [...(src.kind === 'host' ? ['127.0.0.1'] : []), ...bridgeGws]) tests.push({ proto: 'tcp', ip: a, port: p, label: `host-network listener :${p}` });
    const from: ReachSource = { name: src.name, ns: src.ns, kind: src.kind };
    for (const test of tests) probes.push({ src: from, test });
  }
  return {
    probes,
    close(): void {
      for (const s of echoes) s.close();
    },
  };
}

/** Runs one probe (ICMP echo, TCP connect with an HTTP GET, or a UDP datagram) and, if it failed and `explain` is on, traces it for the reason. */
export function runReachProbe(lab: Lab, p: ReachProbe, opts: ReachOptions = {}): ReachRow {
  const { src, test: t } = p;
  const explain = opts.explain !== false;
  const to = t.port === null ? t.ip : `${t.ip}:${t.port}`;
  let result: 'ok' | 'fail';
  let detail: string;
  if (t.proto === 'icmp') {
    const r = ping(src.ns, t.ip, { count: 1, timeoutNs: SECOND });
    result = r.exitCode === 0 ? 'ok' : 'fail';
    detail = result === 'ok' ? '-' : r.error ? r.error.replace(/^ping: sendto: /, '') : 'no reply';
  } else if (t.proto === 'tcp') {
    const r = ncTcp(src.ns, t.ip, t.port!, HTTP_REQ, SECOND);
    result = r.response.includes('hello') ? 'ok' : 'fail';
    detail = result === 'ok' ? '-' : r.error ?? (r.connected ? 'connected, no HTTP reply' : 'no reply');
  } else {
    const r = udpRequest(src.ns, t.ip, t.port!, 'ping', SECOND);
    result = r.reply ? 'ok' : 'fail';
    detail = result === 'ok' ? '-' : r.error === 'Connection refused' ? 'refused (ICMP port unreachable)' : r.error ?? 'no reply';
  }
  let reason = '-';
  if (result === 'fail' && explain) {
    const s: ResolvedSource = { name: src.name, kind: src.kind, ns: src.ns, container: null };
    const rep = trace(lab, s, { name: to, ip: t.ip, port: t.port, label: t.label, container: null }, t.proto);
    reason = rep.outcome.result === 'dropped' ? rep.outcome.reason : `${rep.outcome.reason} (the application did not answer)`;
  }
  return { from: src.name, to, proto: t.proto, result, target: t.label, detail, reason };
}

/** The oracle's reach.tsv text (without the reason column, so it can be diffed with the oracle). */
export function reachOracleTsv(rows: readonly ReachRow[]): string {
  return '#from\tto\tproto\tresult\ttarget\tdetail\n' + rows.map((r) => [r.from, r.to, r.proto, r.result, r.target, r.detail].join('\t') + '\n').join('');
}

/** TSV with the reason column. */
export function reachTsv(rows: readonly ReachRow[]): string {
  return '#from\tto\tproto\tresult\ttarget\tdetail\treason\n' + rows.map((r) => [r.from, r.to, r.proto, r.result, r.target, r.detail, r.reason].join('\t') + '\n').join('');
}

/** An aligned table for terminals. */
export function reachTable(rows: readonly ReachRow[], color = false): string {
  const head = ['FROM', 'TO', 'PROTO', 'RESULT', 'TARGET', 'REASON'];
  const cells = rows.map((r) => [r.from, r.to, r.proto, r.result, r.target, r.result === 'ok' ? '' : r.reason === '-' ? r.detail : `${r.detail}: ${r.reason}`]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c
      .map((x, i) => (i === c.length - 1 ? x : x.padEnd(w[i]!)))
      .join('  ')
      .trimEnd();
  let out = line(head) + '\n';
  for (const c of cells) {
    let l = line(c);
    if (color) l = c[3] === 'ok' ? l.replace(/\bok\b/, '\x1b[32mok\x1b[39m') : `\x1b[31m${l}\x1b[39m`;
    out += l + '\n';
  }
  const ok = rows.filter((r) => r.result === 'ok').length;
  out += `\n${ok}/${rows.length} reachable\n`;
  return out;
}
