import type { Nanos } from './time.js';
import type { Tracer } from './trace.js';

/** Something that accepts posted work: a device receiving a frame, a socket receiving data. */
export interface Receiver<T> {
  receive(arg: T): void;
}

/** A pending timer. Cancel it with {@link Sim.cancel}. */
export interface Timer {
  /** Virtual time at which it fires. */
  readonly at: Nanos;
  /** Order of insertion, breaks ties so that equal-time timers fire in FIFO order. */
  readonly seq: number;
  /** @internal called with {@link Timer.arg} */
  fn: ((arg: never) => void) | null;
  /** @internal the argument of `fn` ({@link Sim.scheduleCall}) */
  arg: unknown;
  /** @internal index in the heap, -1 when not queued */
  idx: number;
}

/**
 * The discrete-event simulator: a virtual clock, a timer heap and a FIFO run queue for work that
 * happens "now" (packet transmission uses the queue instead of recursion).
 *
 * Nothing here reads the wall clock: same inputs, same order of events, same bytes.
 */
export class Sim {
  private t: Nanos = 0;
  private seq = 0;
  private heap: Timer[] = [];
  private queue: Array<() => void> = [];
  private qhead = 0;
  // packet delivery queue: target, argument, target, argument, … in one preallocated array, so
  // posting a packet allocates nothing and never takes the array-growing store path
  private readonly pkt: unknown[] = nulls(256);
  private phead = 0;
  private ptail = 0;

  /** Where trace events go; `null` (the default) costs one branch per traced point. */
  tracer: Tracer | null = null;

  /** Current virtual time in nanoseconds. */
  get now(): Nanos {
    return this.t;
  }

  /** Number of timers still pending. */
  get pendingTimers(): number {
    return this.heap.length;
  }

  /** Number of queued immediate tasks. */
  get pendingTasks(): number {
    return this.queue.length - this.qhead + (this.ptail - this.phead) / 2;
  }

  /** Runs `fn` after `delay` nanoseconds of virtual time. */
  schedule(delay: Nanos, fn: () => void): Timer {
    return this.scheduleCall(delay, fn, undefined);
  }

  /**
   * Runs `fn(arg)` after `delay` nanoseconds of virtual time: for a long-lived timer per object (a
   * sleeping process), one shared function instead of a closure (and its context) per timer.
   */
  scheduleCall<T>(delay: Nanos, fn: (arg: T) => void, arg: T): Timer {
    if (!(delay >= 0)) throw new RangeError(`negative or invalid delay: ${delay}`);
    const timer: Timer = { at: this.t + delay, seq: this.seq++, fn: fn as (arg: never) => void, arg, idx: -1 };
    this.push(timer);
    return timer;
  }

  /**
   * {@link Sim.scheduleCall} into `timer`, an object this caller owns alone and that no one else
   * holds (pending, fired or cancelled: a pending one is cancelled first), instead of a new one; a
   * new timer when `timer` is null. For an object that arms the same timer again and again (a
   * neighbour entry's delay and retransmit timer), so the rearm allocates nothing. Returns the
   * timer, queued after every timer already due at the same time.
   */
  rescheduleCall<T>(timer: Timer | null, delay: Nanos, fn: (arg: T) => void, arg: T): Timer {
    if (timer === null) return this.scheduleCall(delay, fn, arg);
    if (!(delay >= 0)) throw new RangeError(`negative or invalid delay: ${delay}`);
    if (timer.idx >= 0) this.removeAt(timer.idx);
    const t = timer as { at: Nanos; seq: number };
    t.at = this.t + delay;
    t.seq = this.seq++;
    timer.fn = fn as (arg: never) => void;
    timer.arg = arg;
    this.push(timer);
    return timer;
  }

  /** Runs `fn` at absolute virtual time `at` (or now, if `at` is in the past). */
  scheduleAt(at: Nanos, fn: () => void): Timer {
    return this.schedule(Math.max(0, at - this.t), fn);
  }

  /** Cancels a timer; harmless if it already fired or was cancelled. */
  cancel(timer: Timer | null | undefined): void {
    if (!timer || timer.idx < 0) return;
    timer.fn = null;
    timer.arg = undefined;
    this.removeAt(timer.idx);
  }

