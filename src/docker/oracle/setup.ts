/**
 * The host-side steps of a scenario's setup.sh, interpreted on the emulated host: `ip netns add`,
 * veth pairs with fixed MACs, moving a peer into a named namespace, addresses, links up, renames
 * and routes (net-06's macvlan parent and LAN namespace, net-11's outside client).
 */
import { DockernetError } from '../../core/errors.js';
import { createVethPair } from '../../link/veth.js';
import { NetNamespace } from '../../netns/netns.js';
import { setDevDisplay } from '../../netns/iproute.js';
import { parseMac } from '../../wire/addr.js';
import { splitCommandLine } from '../../runtime/cli/split.js';
import type { Engine } from '../engine.js';

/** Named namespaces created by setup scripts, per engine. */
export const namedNamespaces = new WeakMap<Engine, Map<string, NetNamespace>>();

/** Runs the `ip` commands of a setup script; other lines (set, comments, variables) are skipped. */
export function runSetupScript(e: Engine, text: string): void {
  let spaces = namedNamespaces.get(e);
  if (!spaces) {
    spaces = new Map();
    namedNamespaces.set(e, spaces);
  }
  const nss = spaces;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || !/^ip\b/.test(line)) continue;
    let argv = splitCommandLine(line.replace(/"\$NS"|\$NS|"\$\{NS\}"/g, 'HOST'));
    let ns: NetNamespace = e.host;
    if (argv[1] === 'netns' && argv[2] === 'add') {
      const n = new NetNamespace(e.sim, argv[3]!, e.rng.fork('netns:' + argv[3]));
      n.ipNetnsNamed = true;
      n.ipv6 = false;
      nss.set(argv[3]!, n);
      continue;
    }
    if (argv[1] === 'netns' && argv[2] === 'exec') {
      ns = argv[3] === 'HOST' ? e.host : nss.get(argv[3]!) ?? e.host;
      argv = argv.slice(4);
    } else if (argv[1] === '-n') {
      ns = argv[2] === 'HOST' ? e.host : nss.get(argv[2]!) ?? e.host;
      argv = ['ip', ...argv.slice(3)];
    }
    ipCommand(e, nss, ns, argv.slice(1));
  }
}

function ipCommand(e: Engine, nss: Map<string, NetNamespace>, ns: NetNamespace, a: string[]): void {
  const obj = a[0];
  if (obj === 'link' && a[1] === 'add') {
    const name = a[2]!;
    let mac = 0;
    let peer = '';
    let peerMac = 0;
    for (let i = 3; i < a.length; i++) {
      if (a[i] === 'address' && !peer) mac = parseMac(a[++i]!);
      else if (a[i] === 'name') peer = a[++i]!;
      else if (a[i] === 'address' && peer) peerMac = parseMac(a[++i]!);
    }
    const [x, y] = createVethPair(ns.sim, name, mac, peer, peerMac);
    ns.addDevice(x);
    ns.addDevice(y);
    setDevDisplay(x, { txqlen: 1000 });
    setDevDisplay(y, { txqlen: 1000 });
    return;
  }
  if (obj === 'link' && a[1] === 'set') {
    const dev = a[2]!;
    for (let i = 3; i < a.length; i++) {
      if (a[i] === 'netns') ns.moveDevice(dev, nss.get(a[++i]!) ?? e.host);
      else if (a[i] === 'up') ns.setLinkUp(dev, true);
      else if (a[i] === 'down') ns.setLinkUp(dev, false);
      else if (a[i] === 'name') ns.renameDevice(dev, a[++i]!);
    }
    return;
  }
  if ((obj === 'addr' || obj === 'address') && a[1] === 'add') {
    const dev = a[a.indexOf('dev') + 1]!;
    ns.addAddress(dev, a[2]!, { broadcast: false });
    return;
  }
  if (obj === 'route' && a[1] === 'add') {
    const o: { dst: string; via?: string; dev?: string } = { dst: a[2]! };
    const vi = a.indexOf('via');
    if (vi > 0) o.via = a[vi + 1]!;
    const di = a.indexOf('dev');
    if (di > 0) o.dev = a[di + 1]!;
    ns.addRoute(o);
    return;
  }
  throw new DockernetError('EUSAGE', `setup.sh: unsupported ip command: ip ${a.join(' ')}`);
}
