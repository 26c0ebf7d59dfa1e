/**
 * ICMP echo sockets: what `ping` uses. Echo replies are matched to a socket by identifier, and
 * ICMP errors quoting one of our echo requests reach the same socket.
 *
 * @module
 */
import { DockernetError } from '../../core/errors.js';
import type { SkBuff } from '../../wire/skbuff.js';
import { ICMP_ECHO, IP_DF, buildIcmpEcho, ipv4Src, ipv4Ttl } from '../../wire/build.js';
import type { NetNamespace } from '../netns.js';
import { startTrace, trace } from '../trace.js';
import { ipToString } from '../../wire/addr.js';
import { ipLocalOut, ipRouteOutput } from '../ip-output.js';

/** Callbacks of a ping socket. */
export interface PingHandler {
  /** An echo reply with our identifier arrived. */
  onReply(seq: number, from: number, ttl: number, bytes: number, skb: SkBuff): void;
  /** An ICMP error quoting one of our requests arrived (e.g. type 3 code 1: host unreachable). */
  onError?(seq: number, from: number, type: number, code: number): void;
}

/** An open ICMP echo socket. */
export interface PingSocket {
  /** Echo identifier. */
  readonly ident: number;
  /** Callbacks. */
  readonly handler: PingHandler;
}

/** Options of {@link PingTable.send}. */
export interface PingSendOptions {
  /** TTL (default the namespace's ip_default_ttl). */
  ttl?: number;
  /** Payload after the ICMP header (default 56 bytes, as busybox ping). */
  payload?: Uint8Array;
  /** Trace this packet. */
  traced?: boolean;
}

/** The socket map of a table that has none yet (shared: never written). */
const NO_SOCKETS: ReadonlyMap<number, PingSocket> = new Map();

/** The echo sockets of a namespace. */
export class PingTable {
  private readonly ns: NetNamespace;
  /** Sockets by identifier: the shared empty map until the first open (an empty Map costs ~180 bytes). */
  private socks: Map<number, PingSocket> = NO_SOCKETS as Map<number, PingSocket>;

  constructor(ns: NetNamespace) {
    this.ns = ns;
  }

  /** Opens a socket with a fresh identifier. */
  open(handler: PingHandler, ident?: number): PingSocket {
    let id = ident ?? this.ns.rng.int(0x10000);
    while (this.socks.has(id)) id = (id + 1) & 0xffff;
    const s: PingSocket = { ident: id, handler };
    if (this.socks === NO_SOCKETS) this.socks = new Map();
    this.socks.set(id, s);
    return s;
  }

  /** Closes a socket. */
  close(s: PingSocket): void {
    if (this.socks.get(s.ident) === s) this.socks.delete(s.ident);
  }

  /**
   * Sends echo request `seq` to `dst`. Throws `ENETUNREACH` ("Network is unreachable") when there
   * is no route, as `sendto` fails.
   */
  send(s: PingSocket, dst: number, seq: number, opts: PingSendOptions = {}): void {
    const ns = this.ns;
    const rt = ipRouteOutput(ns, dst);
    if (!rt) {
      ns.counters.inc('OutNoRoutes');
      throw new DockernetError('ENETUNREACH', 'Network is unreachable');
    }
    let payload = opts.payload;
    if (!payload) {
      payload = new Uint8Array(56).fill(0xff);
      const t = Math.floor(ns.sim.now / 1000) >>> 0;
      new DataView(payload.buffer).setUint32(0, t);
    }
    const skb = buildIcmpEcho(
      ICMP_ECHO,
      { srcMac: 0, dstMac: 0, src: rt.src, dst, ttl: opts.ttl ?? ns.sysctl.ip_default_ttl, id: 0, df: true },
      s.ident,
      seq,
      payload,
    );
    if (opts.traced) startTrace(ns, skb);
    ns.counters.inc('IcmpOutEchos');
    ipLocalOut(ns, skb, rt);
  }

  /** Delivers an echo reply to the socket with its identifier. */
  rcvReply(skb: SkBuff): void {
    const t = skb.transport;
    const v = skb.view;
    const s = this.socks.get(v.getUint16(t + 4));
    if (!s) return;
    if (skb.traced && this.ns.sim.tracer)
      trace(this.ns, skb, 'local', 'deliver', `echo reply from ${ipToString(ipv4Src(skb))} to ping socket (id ${s.ident})`, { proto: 'icmp', ident: s.ident });
    const bytes = v.getUint16(skb.network + 2) - (t - skb.network);
    s.handler.onReply(v.getUint16(t + 6), ipv4Src(skb), ipv4Ttl(skb), bytes, skb);
  }

  /** Delivers an ICMP error about echo request (`ident`, `seq`). */
  err(ident: number, seq: number, _dst: number, type: number, code: number, from: number): void {
    const s = this.socks.get(ident);
    s?.handler.onError?.(seq, from, type, code);
  }
}

/** Don't-fragment flag re-exported for callers building their own echo. */
export const PING_DF = IP_DF;
