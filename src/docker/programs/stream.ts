/**
 * What the TCP applets (`nc`, `wget`) share: a connected stream socket as a program sees it —
 * connect() that blocks until the handshake or its error, reads that return what arrived (or end
 * of file), writes and shutdown — over virtual time, with a {@link Waker} instead of polling, and
 * a deadline like busybox's `alarm()` (`-w`, `-T`).
 */
import type { ProgramWait } from '../../runtime/process.js';
import { Waker } from '../../runtime/process.js';
import type { Sim } from '../../core/scheduler.js';
import type { Nanos } from '../../core/time.js';
import type { NetNamespace } from '../../netns/netns.js';
import type { TcpListener, TcpSocket } from '../../netns/socket/tcp.js';
import { TCP_ERRNO_TEXT } from '../../netns/socket/tcp.js';
import { DockernetError } from '../../core/errors.js';

export { bytesOf, latin1 } from '../../core/text.js';


/** The alarm ran out (busybox: "timed out"). */
export const TIMED_OUT = Symbol('timed out');

/**
 * Runs `g` until it returns or the virtual clock reaches `deadline` (null: no deadline); the
 * value, or {@link TIMED_OUT} after closing `g` (its `finally` blocks run, as on SIGALRM's exit).
 */
export function* withDeadline<T>(sim: Sim, deadline: Nanos | null, g: Generator<ProgramWait, T, void>): Generator<ProgramWait, T | typeof TIMED_OUT, void> {
  for (;;) {
    if (deadline !== null && sim.now >= deadline) {
      g.return(undefined as never);
      return TIMED_OUT;
    }
    const r = g.next();
    if (r.done) return r.value;
    const w = r.value;
    if (deadline === null) yield w;
    else {
      const left = deadline - sim.now;
      yield 'sleep' in w && w.sleep < left ? w : { sleep: left, wake: w.wake };
    }
  }
}

/** A stream socket with blocking-style reads for a generator program. */
export class Stream {
  /** Bytes received and not read yet. */
  private rx: Uint8Array[] = [];
  /** The peer sent FIN. */
  private eof = false;
  /** Connected (handshake done, or accepted). */
  connected = false;
  /** The connection's error (refused, reset, timed out…), or null. */
  error: string | null = null;
  /** Wakes the program on every socket event. */
  readonly waker = new Waker();
  /** The socket (null until connect/accept). */
  sock: TcpSocket | null = null;
  private shut = false;

  /** Callbacks to give the socket. */
  readonly callbacks = {
    onConnect: (): void => {
      this.connected = true;
      this.waker.wake();
    },
    onData: (_s: TcpSocket, d: Uint8Array): void => {
      this.rx.push(d);
      this.waker.wake();
    },
    onEnd: (): void => {
      this.eof = true;
      this.waker.wake();
    },
    onError: (_s: TcpSocket, err: keyof typeof TCP_ERRNO_TEXT): void => {
      this.error = TCP_ERRNO_TEXT[err];
      this.waker.wake();
    },
    onClose: (): void => {
      this.waker.wake();
    },
  };

  /**
   * connect(): starts the handshake and waits until it completes or fails. Returns null when
   * connected, else the errno text (`Connection refused`, `Network is unreachable` at once…).
   */
  *connect(ns: NetNamespace, dst: number, port: number, sport?: number): Generator<ProgramWait, string | null, void> {
    try {
      this.sock = ns.tcp.connect(dst, port, this.callbacks, sport ? { sport } : {});
      this.sock.manualRead = true;
    } catch (e) {
      if (e instanceof DockernetError) return e.message;
      throw e;
    }
    while (!this.connected && this.error === null) yield { forever: true, wake: this.waker };
    return this.connected ? null : this.error;
  }