  /** Queues `fn` to run at the current time, after everything already queued. */
  defer(fn: () => void): void {
    this.queue.push(fn);
  }

  /**
   * Queues delivery of `arg` to `target.receive(arg)` at the current time. This is the transmit
   * queue of the packet path: a device never calls its peer recursively, it posts here.
   */
  post<T>(target: Receiver<T>, arg: T): void {
    const i = this.ptail;
    if (i === this.pkt.length) this.growPkt();
    const q = this.pkt;
    q[i] = target;
    q[i + 1] = arg;
    this.ptail = i + 2;
  }

  /** Doubles the packet queue in place (a drain in progress holds a reference to the array). */
  private growPkt(): void {
    const q = this.pkt;
    for (let n = q.length; n > 0; n--) q.push(null);
  }

  /** Runs queued tasks and packet deliveries (FIFO each) until both are empty. */
  drain(): void {
    for (;;) {
      this.drainPackets();
      if (this.qhead >= this.queue.length) break;
      this.drainTasks();
    }
  }

  private drainPackets(): void {
    const q = this.pkt;
    while (this.phead < this.ptail) {
      const i = this.phead;
      this.phead = i + 2;
      const t = q[i] as Receiver<unknown>;
      const a = q[i + 1];
      q[i] = null;
      q[i + 1] = null;
      t.receive(a);
    }
    this.phead = 0;
    this.ptail = 0;
  }

  private drainTasks(): void {
    const q = this.queue;
    while (this.qhead < q.length) {
      const fn = q[this.qhead++]!;
      fn();
      if (this.phead < this.ptail) this.drainPackets();
    }
    q.length = 0;
    this.qhead = 0;
  }

  /** Runs one event: queued tasks first, otherwise the earliest timer. Returns false when idle. */
  step(): boolean {
    if (this.qhead < this.queue.length || this.phead < this.ptail) {
      this.drain();
      return true;
    }
    const top = this.heap[0];
    if (!top) return false;
    this.removeAt(0);
    this.t = top.at;
    const fn = top.fn as ((arg: unknown) => void) | null;
    const arg = top.arg;
    top.fn = null;
    top.arg = undefined;
    if (fn) fn(arg);
    this.drain();
    return true;
  }

  /** Runs until there is nothing left to do. `maxEvents` guards against endless timer chains. */
  run(maxEvents = 100_000_000): void {
    let n = 0;
    while (this.step()) {
      if (++n >= maxEvents) throw new Error(`Sim.run: more than ${maxEvents} events`);
    }
  }

  /** Runs every event up to and including virtual time `t`, then sets the clock to `t`. */
  runUntil(t: Nanos): void {
    this.drain();
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > t) break;
      this.step();
    }
    if (t > this.t) this.t = t;
  }

  /** Advances the clock by `d` nanoseconds, firing the timers that fall due. */
  advance(d: Nanos): void {
    this.runUntil(this.t + d);
  }

  // ---- binary heap keyed by (at, seq) ----
  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(x: Timer): void {
    const h = this.heap;
    h.push(x);
    x.idx = h.length - 1;
    this.up(x.idx);
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const x = h[i]!;
    const last = h.pop()!;
    x.idx = -1;
    if (i < h.length) {
      h[i] = last;
      last.idx = i;
      this.down(i);
      this.up(last.idx);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const x = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const y = h[p]!;
      if (!this.less(x, y)) break;
      h[i] = y;
      y.idx = i;
      i = p;
    }
    h[i] = x;
    x.idx = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(h[c + 1]!, h[c]!)) c++;
      const y = h[c]!;
      if (!this.less(y, x)) break;
      h[i] = y;
      y.idx = i;
      i = c;
    }
    h[i] = x;
    x.idx = i;
  }
}

/** A packed array of `n` nulls (the packet queue's slots: stores into it never grow it). */
function nulls(n: number): unknown[] {
  const a: unknown[] = [];
  for (let i = 0; i < n; i++) a.push(null);
  return a;
}
