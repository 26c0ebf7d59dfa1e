/**
 * Userland helpers that drive the simulator until they are done, like the commands the oracle
 * ran inside containers: `ping -c N -W S`, `printf … | nc -w S host port`, a UDP request/response,
 * and tiny servers (busybox `httpd`, a UDP echo).
 *
 * Each client helper runs `ns.sim` step by step until its own deadline timer fires or it has its
 * answer, so the clock ends where the real command would have returned.
 *
 * @module
 */
import type { Sim, Timer } from '../core/scheduler.js';
import type { Nanos } from '../core/time.js';
import { SECOND } from '../core/time.js';
import { DockernetError } from '../core/errors.js';
import { latin1, utf8 } from '../core/text.js';
import { ipToString, parseIp } from '../wire/addr.js';
import { ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED } from '../wire/build.js';
import type { NetNamespace } from './netns.js';
import type { TcpListener, TcpSocket } from './socket/tcp.js';
import { TCP_ERRNO_TEXT } from './socket/tcp.js';
import type { UdpSocket } from './socket/udp.js';

/** Runs `sim` until `done()` holds or nothing is left to do. */
export function runUntil(sim: Sim, done: () => boolean): void {
  while (!done()) if (!sim.step()) break;
}

function addr(a: number | string): number {
  return typeof a === 'string' ? parseIp(a) : a >>> 0;
}

function fmtMs(ns: Nanos): string {
  return (ns / 1e6).toFixed(3);
}

/** Options of {@link ping}. */
export interface PingOptions {
  /** Echo requests to send (`-c`, default 1). */
  count?: number;
  /** How long to wait for the last reply (`-W`, default 1 s). */
  timeoutNs?: Nanos;
  /** Interval between requests (`-i`, default 1 s). */
  intervalNs?: Nanos;
  /** TTL of the requests (`-t`). */
  ttl?: number;
  /** Trace the packets. */
  traced?: boolean;
}

/** One echo reply. */
export interface PingReply {
  /** Sequence number. */
  seq: number;
  /** Source address of the reply (dotted quad). */
  from: string;
  /** TTL of the reply. */
  ttl: number;
  /** Round-trip time in virtual nanoseconds. */
  rttNs: Nanos;
  /** ICMP bytes (header + data), as ping prints them (`64 bytes from …`). */
  bytes: number;
}

/** An ICMP error received about one of the requests. */
export interface PingIcmpError {
  /** Sequence number. */
  seq: number;
  /** Who sent the error. */
  from: string;
  /** ICMP type and code. */
  type: number;
  /** ICMP code. */
  code: number;
  /** iputils-style text: `Destination Host Unreachable`, `Time to live exceeded`, … */
  text: string;
}

/** Result of {@link ping}. */
export interface PingResult {
  /** Requests sent. */
  transmitted: number;
  /** Replies received. */
  received: number;
  /** The replies. */
  replies: PingReply[];
  /** ICMP errors about our requests. */
  icmpErrors: PingIcmpError[];
  /** The send error, busybox-style (`ping: sendto: Network is unreachable`), or null. */
  error: string | null;
  /** busybox ping's output (stdout, then the error line if any). */
  text: string;
  /** Exit status: 0 when at least one reply arrived. */
  exitCode: number;
}

function icmpText(type: number, code: number): string {
  if (type === ICMP_DEST_UNREACH) {
    switch (code) {
      case 0: return 'Destination Net Unreachable';
      case 1: return 'Destination Host Unreachable';
      case 2: return 'Destination Protocol Unreachable';
      case 3: return 'Destination Port Unreachable';
      case 4: return 'Frag needed and DF set';
      case 13: return 'Packet filtered';
      default: return `Dest Unreachable, Bad Code: ${code}`;
    }
  }
  if (type === ICMP_TIME_EXCEEDED) return code === 0 ? 'Time to live exceeded' : 'Frag reassembly time exceeded';
  return `Bad ICMP type: ${type}`;
}

/**
 * `ping -c COUNT -W TIMEOUT DST` from `ns`: sends echo requests one interval apart and waits up to
 * the timeout after the last one (busybox stops early once every reply is in).
 */
