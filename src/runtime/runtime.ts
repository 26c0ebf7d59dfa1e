/**
 * The engine's runtime half: the container store and lifecycle, processes, namespaces, cgroups,
 * images, volumes, logging and events, driven through {@link Runtime.exec} with docker CLI argv.
 *
 * The network layer builds on it through `hooks` (lifecycle), `inspectProviders` (inspect JSON),
 * `psFields` (ps columns), `programs` (what `docker exec` can run) and `events`.
 */
import type { Sim } from '../core/scheduler.js';
import type { Rng } from '../core/rng.js';
import { ContainerStore } from './store.js';
import { ImageStore } from './images/store.js';
import { importConfigJson, miniLayer, MINI_IMPORTED } from './images/base.js';
import { VolumeStore } from './volumes.js';
import { EventLog } from './events.js';
import { CgroupFs, type Controller } from './cgroups/hierarchy.js';
import { MemoryController } from './cgroups/memory.js';
import { CpuModel } from './cgroups/cpu.js';
import { NamespaceAllocator, type NamespaceSet } from './namespaces.js';
import { HookSet, ProgramRegistry, type InspectProvider, type PsField } from './hooks.js';
import { ProcessManager } from './procman.js';
import { ContainerFiles } from './files.js';
import { registerBuiltins } from './programs/builtins.js';
import type { LogSinks } from './logging/drivers.js';
import type { Container } from './container.js';
import type { FsEntry } from './images/layer.js';
import { EPOCH_MS } from './units.js';
import { runDockerCommand, type CommandIo } from './commands/dispatch.js';

/** Which docker CLI's error framing to reproduce (20.10.24 for net-*, 28.2.2 for rt-*). */
export type CliStyle = 'v20' | 'v28';

/** Engine settings; defaults describe the oracle's lab machine. */
export interface RuntimeOptions {
  sim: Sim;
  rng: Rng;
  /** Error framing of the docker CLI (default v20). */
  cliStyle?: CliStyle;
  /** The host's hostname (`vm`). */
  hostname?: string;
  /** dockerd --data-root (default /var/lib/docker). */
  dataRoot?: string;
  /** dockerd --exec-root (default /var/run/docker). */
  execRoot?: string;
  /** CPUs (2). */
  ncpu?: number;
  /** NUMA memory nodes ([0]). */
  memNodes?: number[];
  /** Whether blkio.weight exists (false: BFQ only). */
  blkioWeight?: boolean;
  /** Whether /dev/log exists for the syslog driver (false). */
  devLog?: boolean;
  /** Create the lab's `mini:latest` base image (true). */
  baseImage?: boolean;
  /**
   * When the lab imported `mini:latest`, in Unix seconds: the mtime of every file in it (the kernel
   * lab builds the rootfs in a fresh directory and imports it when it starts; busybox httpd shows the
   * time as Last-Modified and in its ETag). Default: 1795444017 (Mon, 23 Nov 2026 14:26:57 GMT), the shared oracle's lab.
   */
  baseImageTime?: number;
  /** dockerd's own cgroup per controller when not "/" (a relative --cgroup-parent is resolved against it). */
  daemonCgroups?: Partial<Record<Controller, string>>;
}

/** Result of one docker command. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The runtime engine. */
export class Runtime {
  readonly sim: Sim;
  readonly rng: Rng;
  readonly cliStyle: CliStyle;
  readonly hostname: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly ncpu: number;
  readonly memNodes: number[];
  readonly blkioWeight: boolean;
  /** dockerd's own cgroup per controller ("/" unless given). */
  readonly daemonCgroups: Partial<Record<Controller, string>>;
  /** dockerd's pid on the host. */
  readonly daemonPid = 700;
  readonly store = new ContainerStore();
  readonly images = new ImageStore();
  readonly volumes: VolumeStore;
  readonly events: EventLog;
  readonly cgroups = new CgroupFs();
  readonly nsAlloc = new NamespaceAllocator();
  /** dockerd's own namespaces (the "host" of host-mode containers). */
  readonly hostNs: NamespaceSet;
  /** Lifecycle hooks (network layer). */
  readonly hooks = new HookSet();
  /** Inspect document providers, called in order on every container inspect. */
  readonly inspectProviders: InspectProvider[] = [];
  /**
   * Extra `docker inspect` resolvers (networks...), tried after containers, images and volumes:
   * return the document for `ref`, or null.
   */
  readonly objectInspectors: Array<(ref: string, type: string) => Record<string, unknown> | null> = [];
  /** `docker ps` template fields computed elsewhere (`Networks`, `Ports`). */
  readonly psFields = new Map<string, PsField>();
  /** Programs runnable inside containers. */
  readonly programs = new ProgramRegistry();
  /** The process table: host and namespace pids, spawn, signals, exits. */
  readonly procman: ProcessManager;
  /** Memory charges against the memory cgroups (OOM kills, or blocking with oom_kill_disable). */
  readonly memory: MemoryController;
  /** CPU time model (CFS shares, bandwidth, cpusets). */
  readonly cpu: CpuModel;
  /** File access inside a container as its processes see it (/etc files, /proc, mounts, layers). */
  readonly files: ContainerFiles;
  /** syslog / fluentd deliveries. */
  readonly logSinks: LogSinks;
  /** Host directories used as bind sources: path → files below it. */
  readonly hostFs = new Map<string, Map<string, FsEntry>>();
  /** Files on the engine host written/read by `docker save -o` / `docker load -i` (path → bytes). */
  readonly hostBlobs = new Map<string, Uint8Array>();
  /** Exec sessions by id. */
  readonly execs = new Map<string, { container: Container; argv: string[]; exitCode: number | null }>();

