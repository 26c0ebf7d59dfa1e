/**
 * Publishing a container's ports on its gateway endpoint (daemon `buildCreateEndpointOptions` +
 * bridge driver `allocatePorts`): bindings in `nat.SortPortMap` order, each IPv4 binding gets a
 * host port, the three iptables rules and a docker-proxy; a binding on all addresses is also
 * published on `::` with the same port (proxy only: the daemon has no IPv6 iptables).
 */
import { DockernetError } from '../../core/errors.js';
import { share } from '../../core/intern.js';
import type { Container } from '../../runtime/container.js';
import { ipToString } from '../../wire/addr.js';
import type { Engine } from '../engine.js';
import type { Endpoint, MappedPort } from '../network/model.js';
import type { Sandbox } from '../sandbox.js';
import { forward } from '../iptables/port-rules.js';
import { sortPortMap } from './sort.js';
import { openProxy, type DockerProxy } from './proxy.js';

/** The programmed mappings and their proxies. */
export interface Published {
  ports: MappedPort[];
  stops: DockerProxy[];
}

/** The low end of a `-p` host port text (`8080`, `8080-8090`; 0 when empty). */
function hostPortLo(text: string): number {
  if (!text) return 0;
  const dash = text.indexOf('-');
  return Number(dash < 0 ? text : text.slice(0, dash));
}

/** The high end of a `-p` host port text (the low end when it is one port). */
function hostPortHi(text: string): number {
  if (!text) return 0;
  const dash = text.indexOf('-');
  if (dash < 0) return Number(text);
  const next = text.indexOf('-', dash + 1);
  return Number(next < 0 ? text.slice(dash + 1) : text.slice(dash + 1, next));
}

/** Publishes every binding of `c` on endpoint `ep`; rolls back and throws on failure. */
export function publishPorts(e: Engine, c: Container, ep: Endpoint, _sb: Sandbox): Published {
  const out: Published = { ports: [], stops: [] };
  const hc = c.hostConfig;
  // indexed loops, no destructuring: this runs unoptimized for a process's first containers, where
  // every iterator step is a call and an object
  const exposed = c.config.ExposedPorts ? Object.keys(c.config.ExposedPorts) : [];
  const bound = Object.keys(hc.PortBindings);
  // (a Set once there are many: a published range of ports)
  const seen = exposed.length + bound.length > 16 ? new Set(exposed) : null;
  for (let i = 0; i < bound.length; i++) {
    const k = bound[i]!;
    if (seen ? !seen.has(k) : !exposed.includes(k)) exposed.push(k);
  }
  const sorted = sortPortMap(exposed, hc.PortBindings);
  // the same string as the container's /etc/hosts record of this address (sandbox.ts join)
  const cip = share(ipToString(ep.ip));
  const bridge = ep.network.bridgeName;
  try {
    for (let i = 0; i < sorted.length; i++) {
      const { port, binding } = sorted[i]!;
      if (!binding && !hc.PublishAllPorts) continue;
      const b = binding ?? { HostIp: '', HostPort: '' };
      const slash = port.indexOf('/');
      const cport = Number(slash < 0 ? port : port.slice(0, slash));
      const slash2 = slash < 0 ? -1 : port.indexOf('/', slash + 1);
      const p = slash < 0 ? 'tcp' : port.slice(slash + 1, slash2 < 0 ? port.length : slash2);
      // the mapping keeps it: the literal, not a string per container
      const proto = p === 'tcp' ? 'tcp' : p === 'udp' ? 'udp' : p;
      const wantV6Only = b.HostIp.includes(':');
      const v4Ip = b.HostIp === '' ? (ep.network.hostBindingIpv4 ?? '0.0.0.0') : b.HostIp;
      const lo = hostPortLo(b.HostPort);
      const hi = hostPortHi(b.HostPort);
      let hostPort = 0;
      if (!wantV6Only) {
        hostPort = allocate(e, v4Ip, proto, lo, hi);
        const m: MappedPort = { proto, containerPort: cport, hostIp: v4Ip, hostPort };
        out.ports.push(m);
        forward(e.ipt, '-A', { proto, hostIp: v4Ip, hostPort, containerIp: cip, containerPort: cport, bridge });
        out.stops.push(openProxy(e, proto, v4Ip, hostPort, cip, cport));
      }
      // only a binding without an address gets the :: twin (NOTES 8; an explicit 0.0.0.0 gets one
      // entry: net-20 q-b). A docker-chosen port is chosen again from the :: map, whose cursor is its
      // own (net-20 q-c: 0.0.0.0 skipped 32768, taken by 127.0.0.1, and got 32769; :: got 32768)
      if ((b.HostIp === '' && !ep.network.hostBindingIpv4) || wantV6Only) {
        const p6 = lo === 0 ? allocate(e, '::', proto, 0, 0) : allocate(e, '::', proto, hostPort || lo, hostPort || hi);
        out.ports.push({ proto, containerPort: cport, hostIp: '::', hostPort: p6 });
        out.stops.push(openProxy(e, proto, '::', p6, cip, cport));
      }
    }
  } catch (err) {
    unpublishPorts(e, ep, out.ports);
    for (const s of out.stops) s.stop();
    const msg = (err as Error).message;
    throw new DockernetError('EDAEMON', `driver failed programming external connectivity on endpoint ${c.name.slice(1)} (${ep.id}): ${msg}`, 125);
  }
  // exact-size copies: the sandbox keeps them while the container runs (a pushed array reserves 17 slots)
  return { ports: out.ports.slice(), stops: out.stops.slice() };
}

function allocate(e: Engine, hostIp: string, proto: string, lo: number, hi: number): number {
  if (lo === 0) return e.ports.request(hostIp, proto, 0);
  let last: unknown = null;
  for (let p = lo; p <= hi; p++) {
    try {
      return e.ports.request(hostIp, proto, p);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** Removes the rules and frees the host ports of `ports` (proxies are stopped by the caller). */
export function unpublishPorts(e: Engine, ep: Endpoint, ports: readonly MappedPort[]): void {
  const cip = ipToString(ep.ip);
  for (const m of ports) {
    if (m.hostIp !== '::') forward(e.ipt, '-D', { proto: m.proto, hostIp: m.hostIp, hostPort: m.hostPort, containerIp: cip, containerPort: m.containerPort, bridge: ep.network.bridgeName });
    e.ports.release(m.hostIp, m.proto, m.hostPort);
  }
}
