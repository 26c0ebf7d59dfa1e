/**
 * TCP connections in TIME_WAIT, after Linux's `inet_timewait_sock`.
 *
 * When a connection enters TIME_WAIT, Linux is done with its socket (`tcp_time_wait` then
 * `tcp_done`) and leaves a small record in the connection hash for 60 s: the addresses and ports,
 * the next sequence numbers, the timestamp state. That is all TIME_WAIT needs to answer what still
 * arrives: a retransmitted FIN or stray data is acknowledged, a SYN gets an ACK, a RST in the window
 * ends it. Here too: {@link TcpTimeWait} takes the connection's place in the namespace's table, and
 * the application's {@link TcpSocket} is no longer referenced by the stack (it reads `TIME_WAIT` until
 * the record ends, then `CLOSED`). A scan such as `dockernet reach` leaves tens of thousands of
 * connections in TIME_WAIT: ~0.8 KB each as whole sockets with their timers, ~0.15 KB as records.
 *
 * Every connection stays in TIME_WAIT for the same 60 s, so the records of a namespace end in the
 * order they were made: one FIFO and one timer per table ({@link TimeWaitQueue}) instead of a timer
 * and its closure per connection.
 *
 * @module
 */
import type { Sim, Timer } from '../../core/scheduler.js';
import type { Nanos } from '../../core/time.js';
import { MS, SECOND } from '../../core/time.js';
import type { SkBuff } from '../../wire/skbuff.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, buildTcp } from '../../wire/build.js';
import type { NetNamespace } from '../netns.js';
import { ipLocalOut, ipRouteOutput } from '../ip-output.js';
import { startTrace } from '../trace.js';
import type { TcpSocket } from './tcp.js';
import { RCV_WND, SYN_WND, WSCALE, segmentHeaders, seqLeq, seqLt, timestampOptions, timestampsAt } from './tcp-segment.js';

/** How long a connection stays in TIME_WAIT (Linux TCP_TIMEWAIT_LEN). */
export const TIME_WAIT_LEN: Nanos = 60 * SECOND;

/** What a connection hands its TIME_WAIT record (the socket's fields of the same names). */
export interface TimeWaitFields {
  laddr: number;
  lport: number;
  raddr: number;
  rport: number;
  sndNxt: number;
  rcvNxt: number;
  tsOk: boolean;
  tsRecent: number;
  tsOffset: number;
  ipId: number;
  wsOk: boolean;
  traced: boolean;
}

/**
 * A connection in TIME_WAIT: the entry of the namespace's connection table that answers for it
 * until it ends (60 s after it began, or at a RST in its window).
 *
 * @see Linux `inet_timewait_sock`, `tcp_timewait_state_process`
 */
export class TcpTimeWait {
  /** Namespace. */
  readonly ns: NetNamespace;
  /** Local address. */
  readonly laddr: number;
  /** Local port. */
  readonly lport: number;
  /** Remote address. */
  readonly raddr: number;
  /** Remote port. */
  readonly rport: number;
  /** Trace the ACKs it sends (the connection was traced). */
  readonly traced: boolean;
  // sequence numbers and timestamps as int32, as in TcpSocket
  private readonly sndNxt: number;
  private readonly rcvNxt: number;
  private tsRecent: number;
  private readonly tsOffset: number;
  private ipId: number;
  private readonly tsOk: boolean;
  private readonly wsOk: boolean;
  private alive = true;
  /** @internal the next connection with the same ports in the namespace's table */
  hnext: TcpSocket | TcpTimeWait | null = null;

  constructor(ns: NetNamespace, f: TimeWaitFields) {
    this.ns = ns;
    this.laddr = f.laddr;
    this.lport = f.lport;
    this.raddr = f.raddr;
    this.rport = f.rport;
    this.traced = f.traced;
    this.sndNxt = f.sndNxt;
    this.rcvNxt = f.rcvNxt;
    this.tsRecent = f.tsRecent;
    this.tsOffset = f.tsOffset;
    this.ipId = f.ipId;
    this.tsOk = f.tsOk;
    this.wsOk = f.wsOk;
  }

  /** `TIME_WAIT` until the record ends, then `CLOSED`. */
  get state(): 'TIME_WAIT' | 'CLOSED' {
    return this.alive ? 'TIME_WAIT' : 'CLOSED';
  }

