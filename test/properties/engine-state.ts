/**
 * Helpers for properties over the engine's final state: rebuild the same state from scratch on a
 * fresh engine, and iptables-save with the names that differ between two engines (random network
 * ids, addresses that depend on allocation history, ports Docker chose) replaced by stable tokens.
 */
import type { Engine } from '../../src/docker/engine.js';
import { iptablesSave } from '../../src/docker/engine.js';
import type { Container } from '../../src/runtime/container.js';
import { ipToString } from '../../src/wire/addr.js';

/** Running containers in the order they were last started (the order their rules were added). */
export function runningInStartOrder(e: Engine): Container[] {
  // the daemon keeps only its last 256 events: an order read from a truncated history would be wrong
  if (e.runtime.events.total > e.runtime.events.events.length) throw new Error('event history truncated: the start order is unknown');
  const lastStart = new Map<string, number>();
  e.runtime.events.events.forEach((ev, i) => {
    if (ev.Type === 'container' && (ev.Action === 'start' || ev.Action === 'restart')) lastStart.set(ev.Actor.ID, i);
  });
  return e.runtime.store
    .list()
    .filter((c) => c.running)
    .sort((a, b) => (lastStart.get(a.id) ?? -1) - (lastStart.get(b.id) ?? -1));
}

function portArgs(c: Container): string[] {
  const out: string[] = [];
  for (const [key, binds] of Object.entries(c.hostConfig.PortBindings)) {
    for (const b of binds) {
      const host = b.HostPort ? `${b.HostPort}:` : '';
      out.push(`-p ${b.HostIp ? `${b.HostIp}:${host || ':'}` : host}${key}`);
    }
  }
  return out;
}

/**
 * Docker lines that build `e`'s final state on a fresh engine: the user networks that exist, with
 * the subnets they ended up with, then every running container created with its port bindings,
 * attached to exactly its final networks in their order, and started in the original start order.
 * `container:` joiners are left out: they program no host rules.
 */
export function rebuildCommands(e: Engine): string[] {
  const lines: string[] = [];
  for (const n of e.networks) {
    if (n.predefined) continue;
    const parts = ['docker network create', `--subnet ${n.pool!.cidr}`, `--gateway ${ipToString(n.gateway)}`];
    if (n.internal) parts.push('--internal');
    if (!n.icc) parts.push('-o com.docker.network.bridge.enable_icc=false');
    lines.push([...parts, n.name].join(' '));
  }
  for (const c of runningInStartOrder(e)) {
    const mode = c.hostConfig.NetworkMode;
    // a container:… joiner programs no host rules (and may outlive its namespace's owner)
    if (mode.startsWith('container:')) continue;
    const name = c.name.replace(/^\//, '');
    const finalNets = [...e.sandboxes.of(c).attachments.keys()].map((id) => e.networks.find((n) => n.id === id)!.name);
    let netArg = mode === 'default' ? 'bridge' : mode;
    // the network it was created on may be gone (disconnected, then removed)
    if (!e.findNetwork(netArg)) netArg = finalNets[0] ?? 'bridge';
    lines.push(['docker create', `--name ${name}`, `--network ${netArg}`, ...portArgs(c), 'mini:latest', ...(c.config.Cmd ?? [])].join(' '));
    const ownsNs = netArg !== 'host' && netArg !== 'none';
    if (ownsNs) {
      const first = netArg;
      if (finalNets[0] !== first) {
        lines.push(`docker network disconnect ${first} ${name}`);
        for (const n of finalNets) lines.push(`docker network connect ${n} ${name}`);
      } else for (const n of finalNets.slice(1)) lines.push(`docker network connect ${n} ${name}`);
    }
    lines.push(`docker start ${name}`);
  }
  return lines;
}

/**
 * `iptables-save` of the host with bridge names as `br:NETWORK`, container addresses as
 * `<CONTAINER@NETWORK>` and Docker-chosen host ports as `<eport:CONTAINER:CPORT/PROTO>`.
 */
export function normalizedSave(e: Engine): string {
  let text = iptablesSave(e, e.host);
  const subs: Array<[RegExp, string]> = [];
  for (const n of e.networks) if (n.bridgeName.startsWith('br-')) subs.push([new RegExp(`\\b${n.bridgeName}\\b`, 'g'), `br:${n.name}`]);
  for (const c of e.runtime.store.list()) {
    const name = c.name.replace(/^\//, '');
    const sb = e.sandboxes.of(c).sb;
    if (!sb) continue;
    for (const ep of sb.endpoints) {
      if (ep.ip) subs.push([new RegExp(`(?<![\\d.])${ipToString(ep.ip).replace(/\./g, '\\.')}(?![\\d])`, 'g'), `<${name}@${ep.network.name}>`]);
    }
    const chosen = new Set(
      Object.entries(c.hostConfig.PortBindings).flatMap(([k, bs]) => bs.filter((b) => !b.HostPort).map(() => k)),
    );
    for (const p of sb.ports) {
      // iptables-save shows the IPv4 bindings only: an IPv6 one (`::`) may have the number another
      // container's IPv4 binding has (127.0.0.1:32768 and :::32768), which must not rename that rule
      if (p.hostIp.includes(':')) continue;
      // per protocol: a tcp and a udp binding may be given the same number (32768/tcp and 32768/udp)
      if (chosen.has(`${p.containerPort}/${p.proto}`))
        subs.push([new RegExp(`-p ${p.proto} -m ${p.proto} --dport ${p.hostPort}(?![\\d])`, 'g'), `-p ${p.proto} -m ${p.proto} --dport <eport:${name}:${p.containerPort}/${p.proto}>`]);
    }
  }
  for (const [re, to] of subs) text = text.replace(re, to);
  return text;
}

/**
 * {@link normalizedSave} with each chain's per-container rules (those naming `<CONTAINER@…>`)
 * grouped by container name, keeping their order within the container. The order *between*
 * containers depends on history, not on the final state: Docker re-programs a container's port
 * rules at the end of the chains whenever its gateway endpoint changes (a `network connect` to a
 * network that sorts first, a `disconnect`), so two engines in the same state may list the same
 * containers' blocks in a different order.
 */
export function canonicalSave(e: Engine): string {
  const out: string[] = [];
  let held: Array<{ owner: string; line: string }> = [];
  let chain = '';
  const flush = (): void => {
    const owners = [...new Set(held.map((h) => h.owner))].sort();
    for (const o of owners) for (const h of held) if (h.owner === o) out.push(h.line);
    held = [];
  };
  for (const line of normalizedSave(e).split('\n')) {
    const m = /^-A (\S+) /.exec(line);
    const owner = /<([^@>]+)@/.exec(line)?.[1];
    if (!m || m[1] !== chain) flush();
    chain = m ? m[1]! : '';
    if (m && owner) held.push({ owner, line });
    else {
      // a container rule's block ends where a chain's other rules resume
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n');
}
