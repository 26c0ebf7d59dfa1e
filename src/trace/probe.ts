/**
 * Sends one traced probe (ICMP echo, TCP SYN or UDP datagram) through the emulator and turns the
 * trace events into hops: the request up to where it was delivered or dropped, then the reply.
 * When the packet is delivered to docker-proxy, a second leg follows the proxy's own connection
 * to the container (as the kernel trace of the oracle shows a second packet, t2).
 *
 * @module
 */
import { DockernetError } from '../core/errors.js';
import type { TraceEvent, Tracer } from '../core/trace.js';
import type { Sim, Timer } from '../core/scheduler.js';
import { SECOND, type Nanos } from '../core/time.js';
import { runUntil } from '../netns/tools.js';
import type { NetNamespace } from '../netns/netns.js';
import { parseIp } from '../wire/addr.js';
import type { ProbeProto, ResolvedSource, ResolvedTarget } from './endpoint.js';
import type { Lab, LabNamer } from './lab.js';
import { TRACE_JSON_VERSION, type Hop, type Outcome, type TraceLeg, type TraceReport } from './model.js';

/** A tracer that records while open. */
export class GatedTracer implements Tracer {
  /** Recorded events. */
  readonly events: TraceEvent[] = [];
  /** Recording switch. */
  open = true;
  event(e: TraceEvent): void {
    if (this.open) this.events.push(e);
  }
}

/** What the client of a probe saw. */
interface ClientView {
  client: string;
  answered: boolean;
  sport: number | null;
  error: string | null;
}

/** Drops of flood copies and other frames that are not the probe's fate. */
const SIDE_DROPS = /PACKET_OTHERHOST|not addressed to this host at L2|not for this host/;

/** Payload of UDP probes. */
const UDP_PAYLOAD = new TextEncoder().encode('dockernet trace probe\n');

/** Options of {@link trace}. */
export interface TraceOptions {
  /** Seed the lab was built with (reported only). */
  seed?: number | string;
  /** How long the client waits for an answer (default 1 s, as `nc -w 1` / `ping -W 1`). */
  timeoutNs?: number;
  /** Follow docker-proxy's onward connection (default true). */
  followProxy?: boolean;
}

/** Traces one packet from `src` to `dst` and its reply. */
export function trace(lab: Lab, src: ResolvedSource, dst: ResolvedTarget, proto: ProbeProto, opts: TraceOptions = {}): TraceReport {
  const legs: TraceLeg[] = [];
  const title = `${src.name} → ${dst.name}${dst.port !== null ? `:${dst.port}` : ''}/${proto}`;
  const first = runLeg(lab, src.ns, src.name, dst.ip, dst.port, proto, title, opts);
  legs.push(first);
  if (opts.followProxy !== false && first.outcome.result === 'delivered' && first.outcome.at?.ns === 'host' && proto !== 'icmp') {
    const pub = lab
      .publishedPorts()
      .find((p) => p.proto === proto && p.hostPort === dst.port && (p.hostIp === '0.0.0.0' || p.hostIp === first.dst));
    if (pub) {
      first.outcome.reason = `delivered to docker-proxy listening on ${pub.hostIp}:${pub.hostPort}/${proto} (publishes ${pub.container} ${pub.containerPort}/${proto})`;
      const t2 = `docker-proxy → ${pub.container} ${pub.containerIp}:${pub.containerPort}/${proto}`;
      legs.push(runLeg(lab, lab.engine.host, 'docker-proxy', pub.containerIp, pub.containerPort, proto, t2, opts));
    }
  }
  return {
    version: TRACE_JSON_VERSION,
    scenario: lab.scenario,
    seed: opts.seed ?? 1,
    from: { name: src.name, kind: src.kind },
    to: { name: dst.name, ip: dst.ip, port: dst.port, label: dst.label, container: dst.container },
    proto,
    legs,
    outcome: legs[legs.length - 1]!.outcome,
  };
}

