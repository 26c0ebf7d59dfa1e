/**
 * docker-proxy, the userland proxy: a relay in the host namespace listening on the published
 * host address and port, opening its own connection (or datagram flow) to the container. It is
 * what answers 127.0.0.1:PORT and container → gateway:PORT (the nat DOCKER chain RETURNs traffic
 * from the bridge), NOTES items 11–14.
 */
import { DockernetError } from '../../core/errors.js';
import type { UdpSocket } from '../../netns/socket/udp.js';
import { parseIp } from '../../wire/addr.js';
import type { Engine } from '../engine.js';

/** A running proxy as `ps` would show it. */
export interface ProxyInfo {
  proto: string;
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

/** Proxies by engine (for host-listeners / docker-proxy cmdlines). */
export const proxies = new WeakMap<Engine, Set<ProxyInfo>>();

/** Starts a proxy; returns the function that stops it. Bind failures use the proxy's error text. */
export function startProxy(e: Engine, proto: string, hostIp: string, hostPort: number, containerIp: string, containerPort: number): () => void {
  const info: ProxyInfo = { proto, hostIp, hostPort, containerIp, containerPort };
  let set = proxies.get(e);
  if (!set) {
    set = new Set();
    proxies.set(e, set);
  }
  set.add(info);
  let close: () => void = () => undefined;
  if (proto === 'udp' && !hostIp.includes(':')) close = udpProxy(e, hostIp, hostPort, parseIp(containerIp), containerPort);
  else if (proto === 'tcp') close = tcpProxy(e, hostIp, hostPort, containerIp, containerPort);
  return () => {
    close();
    set!.delete(info);
  };
}

function udpProxy(e: Engine, hostIp: string, hostPort: number, cip: number, cport: number): () => void {
  const host = e.host;
  const flows = new Map<string, UdpSocket>();
  let listener: UdpSocket;
  try {
    listener = host.udp.bind(parseIp(hostIp), hostPort, (data, src, sport) => {
      const key = `${src}:${sport}`;
      let f = flows.get(key);
      if (!f) {
        f = host.udp.bind(0, 0, (reply) => {
          try {
            listener.sendTo(src, sport, reply);
          } catch {
            /* dropped */
          }
        });
        flows.set(key, f);
      }
      try {
        f.sendTo(cip, cport, data);
      } catch {
        /* dropped */
      }
    });
  } catch (err) {
    throw new DockernetError('EPROXY', `Error starting userland proxy: listen udp4 ${hostIp}:${hostPort}: bind: ${(err as Error).message.toLowerCase()}`);
  }
  return () => {
    listener.close();
    for (const f of flows.values()) f.close();
  };
}

/** TCP relay: uses the namespace's TCP sockets when the stack provides them. */
function tcpProxy(e: Engine, hostIp: string, hostPort: number, containerIp: string, containerPort: number): () => void {
  const tcp = (e.host as unknown as { tcp?: { listen?: (addr: number, port: number, onAccept: (c: unknown) => void) => { close(): void } } }).tcp;
  if (!tcp || typeof tcp.listen !== 'function' || hostIp.includes(':')) return () => undefined;
  const relay = (e as unknown as { tcpRelay?: (conn: unknown, ip: string, port: number) => void }).tcpRelay;
  let l: { close(): void };
  try {
    l = tcp.listen(parseIp(hostIp), hostPort, (conn) => relay?.call(e, conn, containerIp, containerPort));
  } catch (err) {
    throw new DockernetError('EPROXY', `Error starting userland proxy: listen tcp4 ${hostIp}:${hostPort}: bind: ${(err as Error).message.toLowerCase()}`);
  }
  return () => l.close();
}
