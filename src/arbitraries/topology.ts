/**
 * fast-check arbitraries for whole Docker topologies: user networks (default-pool or custom
 * subnets, `--internal`, `enable_icc=false`), containers in every network mode (default bridge,
 * user networks, `host`, `none`, `container:`), network aliases and published ports.
 *
 * Valid by construction: names are unique (`net1`, `net2`, … / `c1`, `c2`, …, from the position),
 * custom subnets never overlap each other nor Docker's default pools (they are carved from
 * 10.0.0.0/8 with a distinct second octet per network), gateways are host addresses of their
 * subnet, aliases only appear on user networks, ports are only published in modes that accept them
 * and explicit host ports are unique per protocol across the whole host, and `container:` only
 * points to an earlier container that owns a namespace. Every command of
 * {@link toDockerCommands} therefore succeeds on a fresh engine.
 *
 * Shrinking goes towards fewer networks and containers, default subnets, the default bridge mode,
 * no aliases, no ports: a failing case shrinks to a few readable `docker` lines.
 *
 * @module
 */
import fc from 'fast-check';

/** A user-defined bridge network. */
export interface NetworkSpec {
  /** `net1`, `net2`, … */
  name: string;
  /** `--subnet` (CIDR text), or null for the next default pool (172.18.0.0/16, …). */
  subnet: string | null;
  /** `--gateway`, or null for the first host address. Only with a custom subnet. */
  gateway: string | null;
  /** `--internal`. */
  internal: boolean;
  /** `-o com.docker.network.bridge.enable_icc=false` when false. */
  icc: boolean;
}

/** How a container is networked (`docker run --network …`). */
export type ContainerMode =
  | { kind: 'bridge' }
  | { kind: 'user'; networks: string[] }
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: 'container'; of: string };

/** A published port (`-p [HOSTIP:][HOSTPORT:]CPORT[/PROTO]`). */
export interface PortSpec {
  /** Host address ('' for all addresses). */
  hostIp: '' | '127.0.0.1';
  /** Host port, 0 for a port Docker chooses. */
  hostPort: number;
  /** Container port. */
  containerPort: number;
  proto: 'tcp' | 'udp';
}

/** A container. */
export interface ContainerSpec {
  /** `c1`, `c2`, … */
  name: string;
  mode: ContainerMode;
  /** `--network-alias` on the first user network. */
  aliases: string[];
  /** Published ports (only in bridge and user modes). */
  ports: PortSpec[];
  /** Runs busybox `httpd` on port 80 (answers `hello`); otherwise `sleep`. */
  server: boolean;
}

/** A topology: networks in creation order, containers in start order. */
export interface Topology {
  networks: NetworkSpec[];
  containers: ContainerSpec[];
}

/** Constraints of {@link topology}. */
export interface TopologyConstraints {
  /** Most user networks (default 3). */
  maxNetworks?: number;
  /** Most containers (default 4). */
  maxContainers?: number;
  /** Most published ports per container (default 2). */
  maxPorts?: number;
  /** Allow `--network host` (default true). */
  host?: boolean;
  /** Allow `--network none` (default true). */
  none?: boolean;
  /** Allow `--network container:…` (default true). */
  container?: boolean;
  /** Allow custom subnets (default true). */
  customSubnets?: boolean;
  /** Allow `--internal` and `enable_icc=false` networks (default true). */
  restrictedNetworks?: boolean;
}

/** The image every generated container runs. */
export const TOPOLOGY_IMAGE = 'mini:latest';
/** Network aliases generated containers draw from. */
export const TOPOLOGY_ALIASES = ['web', 'db', 'api'] as const;
/** Explicit host ports generated bindings draw from (0 = Docker chooses). */
export const TOPOLOGY_HOST_PORTS = [0, 8080, 8081, 9090] as const;

interface RawNetwork {
  custom: { third: number; len: number; gw: number | null } | null;
  internal: boolean;
  noIcc: boolean;
}

type RawMode =
  | { kind: 'bridge' }
  | { kind: 'user'; picks: number[] }
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: 'container'; pick: number };

interface RawContainer {
  mode: RawMode;
  aliases: string[];
  ports: PortSpec[];
  server: boolean;
}