/** Sends one probe from `ns` and records its events. */
function runLeg(lab: Lab, ns: NetNamespace, from: string, dstIp: string, dport: number | null, proto: ProbeProto, title: string, opts: TraceOptions): TraceLeg {
  const sim = lab.engine.sim;
  const prev = sim.tracer;
  const tr = new GatedTracer();
  sim.tracer = tr;
  let view: ClientView;
  try {
    const timeout = opts.timeoutNs ?? SECOND;
    if (proto === 'icmp') view = probeIcmp(ns, dstIp, timeout, tr);
    else if (proto === 'tcp') view = probeTcp(ns, dstIp, dport!, timeout, tr);
    else view = probeUdp(ns, dstIp, dport!, timeout, tr);
  } finally {
    sim.tracer = prev;
  }
  sim.drain();
  const srcIp = firstSource(tr.events) ?? '';
  const names = lab.namer();
  const { hops, terminal } = toHops(lab, tr.events, names);
  trimAfterReply(hops, terminal, names.nsLabel(ns.name));
  const outcome = decide(lab, proto, dstIp, dport, hops, terminal, view);
  return { title, from, proto, src: srcIp, dst: dstIp, sport: view.sport, dport, hops, outcome };
}

/**
 * Ends the reply where it reached the sender: after its local delivery there, before the sender's
 * next packet (the handshake's ACK), which the probe does not follow.
 */
function trimAfterReply(hops: Hop[], terminal: number, srcNs: string): void {
  if (terminal < 0) return;
  let arrived = false;
  for (let i = terminal + 1; i < hops.length; i++) {
    const h = hops[i]!;
    if (h.ns !== srcNs) continue;
    if (h.layer === 'route' && h.kind === 'local') arrived = true;
    else if (arrived && h.layer === 'route' && h.kind === 'output') {
      hops.length = i;
      return;
    }
  }
}

function firstSource(events: TraceEvent[]): string | null {
  for (const e of events) if (e.layer === 'route' && typeof e.data?.src === 'string') return e.data.src;
  return null;
}

/**
 * One client exchange: what the client saw so far, its deadline, and its end. `finish` records the
 * answer and ends the exchange (tracing stops with it, so the probe's events end at the answer);
 * the deadline ends it with the view it started with; `send` turns a DockernetError of the sending
 * call into the client's error (`sendto: …`, `connect: …`).
 */
class ClientExchange {
  /** What the client saw. */
  readonly view: ClientView;
  private done = false;
  private readonly deadline: Timer;

  constructor(
    private readonly sim: Sim,
    private readonly tr: GatedTracer,
    timeout: Nanos,
    initial: string,
  ) {
    this.view = { client: initial, answered: false, sport: null, error: null };
    this.deadline = sim.schedule(timeout, () => this.end());
  }

  private end(): void {
    this.done = true;
    this.tr.open = false;
  }

  /** The client got its answer (or its error). */
  finish(client: string, answered: boolean): void {
    this.view.client = client;
    this.view.answered = answered;
    this.end();
  }

  /**
   * Runs the sending call and returns its result; a DockernetError it throws is what the client
   * prints, prefixed by `call`, and ends the exchange (the result is then null).
   */
  send<T>(call: string, fn: () => T): T | null {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof DockernetError)) throw e;
      this.view.error = e.message;
      this.view.client = `${call}: ${e.message}`;
      this.done = true;
      return null;
    }
  }

  /** Runs the simulation until the exchange ends, then stops recording. */
  wait(): ClientView {
    runUntil(this.sim, () => this.done);
    this.sim.cancel(this.deadline);
    this.tr.open = false;
    return this.view;
  }
}

function probeIcmp(ns: NetNamespace, dst: string, timeout: number, tr: GatedTracer): ClientView {
  const x = new ClientExchange(ns.sim, tr, timeout, 'no reply');
  const sock = ns.ping.open({
    onReply() {
      x.finish('echo reply', true);
    },
    onError(_seq, _from, type, code) {
      x.finish(type === 3 ? `ICMP destination unreachable (code ${code})` : `ICMP error type ${type} code ${code}`, true);
    },
  });
  x.send('sendto', () => ns.ping.send(sock, parseIp(dst), 0, { traced: true }));
  const v = x.wait();
  ns.ping.close(sock);
  return v;
}

