/**
 * The Docker-shaped worlds the packet benchmarks run in, built directly from the stack's layers
 * (netns, bridge, veth, netfilter) the way libnetwork's bridge driver builds them, so the benchmarks do
 * not depend on the engine's command parsing:
 *
 *   host namespace: bridges `docker0` (172.17.0.0/16) and, past 1,000 containers, `br-1`, `br-2`… (Linux
 *   bridges take at most 1,023 ports), `bridge_nf_call_iptables = 1`, `ip_forward = 1`, Docker 20.10's
 *   filter and nat rules for every network and published port (iptables-restore text, the layout of the
 *   oracle's net-02/net-03 `iptables-save`), and optionally an `eth0` (10.200.0.1/24) to an "outside"
 *   namespace (10.200.0.2) for published-port and MASQUERADE traffic.
 *
 *   containers: one namespace each with `eth0` (02:42:<ip> MAC, as Docker), default route via the
 *   bridge address, and UDP sockets on the container ports that count what they receive.
 */
import { Rng } from '../src/core/rng.js';
import { Sim } from '../src/core/scheduler.js';
import { BridgeDevice } from '../src/link/bridge/bridge.js';
import { Netfilter } from '../src/netfilter/netfilter.js';
import { NetNamespace } from '../src/netns/netns.js';
import { connect } from '../src/netns/create.js';
import { dockerMacFor, ipToString, parseMac } from '../src/wire/addr.js';

/** Containers per bridge network. */
export const PER_BRIDGE = 1000;

/**
 * Warm-up of the new-flow cases (dnat-new, masq-new), in flows; virtual time advances 1 ms per flow,
 * so this is 150 s. The timed run starts in the steady state of everything periodic on their path:
 *
 * - conntrack: past the 30 s UDP timeout (30,000 flows) the table stays at its size; its first
 *   compaction comes at ~60,000 flows; with 1M idle entries the table grows once more (a 64 MB
 *   rehash) after ~50,000 flows;
 * - the neighbour caches: an entry is REACHABLE for 15–45 s, then the next packet starts a unicast
 *   probe (DELAY 5 s, then PROBE), so every container's first probe is over within ~60 s;
 * - V8: the code of those periodic paths runs often enough to be optimized, and the objects they
 *   touch have their final shapes.
 *
 * Until the twenty-ninth session it was 40,000 (100,000 with 1M entries): the first probe of most
 * containers and the first compaction then fell in the timed run, and with 10,000 containers it
 * counted map migrations, interpreted code and the optimizing compiler (masq-new, 10,000
 * containers: 28.9 k instructions per flow against 17.6 k after a 150,000-flow warm-up).
 */
export const NEW_FLOW_WARMUP = 150_000;
/** First container port a container listens on (UDP); published port k maps to `CPORT + floor(k / containers)`. */
export const CPORT = 9000;
/** First published host port. */
export const HPORT = 20000;
/** The outside world's address and the host's address towards it. */
export const EXT_IP = 0x0ac80002; // 10.200.0.2
export const HOST_EXT_IP = 0x0ac80001; // 10.200.0.1

/** What a world is built from. */
export interface WorldOptions {
  /** Containers in total (spread over networks of at most 1,000). */
  containers: number;
  /** Published UDP ports (host port HPORT+k → container k % containers, port CPORT + floor(k / containers)). */
  published?: number;
  /** Attach netfilter with Docker's rules to the host namespace (default true). */
  netfilter?: boolean;
  /** Add the outside namespace on the host's eth0 (default false). */
  external?: boolean;
  /** Addresses of the outside namespace (10.200.0.2, .3, …; default 1). */
  extAddrs?: number;
  /** UDP ports the outside namespace listens on besides CPORT (to count replies to many source ports). */
  extPorts?: [number, number];
}

/** A built world. */
export interface World {
  sim: Sim;
  host: NetNamespace;
  nf: Netfilter | null;
  bridges: BridgeDevice[];
  ctrs: NetNamespace[];
  ext: NetNamespace | null;
  /** IPv4 address (uint32) of container `i`. */
  ctrIp(i: number): number;
  /** Datagrams received by container sockets so far. */
  received(): number;
  /** Datagrams received by the outside namespace's socket (port CPORT) so far. */
  extReceived(): number;
  /** The ruleset that was loaded (iptables-restore text). */
  rules: string;
}

const bridgeName = (b: number): string => (b === 0 ? 'docker0' : `br-${b}`);
const subnetBase = (b: number): number => (((172 << 24) | ((17 + b) << 16)) >>> 0);

