/**
 * A container record: identity, requested configuration, state machine, filesystem, namespaces,
 * cgroup and processes. The state fields mirror `docker inspect .State`.
 */
import type { Nanos } from '../core/time.js';
import { emptyList, type ContainerConfig, type HostConfig } from './types.js';
import type { RootFs } from './images/layer.js';
import type { NamespaceSet } from './namespaces.js';
import type { Proc } from './process.js';
import type { MountPoint } from './volumes.js';
import type { LogDriver } from './logging/driver.js';
import type { RunRequest } from './cli/run-options.js';

/** Docker's container states. */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** `.State` of `docker inspect` (times are virtual instants; null = Go's zero time). */
export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: Nanos | null;
  FinishedAt: Nanos | null;
}

/** Renders a file of a container's /etc when it is first read (the layer that owns the file). */
export interface EtcRenderer {
  /** The text of `path` for `c`, as it stands now. */
  renderEtc(c: Container, path: string): string;
}

/**
 * The files Docker bind-mounts into /etc, path → content. A file may be left to its owner to
 * render on first read ({@link EtcFiles.setLazy}); reads, iteration and `has` see it exactly as if
 * its text had been stored.
 */
export class EtcFiles extends Map<string, string> {
  private lazyPath: string | null = null;
  private lazyBy: EtcRenderer | null = null;
  /** Files that are live views of another's (`setLive`): rendered on every read. */
  private live: Map<string, EtcRenderer> | null = null;
  constructor(private readonly owner: Container) {
    super();
  }
  /** Leaves `path` to `by`, rendered when read. */
  setLazy(path: string, by: EtcRenderer): void {
    if (this.lazyPath !== null && this.lazyPath !== path) this.materialise();
    super.set(path, '');
    this.lazyPath = path;
    this.lazyBy = by;
  }
  /**
   * Makes `path` a live view of another file (a bind mount of a file that its owner rewrites in
   * place): every read renders it again, until `set`/`delete` replace it.
   */
  setLive(path: string, by: EtcRenderer): void {
    if (path === this.lazyPath) {
      this.lazyPath = null;
      this.lazyBy = null;
    }
    (this.live ??= new Map()).set(path, by);
    super.set(path, '');
  }
  /** Renders a file left to its owner now (before the owner's state changes under it). */
  materialise(): void {
    if (this.live) for (const [p, by] of this.live) super.set(p, by.renderEtc(this.owner, p));
    const p = this.lazyPath;
    if (p === null) return;
    const text = this.lazyBy!.renderEtc(this.owner, p);
    this.lazyPath = null;
    this.lazyBy = null;
    super.set(p, text);
  }
  /** The file's text (a pending file is rendered now). */
  override get(path: string): string | undefined {
    const live = this.live?.get(path);
    if (live) return live.renderEtc(this.owner, path);
    if (path === this.lazyPath) this.materialise();
    return super.get(path);
  }
  /** Stores a file's text (replacing a pending one). */
  override set(path: string, text: string): this {
    this.live?.delete(path);
    if (path === this.lazyPath) {
      this.lazyPath = null;
      this.lazyBy = null;
    }
    return super.set(path, text);
  }
  /** Removes a file. */
  override delete(path: string): boolean {
    this.live?.delete(path);
    if (path === this.lazyPath) {
      this.lazyPath = null;
      this.lazyBy = null;
    }
    return super.delete(path);
  }
  /** Removes every file. */
  override clear(): void {
    this.live = null;
    this.lazyPath = null;
    this.lazyBy = null;
    super.clear();
  }
  /** Visits every file (pending ones rendered first). */
  override forEach(cb: (value: string, key: string, map: Map<string, string>) => void, thisArg?: unknown): void {
    this.materialise();
    super.forEach(cb, thisArg);
  }
  /** Path and text of every file (pending ones rendered first). */
  override entries(): MapIterator<[string, string]> {
    this.materialise();
    return super.entries();
  }
  /** Text of every file (pending ones rendered first). */
  override values(): MapIterator<string> {
    this.materialise();
    return super.values();
  }
  /** Path and text of every file (pending ones rendered first). */
  override [Symbol.iterator](): MapIterator<[string, string]> {
    this.materialise();
    return super[Symbol.iterator]();
  }
}

/** The mounts of a container without any (shared, frozen: `mounts` is replaced, never pushed to). */
const NO_MOUNTS = Object.freeze([]) as unknown as MountPoint[];

/** One container. Created by {@link Runtime}; other layers read it and may use `ext`. */
export class Container {
  /** Full 64-hex id. */
  readonly id: string;
  /** Name with the leading slash, e.g. `/web`. */
  name: string;
  /** Creation instant. */
  readonly created: Nanos;
  /** Process path and args (entrypoint + cmd split as Docker does). */
  path = '';
  args: string[] = [];
  /** Image id (`sha256:...`). */
  imageId: string;
  readonly state: ContainerState = {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: null,
    FinishedAt: null,
  };
  restartCount = 0;
  /** Set when an OOM kill happened in this container's cgroup since it started (decides OOMKilled at exit). */
  oomSeen = false;
  /** Ids of exec sessions (null when none, as Docker prints). */
  execIds: string[] | null = null;
  /** Namespaces while running (null otherwise). */
  namespaces: NamespaceSet | null = null;
  /** Cgroup path relative to each hierarchy's root, e.g. `/docker/<id>`. */
  cgroupPath = '';
  /** The container's init process (PID 1 inside) while running. */
  init: Proc | null = null;
  /**
   * Every live process of the container (init, exec'd, children), in start order; replaced, never
   * edited in place (the shared empty list until the first process).
   */
  procs: readonly Proc[] = emptyList<Proc>();
  /** Volumes and binds (the shared empty list until set). */
  mounts: MountPoint[] = NO_MOUNTS;
  /** The configured log driver instance (null for `none` or before start). */
  log: LogDriver | null = null;
  /** Files Docker bind-mounts into /etc (hostname, hosts, resolv.conf), path → content. */
  readonly etc: EtcFiles = new EtcFiles(this);
  /** Environment entries the layer above adds at start, before Config.Env (legacy link variables). */
  linkEnv: readonly string[] = emptyList<string>();
  /** The parsed run/create request this container came from (network flags for the layer above). */
  request: RunRequest | null = null;
  /** The network layer's state of this container (opaque here: the layer above keeps its endpoints in it). */
  net: unknown = null;
  private extV: Map<string, unknown> | null = null;
  /** Free storage for other higher layers, keyed by owner (made on first use). */
  get ext(): Map<string, unknown> {
    return (this.extV ??= new Map());
  }
  /** Pending restart timer, if a restart policy is waiting. */
  restartTimer: unknown = null;
  /** True while `docker stop`/`kill`/`rm -f` is tearing it down (no restart policy). */
  manualStop = false;

  constructor(
    id: string,
    name: string,
    created: Nanos,
    /** `Config` as inspect shows it. */
    readonly config: ContainerConfig,
    /** `HostConfig` as inspect shows it. */
    readonly hostConfig: HostConfig,
    imageId: string,
    /** Root filesystem (image layers + rw layer). */
    readonly rootfs: RootFs,
  ) {
    this.id = id;
    this.name = name;
    this.created = created;
    this.imageId = imageId;
  }

  /** First 12 hex digits of the id. */
  get shortId(): string {
    return this.id.slice(0, 12);
  }

  /** Running (including paused), as Docker's `IsRunning`. */
  get running(): boolean {
    return this.state.Running;
  }
}