  /** accept(): waits for the first queued connection of `q` and makes it this stream's. */
  *accept(q: AcceptQueue): Generator<ProgramWait, void, void> {
    let p = q.take();
    while (!p) {
      yield { forever: true, wake: q.waker };
      p = q.take();
    }
    this.sock = p.sock;
    p.sock.cb = this.callbacks;
    p.sock.manualRead = true;
    this.connected = true;
    this.rx.push(...p.data);
    if (p.eof) this.eof = true;
  }

  /**
   * read(): waits for data or end of file. Returns the bytes, or null at end of file or on error
   * (read() returning 0 or -1).
   */
  *read(): Generator<ProgramWait, Uint8Array | null, void> {
    for (;;) {
      const d = this.rx.shift();
      if (d) {
        if (!this.rx.length) this.sock?.consume();
        return d;
      }
      if (this.eof || this.error !== null || !this.sock || this.sock.state === 'CLOSED') {
        this.sock?.consume(true);
        return null;
      }
      yield { forever: true, wake: this.waker };
    }
  }

  /** write(): queues bytes (false when the connection is gone: EPIPE). */
  write(data: Uint8Array): boolean {
    if (!this.sock || !data.length) return !!this.sock;
    try {
      this.sock.send(data);
      return true;
    } catch (e) {
      if (e instanceof DockernetError) return false;
      throw e;
    }
  }

  /** shutdown(SHUT_WR): FIN after the queued data. */
  shutdown(): void {
    if (this.shut || !this.sock) return;
    this.shut = true;
    this.sock.close();
  }

  /** close() at exit: FIN if not sent yet; a handshake in progress is abandoned. */
  close(): void {
    const s = this.sock;
    if (!s || s.state === 'CLOSED' || s.state === 'TIME_WAIT') return;
    if (s.state === 'SYN_SENT') s.abort();
    else this.shutdown();
  }
}

/** An accepted connection waiting for accept(), with what it received meanwhile. */
interface Pending {
  sock: TcpSocket;
  data: Uint8Array[];
  eof: boolean;
}

/**
 * listen() and the kernel's accept queue: connections completed on `addr:port` wait here, with
 * the data they bring, until {@link Stream.accept} takes them. Port 0 picks a free ephemeral port.
 */
export class AcceptQueue {
  /** The listening socket. */
  readonly listener: TcpListener;
  private readonly pending: Pending[] = [];

  /** Throws the listen()/bind() error (`Address already in use`, `Cannot assign requested address`). */
  constructor(ns: NetNamespace, addr: number, port: number, readonly waker: Waker) {
    const find = (s: TcpSocket): Pending | undefined => this.pending.find((p) => p.sock === s);
    const onAccept = (s: TcpSocket): void => {
      if (!find(s)) this.pending.push({ sock: s, data: [], eof: false });
      waker.wake();
    };
    const child = {
      onData: (s: TcpSocket, d: Uint8Array): void => {
        const p = find(s);
        if (p) p.data.push(d);
      },
      onEnd: (s: TcpSocket): void => {
        const p = find(s);
        if (p) p.eof = true;
      },
    };
    if (port !== 0) {
      this.listener = ns.tcp.listen(addr, port, onAccept, child);
      return;
    }
    const [lo, hi] = ns.sysctl.ip_local_port_range;
    let p = lo + ns.rng.int(hi - lo + 1);
    for (let tries = 0; ; tries++) {
      try {
        this.listener = ns.tcp.listen(addr, p, onAccept, child);
        return;
      } catch (e) {
        if (!(e instanceof DockernetError) || e.code !== 'EADDRINUSE' || tries > hi - lo) throw e;
        p = p >= hi ? lo : p + 1;
      }
    }
  }

  /** The oldest queued connection, or undefined. */
  take(): Pending | undefined {
    return this.pending.shift();
  }

  /** close() of the listening socket: queued connections not accepted yet are reset. */
  close(): void {
    this.listener.close();
    for (const p of this.pending.splice(0)) p.sock.abort();
  }
}