function probeTcp(ns: NetNamespace, dst: string, port: number, timeout: number, tr: GatedTracer): ClientView {
  const x = new ClientExchange(ns.sim, tr, timeout, 'timed out');
  const sock = x.send('connect', () =>
    ns.tcp.connect(
      parseIp(dst),
      port,
      {
        onConnect(s) {
          s.traced = false;
          x.finish('connected', true);
        },
        onError(_s, err) {
          x.finish(err === 'ECONNREFUSED' ? 'connection refused' : err === 'ETIMEDOUT' ? 'timed out' : err.toLowerCase(), err !== 'ETIMEDOUT');
        },
      },
      { traced: true },
    ),
  );
  if (sock) x.view.sport = sock.lport;
  const v = x.wait();
  if (sock) {
    sock.traced = false;
    try {
      if (sock.state === 'SYN_SENT' || sock.state === 'ESTABLISHED') sock.abort();
    } catch {
      /* already closed */
    }
  }
  return v;
}

function probeUdp(ns: NetNamespace, dst: string, port: number, timeout: number, tr: GatedTracer): ClientView {
  const x = new ClientExchange(ns.sim, tr, timeout, 'no reply');
  const d = parseIp(dst);
  const sock = ns.udp.bind(0, 0, (_msg, from, sport) => {
    if (from === d && sport === port) x.finish('reply received', true);
  });
  sock.traced = true;
  x.view.sport = sock.lport;
  sock.onError = (err) => {
    x.finish(err === 'ECONNREFUSED' ? 'connection refused (ICMP port unreachable)' : err.toLowerCase(), true);
  };
  x.send('sendto', () => sock.sendTo(d, port, UDP_PAYLOAD));
  const v = x.wait();
  sock.close();
  return v;
}

// ------------------------------------------------------------------------------------------------
// events → hops

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);

/** Turns raw events into hops; finds the request's terminal hop (delivery or drop). */
export function toHops(lab: Lab, events: readonly TraceEvent[], names: LabNamer = lab.namer()): { hops: Hop[]; terminal: number } {
  const hops: Hop[] = [];
  let terminal = -1;
  let frameIsArp = false;
  for (const e of events) {
    const d = e.data ?? {};
    // the stack repeats the device's own rx/tx line without MACs: keep the device's
    if (e.layer === 'dev' && d.traceId !== undefined) continue;
    const ns = names.nsLabel(e.ns);
    const h: Hop = { n: hops.length + 1, dir: terminal < 0 ? 'request' : 'reply', ns, layer: e.layer, kind: e.kind, text: e.detail };
    // ARP frames are 42 bytes on this wire (no IPv4 frame is that short); bridge events follow the frame's rx
    if (e.layer === 'dev') frameIsArp = d.len === 42;
    if (e.layer === 'neigh' || ((e.layer === 'dev' || e.layer === 'bridge') && frameIsArp)) h.arp = true;
    const dev = str(d.dev);
    if (dev) h.dev = dev;
    if (str(d.bridge)) h.bridge = str(d.bridge);
    switch (e.layer) {
      case 'dev':
        h.text = e.detail;
        break;
      case 'bridge':
        h.text = bridgeText(names, e);
        if (e.kind === 'flood' && Array.isArray(d.ports)) h.ports = d.ports as string[];
        if (e.kind === 'drop') h.reason = str(d.reason) ?? e.detail;
        break;
      case 'netfilter': {
        h.table = str(d.table);
        h.chain = str(d.chain);
        if (e.kind === 'rule') {
          h.pos = num(d.pos);
          h.rule = str(d.rule);
          h.verdict = str(d.verdict);
          h.text = `${h.table}:${h.chain} #${h.pos}  ${h.rule}  → ${verdictText(h.verdict ?? '')}`;
        } else if (e.kind === 'policy') {
          h.verdict = str(d.verdict);
          h.text = `${h.table}:${h.chain} policy ${h.verdict}`;
        } else if (e.kind === 'return') {
          h.verdict = 'RETURN';
          h.text = `${h.table}:${h.chain} end of chain, no rule matched → return`;
        } else if (e.kind === 'hook') {
          const io = [d.inDev ? `IN=${String(d.inDev)}` : '', d.outDev ? `OUT=${String(d.outDev)}` : ''].filter(Boolean).join(' ');
          h.text = `${h.table} ${h.chain} ${io}${d.bridged ? ' (bridged, br_netfilter)' : ''}`.trimEnd();
        }
        break;
      }
      case 'conntrack':
        h.state = str(d.state);
        h.text = `conntrack ${e.detail.replace(/^ct /, '')}${d.dir === 1 ? ' (reply direction)' : ''}`;
        break;
      case 'nat':
        h.before = str(d.before);
        h.after = str(d.after);
        h.text = `${e.kind.toUpperCase()} ${h.before} → ${h.after}`;
        break;
      case 'drop':
        h.reason = str(d.reason) ?? e.detail;
        h.text = `DROP: ${e.detail}`;
        break;
      default:
        break;
    }
    hops.push(h);
    if (terminal < 0) {
      if (e.layer === 'local' && (e.kind === 'deliver' || e.kind === 'echo-reply')) terminal = hops.length - 1;
      else if (e.layer === 'drop' && !SIDE_DROPS.test(e.detail)) terminal = hops.length - 1;
      else if (e.layer === 'bridge' && e.kind === 'drop' && !h.arp) terminal = hops.length - 1;
    }
  }
  return { hops, terminal };
}

