/**
 * A lab: one {@link Engine} with a scenario replayed into it, plus the name lookups every trace
 * tool needs (which container owns which namespace, which address a name stands for, which ports
 * are published). Nothing here sends packets; see `probe.ts`.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { SECOND } from '../core/time.js';
import { Engine } from '../docker/engine.js';
import { runSetupScript } from '../docker/oracle/setup.js';
import type { Network } from '../docker/network/model.js';
import type { ContainerNet } from '../docker/sandbox.js';
import type { NetNamespace } from '../netns/netns.js';
import type { Container } from '../runtime/container.js';
import { ipToString, macToString, tryParseIp } from '../wire/addr.js';

/** One command of a replayed scenario with what it printed. */
export interface ReplayedCommand {
  /** The command line as written in the scenario. */
  line: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A container's attachment to one network, as the trace tools show it. */
export interface LabEndpoint {
  /** Network name (`bridge`, `proj_default`). */
  network: string;
  /** IPv4 address (dotted quad), '' for host/none. */
  ip: string;
  /** Prefix length of the network. */
  prefixLen: number;
  /** MAC address of the container side. */
  mac: string;
  /** Interface inside the container (`eth0`). */
  ifname: string;
  /** Host side of the veth pair (bridge driver), '' otherwise. */
  hostVeth: string;
  /** Linux bridge of the network ('' for non-bridge drivers). */
  bridge: string;
  /** Network-scoped aliases (`--network-alias`, Compose service names). */
  aliases: string[];
}

/** A published port binding. */
export interface LabPublishedPort {
  /** Container that publishes it. */
  container: string;
  proto: 'tcp' | 'udp';
  /** Host address it is bound to (`0.0.0.0`, `127.0.0.1`). */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  /** The container address the DNAT rule and docker-proxy point to. */
  containerIp: string;
}

/** A container as the trace tools see it. */
export interface LabContainer {
  /** Name without the leading slash. */
  name: string;
  id: string;
  running: boolean;
  /** `HostConfig.NetworkMode` (`default`, `host`, `none`, `container:ID`, a network name). */
  networkMode: string;
  /** The network namespace while running (the host's for `--network host`), else null. */
  ns: NetNamespace | null;
  /** Network attachments in join order (empty when stopped). */
  endpoints: LabEndpoint[];
  /** Compose service name (label `com.docker.compose.service`), if any. */
  service: string | null;
}

/** A network as the trace tools see it. */
export interface LabNetwork {
  name: string;
  id: string;
  driver: string;
  /** Subnet in CIDR notation, '' when none. */
  subnet: string;
  /** Gateway (dotted quad), '' when none. */
  gateway: string;
  /** Linux bridge name ('' for non-bridge drivers). */
  bridge: string;
  internal: boolean;
  /** Names of the containers attached. */
  containers: string[];
}

/** Options of {@link Lab.load}. */
export interface LabOptions {
  /** Engine seed (default 1). */
  seed?: number | string;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Finds `scenario.docker` for a file or folder argument, with a one-line error when there is none. */
export function scenarioFile(path: string): string {
  if (!existsSync(path)) throw new UsageError(`scenario not found: ${path}`);
  if (statSync(path).isDirectory()) {
    const f = join(path, 'scenario.docker');
    if (!existsSync(f)) throw new UsageError(`no scenario.docker in ${path}`);
    return f;
  }
  return path;
}

/** Names of a lab's namespaces and host devices, looked up in maps (see {@link Lab.namer}). */
export interface LabNamer {
  /** As {@link Lab.nsLabel}. */
  nsLabel(nsName: string): string;
  /** As {@link Lab.deviceOwner} for a device of the host. */
  hostDevice(dev: string): string;
}

/**
 * An engine with a scenario replayed into it.
 *
 * @example
 * ```ts
 * const lab = Lab.load('examples/scenarios/web-db');
 * lab.container('web').endpoints[0].ip; // "172.18.0.2"
 * ```
 */
export class Lab {
  /** Commands replayed so far, with their output. */
  readonly replayed: ReplayedCommand[] = [];
  /** Name of the scenario (its folder or file name). */
  scenario = '';

  constructor(readonly engine: Engine) {}

