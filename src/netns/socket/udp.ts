/**
 * UDP sockets of a namespace: bind (address + port, 0.0.0.0 wildcard, ephemeral ports from
 * `ip_local_port_range`), sendto, receive callbacks, ICMP errors, and `udpRcv` (port unreachable
 * for a closed port).
 *
 * @module
 */
import { DockernetError } from '../../core/errors.js';
import type { NetDevice } from '../../link/netdev.js';
import type { SkBuff } from '../../wire/skbuff.js';
import { ipToString } from '../../wire/addr.js';
import { ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, buildUdp, ipv4Src } from '../../wire/build.js';
import type { NetNamespace } from '../netns.js';
import { ipLocalOut, ipRouteOutput } from '../ip-output.js';
import { icmpSend } from '../icmp.js';
import { startTrace, trace, traceDrop } from '../trace.js';

/** Receive callback: payload (a copy), source address and port. */
export type UdpReceive = (data: Uint8Array, src: number, sport: number, sock: UdpSocket) => void;

/**
 * Zero-copy receive callback: the datagram's SkBuff and where its payload is (`skb.data[off,
 * off+len)`); the sender is `ipv4Src(skb)`, `l4SrcPort(skb)`. The buffer belongs to the stack and
 * is only valid during the call (copy what must outlive it).
 */
export type UdpReceiveSkb = (skb: SkBuff, off: number, len: number, sock: UdpSocket) => void;

/** Error names a UDP socket can see (from ICMP errors). */
export type UdpErrno = 'ECONNREFUSED' | 'EHOSTUNREACH' | 'ENETUNREACH' | 'EPROTO';

/** Maps an ICMP destination-unreachable/time-exceeded (type, code) to an errno name. */
export function icmpErrno(type: number, code: number): UdpErrno {
  if (type === ICMP_DEST_UNREACH) {
    if (code === ICMP_PORT_UNREACH) return 'ECONNREFUSED';
    if (code === 0 || code === 6 || code === 9 || code === 11) return 'ENETUNREACH';
    return 'EHOSTUNREACH';
  }
  return 'EHOSTUNREACH';
}

/** A bound UDP socket. */
export class UdpSocket {
  /** Namespace. */
  readonly ns: NetNamespace;
  /** Bound address (0 = any). */
  readonly laddr: number;
  /** Bound port. */
  readonly lport: number;
  /** Receive callback. */
  onMessage: UdpReceive;
  /**
   * Zero-copy receive: when set, called instead of {@link UdpSocket.onMessage} with the datagram in
   * place (Linux queues the skb itself on the socket; the copy to user space happens at `recvmsg`),
   * so delivery allocates nothing.
   */
  onSkb: UdpReceiveSkb | null = null;
  /** ICMP error callback. */
  onError: ((err: UdpErrno, from: number) => void) | null = null;
  /** Trace every datagram this socket sends. */
  traced = false;
  /** Open until {@link UdpSocket.close}. */
  open = true;

  constructor(ns: NetNamespace, laddr: number, lport: number, onMessage: UdpReceive) {
    this.ns = ns;
    this.laddr = laddr;
    this.lport = lport;
    this.onMessage = onMessage;
  }

  /** Sends `data` to `dst:port`. Throws `ENETUNREACH` ("Network is unreachable") without a route. */
  sendTo(dst: number, port: number, data: Uint8Array): void {
    const ns = this.ns;
    const rt = ipRouteOutput(ns, dst, this.laddr);
    if (!rt) {
      ns.counters.inc('OutNoRoutes');
      throw new DockernetError('ENETUNREACH', 'Network is unreachable');
    }
    const skb = buildUdp(
      { srcMac: 0, dstMac: 0, src: rt.src, dst, ttl: ns.sysctl.ip_default_ttl, id: 0, df: true },
      this.lport,
      port,
      data,
    );
    if (this.traced) startTrace(ns, skb);
    ns.UdpOutDatagrams++;
    ipLocalOut(ns, skb, rt);
  }

  /** Closes the socket (frees the port). */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.ns.udp.unbind(this);
  }
}

/** Bound ports beyond which a namespace's UDP table also indexes its ports in an array. */
export const UDP_DENSE_MIN = 1024;

/** The socket map of a table that has none yet (shared: never written). */
const NO_SOCKETS: ReadonlyMap<number, UdpSocket[]> = new Map();

/** The UDP sockets of a namespace. */
export class UdpTable {
  private readonly ns: NetNamespace;
  /** Socket lists by port: the shared empty map until the first bind (an empty Map costs ~180 bytes). */
  private ports: Map<number, UdpSocket[]> = NO_SOCKETS as Map<number, UdpSocket[]>;
  /**
   * Past {@link UDP_DENSE_MIN} bound ports, the same lists also indexed by port in an array (Linux's
   * udp_table is an array of slots hashed by port): a `Map` of tens of thousands of ports costs a
   * few cache misses per lookup, the array one.
   */
  private dense: Array<UdpSocket[] | undefined> | null = null;
  /**
   * The port and socket list of the last successful lookup (-1: none). A container usually has one
   * or two bound ports: the list is then found without reading the `Map`'s backing store, which
   * with thousands of namespaces is out of the CPU cache.
   */
  private lastPort = -1;
  private lastList: UdpSocket[] | null = null;
  /** The only socket on `lastPort` when there is exactly one (no list to read), else null. */
  private lastOnly: UdpSocket | null = null;

  constructor(ns: NetNamespace) {
    this.ns = ns;
  }

