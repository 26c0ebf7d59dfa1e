/**
 * A validated Compose project → the docker commands Compose v2 runs for `compose up`: networks
 * `PROJECT_KEY` with Compose's labels, then each service (dependencies first) as container
 * `PROJECT-SERVICE-1` (Compose v2 naming; v1 used `PROJECT_SERVICE_1`), created on its first
 * network with the service name and the declared aliases as network aliases, connected to the
 * others, then started.
 *
 * The emulator only has the `mini:latest` image (busybox). A service whose image it does not
 * have runs `mini:latest` instead, with a stand-in command: busybox `httpd` on the first TCP port
 * the service exposes or publishes (so traces and reach find a listener), else `sleep`.
 *
 * @module
 */
import type { ComposeProject, ComposeService } from './model.js';

/** Compose's version label value. */
export const COMPOSE_VERSION_LABEL = '2.20.2';

/** Quotes one word for a docker command line (the engine's splitter reads shell quoting). */
export function shq(w: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The container name Compose v2 gives a service's first replica. */
export function containerName(project: string, s: ComposeService): string {
  return s.containerName ?? `${project}-${s.name}-1`;
}

/** Options of {@link composeCommands}. */
export interface TranslateOptions {
  /** Images the engine has (`repo:tag`); others are replaced by `mini:latest` (default: only mini). */
  knownImages?: readonly string[];
}

/** One docker command with a comment saying why. */
export interface ComposeStep {
  line: string;
  /** Which part of the file it comes from (`network default`, `service web`). */
  from: string;
}

function withTag(image: string): string {
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.includes(':') || last.includes('@') ? image : `${image}:latest`;
}

function standIn(s: ComposeService): { image: string; argv: string[] } {
  const tcp = [...s.ports.filter((p) => p.protocol === 'tcp').map((p) => p.target), ...s.expose.filter((e) => !e.endsWith('/udp')).map((e) => Number(e.split(/[-/]/)[0]))];
  if (tcp.length) return { image: 'mini:latest', argv: ['httpd', '-f', '-p', String(tcp[0]), '-h', '/www'] };
  return { image: 'mini:latest', argv: ['sleep', '100000'] };
}

/** The docker command sequence of `compose up -d`. */
export function composeCommands(p: ComposeProject, opts: TranslateOptions = {}): ComposeStep[] {
  const known = new Set((opts.knownImages ?? ['mini:latest']).map(withTag));
  const steps: ComposeStep[] = [];
  const netName = new Map(p.networks.map((n) => [n.key, n.name]));
  for (const n of p.networks) {
    if (n.external) continue;
    const a = ['docker', 'network', 'create'];
    a.push('--label', `com.docker.compose.network=${n.key}`, '--label', `com.docker.compose.project=${p.name}`, '--label', `com.docker.compose.version=${COMPOSE_VERSION_LABEL}`);
    for (const [k, v] of Object.entries(n.labels)) a.push('--label', `${k}=${v}`);
    if (n.driver !== 'bridge') a.push('--driver', n.driver);
    for (const [k, v] of Object.entries(n.driverOpts)) a.push('-o', `${k}=${v}`);
    for (const s of n.subnets) {
      a.push('--subnet', s.subnet);
      if (s.gateway) a.push('--gateway', s.gateway);
      if (s.ipRange) a.push('--ip-range', s.ipRange);
    }
    if (n.internal) a.push('--internal');
    a.push(n.name);
    steps.push({ line: a.map(shq).join(' '), from: `network ${n.key}` });
  }
  const names = new Map(p.services.map((s) => [s.name, containerName(p.name, s)]));
  for (const s of p.services) {
    const cname = names.get(s.name)!;
    const a = ['docker', 'create', '--name', cname];
    a.push('--label', `com.docker.compose.project=${p.name}`, '--label', `com.docker.compose.service=${s.name}`, '--label', 'com.docker.compose.container-number=1', '--label', 'com.docker.compose.oneoff=False');
    for (const [k, v] of Object.entries(s.labels)) a.push('--label', `${k}=${v}`);
    if (s.hostname) a.push('--hostname', s.hostname);
    const first = s.networks[0];
    if (s.networkMode) {
      const m = s.networkMode;
      a.push('--network', m.startsWith('service:') ? `container:${names.get(m.slice(8))}` : m);
    } else if (first) {
      a.push('--network', netName.get(first.network) ?? first.network);
      for (const al of [s.name, ...first.aliases]) a.push('--network-alias', al);
      if (first.ipv4Address) a.push('--ip', first.ipv4Address);
    }
    for (const e of s.expose) a.push('--expose', e);
    for (const pt of s.ports) {
      const host = pt.published === null ? '' : `${pt.published}:`;
      a.push('-p', `${pt.hostIp ? `${pt.hostIp}:` : ''}${pt.hostIp && !host ? ':' : host}${pt.target}/${pt.protocol}`);
    }
    const image = withTag(s.image);
    let argv: string[];
    let img: string;
    if (known.has(image)) {
      img = image;
      argv = s.command ?? [];
    } else {
      const si = standIn(s);
      img = si.image;
      argv = si.argv;
    }
    a.push(img, ...argv);
    steps.push({ line: a.map(shq).join(' '), from: `service ${s.name}${img !== image ? ` (image ${s.image} is not in the emulator: stand-in ${img} ${argv.join(' ')})` : ''}` });
    for (const n of s.networks.slice(1)) {
      const c = ['docker', 'network', 'connect'];
      for (const al of [s.name, ...n.aliases]) c.push('--alias', al);
      if (n.ipv4Address) c.push('--ip', n.ipv4Address);
      c.push(netName.get(n.network) ?? n.network, cname);
      steps.push({ line: c.map(shq).join(' '), from: `service ${s.name}` });
    }
    steps.push({ line: `docker start ${shq(cname)}`, from: `service ${s.name}` });
  }
  return steps;
}