  constructor(opts: RuntimeOptions) {
    this.sim = opts.sim;
    this.rng = opts.rng;
    this.cliStyle = opts.cliStyle ?? 'v20';
    this.hostname = opts.hostname ?? 'vm';
    this.dataRoot = opts.dataRoot ?? '/var/lib/docker';
    this.execRoot = opts.execRoot ?? '/var/run/docker';
    this.ncpu = opts.ncpu ?? 2;
    this.memNodes = opts.memNodes ?? [0];
    this.blkioWeight = opts.blkioWeight ?? false;
    this.daemonCgroups = opts.daemonCgroups ?? {};
    this.volumes = new VolumeStore(this.dataRoot);
    this.events = new EventLog(() => this.sim.now);
    this.hostNs = this.nsAlloc.hostSet(this.hostname);
    this.procman = new ProcessManager(this);
    this.memory = new MemoryController(this);
    this.cpu = new CpuModel(this);
    this.files = new ContainerFiles(this);
    this.logSinks = { syslog: [], fluentd: [], devLog: opts.devLog ?? false };
    this.cgroups.h('cpuset').root.files.set('cpuset.cpus', this.ncpu > 1 ? `0-${this.ncpu - 1}` : '0');
    this.cgroups.mkdirAll('/docker');
    registerBuiltins(this);
    if (opts.baseImage ?? true) {
      const layer = miniLayer(opts.baseImageTime ?? MINI_IMPORTED);
      const img = this.images.add(importConfigJson(layer, this.sim.now), [layer], '', this.sim.now);
      this.images.tag(img.id, 'mini:latest', this.sim.now);
    }
  }

  /**
   * Runs one docker command (argv with or without the leading `docker`), returning what the CLI
   * would print and its exit status. Queued work at the current instant runs before it returns.
   * `io.stdin` is what the CLI reads on its standard input (`docker exec -i`, `docker run -i`).
   */
  exec(argv: readonly string[], io: CommandIo = {}): ExecResult {
    const a = argv[0] === 'docker' ? argv.slice(1) : [...argv];
    const r = runDockerCommand(this, a, io);
    this.sim.drain();
    return r;
  }

  /**
   * The container's cgroup path in a hierarchy: `/docker/<id>`, `<parent>/<id>` for an absolute
   * --cgroup-parent, and for a relative one runc's resolution against dockerd's own cgroup.
   */
  cgroupPathOf(c: Container, ctl: Controller): string {
    const parent = c.hostConfig.CgroupParent;
    // the same path in every hierarchy: the one string the container keeps (set at start)
    if (parent === '') return c.cgroupPath !== '' ? c.cgroupPath : `/docker/${c.id}`;
    const base = parent.startsWith('/') ? '' : (this.daemonCgroups[ctl] ?? '').replace(/\/$/, '');
    return `${base}/${parent.replace(/^\/+|\/+$/g, '')}/${c.id}`;
  }

  /** Event attributes of a container: image, name and its labels. */
  containerAttrs(c: Container, extra: Record<string, string> = {}): Record<string, string> {
    return { ...(c.config.Labels ?? {}), image: c.config.Image, name: c.name.slice(1), ...extra };
  }

  /** Wall-clock seconds of the current virtual instant. */
  wallSeconds(): number {
    return EPOCH_MS / 1000 + this.sim.now / 1e9;
  }

  /** Files under a host directory used as a bind source (created on first use). */
  hostFiles(path: string): Map<string, FsEntry> {
    let m = this.hostFs.get(path);
    if (!m) {
      m = new Map();
      this.hostFs.set(path, m);
    }
    return m;
  }
}
