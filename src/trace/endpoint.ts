/**
 * `--from` and `--to` of `dockernet trace`: parsing (`web`, `db:5432/tcp`, `172.18.0.3`,
 * `host:8080`) and resolution against a {@link Lab} (which namespace sends, which address the
 * packet goes to, what the user called it).
 *
 * @module
 */
import { UsageError } from '../core/errors.js';
import type { NetNamespace } from '../netns/netns.js';
import { Lab, type LabContainer } from './lab.js';

/** Transport of a probe. */
export type ProbeProto = 'icmp' | 'tcp' | 'udp';

/** A parsed `--to` value. */
export interface TargetSpec {
  /** Name, IPv4 address, or `host`. */
  name: string;
  /** Port, or null (ICMP). */
  port: number | null;
  /** Protocol given after the port (`/tcp`, `/udp`), or null. */
  proto: ProbeProto | null;
}

/** Parses `NAME[:PORT[/PROTO]]`. */
export function parseTarget(text: string): TargetSpec {
  const m = /^([^:/\s]+)(?::(\d+)(?:\/(tcp|udp|icmp))?)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`bad --to value '${text}': expected NAME, IP or host, optionally :PORT[/tcp|/udp]`);
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) throw new UsageError(`bad port in --to '${text}': must be 1-65535`);
  const proto = m[3] ? (m[3].toLowerCase() as ProbeProto) : null;
  if (proto === 'icmp' && port !== null) throw new UsageError(`bad --to value '${text}': icmp has no port`);
  return { name: m[1]!, port, proto };
}

/** Chooses the protocol from the `--to` suffix and the `--icmp`/`--udp`/`--tcp` flags. */
export function chooseProto(spec: TargetSpec, flags: { icmp?: boolean; udp?: boolean; tcp?: boolean }): ProbeProto {
  const set = (['icmp', 'udp', 'tcp'] as const).filter((p) => flags[p]);
  if (set.length > 1) throw new UsageError(`choose one of --icmp, --udp, --tcp`);
  const flag = set[0] ?? null;
  if (flag && spec.proto && flag !== spec.proto) throw new UsageError(`--${flag} contradicts '/${spec.proto}' in --to`);
  const proto = flag ?? spec.proto ?? (spec.port !== null ? 'tcp' : 'icmp');
  if (proto === 'icmp' && spec.port !== null) throw new UsageError(`--icmp takes no port (got :${spec.port})`);
  if (proto !== 'icmp' && spec.port === null) throw new UsageError(`--${proto} needs a port: --to ${spec.name}:PORT`);
  return proto;
}

/** The sending side, resolved. */
export interface ResolvedSource {
  /** What the user wrote (`host` or the container's name). */
  name: string;
  /** Kind of sender. */
  kind: 'host' | 'container';
  /** Namespace that sends. */
  ns: NetNamespace;
  /** The container, if any. */
  container: LabContainer | null;
}

/** The receiving side, resolved. */
export interface ResolvedTarget {
  /** What the user wrote. */
  name: string;
  /** Destination address of the probe. */
  ip: string;
  /** Destination port (null for ICMP). */
  port: number | null;
  /** What the address is: a container on a network, a gateway, the host… */
  label: string;
  /** The container that owns the address, if any. */
  container: string | null;
}

/** Resolves `--from`: `host`, a container name, a Compose service name. */
export function resolveSource(lab: Lab, name: string): ResolvedSource {
  if (name === 'host') return { name, kind: 'host', ns: lab.engine.host, container: null };
  const c = findByName(lab, name);
  if (!c) throw new UsageError(`unknown container '${name}' (containers: ${listNames(lab)})`);
  if (!c.running || !c.ns) throw new UsageError(`container '${c.name}' is not running`);
  return { name, kind: 'container', ns: c.ns, container: c };
}

function listNames(lab: Lab): string {
  return ['host', ...lab.containers().map((c) => c.name)].join(', ');
}

function findByName(lab: Lab, name: string): LabContainer | undefined {
  const exact = lab.findContainer(name);
  if (exact) return exact;
  const all = lab.containers();
  return all.find((c) => c.service === name) ?? undefined;
}

/**
 * Resolves `--to` as seen from `src`: an address is used as is; `host` is 127.0.0.1 from the
 * host and the container's gateway from a container; a name (container, Compose service or
 * network alias) is the target's address on a network both share, else its first address.
 */
export function resolveTarget(lab: Lab, src: ResolvedSource, spec: TargetSpec): ResolvedTarget {
  const port = spec.port;
  if (Lab.isIp(spec.name)) return { name: spec.name, ip: spec.name, port, ...describeIp(lab, spec.name) };
  if (spec.name === 'host') {
    if (src.kind === 'host' || src.container?.networkMode === 'host') return { name: 'host', ip: '127.0.0.1', port, label: 'host (loopback)', container: null };
    const ep = src.container!.endpoints.find((e) => e.ip && lab.networks().find((n) => n.name === e.network)?.gateway);
    if (!ep) throw new UsageError(`container '${src.container!.name}' has no gateway to reach the host through`);
    const gw = lab.networks().find((n) => n.name === ep.network)!.gateway;
    return { name: 'host', ip: gw, port, label: `host (gateway of ${ep.network})`, container: null };
  }
  const mine = new Set(src.container?.endpoints.map((e) => e.network) ?? []);
  let c = findByName(lab, spec.name);
  if (!c) {
    // a network alias on a network the source is on
    for (const cand of lab.containers())
      for (const ep of cand.endpoints) if (ep.aliases.includes(spec.name) && (mine.has(ep.network) || src.kind === 'host')) c ??= cand;
  }
  if (!c) throw new UsageError(`unknown target '${spec.name}' (containers: ${listNames(lab)})`);
  if (!c.running) throw new UsageError(`container '${c.name}' is not running`);
  if (c.networkMode === 'host') return { name: spec.name, ip: src.kind === 'host' ? '127.0.0.1' : hostAddrFor(lab, src), port, label: `${c.name} (host network)`, container: c.name };
  const shared = c.endpoints.find((e) => e.ip && mine.has(e.network));
  const ep = shared ?? c.endpoints.find((e) => e.ip);
  if (!ep) throw new UsageError(`container '${c.name}' has no IPv4 address (network mode ${c.networkMode})`);
  return { name: spec.name, ip: ep.ip, port, label: `${c.name}@${ep.network}`, container: c.name };
}

function hostAddrFor(lab: Lab, src: ResolvedSource): string {
  return resolveTarget(lab, src, { name: 'host', port: null, proto: null }).ip;
}

function describeIp(lab: Lab, ip: string): { label: string; container: string | null } {
  const o = lab.ownerOfIp(ip);
  if (o) return { label: `${o.container.name}@${o.endpoint.network}`, container: o.container.name };
  const n = lab.networkOfGateway(ip);
  if (n) return { label: `gateway@${n.name} (host)`, container: null };
  if (ip.startsWith('127.')) return { label: 'loopback', container: null };
  return { label: ip, container: null };
}