/** Ports a flood hop's text names; past this many it says how many more. */
const FLOOD_NAMED = 8;

function bridgeText(names: LabNamer, e: TraceEvent): string {
  const d = e.data ?? {};
  const br = str(d.bridge) ?? '';
  if (e.kind === 'fdb-forward') return `${br}: FDB ${e.detail.replace(/^[^:]+: /, '').replace(/: forward$/, '')} (${d.learned === false ? 'static' : 'learned'}) → forward to ${names.hostDevice(str(d.port) ?? '')}`;
  if (e.kind === 'flood') {
    const ports = Array.isArray(d.ports) ? (d.ports as string[]) : [];
    // a bridge of 1,000 containers floods to 999 ports: name the first few (the hop keeps them all)
    const named = ports.length > FLOOD_NAMED ? `${ports.slice(0, FLOOD_NAMED).join(', ')} and ${ports.length - FLOOD_NAMED} more (${ports.length} ports)` : ports.join(', ');
    return `${br}: ${String(d.pktType ?? 'unknown')} destination → flood to ${ports.length ? named : '(no other port)'}`;
  }
  if (e.kind === 'local') return `${br}: addressed to the bridge itself → pass up to the host stack`;
  return e.detail;
}

/** `xtables-monitor` verdict words to plain ones (`0xfffffffb` is RETURN). */
export function verdictText(v: string): string {
  if (v === '0xfffffffb') return 'RETURN';
  if (v.startsWith('JUMP:')) return `JUMP ${v.slice(5)}`;
  if (v.startsWith('GOTO:')) return `GOTO ${v.slice(5)}`;
  return v;
}

// ------------------------------------------------------------------------------------------------
// outcome

