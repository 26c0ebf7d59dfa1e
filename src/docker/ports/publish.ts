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

function hostPortRange(text: string): [number, number] {
  if (!text) return [0, 0];
  const [a, b] = text.split('-');
  const lo = Number(a);
  return [lo, b !== undefined ? Number(b) : lo];
}

/** Publishes every binding of `c` on endpoint `ep`; rolls back and throws on failure. */
export function publishPorts(e: Engine, c: Container, ep: Endpoint, _sb: Sandbox): Published {
  const out: Published = { ports: [], stops: [] };
  const hc = c.hostConfig;
  const exposed = Object.keys(c.config.ExposedPorts ?? {});
  const seen = new Set(exposed);
  for (const k of Object.keys(hc.PortBindings)) if (!seen.has(k)) exposed.push(k);
  const sorted = sortPortMap(exposed, hc.PortBindings);
  // the same string as the container's /etc/hosts record of this address (sandbox.ts join)
  const cip = share(ipToString(ep.ip));
  const bridge = ep.network.bridgeName;
  try {
    for (const { port, binding } of sorted) {
      if (!binding && !hc.PublishAllPorts) continue;
      const b = binding ?? { HostIp: '', HostPort: '' };
      const [cportText, proto = 'tcp'] = port.split('/') as [string, string?];
      const cport = Number(cportText);
      const wantV6Only = b.HostIp.includes(':');
      const v4Ip = b.HostIp === '' ? (ep.network.hostBindingIpv4 ?? '0.0.0.0') : b.HostIp;
      const [lo, hi] = hostPortRange(b.HostPort);
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