  /**
   * @internal processes a segment for the connection: a RST in the window ends it; a SYN is
   * answered with an ACK (the model's TIME_WAIT does not reopen); a segment with data or a FIN (a
   * retransmission: the peer missed our last ACK) is acknowledged at once; anything else is dropped.
   */
  rcv(skb: SkBuff): void {
    if (!this.alive) return;
    const v = skb.view;
    const t = skb.transport;
    const seq = v.getInt32(t + 4);
    const flags = v.getUint8(t + 13);
    if (flags & TCP_RST) {
      if (seq === this.rcvNxt || (seqLeq(this.rcvNxt, seq) && seqLt(seq, (this.rcvNxt + RCV_WND) >>> 0))) this.kill();
      return;
    }
    if (flags & TCP_SYN) {
      this.ack();
      return;
    }
    if (!(flags & TCP_ACK)) return;
    if (this.tsOk) {
      const p = timestampsAt(skb);
      if (p >= 0) this.tsRecent = v.getInt32(p + 2);
    }
    const hlen = (v.getUint8(t + 12) >>> 4) * 4;
    const plen = skb.network + v.getUint16(skb.network + 2) - (t + hlen);
    if (plen > 0 || (flags & TCP_FIN) !== 0) this.ack();
  }

  /** Sends an ACK of everything (Linux `tcp_v4_timewait_ack`). */
  private ack(): void {
    const ns = this.ns;
    const rt = ipRouteOutput(ns, this.raddr, this.laddr);
    if (!rt) {
      ns.counters.inc('OutNoRoutes');
      return;
    }
    const { ip, tcp } = segmentHeaders(ns, this, this.ipId);
    this.ipId = (this.ipId + 1) & 0xffff;
    tcp.seq = this.sndNxt >>> 0;
    tcp.ack = this.rcvNxt >>> 0;
    tcp.flags = TCP_ACK;
    tcp.window = this.wsOk ? RCV_WND >> WSCALE : SYN_WND;
    if (this.tsOk) tcp.options = timestampOptions((Math.floor(ns.sim.now / MS) + this.tsOffset) >>> 0, this.tsRecent);
    const skb = buildTcp(ip, tcp);
    tcp.options = undefined;
    if (this.traced) startTrace(ns, skb);
    ns.TcpOutSegs++;
    ipLocalOut(ns, skb, rt);
  }

  /** Ends the connection: out of the table, `CLOSED`. Harmless when it has ended already. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.ns.tcp.unhash(this);
  }

  /** @internal ends it (the namespace is going away). */
  destroy(_notify = true): void {
    this.kill();
  }

  /** @internal ICMP errors are ignored in TIME_WAIT (Linux `tcp_v4_err`). */
  icmpError(_type: number, _code: number): void {}
}

/** The shared timer function of every {@link TimeWaitQueue} (no closure per queue). */
function expireTimeWaits(q: TimeWaitQueue): void {
  q.expire();
}

/**
 * The TIME_WAIT records of one table in the order they began, with one timer for the oldest.
 * A record that ended early (a RST) stays queued, ended, until its time.
 */
export class TimeWaitQueue {
  private readonly sim: Sim;
  private recs: (TcpTimeWait | null)[] = [];
  /** When each record ends (virtual ns; a double array, so no box per number). */
  private ends: number[] = [];
  private head = 0;
  private timer: Timer | null = null;

  constructor(sim: Sim) {
    this.sim = sim;
  }

  /** Queues `tw`, which began now. */
  add(tw: TcpTimeWait): void {
    this.recs.push(tw);
    this.ends.push(this.sim.now + TIME_WAIT_LEN);
    if (this.timer === null) this.timer = this.sim.scheduleCall(TIME_WAIT_LEN, expireTimeWaits, this);
  }

  /** @internal the timer: ends every record whose time has come, then waits for the next. */
  expire(): void {
    this.timer = null;
    const now = this.sim.now;
    const recs = this.recs;
    const ends = this.ends;
    let h = this.head;
    while (h < recs.length && ends[h]! <= now) {
      const tw = recs[h]!;
      recs[h] = null;
      h++;
      tw.kill();
    }
    if (h === recs.length) {
      this.recs = [];
      this.ends = [];
      this.head = 0;
      return;
    }
    if (h >= 1024 && 2 * h >= recs.length) {
      this.recs = recs.slice(h);
      this.ends = ends.slice(h);
      h = 0;
    }
    this.head = h;
    this.timer = this.sim.scheduleCall(this.ends[h]! - now, expireTimeWaits, this);
  }
}