function decide(lab: Lab, proto: ProbeProto, dst: string, dport: number | null, hops: Hop[], terminal: number, v: ClientView): Outcome {
  if (v.error) {
    const reason = /unreachable/i.test(v.error) ? `no route to ${dst} (${v.error})` : v.error;
    return { result: 'dropped', reason, at: { ns: hops[0]?.ns ?? '' }, client: v.client };
  }
  const t = terminal >= 0 ? hops[terminal]! : null;
  if (t && t.layer === 'local') {
    const where = t.ns;
    let reason: string;
    if (proto === 'icmp') reason = `echo request answered by ${where}${v.answered ? '' : ', but the reply did not come back'}`;
    else if (proto === 'tcp') reason = `${where} accepted the connection on ${dst}:${dport}/tcp${v.client === 'connected' ? ' (SYN-ACK came back)' : `, but the client saw: ${v.client}`}`;
    else reason = `datagram delivered to a socket on ${dst}:${dport}/udp in ${where}`;
    if (proto !== 'udp' && !v.answered) return { result: 'dropped', reason: `${reason}; the reply was lost`, at: { ns: where }, client: v.client };
    return { result: 'delivered', reason, at: { ns: where }, client: v.client };
  }
  if (t && (t.layer === 'drop' || t.layer === 'bridge')) {
    const reason = t.reason ?? t.text;
    if (/netfilter/.test(reason) || (t.layer === 'bridge' && reason === 'nf-drop')) {
      const rule = [...hops.slice(0, terminal)].reverse().find((h) => h.layer === 'netfilter' && (h.verdict === 'DROP' || (h.kind === 'policy' && h.verdict === 'DROP') || h.verdict === 'REJECT'));
      if (rule) {
        const at = { ns: rule.ns, table: rule.table, chain: rule.chain, ...(rule.kind === 'rule' ? { pos: rule.pos, rule: rule.rule } : {}) };
        return { result: 'dropped', reason: explainRule(lab, rule), at, client: v.client };
      }
    }
    if (reason === 'port closed') return { result: 'dropped', reason: `port closed: nothing listens on ${dst}:${dport}/${proto} in ${t.ns}`, at: { ns: t.ns }, client: v.client };
    if (reason === 'no route') return { result: 'dropped', reason: `no route to ${dst} in ${t.ns}`, at: { ns: t.ns }, client: v.client };
    if (t.layer === 'bridge') return { result: 'dropped', reason: `bridge ${t.bridge ?? ''} dropped the frame (${reason})`, at: { ns: t.ns }, client: v.client };
    return { result: 'dropped', reason: `${reason} (in ${t.ns})`, at: { ns: t.ns }, client: v.client };
  }
  // REJECT answers with an error and shows no drop event of its own
  const rej = hops.find((h) => h.layer === 'netfilter' && h.verdict === 'REJECT');
  if (rej) return { result: 'dropped', reason: explainRule(lab, rej), at: { ns: rej.ns, table: rej.table, chain: rej.chain, pos: rej.pos, rule: rej.rule }, client: v.client };
  // an ARP request nobody answered: the neighbour never resolved (Linux gives up after 3 probes)
  const sol = [...hops].reverse().find((h) => h.layer === 'neigh' && h.kind === 'solicit');
  if (sol && !hops.some((h) => h.n > sol.n && h.ns === sol.ns && h.layer === 'neigh' && h.kind === 'resolved')) {
    const who = /who-has (\S+)/.exec(sol.text)?.[1] ?? '?';
    return { result: 'dropped', reason: `ARP failed: nobody answered who-has ${who} on ${sol.ns}:${sol.dev ?? '?'} (no interface on that link has the address)`, at: { ns: sol.ns }, client: v.client };
  }
  return { result: 'dropped', reason: `no answer within the timeout (${v.client})`, client: v.client };
}

function explainRule(lab: Lab, h: Hop): string {
  const where = h.kind === 'policy' ? `${h.table} ${h.chain} policy ${h.verdict}` : `${h.table} ${h.chain} rule ${h.pos}: ${h.rule}`;
  let why = '';
  const chain = h.chain ?? '';
  if (chain.startsWith('DOCKER-ISOLATION')) {
    const br = /-o (\S+)/.exec(h.rule ?? '')?.[1] ?? /-i (\S+)/.exec(h.rule ?? '')?.[1];
    const net = lab.networks().find((n) => n.bridge === br);
    why = /! -d/.test(h.rule ?? '') ? ' — internal network: no traffic leaves it' : ` — network isolation: Docker does not forward between different bridge networks${net ? ` (destination network ${net.name})` : ''}`;
  } else if (/^-A FORWARD -i (\S+) -o \1 -j DROP$/.test(h.rule ?? '')) {
    const br = /-i (\S+)/.exec(h.rule!)![1];
    const net = lab.networks().find((n) => n.bridge === br);
    why = ` — inter-container communication is disabled on ${net ? `network ${net.name}` : br} (com.docker.network.bridge.enable_icc=false)`;
  } else if (h.kind === 'policy') why = ' — no rule accepted the packet, the chain policy applied';
  else if (h.verdict === 'REJECT') why = ' — rejected with an ICMP/TCP error';
  else if (chain === 'DOCKER-USER') why = ' — a DOCKER-USER rule';
  return `dropped by ${where}${why}`;
}
