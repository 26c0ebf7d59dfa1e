/**
 * Linux namespaces of a container: PID, NET, UTS, IPC, MOUNT, USER, CGROUP and TIME. Each is an
 * object with an inode number (what `readlink /proc/<pid>/ns/<kind>` shows); sharing a namespace
 * means holding the same object. The network layer hangs its netns stack on `net.handle`.
 */

/** Namespace kinds as named under /proc/<pid>/ns (pid_for_children is the pid one for a new child). */
export const NS_KINDS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'user', 'uts'] as const;
/** One of {@link NS_KINDS}. */
export type NsKind = (typeof NS_KINDS)[number];

/**
 * One namespace instance.
 *
 * Each kind keeps one value of its own (UTS the hostname, IPC whether it is shareable, PID the next
 * pid, NET the network layer's handle), so the object has one slot for it (`v`) instead of a field
 * per kind, which every namespace would carry: 64 bytes instead of 88, five namespaces per container.
 * The accessors give each kind's value its type and default.
 */
export class Namespace {
  /** The kind's own value: hostname (uts), shareable (ipc), next pid (pid), handle (net, and any other). */
  private v: unknown;
  /** Work the handle's owner deferred, done before the handle is next read ({@link deferHandleWork}). */
  private handleWork: { configure(): void } | null = null;
  /** The inode number less {@link INODE_BASE} (a small integer: no boxed double per namespace). */
  private readonly ino: number;
  constructor(
    /** Which kind. */
    readonly kind: NsKind,
    /** Inode number, unique per namespace. */
    inode: number,
    /** Who created it (`host` or a container id). */
    readonly owner: string,
  ) {
    this.ino = (inode - INODE_BASE) | 0;
    this.v = kind === 'uts' ? '' : kind === 'ipc' ? false : kind === 'pid' ? 1 : null;
  }
  /** Inode number, unique per namespace. */
  get inode(): number {
    return this.ino + INODE_BASE;
  }

  /** UTS: the hostname (`''` for other kinds). */
  get hostname(): string {
    return this.kind === 'uts' ? (this.v as string) : '';
  }

  set hostname(h: string) {
    this.own('uts', 'hostname');
    this.v = h;
  }

  /** IPC: whether other containers may join (`--ipc shareable`, or the host's). */
  get shareable(): boolean {
    return this.kind === 'ipc' ? (this.v as boolean) : false;
  }

  set shareable(b: boolean) {
    this.own('ipc', 'shareable');
    this.v = b;
  }

  /** PID: next pid to hand out inside this namespace. */
  get nextPid(): number {
    return this.kind === 'pid' ? (this.v as number) : 1;
  }

  set nextPid(n: number) {
    this.own('pid', 'nextPid');
    this.v = n;
  }

  /** Whether the slot holds a value of the kind's own (UTS, IPC, PID) rather than a handle. */
  private valued(): boolean {
    return this.kind === 'uts' || this.kind === 'ipc' || this.kind === 'pid';
  }

  /** The one kind whose value `what` is (a namespace of another kind has no slot for it). */
  private own(kind: NsKind, what: string): void {
    if (this.kind !== kind) throw new TypeError(`${what} belongs to a ${kind} namespace, not ${this.kind}`);
  }

  /**
   * Free slot for a higher layer's object (the network layer puts its netns stack on `net`). Reading
   * it first does the work {@link deferHandleWork} left for later. (Kinds with a value of their own,
   * UTS, IPC and PID, have no handle: `null`.)
   */
  get handle(): unknown {
    const w = this.handleWork;
    if (w !== null) {
      this.handleWork = null;
      w.configure();
    }
    return this.handleAsIs;
  }

  /**
   * The handle as it is, without the work {@link deferHandleWork} left for later: for a process
   * that needs the object but does not look at what the work would set up (a server listening on
   * every address), so that starting it does not make the work happen.
   */
  get handleAsIs(): unknown {
    return this.valued() ? null : this.v;
  }

  set handle(v: unknown) {
    if (this.valued()) throw new TypeError(`a ${this.kind} namespace has no handle`);
    this.v = v;
    this.handleWork = null;
  }

  /**
   * Leaves `work.configure()` to be done when the handle is next read (the network layer configures
   * a container's namespace on first use). Doing it earlier elsewhere is fine: it is run at most
   * once more here, so it must do nothing the second time.
   */
  deferHandleWork(work: { configure(): void }): void {
    this.handleWork = work;
  }
}

/** The offset of stored inode numbers (proc_inum hands out numbers just below and above it). */
const INODE_BASE = 0xf0000000;

/** A process's full set of namespaces. */
export type NamespaceSet = Record<NsKind, Namespace>;

/** Allocates namespace inode numbers the way the kernel's proc_inum does (increasing from 0xF0000000). */
export class NamespaceAllocator {
  private next = 0xeffffffb;
  /** Creates a new namespace of `kind`. */
  create(kind: NsKind, owner: string): Namespace {
    return new Namespace(kind, ++this.next, owner);
  }
  /** The initial ("host") namespaces of the machine, with `hostname`. */
  hostSet(hostname: string): NamespaceSet {
    const s = {} as NamespaceSet;
    for (const k of NS_KINDS) s[k] = this.create(k, 'host');
    s.pid_for_children = s.pid;
    s.uts.hostname = hostname;
    s.ipc.shareable = true;
    s.pid.nextPid = 1000;
    return s;
  }
}

/**
 * Compares two namespace sets kind by kind, as the rt-05 probe prints: `same`/`diff` per kind
 * (`-` when either side has no process).
 */
export function compareNamespaces(a: NamespaceSet | null, b: NamespaceSet | null): Record<NsKind, 'same' | 'diff' | '-'> {
  const out = {} as Record<NsKind, 'same' | 'diff' | '-'>;
  for (const k of NS_KINDS) out[k] = !a || !b ? '-' : a[k] === b[k] ? 'same' : 'diff';
  return out;
}