function rawNetwork(c: Required<TopologyConstraints>): fc.Arbitrary<RawNetwork> {
  const custom = c.customSubnets
    ? fc.option(
        fc.record({ third: fc.nat(255), len: fc.integer({ min: 16, max: 28 }), gw: fc.option(fc.nat(), { nil: null }) }),
        { nil: null },
      )
    : fc.constant(null);
  const flag = c.restrictedNetworks ? fc.boolean() : fc.constant(false);
  return fc.record({ custom, internal: flag, noIcc: flag });
}

function rawContainer(c: Required<TopologyConstraints>): fc.Arbitrary<RawContainer> {
  const modes: Array<fc.Arbitrary<RawMode>> = [
    fc.constant({ kind: 'bridge' as const }),
    fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 2 }).map((picks) => ({ kind: 'user' as const, picks })),
  ];
  if (c.host) modes.push(fc.constant({ kind: 'host' as const }));
  if (c.none) modes.push(fc.constant({ kind: 'none' as const }));
  if (c.container) modes.push(fc.nat(7).map((pick) => ({ kind: 'container' as const, pick })));
  const port: fc.Arbitrary<PortSpec> = fc.record({
    hostIp: fc.constantFrom('' as const, '127.0.0.1' as const),
    hostPort: fc.constantFrom(...TOPOLOGY_HOST_PORTS),
    containerPort: fc.constantFrom(80, 81),
    proto: fc.constantFrom('tcp' as const, 'udp' as const),
  });
  return fc.record({
    mode: fc.oneof(...modes),
    aliases: fc.uniqueArray(fc.constantFrom(...TOPOLOGY_ALIASES), { maxLength: 2 }),
    ports: fc.array(port, { maxLength: c.maxPorts }),
    server: fc.boolean(),
  });
}

