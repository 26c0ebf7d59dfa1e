/**
 * TCP sockets of a namespace, with enough of Linux's behaviour for Docker's reachability
 * questions: three-way handshake with Linux's SYN options (MSS, SACK-permitted, timestamps,
 * window scale — a 60-byte SYN), data both ways in MSS-sized segments, FIN close in both
 * directions, RST for a closed port ("Connection refused"), and retransmission with exponential
 * backoff in virtual time (SYN at 1 s, 3 s, 7 s, … until `tcp_syn_retries`: "Connection timed
 * out"). No congestion control, no SACK processing, no out-of-order queue.
 *
 * Segmentation and acknowledgement follow Linux: Nagle's algorithm in Minshall's form (a segment
 * shorter than the MSS waits while an earlier short one is unacknowledged, unless TCP_NODELAY is
 * set or a FIN goes with it — `tcp_nagle_test`, `tcp_minshall_check`), a close() tacks the FIN
 * onto data still queued (`tcp_send_fin`), and received data is acknowledged at once only in
 * quick-ACK mode (the first 16 ACKs of a connection, `tcp_incr_quickack`) or when more than one
 * full segment is unacknowledged; otherwise after the delayed-ACK timeout (`ato`, 40 ms at first),
 * or on the next segment we send. A FIN received on an established connection enters ping-pong
 * (interactive) mode, where ACKs are delayed too (`tcp_fin`, `__tcp_ack_snd_check`).
 *
 * ```
 *  CLOSED ─connect─► SYN_SENT ─SYN+ACK─► ESTABLISHED ─close─► FIN_WAIT1 ─ACK─► FIN_WAIT2 ─FIN─► TIME_WAIT (60 s)
 *  LISTEN ─SYN─► SYN_RECV ─ACK─► ESTABLISHED ─FIN─► CLOSE_WAIT ─close─► LAST_ACK ─ACK─► CLOSED
 * ```
 *
 * @module
 */
import { DockernetError } from '../../core/errors.js';
import type { Timer } from '../../core/scheduler.js';
import type { Nanos } from '../../core/time.js';
import { MS, SECOND } from '../../core/time.js';
import { youngBytes } from '../../core/slab.js';
import { utf8 } from '../../core/text.js';
import type { NetDevice } from '../../link/netdev.js';
import type { SkBuff } from '../../wire/skbuff.js';
import { ipToString } from '../../wire/addr.js';
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  buildTcp,
  ipv4Dst,
  ipv4Src,
} from '../../wire/build.js';
import type { TcpOption } from '../../wire/build.js';
import { tcpOptionAt } from '../../wire/tcp.js';
import type { NetNamespace } from '../netns.js';
import { ipLocalOut, ipRouteOutput } from '../ip-output.js';
import { fcloneCache, fcloneTraceId, inheritTrace, startTrace, trace, traceDrop } from '../trace.js';
import type { FcloneCache } from '../trace.js';
import { icmpErrno } from './udp.js';
import { RCV_WND, SYN_WND, WSCALE, segmentHeaders, seqLeq, seqLt, timestampOptions, timestampsAt } from './tcp-segment.js';
import { TcpTimeWait, TimeWaitQueue } from './tcp-timewait.js';

/** TCP states (Linux `TCP_*` names). */
export type TcpStateName =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK';

/** Errors a TCP socket reports. */
export type TcpErrno = 'ECONNREFUSED' | 'ETIMEDOUT' | 'ECONNRESET' | 'EHOSTUNREACH' | 'ENETUNREACH';

/** strerror texts of {@link TcpErrno}. */
export const TCP_ERRNO_TEXT: Readonly<Record<TcpErrno, string>> = Object.freeze({
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  ECONNRESET: 'Connection reset by peer',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
});

/** Callbacks of a TCP socket. */
export interface TcpCallbacks {
  /** The handshake completed (client side). */
  onConnect?(s: TcpSocket): void;
  /** In-order data arrived (a copy). */
  onData?(s: TcpSocket, data: Uint8Array): void;
  /** The peer closed its direction (FIN received). */
  onEnd?(s: TcpSocket): void;
  /** The connection is fully closed (both FINs acknowledged, or reset). */
  onClose?(s: TcpSocket): void;
  /** The connection failed (refused, timed out, reset). */
  onError?(s: TcpSocket, err: TcpErrno): void;
}

/** Initial retransmission timeout (Linux TCP_TIMEOUT_INIT). */
const RTO_INIT: Nanos = 1 * SECOND;
const RTO_MIN: Nanos = 200 * MS;
const RTO_MAX: Nanos = 120 * SECOND;
const TCP_RETRIES2 = 15;
/** Linux TCP_ATO_MIN and TCP_DELACK_MIN (HZ/25): the first delayed-ACK timeout. */
const ATO_MIN: Nanos = 40 * MS;
/** Linux TCP_DELACK_MAX (HZ/5): the longest delayed-ACK timeout in ping-pong mode. */
const DELACK_MAX: Nanos = 200 * MS;
/** Linux TCP_MAX_QUICKACKS. */
const MAX_QUICKACKS = 16;
/** Linux TCP_MSS_DEFAULT: the first estimate of the peer's segment size (`icsk_ack.rcv_mss`). */
const MSS_DEFAULT = 536;

interface RtxSeg {
  /** fclone pair of a SYN, data or FIN segment (-1: a SYN-ACK, a plain skb). */
  slot: number;
  seq: number;
  flags: number;
  data: Uint8Array | null;
  sentAt: Nanos;
  retransmitted: boolean;
}

/** The callbacks of a connection in TIME_WAIT: none (see TcpSocket's `handOverTimeWait`). */
const NO_CALLBACKS: TcpCallbacks = Object.freeze({});

