/**
 * docker-proxy, the userland proxy: a relay in the host namespace listening on the published
 * host address and port, opening its own connection (or datagram flow) to the container. It is
 * what answers 127.0.0.1:PORT and container → gateway:PORT (the nat DOCKER chain RETURNs traffic
 * from the bridge), NOTES items 11–14.
 */
import { DockernetError } from '../../core/errors.js';
import type { UdpSocket } from '../../netns/socket/udp.js';
import type { TcpCallbacks, TcpListener, TcpSocket } from '../../netns/socket/tcp.js';
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

const NO_PROXIES: readonly ProxyInfo[] = [];

/**
 * The running proxies of an engine (for host-listeners / docker-proxy cmdlines). They are kept on
 * the engine (`Engine.proxySet`), not in a WeakMap keyed by it: V8's scavenger keeps an old
 * WeakMap's values alive while their keys are young, and a proxy's relay holds its engine.
 */
export function proxiesOf(e: Engine): Iterable<ProxyInfo> {
  return e.proxySet ?? NO_PROXIES;
}

/**
 * Proxies by engine, as the WeakMap this module used to export: `proxies.get(e)` is the engine's
 * set (undefined before its first proxy). Prefer {@link proxiesOf}.
 */
export const proxies: { get(e: Engine): ReadonlySet<ProxyInfo> | undefined; has(e: Engine): boolean } = {
  get: (e) => e.proxySet ?? undefined,
  has: (e) => e.proxySet !== null,
};

/**
 * A running docker-proxy: what `ps` shows of it ({@link ProxyInfo}) and how to stop it. One object
 * per published binding (the TCP relay keeps its connections only once it has some).
 */
export class DockerProxy implements ProxyInfo {
  /** Stops the relay (closes its listener and connections); null for an IPv6 binding (listing only). */
  private close: { close(): void } | (() => void) | null = null;
  constructor(
    private readonly set: Set<ProxyInfo>,
    readonly proto: string,
    readonly hostIp: string,
    readonly hostPort: number,
    readonly containerIp: string,
    readonly containerPort: number,
  ) {}

  /** Stops the proxy and forgets it. */
  stop(): void {
    const c = this.close;
    if (typeof c === 'function') c();
    else if (c !== null) c.close();
    this.set.delete(this);
  }

  /** @internal */
  start(e: Engine): this {
    // the emulated kernel, like the lab's, has no SCTP sockets: docker-proxy cannot listen (net-20)
    if (this.proto === 'sctp') throw new DockernetError('EPROXY', 'Error starting userland proxy: protocol not supported');
    if (this.proto === 'udp' && !this.hostIp.includes(':')) this.close = udpProxy(e, this.hostIp, this.hostPort, parseIp(this.containerIp), this.containerPort);
    else if (this.proto === 'tcp' && !this.hostIp.includes(':')) this.close = new TcpRelay(e, this.hostIp, this.hostPort, this.containerIp, this.containerPort);
    return this;
  }
}

/** Starts a proxy; returns it (stop with {@link DockerProxy.stop}). Bind failures use the proxy's error text. */
export function openProxy(e: Engine, proto: string, hostIp: string, hostPort: number, containerIp: string, containerPort: number): DockerProxy {
  const set = (e.proxySet ??= new Set());
  const p = new DockerProxy(set, proto, hostIp, hostPort, containerIp, containerPort);
  set.add(p); // (stays listed when the bind below throws, as it always has)
  return p.start(e);
}

/** Starts a proxy; returns the function that stops it. Bind failures use the proxy's error text. */
export function startProxy(e: Engine, proto: string, hostIp: string, hostPort: number, containerIp: string, containerPort: number): () => void {
  const p = openProxy(e, proto, hostIp, hostPort, containerIp, containerPort);
  return () => p.stop();
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

/** One accepted client of a TCP relay and its connection to the container. */
interface Pair {
  backend: TcpSocket | null;
  pending: Uint8Array[];
  up: boolean;
}

function closeQuietly(s: TcpSocket | null | undefined): void {
  try {
    s?.close();
  } catch {
    /* already closed */
  }
}

/**
 * TCP relay: accept on the host address, connect to the container, copy bytes both ways; when
 * the container refuses, the accepted connection is closed (the client saw a successful connect:
 * "connected, no HTTP reply", NOTES item 14). The relay is its accepted sockets' callbacks.
 */
class TcpRelay implements TcpCallbacks {
  private readonly l: TcpListener;
  /** Accepted clients and their backends (created with the first client). */
  private pairs: Map<TcpSocket, Pair> | null = null;
  private readonly dst: number;

  constructor(
    private readonly e: Engine,
    hostIp: string,
    hostPort: number,
    containerIp: string,
    private readonly containerPort: number,
  ) {
    this.dst = parseIp(containerIp) | 0; // int32 in the object (a 172.x uint32 is a heap number per relay)
    try {
      this.l = e.host.tcp.listen(parseIp(hostIp), hostPort, relayAccept, this);
    } catch (err) {
      throw new DockernetError('EPROXY', `Error starting userland proxy: listen tcp4 ${hostIp}:${hostPort}: bind: ${(err as Error).message.toLowerCase()}`);
    }
  }

  /** @internal a new client (through {@link relayAccept}: one function for every relay, no closure per published port) */
  accept(client: TcpSocket): void {
    const p: Pair = { backend: null, pending: [], up: false };
    (this.pairs ??= new Map()).set(client, p);
    try {
      p.backend = this.e.host.tcp.connect(this.dst >>> 0, this.containerPort, {
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
  }

  /** {@link TcpCallbacks} of an accepted client: data to relay. */
  onData(client: TcpSocket, d: Uint8Array): void {
    const p = this.pairs?.get(client);
    if (!p) return;
    if (p.up && p.backend) p.backend.send(d);
    else p.pending.push(d);
  }

  /** The client closed its direction. */
  onEnd(client: TcpSocket): void {
    const p = this.pairs?.get(client);
    if (p?.up) closeQuietly(p.backend);
  }

  /** The client connection is gone. */
  onClose(client: TcpSocket): void {
    this.pairs?.delete(client);
  }

  /** Stops listening and closes every relayed connection. */
  close(): void {
    this.l.close();
    if (this.pairs) {
      for (const [c, p] of this.pairs) {
        closeQuietly(c);
        closeQuietly(p.backend);
      }
    }
  }
}

/** A relay's listener's accept: the accepted socket's callbacks are the relay (the listener's childCallbacks). */
function relayAccept(client: TcpSocket): void {
  (client.cb as TcpRelay).accept(client);
}