/** Docker 20.10's iptables-restore text for `nets` bridge networks and the published ports. */
export function dockerRules(nets: number, published: Array<{ hport: number; ip: number; cport: number; br: string }>): string {
  const f: string[] = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', ':DOCKER - [0:0]'];
  f.push(':DOCKER-ISOLATION-STAGE-1 - [0:0]', ':DOCKER-ISOLATION-STAGE-2 - [0:0]', ':DOCKER-USER - [0:0]');
  f.push('-A FORWARD -j DOCKER-USER', '-A FORWARD -j DOCKER-ISOLATION-STAGE-1');
  const order = [...Array(nets).keys()].reverse(); // newest network first, as libnetwork inserts them
  for (const b of order) {
    const br = bridgeName(b);
    f.push(`-A FORWARD -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A FORWARD -o ${br} -j DOCKER`);
    f.push(`-A FORWARD -i ${br} ! -o ${br} -j ACCEPT`, `-A FORWARD -i ${br} -o ${br} -j ACCEPT`);
  }
  for (const p of published) f.push(`-A DOCKER -d ${ipToString(p.ip)}/32 ! -i ${p.br} -o ${p.br} -p udp -m udp --dport ${p.cport} -j ACCEPT`);
  for (const b of order) f.push(`-A DOCKER-ISOLATION-STAGE-1 -i ${bridgeName(b)} ! -o ${bridgeName(b)} -j DOCKER-ISOLATION-STAGE-2`);
  f.push('-A DOCKER-ISOLATION-STAGE-1 -j RETURN');
  for (const b of order) f.push(`-A DOCKER-ISOLATION-STAGE-2 -o ${bridgeName(b)} -j DROP`);
  f.push('-A DOCKER-ISOLATION-STAGE-2 -j RETURN', '-A DOCKER-USER -j RETURN', 'COMMIT');
  const n: string[] = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ':DOCKER - [0:0]'];
  n.push('-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER', '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER');
  for (const b of order) n.push(`-A POSTROUTING -s ${ipToString(subnetBase(b))}/16 ! -o ${bridgeName(b)} -j MASQUERADE`);
  for (const p of published) {
    const ip = ipToString(p.ip);
    n.push(`-A POSTROUTING -s ${ip}/32 -d ${ip}/32 -p udp -m udp --dport ${p.cport} -j MASQUERADE`);
  }
  for (const b of order) n.push(`-A DOCKER -i ${bridgeName(b)} -j RETURN`);
  for (const p of published) n.push(`-A DOCKER ! -i ${p.br} -p udp -m udp --dport ${p.hport} -j DNAT --to-destination ${ipToString(p.ip)}:${p.cport}`);
  n.push('COMMIT');
  return [...f, ...n].join('\n') + '\n';
}

/** Builds a world (see the module comment). */
export function dockerWorld(o: WorldOptions): World {
  const sim = new Sim();
  const rng = new Rng(7);
  const host = new NetNamespace(sim, 'host', rng.fork('host'));
  host.setSysctl('ip_forward', 1);
  host.setSysctl('bridge_nf_call_iptables', 1);
  let nf: Netfilter | null = null;
  if (o.netfilter !== false) {
    nf = new Netfilter({ sim, rng: rng.fork('nf'), host });
    host.netfilter = nf;
  }
  const N = o.containers;
  const nets = Math.max(1, Math.ceil(N / PER_BRIDGE));
  const bridges: BridgeDevice[] = [];
  for (let b = 0; b < nets; b++) {
    const br = new BridgeDevice(sim, bridgeName(b), parseMac(`02:42:00:00:${(b >> 8).toString(16)}:${(b & 255).toString(16)}`));
    host.addDevice(br);
    host.setLinkUp(br, true);
    host.addAddress(bridgeName(b), `${ipToString(subnetBase(b) + 1)}/16`);
    bridges.push(br);
  }
  const ctrIp = (i: number): number => (subnetBase(Math.floor(i / PER_BRIDGE)) + 2 + (i % PER_BRIDGE)) >>> 0;
  const published: Array<{ hport: number; ip: number; cport: number; br: string }> = [];
  const P = o.published ?? 0;
  for (let k = 0; k < P; k++) {
    const c = k % N;
    published.push({ hport: HPORT + k, ip: ctrIp(c), cport: CPORT + Math.floor(k / N), br: bridgeName(Math.floor(c / PER_BRIDGE)) });
  }
  const portsOf = (c: number): number => Math.max(1, Math.ceil((P - c) / N));
  let received = 0;
  const onMsg = (): void => {
    received++;
  };
  // zero-copy delivery (the socket sees the datagram in place, as a kernel receive queue holds the skb)
  const onSkb = (): void => {
    received++;
  };
  const ctrs: NetNamespace[] = [];
  for (let i = 0; i < N; i++) {
    const b = Math.floor(i / PER_BRIDGE);
    const ns = new NetNamespace(sim, `c${i}`, rng.fork(`c${i}`));
    const ip = ctrIp(i);
    const [hv] = connect(host, `veth${i}`, ns, 'eth0', { macB: dockerMacFor(ip) });
    bridges[b]!.addPort(hv);
    ns.addAddress('eth0', `${ipToString(ip)}/16`);
    ns.addRoute({ dst: 'default', via: ipToString(subnetBase(b) + 1) });
    for (let p = 0; p < portsOf(i); p++) ns.udp.bind(0, CPORT + p, onMsg).onSkb = onSkb;
    ctrs.push(ns);
  }
  let ext: NetNamespace | null = null;
  let extReceived = 0;
  if (o.external) {
    ext = new NetNamespace(sim, 'outside', rng.fork('outside'));
    connect(host, 'eth0', ext, 'eth0');
    host.addAddress('eth0', '10.200.0.1/24');
    for (let a = 0; a < (o.extAddrs ?? 1); a++) ext.addAddress('eth0', `${ipToString(EXT_IP + a)}/24`);
    ext.addRoute({ dst: 'default', via: '10.200.0.1' });
    const count = (): void => {
      extReceived++;
    };
    // zero-copy delivery, as the containers' sockets (the replies of the new-flow benchmarks)
    ext.udp.bind(0, CPORT, count).onSkb = count;
    if (o.extPorts) for (let p = o.extPorts[0]; p <= o.extPorts[1]; p++) if (p !== CPORT) ext.udp.bind(0, p, count).onSkb = count;
  }
  const rules = dockerRules(nets, published);
  if (nf) nf.restore(rules);
  return { sim, host, nf, bridges, ctrs, ext, ctrIp, received: () => received, extReceived: () => extReceived, rules };
}