/** A TCP connection endpoint. */
export class TcpSocket {
  /** Namespace. */
  readonly ns: NetNamespace;
  /** State (read through {@link TcpSocket.state}). */
  private st: TcpStateName = 'CLOSED';
  /** Local address. */
  laddr = 0;
  /** Local port. */
  lport = 0;
  /** Remote address. */
  raddr = 0;
  /** Remote port. */
  rport = 0;
  /** Callbacks. */
  cb: TcpCallbacks;
  /** Trace every segment this socket sends. */
  traced = false;
  /** The error that ended the connection, if any. */
  error: TcpErrno | null = null;
  /** Soft error from ICMP (reported when a connect times out). */
  softError: TcpErrno | null = null;
  /** Bytes received in total. */
  bytesReceived = 0;
  /** TCP_NODELAY: send short segments at once (no Nagle). */
  nodelay = false;
  /**
   * The application reads what arrives when it calls {@link TcpSocket.consume}, not when
   * `onData` runs: received segments stay in the receive queue (their skb memory in use) until then.
   */
  manualRead = false;
  /** What the program that owns the socket keeps with it (Linux `sk_user_data`): a server's request so far. */
  userData: unknown = null;

  // Sequence numbers and timestamps are kept as int32 (`| 0`, read with getInt32) and compared modulo
  // 2^32 (seqLt): a uint32 past 2^31 is a heap number to V8, a 16-byte box per field in every socket
  // (a scan leaves tens of thousands in TIME_WAIT). Their bits on the wire are the same.
  /** @internal */ iss = 0;
  /** @internal */ sndUna = 0;
  /** @internal */ sndNxt = 0;
  /** @internal */ sndWnd = SYN_WND;
  /** @internal */ sndWscale = 0;
  /** @internal */ irs = 0;
  /** @internal */ rcvNxt = 0;
  /** @internal */ mss = 536;
  /** @internal */ tsOk = false;
  /** @internal */ wsOk = false;
  /** @internal */ sackOk = false;
  /** @internal */ tsRecent = 0;
  private tsOffset = 0;
  private ipId = 0;
  private readonly sendq: Uint8Array[] = [];
  private readonly fc: FcloneCache;
  /** Stands for this socket's `sk_txhash` in trace ids. */
  private readonly sockKey: number;
  /** fclone pairs of received data segments not read yet ({@link manualRead}). */
  private readonly rcvSlots: number[] = [];
  /** fclone pair of a received FIN-only segment not read yet, or -1. */
  private rcvFinSlot = -1;
  /** Bytes in {@link sendq}. */
  private unsent = 0;
  /** End of the last segment shorter than the MSS that we sent (Linux `snd_sml`). */
  private sndSml = 0;
  // delayed ACK (Linux `icsk_ack`): quick-ACK budget, timeout, ping-pong count, last receive time
  private ackQuick = 0;
  private ackAto: Nanos = 0;
  private ackPingpong = 0;
  private ackLrcv: Nanos = 0;
  /** An ACK is owed (Linux ICSK_ACK_SCHED). */
  private ackPending = false;
  /** rcvNxt when we last sent an ACK (Linux `rcv_wup`). */
  private rcvWup = 0;
  /** Estimate of the peer's segment size (Linux `icsk_ack.rcv_mss`). */
  private rcvMss = MSS_DEFAULT;
  private dackTimer: Timer | null = null;
  private finPending = false;
  private finSent = false;
  private finSeq = 0;
  private readonly rtx: RtxSeg[] = [];
  private timer: Timer | null = null;
  private rto: Nanos = RTO_INIT;
  private retries = 0;
  private srtt = 0;
  private rttvar = 0;
  /** @internal the listener that created this socket (SYN_RECV children). */
  listener: TcpListener | null = null;
  /** The record that answers for the connection once it is in TIME_WAIT. */
  private tw: TcpTimeWait | null = null;
  /** @internal the next connection with the same ports in the namespace's table */
  hnext: TcpConnection | null = null;

  constructor(ns: NetNamespace, cb: TcpCallbacks) {
    this.ns = ns;
    this.cb = cb;
    this.tsOffset = ns.rng.nextU32() | 0;
    this.ipId = ns.rng.int(0x10000) | 0; // a small integer, never a boxed double (as NetNamespace.ipId)
    this.fc = fcloneCache(ns);
    this.sockKey = this.fc.newSocketKey();
  }

  /**
   * State. In TIME_WAIT the connection is answered for by a small record in the namespace's table
   * ({@link TcpTimeWait}); the socket reads `TIME_WAIT` until that record ends, then `CLOSED`.
   */
  get state(): TcpStateName {
    const s = this.st;
    return s === 'TIME_WAIT' && this.tw !== null && this.tw.state === 'CLOSED' ? 'CLOSED' : s;
  }

  /**
   * read(): the application has read everything received so far (`eof`: and the end of file),
   * so those segments' memory is freed.
   */
  consume(eof = false): void {
    const fc = this.fc;
    for (let i = 0; i < this.rcvSlots.length; i++) fc.releaseClone(this.rcvSlots[i]!);
    this.rcvSlots.length = 0;
    if (eof && this.rcvFinSlot >= 0) {
      fc.releaseClone(this.rcvFinSlot);
      this.rcvFinSlot = -1;
    }
  }

  /** Drops the retransmission queue (acknowledged by a SYN-ACK, purged at close). */
  private clearRtx(): void {
    for (const r of this.rtx) if (r.slot >= 0) this.fc.releaseOrig(r.slot);
    this.rtx.length = 0;
  }

  /** Bytes queued but not yet sent. */
  get unsentBytes(): number {
    return this.unsent;
  }

  // -------------------------------------------------------------- output

  private tsval(): number {
    return (Math.floor(this.ns.sim.now / MS) + this.tsOffset) >>> 0;
  }

  /** SYN: Linux's MSS, SACK-permitted, timestamps, NOP, wscale 7; SYN-ACK: what the peer offered. */
  private synOptions(): TcpOption[] {
    const mss = this.advMss();
    if (this.st === 'SYN_SENT')
      return [
        { kind: 'mss', mss },
        { kind: 'sackPermitted' },
        { kind: 'timestamps', tsval: this.tsval(), tsecr: 0 },
        { kind: 'nop' },
        { kind: 'wscale', shift: WSCALE },
      ];
    const out: TcpOption[] = [{ kind: 'mss', mss }];
    if (this.tsOk) {
      if (this.sackOk) out.push({ kind: 'sackPermitted' });
      else out.push({ kind: 'nop' }, { kind: 'nop' });
      out.push({ kind: 'timestamps', tsval: this.tsval(), tsecr: this.tsRecent });
    } else if (this.sackOk) out.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sackPermitted' });
    if (this.wsOk) out.push({ kind: 'nop' }, { kind: 'wscale', shift: WSCALE });
    return out;
  }

