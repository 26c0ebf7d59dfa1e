/**
 * The result of `dockernet trace`, as the JSON output carries it (schema documented in
 * docs/trace-json.md; {@link TRACE_JSON_VERSION} changes only on incompatible edits).
 *
 * @module
 */
import type { TraceLayer } from '../core/trace.js';
import type { ProbeProto } from './endpoint.js';

/** Version of the JSON document. */
export const TRACE_JSON_VERSION = 1;

/** One step of a packet's walk, in the order the emulator took it. */
export interface Hop {
  /** 1-based position within its leg (request and reply numbered on). */
  n: number;
  /** Which way the packet goes: the probe, or the answer to it. */
  dir: 'request' | 'reply';
  /** Namespace: `host` or a container's name. */
  ns: string;
  /** The part of the stack that acted (see core/trace.ts). */
  layer: TraceLayer;
  /** What it did: `rx`, `tx`, `fdb-forward`, `flood`, `hook`, `rule`, `policy`, `return`, `dnat`, `drop`… */
  kind: string;
  /** One-line human description. */
  text: string;
  /** Device (`eth0`, `veth1a2b3c4`, `docker0`). */
  dev?: string;
  /** Bridge that took an FDB decision. */
  bridge?: string;
  /** The ports a bridge flooded the frame out of (`flood` hops; the text names the first few only). */
  ports?: string[];
  /** Netfilter table (`raw`, `nat`, `filter`). */
  table?: string;
  /** Netfilter chain. */
  chain?: string;
  /** 1-based rule position in its chain. */
  pos?: number;
  /** The rule in iptables-save syntax (`-A FORWARD -i docker0 -o docker0 -j ACCEPT`). */
  rule?: string;
  /** Verdict as `xtables-monitor --trace` writes it (`ACCEPT`, `DROP`, `JUMP:DOCKER`, `0xfffffffb` = RETURN…). */
  verdict?: string;
  /** Conntrack state (`NEW`, `ESTABLISHED`). */
  state?: string;
  /** NAT rewrite: tuple before. */
  before?: string;
  /** NAT rewrite: tuple after. */
  after?: string;
  /** Drop reason. */
  reason?: string;
  /** Part of the ARP exchange the probe needed (request, reply, neighbour updates). */
  arp?: boolean;
}

/** How a leg (or the whole trace) ended. */
export interface Outcome {
  /** `delivered`: the probe reached a socket (or the stack answered it); `dropped` otherwise. */
  result: 'delivered' | 'dropped';
  /** One line: why. */
  reason: string;
  /** Where it ended: namespace and, for netfilter, the table/chain/rule. */
  at?: { ns: string; table?: string; chain?: string; pos?: number; rule?: string };
  /** `connected`, `refused`, `echo-reply`, `timed out`, `unreachable`… as the client saw it. */
  client: string;
}

/** One packet exchange: the probe and its reply (two when docker-proxy relays the connection). */
export interface TraceLeg {
  /** `web → db:5432/tcp`, or `docker-proxy → 172.17.0.3:80/tcp`. */
  title: string;
  /** Who sends in this leg. */
  from: string;
  proto: ProbeProto;
  src: string;
  dst: string;
  sport: number | null;
  dport: number | null;
  hops: Hop[];
  outcome: Outcome;
}

/** The whole trace. */
export interface TraceReport {
  version: typeof TRACE_JSON_VERSION;
  scenario: string;
  seed: number | string;
  from: { name: string; kind: 'host' | 'container' };
  to: { name: string; ip: string; port: number | null; label: string; container: string | null };
  proto: ProbeProto;
  legs: TraceLeg[];
  /** The outcome of the last leg: what the user's packet met in the end. */
  outcome: Outcome;
}