export function ping(ns: NetNamespace, dst: number | string, opts: PingOptions = {}): PingResult {
  const d = addr(dst);
  const count = opts.count ?? 1;
  const interval = opts.intervalNs ?? SECOND;
  const timeout = opts.timeoutNs ?? SECOND;
  const sim = ns.sim;
  const sentAt: Nanos[] = [];
  const replies: PingReply[] = [];
  const icmpErrors: PingIcmpError[] = [];
  const seen = new Set<number>();
  let error: string | null = null;
  let done = false;
  let transmitted = 0;
  const sock = ns.ping.open({
    onReply(seq, from, ttl, bytes) {
      if (seq >= sentAt.length || seen.has(seq)) return;
      seen.add(seq);
      replies.push({ seq, from: ipToString(from), ttl, rttNs: sim.now - sentAt[seq]!, bytes });
      if (replies.length >= count && transmitted >= count) done = true;
    },
    onError(seq, from, type, code) {
      icmpErrors.push({ seq, from: ipToString(from), type, code, text: icmpText(type, code) });
    },
  });
  // the next request's or the last wait's timer, cancelled once done (a scan of thousands of pings
  // would otherwise leave each one's timer in the simulator's heap until it fires)
  let next: Timer | null = null;
  const sendOne = (seq: number): void => {
    next = null;
    if (done) return;
    sentAt[seq] = sim.now;
    try {
      ns.ping.send(sock, d, seq, { ttl: opts.ttl, traced: opts.traced });
      transmitted++;
    } catch (e) {
      if (e instanceof DockernetError) {
        error = `ping: sendto: ${e.message}`;
        done = true;
        return;
      }
      throw e;
    }
    if (seq + 1 < count) next = sim.schedule(interval, () => sendOne(seq + 1));
    else
      next = sim.schedule(timeout, () => {
        next = null;
        done = true;
      });
  };
  sendOne(0);
  runUntil(sim, () => done);
  if (next !== null) sim.cancel(next);
  ns.ping.close(sock);
  const dq = ipToString(d);
  let text = `PING ${dq} (${dq}): 56 data bytes\n`;
  if (error) {
    text += `${error}\n`;
    return { transmitted: 0, received: 0, replies, icmpErrors, error, text, exitCode: 1 };
  }
  for (const r of replies) text += `${r.bytes} bytes from ${r.from}: seq=${r.seq} ttl=${r.ttl} time=${fmtMs(r.rttNs)} ms\n`;
  const loss = transmitted ? Math.floor(((transmitted - replies.length) * 100) / transmitted) : 0;
  text += `\n--- ${dq} ping statistics ---\n${transmitted} packets transmitted, ${replies.length} packets received, ${loss}% packet loss\n`;
  if (replies.length) {
    const rtts = replies.map((r) => r.rttNs);
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    text += `round-trip min/avg/max = ${fmtMs(Math.min(...rtts))}/${fmtMs(avg)}/${fmtMs(Math.max(...rtts))} ms\n`;
  }
  return { transmitted, received: replies.length, replies, icmpErrors, error: null, text, exitCode: replies.length ? 0 : 1 };
}

/** Result of {@link ncTcp}. */
export interface NcResult {
  /** The handshake completed. */
  connected: boolean;
  /** Everything received, decoded as latin-1 text. */
  response: string;
  /** `Connection refused`, `timed out`, `Network is unreachable`, `No route to host`, or null. */
  error: string | null;
}

/**
 * `printf PAYLOAD | busybox nc -w TIMEOUT DST PORT`: connects, sends the payload, then half-closes
 * (busybox nc's shutdown(SHUT_WR) at stdin's end), collects the answer until the peer closes or
 * nothing arrives for `timeoutNs`.
 */
