/**
 * docker-proxy, the userland proxy: a relay in the host namespace listening on the published
 * host address and port, opening its own connection (or datagram flow) to the container. It is
 * what answers 127.0.0.1:PORT and container → gateway:PORT (the nat DOCKER chain RETURNs traffic
 * from the bridge), NOTES items 11–14.
 */
import { DockernetError } from '../../core/errors.js';
import type { UdpSocket } from '../../netns/socket/udp.js';
import type { TcpListener, TcpSocket } from '../../netns/socket/tcp.js';
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

/** The proxy's per-client UDP sockets: connected (ESTAB), so `ss -l` does not list them. */
export const connectedUdp = new WeakSet<UdpSocket>();

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
        connectedUdp.add(f);
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

/**
 * TCP relay: accept on the host address, connect to the container, copy bytes both ways; when
 * the container refuses, the accepted connection is closed (the client saw a successful connect:
 * "connected, no HTTP reply", NOTES item 14).
 */
function tcpProxy(e: Engine, hostIp: string, hostPort: number, containerIp: string, containerPort: number): () => void {
  if (hostIp.includes(':')) return () => undefined;
  const host = e.host;
  interface Pair {
    backend: TcpSocket | null;
    pending: Uint8Array[];
    up: boolean;
  }
  const pairs = new Map<TcpSocket, Pair>();
  const dst = parseIp(containerIp);
  const closeQuietly = (s: TcpSocket | null): void => {
    try {
      s?.close();
    } catch {
      /* already closed */
    }
  };
  let l: TcpListener;
  try {
    l = host.tcp.listen(parseIp(hostIp), hostPort, (client) => {
      const p: Pair = { backend: null, pending: [], up: false };
      pairs.set(client, p);
      try {
        p.backend = host.tcp.connect(dst, containerPort, {
          onConnect: (b) => {
            p.up = true;
            for (const d of p.pending) b.send(d);
            p.pending = [];
          },
          onData: (_b, d) => {
            try {
              client.send(d);
            } catch {
              /* client gone */
            }
          },
          onEnd: (b) => {
            closeQuietly(client);
            closeQuietly(b);
          },
          onError: () => closeQuietly(client),
        });
      } catch {
        closeQuietly(client);
      }
    }, {
      onData: (client, d) => {
        const p = pairs.get(client);
        if (!p) return;
        if (p.up && p.backend) p.backend.send(d);
        else p.pending.push(d);
      },
      onEnd: (client) => {
        const p = pairs.get(client);
        if (p?.up) closeQuietly(p.backend);
      },
      onClose: (client) => pairs.delete(client),
    });
  } catch (err) {
    throw new DockernetError('EPROXY', `Error starting userland proxy: listen tcp4 ${hostIp}:${hostPort}: bind: ${(err as Error).message.toLowerCase()}`);
  }
  return () => {
    l.close();
    for (const [c, p] of pairs) {
      closeQuietly(c);
      closeQuietly(p.backend);
    }
  };
}