function ipText(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function resolveNetwork(r: RawNetwork, i: number): NetworkSpec {
  const name = `net${i + 1}`;
  if (!r.custom) return { name, subnet: null, gateway: null, internal: r.internal, icc: !r.noIcc };
  const { third, len, gw } = r.custom;
  const mask = (0xffffffff << (32 - len)) >>> 0;
  const base = ((10 << 24) | ((i + 1) << 16) | (third << 8)) & mask;
  const hosts = 2 ** (32 - len) - 2;
  const gateway = gw === null ? null : ipText((base >>> 0) + 1 + (gw % hosts));
  return { name, subnet: `${ipText(base >>> 0)}/${len}`, gateway, internal: r.internal, icc: !r.noIcc };
}

function resolveContainers(raws: RawContainer[], networks: NetworkSpec[]): ContainerSpec[] {
  const out: ContainerSpec[] = [];
  const usedPorts = new Set<string>();
  raws.forEach((r, i) => {
    const name = `c${i + 1}`;
    let mode: ContainerMode;
    const m = r.mode;
    if (m.kind === 'user') {
      const nets = [...new Set(m.picks.map((p) => networks.length ? networks[p % networks.length]!.name : ''))].filter(Boolean);
      mode = nets.length ? { kind: 'user', networks: nets } : { kind: 'bridge' };
    } else if (m.kind === 'container') {
      // only an earlier container with a namespace of its own (not host, not itself a joiner)
      const owners = out.filter((o) => o.mode.kind === 'bridge' || o.mode.kind === 'user' || o.mode.kind === 'none');
      mode = owners.length ? { kind: 'container', of: owners[m.pick % owners.length]!.name } : { kind: 'none' };
    } else mode = m;
    const publishes = mode.kind === 'bridge' || mode.kind === 'user';
    const ports: PortSpec[] = [];
    if (publishes) {
      for (const p of r.ports) {
        if (p.hostPort !== 0) {
          const key = `${p.proto}/${p.hostPort}`;
          if (usedPorts.has(key)) continue;
          usedPorts.add(key);
        } else if (ports.some((q) => q.hostPort === 0 && q.containerPort === p.containerPort && q.proto === p.proto && q.hostIp === p.hostIp)) continue;
        ports.push(p);
      }
    }
    out.push({
      name,
      mode,
      aliases: mode.kind === 'user' ? r.aliases : [],
      ports,
      // a joiner shares its owner's ports, a host-mode container the host's: a second httpd on
      // :80 there would not start
      server: mode.kind === 'container' || mode.kind === 'host' ? false : r.server,
    });
  });
  return out;
}

/**
 * A whole topology, valid by construction (see the module comment).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(topology(), engineSeed(), (t, seed) => {
 *   const e = engineFromSeed(seed);
 *   for (const line of toDockerCommands(t)) expect(e.exec(line).exitCode).toBe(0);
 * }));
 * ```
 */
export function topology(constraints: TopologyConstraints = {}): fc.Arbitrary<Topology> {
  const c: Required<TopologyConstraints> = {
    maxNetworks: 3,
    maxContainers: 4,
    maxPorts: 2,
    host: true,
    none: true,
    container: true,
    customSubnets: true,
    restrictedNetworks: true,
    ...constraints,
  };
  return fc
    .record({
      nets: fc.array(rawNetwork(c), { maxLength: c.maxNetworks }),
      ctrs: fc.array(rawContainer(c), { maxLength: c.maxContainers }),
    })
    .map(({ nets, ctrs }) => {
      const networks = nets.map(resolveNetwork);
      return readable({ networks, containers: resolveContainers(ctrs, networks) }, (t) => toDockerCommands(t));
    });
}

/**
 * Gives `value` a non-enumerable fast-check `toStringMethod`, so a counterexample prints as the
 * docker lines that build it instead of its JSON.
 * @internal
 */
export function readable<T extends object>(value: T, lines: (v: T) => string[]): T {
  Object.defineProperty(value, fc.toStringMethod, {
    value: () => `[\n  ${lines(value).join('\n  ')}\n]`,
    enumerable: false,
  });
  return value;
}

/** `-p` argument of a port spec. */
export function portFlag(p: PortSpec): string {
  const host = p.hostPort ? `${p.hostPort}:` : '';
  const ip = p.hostIp ? `${p.hostIp}:${host || ':'}` : host;
  return `${ip}${p.containerPort}/${p.proto}`;
}

/** The `docker network create` line of a network. */
export function networkCreateCommand(n: NetworkSpec): string {
  const parts = ['docker network create'];
  if (n.subnet) parts.push(`--subnet ${n.subnet}`);
  if (n.subnet && n.gateway) parts.push(`--gateway ${n.gateway}`);
  if (n.internal) parts.push('--internal');
  if (!n.icc) parts.push('-o com.docker.network.bridge.enable_icc=false');
  parts.push(n.name);
  return parts.join(' ');
}

/** The `docker run` line of a container, then `docker network connect` for its other networks. */
export function containerCommands(c: ContainerSpec): string[] {
  const parts = ['docker run -d', `--name ${c.name}`];
  const m = c.mode;
  if (m.kind === 'user') parts.push(`--network ${m.networks[0]}`);
  else if (m.kind === 'host') parts.push('--network host');
  else if (m.kind === 'none') parts.push('--network none');
  else if (m.kind === 'container') parts.push(`--network container:${m.of}`);
  for (const a of c.aliases) parts.push(`--network-alias ${a}`);
  for (const p of c.ports) parts.push(`-p ${portFlag(p)}`);
  parts.push(TOPOLOGY_IMAGE, c.server ? 'httpd -f -p 80 -h /www' : 'sleep 100000');
  const out = [parts.join(' ')];
  if (m.kind === 'user') for (const n of m.networks.slice(1)) out.push(`docker network connect ${n} ${c.name}`);
  return out;
}

/** The docker command lines that build `t` on a fresh engine, in order. */
export function toDockerCommands(t: Topology): string[] {
  return [...t.networks.map(networkCreateCommand), ...t.containers.flatMap(containerCommands)];
}

/**
 * A docker command sequence that builds a random topology (every line succeeds on a fresh engine).
 * See {@link commands} (in `commands.ts`) for sequences that also stop, remove, connect and disconnect.
 */
export function topologyCommands(constraints: TopologyConstraints = {}): fc.Arbitrary<string[]> {
  return topology(constraints).map(toDockerCommands);
}