  private advMss(): number {
    const rt = ipRouteOutput(this.ns, this.raddr, this.laddr);
    const mtu = rt ? rt.dev.mtu : 1500;
    return Math.min(mtu - 40, 65495);
  }

  /** Builds and sends one segment. Returns false when there is no route. */
  private xmit(flags: number, seq: number, data: Uint8Array | null, slot = -1): boolean {
    const ns = this.ns;
    const rt = ipRouteOutput(ns, this.raddr, this.laddr);
    if (!rt) {
      ns.counters.inc('OutNoRoutes');
      return false;
    }
    const syn = (flags & TCP_SYN) !== 0;
    let options: TcpOption[] | undefined;
    if (syn) options = this.synOptions();
    else if (this.tsOk) options = timestampOptions(this.tsval(), this.tsRecent);
    const { ip, tcp } = segmentHeaders(ns, this, this.ipId);
    this.ipId = (this.ipId + 1) & 0xffff;
    tcp.seq = seq >>> 0;
    tcp.ack = flags & TCP_ACK ? this.rcvNxt >>> 0 : 0;
    tcp.flags = flags;
    tcp.window = syn ? SYN_WND : this.wsOk ? RCV_WND >> WSCALE : SYN_WND;
    tcp.options = options;
    const skb = buildTcp(ip, tcp, data ?? undefined);
    tcp.options = undefined;
    if (slot >= 0 && this.fc.transmit(slot, skb)) {
      skb.traceId = fcloneTraceId(slot, this.sockKey);
      if (this.traced) skb.traced = true;
    } else if (this.traced) startTrace(ns, skb);
    ns.TcpOutSegs++;
    if (flags & TCP_ACK) this.ackSent();
    if (data && data.length) this.dataSent();
    ipLocalOut(ns, skb, rt);
    return true;
  }

  /**
   * Every segment carrying an ACK settles the owed one: the delayed-ACK timer stops, and an ACK of
   * new data spends one of the quick ACKs.
   *
   * @see Linux `tcp_event_ack_sent`, `tcp_dec_quickack_mode`
   */
  private ackSent(): void {
    if (this.ackPending && this.ackQuick > 0) {
      this.ackQuick--;
      if (this.ackQuick === 0) this.ackAto = ATO_MIN;
    }
    this.ackPending = false;
    this.rcvWup = this.rcvNxt;
    if (this.dackTimer) {
      this.ns.sim.cancel(this.dackTimer);
      this.dackTimer = null;
    }
  }

  /**
   * Data sent within `ato` of the last segment received is a reply: the connection becomes
   * interactive (ping-pong mode, threshold 1 as `tcp_pingpong_thresh`).
   *
   * @see Linux `tcp_event_data_sent`
   */
  private dataSent(): void {
    if (this.ns.sim.now - this.ackLrcv < this.ackAto && this.ackPingpong < 255) this.ackPingpong++;
  }

  /** Quick-ACK mode: quick ACKs left and not interactive (Linux `tcp_in_quickack_mode`). */
  private get quickAck(): boolean {
    return this.ackQuick > 0 && this.ackPingpong === 0;
  }

  /** @see Linux `tcp_incr_quickack` */
  private incrQuickack(): void {
    const q = Math.min(MAX_QUICKACKS, Math.max(2, Math.floor(RCV_WND / (2 * this.rcvMss))));
    if (q > this.ackQuick) this.ackQuick = q;
  }

  /**
   * In-order data arrived: the delayed-ACK engine starts in quick-ACK mode with the first data,
   * and `ato` follows the gaps between arrivals.
   *
   * @see Linux `tcp_event_data_recv`, `tcp_measure_rcv_mss`
   */
  private dataRecv(len: number): void {
    if (len >= this.rcvMss) this.rcvMss = Math.min(len, this.advMss());
    const now = this.ns.sim.now;
    if (this.ackAto === 0) {
      this.incrQuickack();
      this.ackAto = ATO_MIN;
    } else {
      const m = now - this.ackLrcv;
      if (m <= ATO_MIN / 2) this.ackAto = this.ackAto / 2 + ATO_MIN / 2;
      else if (m < this.ackAto) this.ackAto = Math.min(this.ackAto / 2 + m, this.rto);
      else if (m > this.rto) this.incrQuickack();
    }
    this.ackLrcv = now;
  }

  /**
   * After a segment: the owed ACK goes now when more than one full segment is unacknowledged or
   * in quick-ACK mode, else the delayed-ACK timer is armed.
   *
   * @see Linux `__tcp_ack_snd_check`, `tcp_send_delayed_ack`
   */
  private ackSndCheck(): void {
    if (!this.ackPending || this.st === 'CLOSED') return;
    if (((this.rcvNxt - this.rcvWup) | 0) > this.rcvMss || this.quickAck) {
      this.xmit(TCP_ACK, this.sndNxt, null);
      return;
    }
    if (this.dackTimer) return;
    let ato = this.ackAto;
    if (ato > ATO_MIN) {
      let max = this.ackPingpong > 0 ? DELACK_MAX : 500 * MS;
      if (this.srtt) max = Math.min(max, Math.max(this.srtt, ATO_MIN));
      ato = Math.min(ato, max);
    }
    this.dackTimer = this.ns.sim.schedule(ato, () => this.onDelack());
  }

  /** The delayed-ACK timer: a missed reply leaves ping-pong mode. @see Linux `tcp_delack_timer_handler` */
  private onDelack(): void {
    this.dackTimer = null;
    if (!this.ackPending || this.st === 'CLOSED') return;
    if (this.ackPingpong === 0) this.ackAto = Math.min(this.ackAto * 2, this.rto);
    else {
      this.ackPingpong = 0;
      this.ackAto = ATO_MIN;
    }
    this.xmit(TCP_ACK, this.sndNxt, null);
  }

  private queueRtx(slot: number, seq: number, flags: number, data: Uint8Array | null): void {
    this.rtx.push({ slot, seq, flags, data, sentAt: this.ns.sim.now, retransmitted: false });
    if (!this.timer) this.armRto();
  }

  private armRto(): void {
    if (this.timer) this.ns.sim.cancel(this.timer);
    this.timer = this.ns.sim.schedule(this.rto, () => this.onRto());
  }

