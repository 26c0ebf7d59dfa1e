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
  /** @internal the timer's slot in the heap's tables while it is queued, -1 when not */
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
  // The timer heap, keyed by (at, seq): the keys in heap order in typed arrays (a sift compares and
  // moves numbers in a few contiguous arrays, where a heap of Timer objects read two objects per
  // level, scattered over the heap: with thousands of pending timers, a cache miss each), and each
  // entry's slot; a queued timer keeps its slot (`Timer.idx`) while the entries move.
  /** Pending timers. */
  private n = 0;
  private hAt = new Float64Array(8);
  private hSeq = new Float64Array(8);
  private hSlot = new Int32Array(8);
  /** Slot → heap index of its entry. */
  private pos = new Int32Array(8);
  /** Slot → its timer (null: free). */
  private slots: Array<Timer | null> = [];
  /** Free slots below `slots.length`. */
  private freeSlots: number[] = [];
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
    return this.n;
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
    if (timer.idx >= 0) this.removeAt(this.pos[timer.idx]!);
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
    this.removeAt(this.pos[timer.idx]!);
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
    if (this.n === 0) return false;
    const top = this.slots[this.hSlot[0]!]!;
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
      if (this.n === 0 || this.hAt[0]! > t) break;
      this.step();
    }
    if (t > this.t) this.t = t;
  }

  /** Advances the clock by `d` nanoseconds, firing the timers that fall due. */
  advance(d: Nanos): void {
    this.runUntil(this.t + d);
  }

  // ---- binary heap keyed by (at, seq) ----

  /** Queues `x` (its `at` and `seq` set). */
  private push(x: Timer): void {
    let slot: number;
    if (this.freeSlots.length > 0) slot = this.freeSlots.pop()!;
    else {
      slot = this.slots.length;
      if (slot === this.pos.length) this.grow();
      this.slots.push(null);
    }
    this.slots[slot] = x;
    x.idx = slot;
    const i = this.n++;
    this.place(i, x.at, x.seq, slot);
    this.up(i);
  }

  /** Doubles the heap's tables. */
  private grow(): void {
    const cap = this.pos.length * 2;
    this.hAt = grown(this.hAt, cap);
    this.hSeq = grown(this.hSeq, cap);
    this.hSlot = grown(this.hSlot, cap);
    this.pos = grown(this.pos, cap);
  }

  /** Removes the entry at heap index `i`; its timer is no longer queued. */
  private removeAt(i: number): void {
    const slot = this.hSlot[i]!;
    this.slots[slot]!.idx = -1;
    this.slots[slot] = null;
    this.freeSlots.push(slot);
    const last = --this.n;
    if (i < last) {
      const ls = this.hSlot[last]!;
      this.move(last, i);
      this.down(i);
      this.up(this.pos[ls]!);
    }
  }

  /** Puts the entry (`at`, `seq`, `slot`) at heap index `i`. */
  private place(i: number, at: number, seq: number, slot: number): void {
    this.hAt[i] = at;
    this.hSeq[i] = seq;
    this.hSlot[i] = slot;
    this.pos[slot] = i;
  }

  /** Copies the entry at heap index `from` to `to`. */
  private move(from: number, to: number): void {
    this.place(to, this.hAt[from]!, this.hSeq[from]!, this.hSlot[from]!);
  }

  private up(i: number): void {
    const at = this.hAt;
    const sq = this.hSeq;
    const a = at[i]!;
    const s = sq[i]!;
    const slot = this.hSlot[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = at[p]!;
      if (!(a < pa || (a === pa && s < sq[p]!))) break;
      this.move(p, i);
      i = p;
    }
    this.place(i, a, s, slot);
  }

  private down(i: number): void {
    const at = this.hAt;
    const sq = this.hSeq;
    const n = this.n;
    const a = at[i]!;
    const s = sq[i]!;
    const slot = this.hSlot[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ca = at[c]!;
      if (c + 1 < n) {
        const ra = at[c + 1]!;
        if (ra < ca || (ra === ca && sq[c + 1]! < sq[c]!)) {
          c++;
          ca = ra;
        }
      }
      if (!(ca < a || (ca === a && sq[c]! < s))) break;
      this.move(c, i);
      i = c;
    }
    this.place(i, a, s, slot);
  }
}

/** A copy of `a` with room for `cap` values (the rest zero). */
function grown<T extends Float64Array | Int32Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/** A packed array of `n` nulls (the packet queue's slots: stores into it never grow it). */
function nulls(n: number): unknown[] {
  const a: unknown[] = [];
  for (let i = 0; i < n; i++) a.push(null);
  return a;
}