export function ncTcp(ns: NetNamespace, dst: number | string, port: number, payload: Uint8Array | string, timeoutNs: Nanos = SECOND, traced = false): NcResult {
  const sim = ns.sim;
  let connected = false;
  let error: string | null = null;
  let done = false;
  const chunks: Uint8Array[] = [];
  let sock: TcpSocket;
  let idle = sim.schedule(timeoutNs, () => {
    if (!connected) error = 'timed out';
    done = true;
  });
  const rearm = (): void => {
    sim.cancel(idle);
    idle = sim.schedule(timeoutNs, () => (done = true));
  };
  try {
    sock = ns.tcp.connect(
      addr(dst),
      port,
      {
        onConnect(s) {
          connected = true;
          rearm();
          s.send(payload);
          // busybox nc's next poll() finds stdin at its end: shutdown(SHUT_WR), after the kernel has
          // handled what the write sent (the packet queue drains first)
          sim.defer(() => {
            if (s.state === 'ESTABLISHED' || s.state === 'CLOSE_WAIT') s.close();
          });
        },
        onData(s, data) {
          chunks.push(data);
          rearm();
          // nc reads the socket when it next runs, after the kernel's work at this instant
          sim.defer(() => s.consume());
        },
        onEnd(s) {
          s.close();
          sim.defer(() => s.consume(true));
          done = true;
        },
        onError(_s, err) {
          error = err === 'ETIMEDOUT' ? 'timed out' : TCP_ERRNO_TEXT[err];
          done = true;
        },
      },
      { traced },
    );
    sock.manualRead = true;
  } catch (e) {
    sim.cancel(idle);
    if (e instanceof DockernetError) return { connected: false, response: '', error: e.message };
    throw e;
  }
  runUntil(sim, () => done);
  sim.cancel(idle);
  if (sock.state !== 'CLOSED' && sock.state !== 'TIME_WAIT') {
    if (sock.state === 'SYN_SENT') sock.abort();
    else sock.close();
  }
  let response = '';
  for (const c of chunks) response += latin1(c);
  return { connected, response, error };
}

/** Result of {@link udpRequest}. */
export interface UdpResult {
  /** The first datagram received back, or null. */
  reply: Uint8Array | null;
  /** Its source (dotted quad), or null. */
  from: string | null;
  /** `Connection refused` (ICMP port unreachable), `timed out`, `Network is unreachable`, or null. */
  error: string | null;
}

/** Sends one datagram from an ephemeral port and waits up to `timeoutNs` for an answer. */
export function udpRequest(ns: NetNamespace, dst: number | string, port: number, payload: Uint8Array | string, timeoutNs: Nanos = SECOND): UdpResult {
  const sim = ns.sim;
  const data = typeof payload === 'string' ? utf8(payload) : payload;
  let reply: Uint8Array | null = null;
  let from: string | null = null;
  let error: string | null = null;
  let done = false;
  const d = addr(dst);
  const sock: UdpSocket = ns.udp.bind(0, 0, (msg, src, sport) => {
    if (src !== d || sport !== port || reply) return;
    reply = msg;
    from = ipToString(src);
    done = true;
  });
  sock.onError = (err) => {
    error = err === 'ECONNREFUSED' ? 'Connection refused' : err === 'ENETUNREACH' ? 'Network is unreachable' : 'No route to host';
    done = true;
  };
  const t = sim.schedule(timeoutNs, () => {
    if (!done) error = 'timed out';
    done = true;
  });
  try {
    sock.sendTo(d, port, data);
  } catch (e) {
    sim.cancel(t);
    sock.close();
    if (e instanceof DockernetError) return { reply: null, from: null, error: e.message };
    throw e;
  }
  runUntil(sim, () => done);
  sim.cancel(t);
  sock.close();
  return { reply, from, error };
}

/** Options of {@link httpServer}. */
export interface HttpServerOptions {
  /** Address to bind (default 0.0.0.0). */
  addr?: number | string;
  /** Status line (default `HTTP/1.1 200 OK`, as busybox httpd). */
  statusLine?: string;
}

/**
 * A minimal HTTP server (busybox `httpd -f -p PORT`): answers every request (once its header
 * block has arrived) with a 200 response carrying `body`, then closes.
 */
export function httpServer(ns: NetNamespace, port: number, body: string, opts: HttpServerOptions = {}): TcpListener {
  const status = opts.statusLine ?? 'HTTP/1.1 200 OK';
  const response = `${status}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
  const bufs = new WeakMap<TcpSocket, string>();
  return ns.tcp.listen(opts.addr === undefined ? 0 : addr(opts.addr), port, () => {}, {
    onData(s, data) {
      const b = (bufs.get(s) ?? '') + latin1(data);
      bufs.set(s, b);
      if (b.includes('\r\n\r\n') || b.includes('\n\n')) {
        s.send(response);
        s.close();
      }
    },
    onEnd(s) {
      if (s.state === 'CLOSE_WAIT') s.close();
    },
  });
}

/** A UDP echo server on `port` (0.0.0.0). */
export function udpEcho(ns: NetNamespace, port: number, bindAddr: number | string = 0): UdpSocket {
  return ns.udp.bind(addr(bindAddr), port, (data, src, sport, s) => {
    try {
      s.sendTo(src, sport, data);
    } catch {
      // no route back: dropped, as a real echo server's sendto would fail
    }
  });
}
