/**
 * What a TCP connection and its TIME_WAIT record share to send a segment: the windows and the
 * sequence-space comparisons, the header fields of the segment being sent (one set serves every
 * connection: `buildTcp` reads them and keeps nothing), and the timestamps option of a received one.
 *
 * @module
 */
import type { IpBuildOptions, TcpBuildFields, TcpOption } from '../../wire/build.js';
import type { SkBuff } from '../../wire/skbuff.js';
import { tcpOptionAt } from '../../wire/tcp.js';
import type { NetNamespace } from '../netns.js';

/** Receive window we advertise (64256 = 502 << 7, Linux's usual value after the handshake). */
export const RCV_WND = 64256;
/** Window of a SYN, and of every segment of a connection without window scaling. */
export const SYN_WND = 64240;
/** The window scale we offer. */
export const WSCALE = 7;

/** `a` before `b`, modulo 2^32. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a` before or at `b`, modulo 2^32. */
export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

const IP_HDR: IpBuildOptions = { srcMac: 0, dstMac: 0, src: 0, dst: 0, ttl: 64, id: 0, df: true };
const TCP_HDR: TcpBuildFields = { sport: 0, dport: 0, seq: 0, ack: 0, flags: 0, window: 0, options: undefined };
const TS_OPT = { kind: 'timestamps' as const, tsval: 0, tsecr: 0 };
/** The timestamps option of a segment that is not a SYN, and the option list it ends (two NOPs first). */
const TS_OPTS: TcpOption[] = [{ kind: 'nop' }, { kind: 'nop' }, TS_OPT];

/** The endpoints of a connection, as both kinds of table entry name them. */
export interface TcpEnds {
  readonly laddr: number;
  readonly lport: number;
  readonly raddr: number;
  readonly rport: number;
}

/**
 * The shared header fields, filled for a segment of connection `c` with IP id `id`: the IP header,
 * and the TCP header's ports. The caller completes the TCP fields (sequence numbers, flags, window,
 * options) and builds the segment before the next call.
 */
export function segmentHeaders(ns: NetNamespace, c: TcpEnds, id: number): { ip: IpBuildOptions; tcp: TcpBuildFields } {
  const ip = IP_HDR;
  ip.src = c.laddr;
  ip.dst = c.raddr;
  ip.ttl = ns.sysctl.ip_default_ttl;
  ip.id = id;
  const tcp = TCP_HDR;
  tcp.sport = c.lport;
  tcp.dport = c.rport;
  return SEGMENT;
}
const SEGMENT = { ip: IP_HDR, tcp: TCP_HDR };

/** The option list of a segment that is not a SYN on a connection with timestamps (shared: read it before the next call). */
export function timestampOptions(tsval: number, tsecr: number): TcpOption[] {
  TS_OPT.tsval = tsval;
  TS_OPT.tsecr = tsecr;
  return TS_OPTS;
}

/** The offset of the timestamps option (kind 8, length 10) in `skb`'s TCP header, or -1. */
export function timestampsAt(skb: SkBuff): number {
  const b = skb.data;
  const t = skb.transport;
  const end = t + (b[t + 12]! >>> 4) * 4;
  for (let p = tcpOptionAt(b, t + 20, end); p >= 0; p = tcpOptionAt(b, p + b[p + 1]!, end)) if (b[p] === 8 && b[p + 1] === 10) return p;
  return -1;
}