  /**
   * Binds `addr:port` (`addr` 0 = 0.0.0.0; `port` 0 = an ephemeral port). Throws `EADDRINUSE`
   * ("Address already in use") when the port is taken by the same or a wildcard address, and
   * `EADDRNOTAVAIL` for an address that is not ours.
   */
  bind(addr: number, port: number, onMessage: UdpReceive): UdpSocket {
    addr >>>= 0;
    if (addr !== 0 && !this.ns.isLocalAddress(addr) && this.ns.addrType(addr) !== 'LOCAL' && addr !== 0xffffffff)
      throw new DockernetError('EADDRNOTAVAIL', 'Cannot assign requested address');
    if (port === 0) port = this.ephemeral(addr);
    else if (this.conflicts(addr, port)) throw new DockernetError('EADDRINUSE', 'Address already in use');
    const s = new UdpSocket(this.ns, addr, port, onMessage);
    if (port === this.lastPort) this.forgetLast();
    let l = this.ports.get(port);
    if (!l) {
      l = [s]; // exact size: a port usually has one socket (push would reserve 17 slots)
      if (this.ports === NO_SOCKETS) this.ports = new Map();
      this.ports.set(port, l);
      if (this.dense !== null) this.dense[port] = l;
      else if (this.ports.size > UDP_DENSE_MIN) {
        const d: Array<UdpSocket[] | undefined> = new Array(65536).fill(undefined);
        for (const [p, list] of this.ports) d[p] = list;
        this.dense = d;
      }
    } else l.push(s);
    return s;
  }

  private conflicts(addr: number, port: number): boolean {
    const l = this.ports.get(port);
    return !!l && l.some((s) => s.laddr === 0 || addr === 0 || s.laddr === addr);
  }

  private ephemeral(addr: number): number {
    const [lo, hi] = this.ns.sysctl.ip_local_port_range;
    const n = hi - lo + 1;
    const start = this.ns.rng.int(n);
    for (let i = 0; i < n; i++) {
      const p = lo + ((start + i) % n);
      if (!this.conflicts(addr, p)) return p;
    }
    throw new DockernetError('EADDRINUSE', 'Address already in use');
  }

  /** @internal */
  unbind(s: UdpSocket): void {
    const l = this.ports.get(s.lport);
    if (!l) return;
    const i = l.indexOf(s);
    if (i >= 0) l.splice(i, 1);
    if (this.lastPort === s.lport) this.forgetLast();
    if (!l.length) {
      this.ports.delete(s.lport);
      if (this.dense !== null) this.dense[s.lport] = undefined;
    }
  }

  private forgetLast(): void {
    this.lastPort = -1;
    this.lastList = null;
    this.lastOnly = null;
  }

  /** The socket that receives datagrams for `daddr:dport` (exact address first, then wildcard). */
  lookup(daddr: number, dport: number): UdpSocket | null {
    const d = daddr | 0; // uint32 or int32 in, compared as int32
    let l: UdpSocket[] | null | undefined;
    if (dport === this.lastPort) {
      const only = this.lastOnly;
      // one socket: it takes the datagram if bound to this address or to the wildcard
      if (only !== null) return (only.laddr | 0) === d || only.laddr === 0 ? only : null;
      l = this.lastList;
    } else {
      l = this.dense !== null ? this.dense[dport & 0xffff] : this.ports.get(dport);
      if (!l) return null;
      this.lastPort = dport;
      this.lastList = l;
      this.lastOnly = l.length === 1 ? l[0]! : null;
    }
    if (!l) return null;
    let wild: UdpSocket | null = null;
    for (let i = 0; i < l.length; i++) {
      const s = l[i]!;
      if ((s.laddr | 0) === d && s.laddr !== 0) return s;
      if (s.laddr === 0 && wild === null) wild = s;
    }
    return wild;
  }

  /** Delivers an ICMP error about a datagram we sent from `src:sport`. */
  err(src: number, sport: number, _dst: number, _dport: number, type: number, code: number, from: number): void {
    const s = this.lookup(src, sport);
    if (s && s.onError) s.onError(icmpErrno(type, code), from);
  }

  /** Bound sockets, sorted by port (for `ss -lnu`). */
  list(): UdpSocket[] {
    return [...this.ports.values()].flat().sort((a, b) => a.lport - b.lport || (a.laddr >>> 0) - (b.laddr >>> 0));
  }
}

/**
 * UDP input: deliver to the bound socket, or answer ICMP port unreachable (`UdpNoPorts`).
 *
 * @see Linux `__udp4_lib_rcv`
 */
export function udpRcv(ns: NetNamespace, dev: NetDevice, skb: SkBuff): void {
  const t = skb.transport;
  const v = skb.view;
  const dst = v.getInt32(skb.network + 16); // int32: no heap number for addresses above 2^31
  const dport = v.getUint16(t + 2);
  const s = ns.udp.lookup(dst, dport);
  if (!s) {
    ns.counters.inc('UdpNoPorts');
    if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'port closed', { port: dport, proto: 'udp' });
    if (ns.addrType(dst) !== 'BROADCAST') icmpSend(ns, skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, dev);
    return;
  }
  ns.UdpInDatagrams++;
  const plen = v.getUint16(t + 4) - 8;
  if (skb.traced && ns.sim.tracer)
    trace(ns, skb, 'local', 'deliver', `udp ${ipToString(dst)}:${dport}: ${plen} bytes to socket`, { proto: 'udp', port: dport });
  const onSkb = s.onSkb;
  if (onSkb !== null) {
    onSkb(skb, t + 8, plen, s);
    return;
  }
  s.onMessage(skb.data.slice(t + 8, t + 8 + plen), ipv4Src(skb), v.getUint16(t), s);
}