  /** A fresh engine with `path` (a scenario.docker file or a folder holding one) replayed. */
  static load(path: string, opts: LabOptions = {}): Lab {
    const file = scenarioFile(path);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
    const lab = new Lab(new Engine({ seed: opts.seed ?? 1 }));
    lab.scenario = basename(file) === 'scenario.docker' ? basename(dirname(file)) : basename(file);
    const setup = join(dirname(file), 'setup.sh');
    if (basename(file) === 'scenario.docker' && existsSync(setup)) runSetupScript(lab.engine, readFileSync(setup, 'utf8'));
    lab.replay(text);
    return lab;
  }

  /** Replays scenario text (one docker command per line; `#` lines and blank lines skipped). */
  replay(text: string): ReplayedCommand[] {
    const out: ReplayedCommand[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      out.push(this.run(line));
    }
    // let timers that follow the commands settle (gratuitous traffic, proxies), as the capture waits
    this.engine.sim.runUntil(this.engine.sim.now + 2 * SECOND);
    return out;
  }

  /** Runs one docker command line and records it. */
  run(line: string): ReplayedCommand {
    if (!/^\s*docker(\s|$)/.test(line)) {
      const r = { line, stdout: '', stderr: `dockernet: only docker commands can be replayed: ${line}\n`, exitCode: 127 };
      this.replayed.push(r);
      return r;
    }
    const r = this.engine.exec(line);
    const rec = { line, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
    this.replayed.push(rec);
    return rec;
  }

  // ------------------------------------------------------------------ containers and networks

  private netState(c: Container): ContainerNet {
    return this.engine.sandboxes.of(c);
  }

  /** Every container, sorted by name. */
  containers(): LabContainer[] {
    return this.engine.runtime.store
      .list()
      .map((c) => this.describe(c))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private describe(c: Container): LabContainer {
    const owner = this.engine.netOwner(c);
    const st = this.netState(owner);
    const sb = st.sb;
    const endpoints: LabEndpoint[] = [];
    if (sb && c.state.Running) {
      for (const ep of sb.endpoints) {
        const n = ep.network;
        const att = st.attachments.get(n.id);
        endpoints.push({
          network: n.name,
          ip: ep.ip ? ipToString(ep.ip) : '',
          prefixLen: n.pool ? n.pool.subnet.len : 0,
          mac: ep.mac ? macToString(ep.mac) : '',
          ifname: ep.ifname,
          hostVeth: ep.hostVeth,
          bridge: n.driver === 'bridge' ? n.bridgeName : '',
          aliases: att ? [...att.aliases] : [],
        });
      }
    }
    const live = c.state.Running ? sb : null;
    return {
      name: c.name.replace(/^\//, ''),
      id: c.id,
      running: c.state.Running,
      networkMode: c.hostConfig.NetworkMode,
      // read when a trace goes there: a namespace configured on first use stays as it is until then
      get ns(): NetNamespace | null {
        return live ? live.ns : null;
      },
      endpoints,
      service: c.config.Labels?.['com.docker.compose.service'] ?? null,
    };
  }

  /** The container called `name` (exact name, then unique id prefix), or undefined. */
  findContainer(name: string): LabContainer | undefined {
    const c = this.engine.runtime.store.find(name);
    return c ? this.describe(c) : undefined;
  }

  /** Every network in creation order. */
  networks(): LabNetwork[] {
    return this.engine.networks.map((n) => this.describeNetwork(n));
  }

  private describeNetwork(n: Network): LabNetwork {
    const names: string[] = [];
    for (const cid of n.endpoints.keys()) {
      const c = this.engine.runtime.store.find(cid);
      if (c) names.push(c.name.replace(/^\//, ''));
    }
    return {
      name: n.name,
      id: n.id,
      driver: n.driver,
      subnet: n.pool ? n.pool.cidr : '',
      gateway: n.gateway ? ipToString(n.gateway) : '',
      bridge: n.driver === 'bridge' ? n.bridgeName : '',
      internal: n.internal,
      containers: names.sort(),
    };
  }

  /** Published port bindings of running containers (IPv6 bindings left out). */
  publishedPorts(): LabPublishedPort[] {
    const out: LabPublishedPort[] = [];
    for (const c of this.engine.runtime.store.list()) {
      const sb = this.netState(c).sb;
      if (!sb || !sb.gw || !c.state.Running) continue;
      for (const m of sb.ports) {
        if (m.hostIp.includes(':')) continue;
        out.push({
          container: c.name.replace(/^\//, ''),
          proto: m.proto === 'udp' ? 'udp' : 'tcp',
          hostIp: m.hostIp || '0.0.0.0',
          hostPort: m.hostPort,
          containerPort: m.containerPort,
          containerIp: ipToString(sb.gw.ip),
        });
      }
    }
    // docker inspect's order: containers by name, then the "PORT/PROTO" keys as strings
    const key = (p: LabPublishedPort): string => `${p.containerPort}/${p.proto}`;
    return out
      .map((p, i) => ({ p, i }))
      .sort((a, b) => cmp(a.p.container, b.p.container) || cmp(key(a.p), key(b.p)) || a.i - b.i)
      .map((x) => x.p);
  }

  /** Addresses of the host's bridges (the gateways containers reach the host at). */
  bridgeGateways(): string[] {
    return this.networks()
      .filter((n) => n.driver === 'bridge' && n.gateway)
      .map((n) => n.gateway);
  }

  // ------------------------------------------------------------------ names of namespaces

  /**
   * A readable name for a namespace: `host` for the daemon's, the container's name for a
   * container's (the owner's name when several share it), the namespace's own name otherwise.
   */
  nsLabel(nsName: string): string {
    return this.namer().nsLabel(nsName);
  }

  /**
   * Names of namespaces ({@link Lab.nsLabel}) and of the host's devices ({@link Lab.deviceOwner}), from
   * maps made on first use from every container, for naming the many events of one trace (a trace
   * over 1,000 containers used to scan them all for every event). The names are those of the lab as
   * it is now.
   */
  namer(): LabNamer {
    let ns: Map<string, string> | null = null;
    let hostDevs: Map<string, string> | null = null;
    return {
      nsLabel: (nsName) => {
        if (ns === null) {
          ns = new Map([[this.engine.host.name, 'host']]);
          for (const c of this.engine.runtime.store.list()) {
            if (c.hostConfig.NetworkMode.startsWith('container:')) continue;
            const sb = this.netState(c).sb;
            // the first container in the store's order names a namespace (the owner's name when several share it)
            if (sb && sb.nsObject !== this.engine.host && !ns.has(sb.nsObject.name)) ns.set(sb.nsObject.name, c.name.replace(/^\//, ''));
          }
        }
        return ns.get(nsName) ?? nsName;
      },
      hostDevice: (dev) => {
        if (hostDevs === null) {
          hostDevs = new Map();
          // veths first, named after the first container by name that has the endpoint, then bridges
          for (const c of this.containers())
            for (const ep of c.endpoints) if (!hostDevs.has(ep.hostVeth)) hostDevs.set(ep.hostVeth, `${ep.hostVeth} (veth of ${c.name}:${ep.ifname})`);
          for (const n of this.networks()) if (!hostDevs.has(n.bridge)) hostDevs.set(n.bridge, `${n.bridge} (bridge of ${n.name})`);
        }
        return hostDevs.get(dev) ?? dev;
      },
    };
  }

  /** A device named for people: a host veth with the container end it pairs with, a bridge with its network. */
  deviceOwner(nsLabel: string, dev: string): string {
    return nsLabel === 'host' ? this.namer().hostDevice(dev) : `${nsLabel}:${dev}`;
  }

  /** The container that owns address `ip` (and the network it is on), if any. */
  ownerOfIp(ip: string): { container: LabContainer; endpoint: LabEndpoint } | undefined {
    for (const c of this.containers()) for (const ep of c.endpoints) if (ep.ip === ip) return { container: c, endpoint: ep };
    return undefined;
  }

  /** The network whose gateway is `ip`, if any. */
  networkOfGateway(ip: string): LabNetwork | undefined {
    return this.networks().find((n) => n.gateway === ip);
  }

  /** True when `text` is a dotted-quad IPv4 address. */
  static isIp(text: string): boolean {
    return tryParseIp(text) >= 0 && /^\d+\.\d+\.\d+\.\d+$/.test(text);
  }
}