  private stopDelack(): void {
    if (this.dackTimer) this.ns.sim.cancel(this.dackTimer);
    this.dackTimer = null;
  }

  private stopTimer(): void {
    if (this.timer) this.ns.sim.cancel(this.timer);
    this.timer = null;
  }

  private onRto(): void {
    this.timer = null;
    const head = this.rtx[0];
    if (!head) return;
    this.retries++;
    const limit =
      this.st === 'SYN_SENT' ? this.ns.sysctl.tcp_syn_retries : this.st === 'SYN_RECV' ? this.ns.sysctl.tcp_synack_retries : TCP_RETRIES2;
    if (this.retries > limit) {
      if (this.st === 'SYN_RECV') {
        this.destroy();
        return;
      }
      this.fail(this.st === 'SYN_SENT' && this.softError ? this.softError : 'ETIMEDOUT');
      return;
    }
    head.retransmitted = true;
    head.sentAt = this.ns.sim.now;
    this.ns.counters.inc('TcpRetransSegs');
    this.xmit(head.flags, head.seq, head.data, head.slot);
    this.rto = Math.min(this.rto * 2, RTO_MAX);
    this.armRto();
  }

  /** Takes the first `n` queued bytes (one segment's worth, across writes). */
  private take(n: number): Uint8Array {
    this.unsent -= n;
    const first = this.sendq[0]!;
    if (first.length > n) {
      this.sendq[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.sendq.shift();
      return first;
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.sendq[0]!;
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.sendq.shift();
      else this.sendq[0] = c.subarray(k);
    }
    return out;
  }

  /**
   * Sends whatever the window and Nagle allow, then a FIN when a close is pending. Once close()
   * was called Nagle is off and the FIN rides on the last queued segment.
   *
   * @see Linux `tcp_write_xmit`, `tcp_nagle_test`, `tcp_send_fin`
   */
  private push(): void {
    if (this.st !== 'ESTABLISHED' && this.st !== 'CLOSE_WAIT') return;
    while (this.unsent > 0) {
      const inflight = (this.sndNxt - this.sndUna) >>> 0;
      const room = this.sndWnd - inflight;
      if (room <= 0) break;
      const n = Math.min(this.unsent, this.mss, room);
      const fin = n === this.unsent && this.finPending;
      // Nagle, Minshall's variant: a short segment waits while an earlier short one is unacknowledged
      if (n < this.mss && !fin && !this.nodelay && seqLt(this.sndUna, this.sndSml) && seqLeq(this.sndSml, this.sndNxt)) break;
      const chunk = this.take(n);
      const flags = TCP_ACK | (this.unsent === 0 ? TCP_PSH : 0) | (fin ? TCP_FIN : 0);
      const seq = this.sndNxt;
      const slot = this.fc.alloc();
      this.xmit(flags, seq, chunk, slot);
      this.queueRtx(slot, seq, flags, chunk);
      this.sndNxt = (this.sndNxt + n + (fin ? 1 : 0)) | 0;
      if (n < this.mss) this.sndSml = this.sndNxt;
      if (fin) {
        this.finSent = true;
        this.finSeq = (seq + n) | 0;
        this.st = this.st === 'ESTABLISHED' ? 'FIN_WAIT1' : 'LAST_ACK';
        return;
      }
    }
    if (this.finPending && !this.finSent && this.unsent === 0) {
      this.finSent = true;
      this.finSeq = this.sndNxt;
      const slot = this.fc.alloc();
      this.xmit(TCP_FIN | TCP_ACK, this.sndNxt, null, slot);
      this.queueRtx(slot, this.sndNxt, TCP_FIN | TCP_ACK, null);
      this.sndNxt = (this.sndNxt + 1) | 0;
      this.st = this.st === 'ESTABLISHED' ? 'FIN_WAIT1' : 'LAST_ACK';
    }
  }

  // -------------------------------------------------------------- API

  /** Queues `data` for sending. Throws `EPIPE` ("Broken pipe") after close. */
  send(data: Uint8Array | string): void {
    if (this.finPending || this.st === 'CLOSED' || this.st === 'LISTEN') throw new DockernetError('EPIPE', 'Broken pipe');
    // the caller's bytes are copied (it may reuse its buffer); an encoded string is ours already.
    // Both live until acknowledged: young bytes (core/slab.ts)
    let b: Uint8Array;
    if (typeof data === 'string') b = utf8(data);
    else {
      b = youngBytes(data.length);
      b.set(data);
    }
    if (b.length === 0) return;
    this.sendq.push(b);
    this.unsent += b.length;
    this.push();
  }

  /** Closes our direction (FIN after the queued data). */
  close(): void {
    if (this.st === 'SYN_SENT' || this.st === 'CLOSED') {
      this.destroy();
      return;
    }
    if (this.finPending) return;
    this.finPending = true;
    this.push();
  }

  /** Aborts with a RST (SO_LINGER 0). */
  abort(): void {
    if (this.st !== 'CLOSED' && this.st !== 'LISTEN' && this.st !== 'SYN_SENT' && this.st !== 'TIME_WAIT') {
      this.xmit(TCP_RST | TCP_ACK, this.sndNxt, null);
      this.ns.counters.inc('TcpOutRsts');
    }
    this.destroy();
  }

  /** @internal starts an active open. */
  connectStart(): void {
    this.st = 'SYN_SENT';
    this.iss = this.ns.rng.nextU32() | 0;
    this.sndUna = this.iss;
    this.sndNxt = (this.iss + 1) | 0;
    this.sndSml = this.iss;
    this.ns.counters.inc('TcpActiveOpens');
    const slot = this.fc.alloc();
    this.xmit(TCP_SYN, this.iss, null, slot);
    this.queueRtx(slot, this.iss, TCP_SYN, null);
  }

  /** @internal answers a SYN (passive open). */
  synRecvStart(skb: SkBuff): void {
    this.st = 'SYN_RECV';
    this.irs = skb.view.getInt32(skb.transport + 4);
    this.rcvNxt = (this.irs + 1) | 0;
    this.parseSynOptions(skb);
    this.iss = this.ns.rng.nextU32() | 0;
    this.sndUna = this.iss;
    this.sndNxt = (this.iss + 1) | 0;
    this.sndSml = this.iss;
    this.ns.counters.inc('TcpPassiveOpens');
    this.xmit(TCP_SYN | TCP_ACK, this.iss, null);
    this.queueRtx(-1, this.iss, TCP_SYN | TCP_ACK, null);
  }

  private parseSynOptions(skb: SkBuff): void {
    const b = skb.data;
    const t = skb.transport;
    const end = t + (b[t + 12]! >>> 4) * 4;
    let mss = 536;
    for (let p = tcpOptionAt(b, t + 20, end); p >= 0; p = tcpOptionAt(b, p + b[p + 1]!, end)) {
      const k = b[p]!;
      const l = b[p + 1]!;
      if (k === 2 && l === 4) mss = (b[p + 2]! << 8) | b[p + 3]!;
      else if (k === 3 && l === 3) {
        this.wsOk = true;
        this.sndWscale = Math.min(b[p + 2]!, 14);
      } else if (k === 4 && l === 2) this.sackOk = true;
      else if (k === 8 && l === 10) {
        this.tsOk = true;
        this.tsRecent = skb.view.getInt32(p + 2);
      }
    }
    // the MSS counts no options: timestamps on every segment take 12 bytes of it (1448 on Ethernet)
    this.mss = Math.min(mss, this.advMss()) - (this.tsOk ? 12 : 0);
  }

  private readTs(skb: SkBuff): void {
    if (!this.tsOk) return;
    const p = timestampsAt(skb);
    if (p >= 0) this.tsRecent = skb.view.getInt32(p + 2);
  }

  // -------------------------------------------------------------- input

  /** @internal processes a segment for this connection. */
  rcv(skb: SkBuff): void {
    const v = skb.view;
    const t = skb.transport;
    const seq = v.getInt32(t + 4);
    const ack = v.getInt32(t + 8);
    const flags = v.getUint8(t + 13);
    const hlen = (v.getUint8(t + 12) >>> 4) * 4;
    const plen = skb.network + v.getUint16(skb.network + 2) - (t + hlen);
    const ns = this.ns;

    if (this.st === 'SYN_SENT') {
      if (flags & TCP_ACK && (seqLeq(ack, this.iss) || seqLt(this.sndNxt, ack))) {
        if (!(flags & TCP_RST)) sendReset(ns, skb);
        return;
      }
      if (flags & TCP_RST) {
        if (flags & TCP_ACK) this.fail('ECONNREFUSED');
        return;
      }
      if (flags & TCP_SYN && flags & TCP_ACK) {
        this.irs = seq;
        this.rcvNxt = (seq + 1) | 0;
        this.parseSynOptions(skb);
        this.sndUna = ack;
        this.sndWnd = v.getUint16(t + 14); // SYN windows are never scaled
        this.clearRtx();
        this.stopTimer();
        this.rto = RTO_INIT;
        this.retries = 0;
        this.st = 'ESTABLISHED';
        ns.counters.inc('TcpCurrEstab');
        this.xmit(TCP_ACK, this.sndNxt, null);
        this.cb.onConnect?.(this);
        this.push();
      }
      return;
    }

    if (flags & TCP_RST) {
      if (this.st === 'SYN_RECV') {
        this.destroy();
        return;
      }
      if (seq === this.rcvNxt || (seqLeq(this.rcvNxt, seq) && seqLt(seq, (this.rcvNxt + RCV_WND) >>> 0))) this.fail('ECONNRESET');
      return;
    }

    if (this.st === 'SYN_RECV') {
      if (flags & TCP_SYN && !(flags & TCP_ACK)) {
        // retransmitted SYN: answer again
        this.xmit(TCP_SYN | TCP_ACK, this.iss, null);
        return;
      }
      if (!(flags & TCP_ACK)) return;
      if (ack !== this.sndNxt) {
        sendReset(ns, skb);
        return;
      }
      this.sndUna = ack;
      this.clearRtx();
      this.stopTimer();
      this.rto = RTO_INIT;
      this.retries = 0;
      this.readTs(skb);
      this.sndWnd = v.getUint16(t + 14) << (this.wsOk ? this.sndWscale : 0);
      this.st = 'ESTABLISHED';
      ns.counters.inc('TcpCurrEstab');
      const l = this.listener;
      this.listener = null;
      if (l) l.onAccept(this);
      if (plen === 0 && !(flags & TCP_FIN)) return;
    } else if (flags & TCP_SYN) {
      // SYN on a synchronized connection: challenge ACK
      this.xmit(TCP_ACK, this.sndNxt, null);
      return;
    }

    if (!(flags & TCP_ACK)) return;
    this.readTs(skb);
    // an ACK we must send at once (duplicate or out-of-window data, a FIN in FIN_WAIT/TIME_WAIT)
    let ackNow = false;

    // ---- ACK processing
    if (seqLt(this.sndUna, ack) && seqLeq(ack, this.sndNxt)) {
      this.sndUna = ack;
      const now = ns.sim.now;
      while (this.rtx.length) {
        const s = this.rtx[0]!;
        const end = (s.seq + (s.data ? s.data.length : 0) + (s.flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
        if (!seqLeq(end, ack)) break;
        this.rtx.shift();
        if (s.slot >= 0) this.fc.releaseOrig(s.slot);
        if (!s.retransmitted) this.rttSample(now - s.sentAt);
      }
      this.retries = 0;
      if (this.rtx.length) this.armRto();
      else this.stopTimer();
      if (this.finSent && seqLt(this.finSeq, ack)) {
        if (this.st === 'FIN_WAIT1') this.st = 'FIN_WAIT2';
        else if (this.st === 'CLOSING') this.enterTimeWait();
        else if (this.st === 'LAST_ACK') {
          this.destroy();
          return;
        }
      }
    }
    this.sndWnd = v.getUint16(t + 14) << (this.wsOk ? this.sndWscale : 0);

    // ---- data: in order, it is queued for the application and an ACK is owed (sent now or
    // delayed, see ackSndCheck); a duplicate or a segment beyond rcvNxt is answered at once
    let data: Uint8Array | null = null;
    if (plen > 0) {
      const off = (this.rcvNxt - seq) | 0;
      if ((this.st === 'ESTABLISHED' || this.st === 'FIN_WAIT1' || this.st === 'FIN_WAIT2') && off >= 0 && off < plen) {
        data = skb.data.slice(t + hlen + off, t + hlen + plen);
        this.rcvNxt = (this.rcvNxt + data.length) | 0;
        this.bytesReceived += data.length;
        this.ackPending = true;
        this.dataRecv(plen);
        if (this.manualRead) {
          const slot = this.fc.keep(skb);
          if (slot >= 0) this.rcvSlots.push(slot);
        }
      } else {
        ackNow = true;
        this.incrQuickack(); // tcp_send_dupack enters quick-ACK mode
      }
    }

    // ---- FIN
    let ended = false;
    let timeWait = false;
    if (flags & TCP_FIN && ((seq + plen) | 0) === this.rcvNxt && (plen === 0 || data)) {
      this.rcvNxt = (this.rcvNxt + 1) | 0;
      this.ackPending = true;
      if (plen === 0 && this.manualRead) {
        // a FIN alone waits in the receive queue until read() returns end of file
        const slot = this.fc.keep(skb);
        if (slot >= 0) {
          if (this.rcvFinSlot >= 0) this.fc.releaseClone(this.rcvFinSlot);
          this.rcvFinSlot = slot;
        }
      }
      switch (this.st) {
        case 'ESTABLISHED':
          this.st = 'CLOSE_WAIT';
          this.ackPingpong = Math.max(this.ackPingpong, 1); // tcp_fin: inet_csk_enter_pingpong_mode
          ended = true;
          break;
        case 'FIN_WAIT1':
          this.st = 'CLOSING';
          ackNow = true;
          ended = true;
          break;
        case 'FIN_WAIT2':
          timeWait = true;
          ackNow = true;
          ended = true;
          break;
        default:
          break;
      }
    } else if (flags & TCP_FIN && seqLt((seq + plen) >>> 0, this.rcvNxt)) ackNow = true; // a retransmitted FIN: dupack

    // the ACK owed goes out before the application runs (it is woken; it answers later)
    if (ackNow && this.st !== 'CLOSED') {
      this.ackPending = true;
      this.xmit(TCP_ACK, this.sndNxt, null);
    }
    this.push();
    this.ackSndCheck();
    if (data) {
      if (skb.traced && ns.sim.tracer)
        trace(ns, skb, 'local', 'deliver', `tcp ${ipToString(this.laddr)}:${this.lport}: ${data.length} bytes to socket`, { proto: 'tcp', port: this.lport });
      this.cb.onData?.(this, data);
    }
    if (timeWait && this.st === 'FIN_WAIT2') this.enterTimeWait();
    if (ended) this.cb.onEnd?.(this);
    if (this.st === 'TIME_WAIT') this.handOverTimeWait();
  }

  /**
   * After the segment that brought the connection to TIME_WAIT (its last ACK sent, the application
   * told): a {@link TcpTimeWait} record takes the connection's place in the table for 60 s (Linux
   * `tcp_time_wait`), and the socket lets go of what it no longer uses: the callbacks (and the
   * program state they hold), the application's data, the send queue's storage. The stack no longer
   * refers to the socket; an application that keeps it keeps only the socket.
   */
  private handOverTimeWait(): void {
    const tw = new TcpTimeWait(this.ns, {
      laddr: this.laddr,
      lport: this.lport,
      raddr: this.raddr,
      rport: this.rport,
      sndNxt: this.sndNxt,
      rcvNxt: this.rcvNxt,
      tsOk: this.tsOk,
      tsRecent: this.tsRecent,
      tsOffset: this.tsOffset,
      ipId: this.ipId,
      wsOk: this.wsOk,
      traced: this.traced,
    });
    this.tw = tw;
    this.ns.tcp.timeWait(this, tw);
    this.cb = NO_CALLBACKS;
    this.userData = null;
    this.sendq.length = 0;
  }

  private rttSample(rtt: Nanos): void {
    if (this.srtt === 0) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rto = Math.min(RTO_MAX, Math.max(RTO_MIN, Math.round(this.srtt + Math.max(4 * this.rttvar, RTO_MIN))));
  }

  /** TIME_WAIT: nothing left to send or time; the application hears the close (the record comes at the segment's end: `handOverTimeWait`). */
  private enterTimeWait(): void {
    this.st = 'TIME_WAIT';
    this.clearRtx();
    this.stopTimer();
    this.stopDelack();
    this.cb.onClose?.(this);
  }

  private fail(err: TcpErrno): void {
    this.error = err;
    const cb = this.cb;
    this.destroy(false);
    cb.onError?.(this, err);
    cb.onClose?.(this);
  }

  /** @internal removes the socket from the tables. */
  destroy(notify = true): void {
    const wasTimeWait = this.st === 'TIME_WAIT';
    if (this.tw !== null) this.tw.kill();
    this.stopTimer();
    this.stopDelack();
    this.unsent = 0;
    this.clearRtx();
    this.consume(true);
    this.sendq.length = 0;
    const wasOpen = this.st !== 'CLOSED';
    this.st = 'CLOSED';
    this.ns.tcp.unhash(this);
    if (notify && wasOpen && !wasTimeWait) this.cb.onClose?.(this);
  }

  /** @internal ICMP error for this connection. */
  icmpError(type: number, code: number): void {
    if (type === 4) return; // source quench: ignored (RFC 6633)
    if (type === 3 && code === 4) return; // fragmentation needed: path MTU, not an error
    const e = icmpErrno(type, code);
    const err: TcpErrno = e === 'ECONNREFUSED' ? 'ECONNREFUSED' : e === 'ENETUNREACH' ? 'ENETUNREACH' : 'EHOSTUNREACH';
    // tcp_v4_err: a connection still opening is aborted by any hard ICMP error (e.g. the host
    // unreachable that a failed ARP resolution sends back to the local sender); an open one only
    // records it as a soft error
    if (this.st === 'SYN_SENT' || this.st === 'SYN_RECV') this.fail(err);
    else this.softError = err;
  }
}

/** A listening socket. */
export class TcpListener {
  /** Namespace. */
  readonly ns: NetNamespace;
  /** Bound address (0 = any). */
  readonly laddr: number;
  /** Port. */
  readonly lport: number;
  /** Called with every established connection. */
  readonly onAccept: (s: TcpSocket) => void;
  /** Callbacks given to accepted sockets before `onAccept` (may be replaced in `onAccept`). */
  childCallbacks: TcpCallbacks;
  /** Trace accepted connections. */
  traced = false;
  /** Open until {@link TcpListener.close}. */
  open = true;

  constructor(ns: NetNamespace, laddr: number, lport: number, onAccept: (s: TcpSocket) => void, childCallbacks: TcpCallbacks) {
    this.ns = ns;
    this.laddr = laddr;
    this.lport = lport;
    this.onAccept = onAccept;
    this.childCallbacks = childCallbacks;
  }

  /** Stops listening (established connections stay). */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.ns.tcp.unlisten(this);
  }
}

/** Options of {@link TcpTable.connect}. */
export interface TcpConnectOptions {
  /** Source address (default: chosen by the route). */
  src?: number;
  /** Source port (default: ephemeral). */
  sport?: number;
  /** Trace the connection's segments. */
  traced?: boolean;
}

/** The socket map of a table that has none yet (shared: never written). */
const NO_SOCKETS: ReadonlyMap<number, unknown> = new Map();

/**
 * The connection table's key of a port pair: `lport << 16 | rport`, an int32 (a small integer to
 * V8, where `lport · 65536 + rport` past 2^31 — every ephemeral local port — is a heap number per entry).
 */
function portsKey(lport: number, rport: number): number {
  return (lport << 16) | rport;
}

/** An entry of a namespace's connection table: a socket, or the record of a connection in TIME_WAIT. */
export type TcpConnection = TcpSocket | TcpTimeWait;

/** The TCP sockets of a namespace. */
export class TcpTable {
  private readonly ns: NetNamespace;
  // Both maps start as the shared empty one (most namespaces of a large topology never open a TCP
  // socket; an empty Map costs ~180 bytes) and get their own at the first insert.
  private listeners: Map<number, TcpListener[]> = NO_SOCKETS as Map<number, TcpListener[]>;
  /**
   * Connections by their ports ({@link portsKey}): the first of a chain linked through `hnext`
   * (connections with the same ports to other addresses), as Linux's established hash chains.
   */
  private conns: Map<number, TcpConnection> = NO_SOCKETS as Map<number, TcpConnection>;
  /** The TIME_WAIT records in the order they began (made with the first). */
  private timeWaits: TimeWaitQueue | null = null;

  constructor(ns: NetNamespace) {
    this.ns = ns;
  }

  /**
   * Listens on `addr:port` (`addr` 0 = 0.0.0.0). `onAccept` runs for each established connection;
   * set its callbacks there (or pass `childCallbacks`). Throws `EADDRINUSE` ("Address already in
   * use").
   */
  listen(addr: number, port: number, onAccept: (s: TcpSocket) => void, childCallbacks: TcpCallbacks = {}): TcpListener {
    addr >>>= 0;
    if (addr !== 0 && !this.ns.isLocalAddress(addr)) throw new DockernetError('EADDRNOTAVAIL', 'Cannot assign requested address');
    if (port <= 0 || port > 65535) throw new DockernetError('EINVAL', 'Invalid argument');
    const l = this.listeners.get(port);
    if (l && l.some((x) => x.laddr === 0 || addr === 0 || x.laddr === addr)) throw new DockernetError('EADDRINUSE', 'Address already in use');
    const li = new TcpListener(this.ns, addr, port, onAccept, childCallbacks);
    if (l) l.push(li);
    else {
      if (this.listeners === NO_SOCKETS) this.listeners = new Map();
      this.listeners.set(port, [li]);
    }
    return li;
  }

  /** @internal */
  unlisten(li: TcpListener): void {
    const l = this.listeners.get(li.lport);
    if (!l) return;
    const i = l.indexOf(li);
    if (i >= 0) l.splice(i, 1);
    if (!l.length) this.listeners.delete(li.lport);
  }

  /**
   * Opens a connection to `dst:port`. Throws `ENETUNREACH` ("Network is unreachable") at once when
   * there is no route, as `connect()` does; later failures arrive through `cb.onError`.
   */
  connect(dst: number, port: number, cb: TcpCallbacks, opts: TcpConnectOptions = {}): TcpSocket {
    const ns = this.ns;
    dst >>>= 0;
    const rt = ipRouteOutput(ns, dst, opts.src ?? 0);
    if (!rt) {
      ns.counters.inc('OutNoRoutes');
      throw new DockernetError('ENETUNREACH', 'Network is unreachable');
    }
    const s = new TcpSocket(ns, cb);
    s.laddr = rt.src >>> 0; // the table's addresses are uint32 (as read from the header)
    s.raddr = dst;
    s.rport = port;
    s.traced = opts.traced ?? false;
    s.lport = opts.sport ?? this.ephemeral(s.laddr, dst, port);
    this.hash(s);
    s.mss = Math.min(rt.dev.mtu - 40, 65495);
    s.connectStart();
    return s;
  }

  private ephemeral(laddr: number, raddr: number, rport: number): number {
    const [lo, hi] = this.ns.sysctl.ip_local_port_range;
    const n = hi - lo + 1;
    const start = this.ns.rng.int(n);
    for (let i = 0; i < n; i++) {
      const p = lo + ((start + i) % n);
      if (this.listeners.has(p)) continue;
      if (this.find(laddr, p, raddr, rport)) continue;
      return p;
    }
    throw new DockernetError('EADDRNOTAVAIL', 'Cannot assign requested address');
  }

  /** @internal adds `s` at the end of the chain of its ports */
  hash(s: TcpConnection): void {
    const k = portsKey(s.lport, s.rport);
    s.hnext = null;
    let c = this.conns.get(k);
    if (c === undefined) {
      if (this.conns === NO_SOCKETS) this.conns = new Map();
      this.conns.set(k, s);
      return;
    }
    while (c.hnext !== null) c = c.hnext;
    c.hnext = s;
  }

  /** @internal */
  unhash(s: TcpConnection): void {
    this.replace(s, s.hnext);
    s.hnext = null;
  }

  /** @internal `s` has entered TIME_WAIT: `tw` takes its place, until it ends. */
  timeWait(s: TcpSocket, tw: TcpTimeWait): void {
    tw.hnext = s.hnext;
    if (!this.replace(s, tw)) {
      tw.kill(); // the socket is not in the table: nothing to answer for
      return;
    }
    s.hnext = null;
    (this.timeWaits ??= new TimeWaitQueue(this.ns.sim)).add(tw);
  }

  /** Puts `by` (the rest of the chain after `s`, or a record in its place) where `s` is in its chain; false when `s` is not there. */
  private replace(s: TcpConnection, by: TcpConnection | null): boolean {
    const k = portsKey(s.lport, s.rport);
    const head = this.conns.get(k);
    if (head === undefined) return false;
    if (head === s) {
      if (by === null) this.conns.delete(k);
      else this.conns.set(k, by);
      return true;
    }
    for (let c = head; c.hnext !== null; c = c.hnext) {
      if (c.hnext === s) {
        c.hnext = by;
        return true;
      }
    }
    return false;
  }

  /** The connection (`laddr:lport` ↔ `raddr:rport`), if any: a socket, or its TIME_WAIT record. */
  find(laddr: number, lport: number, raddr: number, rport: number): TcpConnection | null {
    let c: TcpConnection | null | undefined = this.conns.get(portsKey(lport, rport));
    while (c !== undefined && c !== null) {
      if (c.laddr === laddr && c.raddr === raddr) return c;
      c = c.hnext;
    }
    return null;
  }

  /** The listener for `daddr:dport` (exact address first, then wildcard). */
  listener(daddr: number, dport: number): TcpListener | null {
    const l = this.listeners.get(dport);
    if (!l) return null;
    let wild: TcpListener | null = null;
    for (const x of l) {
      if (x.laddr === daddr) return x;
      if (x.laddr === 0 && !wild) wild = x;
    }
    return wild;
  }

  /** Listening sockets, by port (for `ss -lnt`). */
  listening(): TcpListener[] {
    return [...this.listeners.values()].flat().sort((a, b) => a.lport - b.lport || (a.laddr >>> 0) - (b.laddr >>> 0));
  }

  /** Every connection: sockets, and the records of connections in TIME_WAIT. */
  connections(): TcpConnection[] {
    const out: TcpConnection[] = [];
    for (const head of this.conns.values()) for (let c: TcpConnection | null = head; c !== null; c = c.hnext) out.push(c);
    return out;
  }

  /** @internal ICMP error about a segment we sent from `src:sport` to `dst:dport`. */
  err(src: number, sport: number, dst: number, dport: number, type: number, code: number, _from: number): void {
    const s = this.find(src, sport, dst, dport);
    if (s) s.icmpError(type, code);
  }
}

/**
 * TCP input: to the connection, to a listener (SYN), or answered with a RST.
 *
 * @see Linux `tcp_v4_rcv`
 */
export function tcpRcv(ns: NetNamespace, _dev: NetDevice, skb: SkBuff): void {
  const v = skb.view;
  const t = skb.transport;
  const src = ipv4Src(skb);
  const dst = ipv4Dst(skb);
  const sport = v.getUint16(t);
  const dport = v.getUint16(t + 2);
  const flags = v.getUint8(t + 13);
  ns.TcpInSegs++;
  const s = ns.tcp.find(dst, dport, src, sport);
  if (s) {
    s.rcv(skb);
    fcloneCache(ns).consumed(skb);
    return;
  }
  fcloneCache(ns).consumed(skb);
  if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
    const l = ns.tcp.listener(dst, dport);
    if (l) {
      const c = new TcpSocket(ns, l.childCallbacks);
      c.laddr = dst;
      c.lport = dport;
      c.raddr = src;
      c.rport = sport;
      // Deliberately coarse: a connection accepted from a traced SYN (or on a traced listener) marks
      // every segment it ever sends as traced, the SYN-ACK and all after it, not just the handshake.
      // The child has no per-segment way to tell which replies belong to the probe, and `dockernet
      // trace` needs the SYN-ACK traced to follow the reply. Consumers bound the cost: segments are
      // only formatted while `sim.tracer` is set, and the probe stops recording at the answer
      // (GatedTracer), so later segments, though traced, reach a tracer only if one is installed.
      c.traced = l.traced || skb.traced;
      c.listener = l;
      ns.tcp.hash(c);
      if (skb.traced && ns.sim.tracer) trace(ns, skb, 'local', 'deliver', `tcp SYN to listener ${ipToString(dst)}:${dport}`, { proto: 'tcp', port: dport });
      c.synRecvStart(skb);
      return;
    }
  }
  if (skb.traced && ns.sim.tracer) traceDrop(ns, skb, 'port closed', { port: dport, proto: 'tcp' });
  if (!(flags & TCP_RST)) sendReset(ns, skb);
}

/**
 * Answers `skb` with a RST: `seq = ack` when it carried an ACK, else `RST|ACK` acknowledging it.
 *
 * @see Linux `tcp_v4_send_reset`
 */
export function sendReset(ns: NetNamespace, skb: SkBuff): void {
  const v = skb.view;
  const t = skb.transport;
  const flags = v.getUint8(t + 13);
  if (flags & TCP_RST) return;
  const src = ipv4Src(skb);
  const dst = ipv4Dst(skb);
  if (ns.addrType(dst) !== 'LOCAL') return;
  const hlen = (v.getUint8(t + 12) >>> 4) * 4;
  const plen = skb.network + v.getUint16(skb.network + 2) - (t + hlen);
  const rt = ipRouteOutput(ns, src, dst);
  if (!rt) return;
  let seq = 0;
  let ack = 0;
  let rflags = TCP_RST;
  if (flags & TCP_ACK) seq = v.getUint32(t + 8);
  else {
    ack = (v.getUint32(t + 4) + plen + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0)) >>> 0;
    rflags |= TCP_ACK;
  }
  const rst = buildTcp(
    { srcMac: 0, dstMac: 0, src: dst, dst: src, ttl: ns.sysctl.ip_default_ttl, id: 0, df: true },
    { sport: v.getUint16(t + 2), dport: v.getUint16(t), seq, ack, flags: rflags, window: 0 },
  );
  inheritTrace(ns, skb, rst);
  ns.counters.inc('TcpOutRsts');
  ipLocalOut(ns, rst, rt);
}
