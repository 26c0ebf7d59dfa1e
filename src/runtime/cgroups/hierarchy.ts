/**
 * cgroup v1: one hierarchy per controller (cpu, cpuacct, cpuset, memory, devices, freezer, blkio,
 * pids, name=systemd), each a tree of directories holding control files. New groups copy or
 * default their files as the kernel does; effective limits are the minimum along the path
 * (hierarchical), so a child never gets more than its parent.
 */

/** The v1 hierarchies mounted on the lab engine, in /proc/<pid>/cgroup order of the probes. */
export const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'name=systemd'] as const;
/** One controller name. */
export type Controller = (typeof CONTROLLERS)[number];

/** "Unlimited" as cgroup v1 memory files print it (PAGE_COUNTER_MAX * 4096). */
export const MEM_UNLIMITED = 9223372036854771712n;

/** A control file's value as the kernel gives a new group of one controller (shared, never written). */
type FileDefaults = Readonly<Record<string, string>>;

const UNLIMITED_TEXT = String(MEM_UNLIMITED);
const STATIC_DEFAULTS: Readonly<Record<Controller, FileDefaults>> = {
  memory: {
    'memory.limit_in_bytes': UNLIMITED_TEXT,
    'memory.memsw.limit_in_bytes': UNLIMITED_TEXT,
    'memory.soft_limit_in_bytes': UNLIMITED_TEXT,
    'memory.swappiness': '60',
    'memory.oom_control.oom_kill_disable': '0',
    'memory.use_hierarchy': '1',
  },
  cpu: { 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '-1', 'cpu.shares': '1024' },
  cpuset: { 'cpuset.cpus': '0-1', 'cpuset.mems': '0' },
  blkio: { 'blkio.bfq.weight': '100' },
  pids: { 'pids.max': 'max' },
  freezer: { 'freezer.state': 'THAWED', 'freezer.self_freezing': '0' },
  cpuacct: { 'cpuacct.usage': '0' },
  devices: {},
  'name=systemd': {},
};
/** The files a new group copies from its parent (the rest are fixed defaults). */
const INHERITED: Readonly<Record<Controller, readonly string[]>> = {
  memory: ['memory.swappiness'],
  cpuset: ['cpuset.cpus', 'cpuset.mems'],
  cpu: [],
  cpuacct: [],
  devices: [],
  freezer: [],
  blkio: [],
  pids: [],
  'name=systemd': [],
};
/** Default tables by controller and inherited values, shared by every group that has them. */
const defaultsCache = new Map<string, FileDefaults>();

function defaultsFor(controller: Controller, parent: CgroupFiles | null): FileDefaults {
  const base = STATIC_DEFAULTS[controller];
  const inh = INHERITED[controller];
  if (!parent || inh.length === 0) return base;
  let key = controller;
  let same = true;
  for (const k of inh) {
    const v = parent.get(k) ?? base[k]!;
    if (v !== base[k]) same = false;
    key += '\0' + v;
  }
  if (same) return base;
  let d = defaultsCache.get(key);
  if (d === undefined) {
    const o: Record<string, string> = { ...base };
    for (const k of inh) o[k] = parent.get(k) ?? base[k]!;
    d = Object.freeze(o);
    defaultsCache.set(key, d);
  }
  return d;
}

/** A group's control files, as {@link CgroupNode.files} gives them. */
export interface CgroupFiles {
  /** The file's value, or undefined when the group has no such file. */
  get(file: string): string | undefined;
  /** Whether the group has the file. */
  has(file: string): boolean;
  /** Writes the file. */
  set(file: string, value: string): CgroupFiles;
}

/** A memory group's charge, high-water mark and OOM state. */
interface MemoryAccount {
  usage: number;
  maxUsage: number;
  oomKills: number;
  underOom: boolean;
}

const NO_CHILDREN: ReadonlyMap<string, CgroupNode> = new Map();
const NO_TASKS: readonly number[] = [];

/**
 * One cgroup directory in one hierarchy. A group holds only what differs from a fresh one: its
 * children, tasks and written files are created on first use.
 */
export class CgroupNode {
  private kids: Map<string, CgroupNode> | null = null;
  /**
   * Attached pids in attach order: null when none, the pid itself when one was attached to an empty
   * group (a container's group holds its one process: no array), else an array (which may shrink).
   */
  private pids: number[] | number | null = null;
  /** The files as the kernel made them at mkdir (a table shared by every group with the same ones). */
  private readonly defaults: FileDefaults;
  /** Files written with a value other than their default (null until then). */
  private own: Map<string, string> | null = null;
  /** memory accounting, made with the first charge (most groups of most hierarchies never have one). */
  private mem: MemoryAccount | null = null;
  constructor(readonly name: string, readonly parent: CgroupNode | null, readonly controller: Controller) {
    this.defaults = defaultsFor(controller, parent);
  }
  /** memory: current charge in bytes. */
  get usage(): number {
    return this.mem === null ? 0 : this.mem.usage;
  }
  set usage(v: number) {
    this.account().usage = v;
  }
  /** memory: high-water mark of the charge. */
  get maxUsage(): number {
    return this.mem === null ? 0 : this.mem.maxUsage;
  }
  set maxUsage(v: number) {
    this.account().maxUsage = v;
  }
  /** memory: OOM kills in this group. */
  get oomKills(): number {
    return this.mem === null ? 0 : this.mem.oomKills;
  }
  set oomKills(v: number) {
    this.account().oomKills = v;
  }
  /** memory: the group is under OOM (a kill was needed and disabled). */
  get underOom(): boolean {
    return this.mem !== null && this.mem.underOom;
  }
  set underOom(v: boolean) {
    this.account().underOom = v;
  }
  private account(): MemoryAccount {
    return (this.mem ??= { usage: 0, maxUsage: 0, oomKills: 0, underOom: false });
  }
  /** Control files (defaults as the kernel creates them, copied from the parent where it copies). */
  get files(): CgroupFiles {
    return this;
  }
  /** {@link CgroupFiles.get}: a control file's value. */
  get(file: string): string | undefined {
    const v = this.own?.get(file);
    if (v !== undefined) return v;
    return Object.hasOwn(this.defaults, file) ? this.defaults[file] : undefined;
  }
  /** {@link CgroupFiles.has}. */
  has(file: string): boolean {
    return this.get(file) !== undefined;
  }
  /** {@link CgroupFiles.set}: writes a control file (kept only when it differs from the default). */
  set(file: string, value: string): this {
    if (this.own === null) {
      if (Object.hasOwn(this.defaults, file) && this.defaults[file] === value) return this;
      this.own = new Map();
    }
    this.own.set(file, value);
    return this;
  }
  /** Child groups by name. */
  get children(): ReadonlyMap<string, CgroupNode> {
    return this.kids ?? NO_CHILDREN;
  }
  /** Processes attached here (host pids; a copy — attach with {@link addTask}). */
  get tasks(): ReadonlySet<number> {
    return new Set(this.taskList);
  }
  /** Number of processes attached here. */
  get taskCount(): number {
    const p = this.pids;
    return p === null ? 0 : typeof p === 'number' ? 1 : p.length;
  }
  /** The attached pids (read-only view; empty when none). */
  get taskList(): readonly number[] {
    const p = this.pids;
    return p === null ? NO_TASKS : typeof p === 'number' ? [p] : p;
  }
  /** Attaches a process (writing its pid to `cgroup.procs`). */
  addTask(pid: number): void {
    const p = this.pids;
    if (p === null) this.pids = pid;
    else if (typeof p === 'number') {
      if (p !== pid) this.pids = [p, pid];
    } else if (!p.includes(pid)) p.push(pid);
  }
  /** Detaches a process. */
  removeTask(pid: number): void {
    const p = this.pids;
    if (p === null) return;
    if (typeof p === 'number') {
      if (p === pid) this.pids = null;
      return;
    }
    const i = p.indexOf(pid);
    if (i >= 0) p.splice(i, 1);
  }
  /** The child `name`, created when `create` (mkdir). */
  child(name: string, create: boolean): CgroupNode | undefined {
    let c = this.kids?.get(name);
    if (c === undefined && create) {
      c = new CgroupNode(name, this, this.controller);
      (this.kids ??= new Map()).set(name, c);
    }
    return c;
  }
  /** Removes the child `name` (rmdir of an empty group; the caller checks it is empty). */
  removeChild(name: string): void {
    this.kids?.delete(name);
  }
  /** Absolute path inside the hierarchy (`/docker/<id>`). */
  get path(): string {
    if (!this.parent) return '/';
    const pp = this.parent.path;
    return (pp === '/' ? '' : pp) + '/' + this.name;
  }
  /** This node and its ancestors, from this one up to the root. */
  *ancestry(): Generator<CgroupNode> {
    for (let n: CgroupNode | null = this; n; n = n.parent) yield n;
  }
  /** Every node of the subtree rooted here. */
  *subtree(): Generator<CgroupNode> {
    yield this;
    if (this.kids) for (const c of this.kids.values()) yield* c.subtree();
  }
}

/** The last group name looked up at each depth: a container's groups in the nine hierarchies share one name string. */
const lastNames: string[] = [];
function sharedName(name: string, depth: number): string {
  const last = lastNames[depth];
  if (name === last) return last;
  if (depth < 8) lastNames[depth] = name;
  return name;
}

/** One controller's tree. */
export class Hierarchy {
  readonly root: CgroupNode;
  constructor(readonly controller: Controller) {
    this.root = new CgroupNode('', null, controller);
  }
  /** The last path looked up and its node (a container's path string is looked up many times in a row). */
  private lastPath: string | null = null;
  private lastNode: CgroupNode | undefined;
  /** The node at `path`, creating missing levels when `create` (like `mkdir -p`). */
  get(path: string, create = false): CgroupNode | undefined {
    if (path === this.lastPath && this.lastNode !== undefined) return this.lastNode;
    const n = this.walk(path, create);
    if (n !== undefined) {
      this.lastPath = path;
      this.lastNode = n;
    }
    return n;
  }
  private walk(path: string, create: boolean): CgroupNode | undefined {
    let n: CgroupNode | undefined = this.root;
    let i = 0;
    let depth = 0;
    const len = path.length;
    while (i < len) {
      let j = path.indexOf('/', i);
      if (j < 0) j = len;
      if (j > i) {
        n = n.child(sharedName(path.slice(i, j), depth++), create);
        if (n === undefined) return undefined;
      }
      i = j + 1;
    }
    return n;
  }
  /** Removes an empty leaf group (rmdir). Returns false if it has children or tasks. */
  remove(path: string): boolean {
    const n = this.get(path);
    if (!n || !n.parent || n.children.size || n.taskCount) return false;
    n.parent.removeChild(n.name);
    this.lastPath = null;
    this.lastNode = undefined;
    return true;
  }
}

/** All hierarchies of the machine. */
export class CgroupFs {
  private readonly byController = new Map<Controller, Hierarchy>();
  /**
   * Changes of the trees not made yet ({@link CgroupFs.defer}), in the order they were asked for:
   * flat triples (function, its two arguments), so a queued change keeps no closure of its own.
   */
  private queue: unknown[] = [];
  constructor() {
    for (const c of CONTROLLERS) this.byController.set(c, new Hierarchy(c));
  }
  /** Every hierarchy by controller (deferred changes made first). */
  get hierarchies(): ReadonlyMap<Controller, Hierarchy> {
    this.flush();
    return this.byController;
  }
  /** The hierarchy of a controller (deferred changes made first). */
  h(c: Controller): Hierarchy {
    if (this.queue.length !== 0) this.flush();
    return this.byController.get(c)!;
  }
  /**
   * Queues a change of the trees, `op(a, b)` (a container's groups and limits made at its start, a
   * process attached to them), to be made the next time anything looks at a hierarchy, through
   * {@link CgroupFs.h} or the methods that use it. Every reader goes through there, so nothing can
   * tell a deferred change from one made at once; a `docker run` whose groups no one reads pays
   * nothing for them (nine groups, their limit files and the init process's tasks).
   */
  defer<A, B>(op: (a: A, b: B) => void, a: A, b: B): void {
    this.queue.push(op, a, b);
  }
  /** Makes the deferred changes now, in order. */
  flush(): void {
    const q = this.queue;
    if (q.length === 0) return;
    this.queue = [];
    let i = 0;
    try {
      for (; i < q.length; i += 3) (q[i] as (a: unknown, b: unknown) => void)(q[i + 1], q[i + 2]);
    } finally {
      // a change that threw is dropped; the ones after it stay queued, ahead of any queued meanwhile
      if (i + 3 < q.length) this.queue = q.slice(i + 3).concat(this.queue);
    }
  }
  /** Creates `path` in every hierarchy (what runc does for a container). */
  mkdirAll(path: string | ((c: Controller) => string)): void {
    for (const c of CONTROLLERS) this.h(c).get(typeof path === 'string' ? path : path(c), true);
  }
  /** Reads a control file as `cat` would show it (trailing newline stripped), or undefined if absent. */
  read(c: Controller, path: string, file: string): string | undefined {
    const n = this.h(c).get(path);
    if (!n) return undefined;
    return readFile(n, file);
  }
  /** Writes a control file. */
  write(c: Controller, path: string, file: string, value: string): void {
    const n = this.h(c).get(path, true)!;
    n.files.set(file, value);
  }
}

/** Effective (hierarchical) value of a numeric limit file: the minimum along the path to the root. */
export function effectiveLimit(n: CgroupNode, file: string): bigint {
  let min = MEM_UNLIMITED;
  for (const a of n.ancestry()) {
    const v = a.files.get(file);
    if (v === undefined || v === 'max' || v === '-1') continue;
    const b = BigInt(v);
    if (b < min) min = b;
  }
  return min;
}

function readFile(n: CgroupNode, file: string): string | undefined {
  switch (file) {
    case 'memory.usage_in_bytes':
    case 'memory.memsw.usage_in_bytes':
      return String(n.usage);
    case 'memory.max_usage_in_bytes':
    case 'memory.memsw.max_usage_in_bytes':
      return String(n.maxUsage);
    case 'memory.failcnt':
    case 'memory.memsw.failcnt':
      return n.controller === 'memory' ? '0' : undefined;
    case 'memory.oom_control':
      if (n.controller !== 'memory') return undefined;
      return `oom_kill_disable ${n.files.get('memory.oom_control.oom_kill_disable')}\nunder_oom ${n.underOom ? 1 : 0}\noom_kill ${n.oomKills}`;
    case 'memory.stat':
      if (n.controller !== 'memory') return undefined;
      return `hierarchical_memory_limit ${effectiveLimit(n, 'memory.limit_in_bytes')}\nhierarchical_memsw_limit ${effectiveLimit(n, 'memory.memsw.limit_in_bytes')}`;
    case 'pids.current': {
      if (n.controller !== 'pids') return undefined;
      let k = 0;
      for (const s of n.subtree()) k += s.taskCount;
      return String(k);
    }
    case 'freezer.parent_freezing': {
      if (n.controller !== 'freezer') return undefined;
      for (let a = n.parent; a; a = a.parent) if (a.files.get('freezer.self_freezing') === '1') return '1';
      return '0';
    }
    case 'freezer.state': {
      if (n.controller !== 'freezer') return undefined;
      for (const a of n.ancestry()) if (a.files.get('freezer.self_freezing') === '1') return 'FROZEN';
      return 'THAWED';
    }
    case 'cgroup.procs':
    case 'tasks':
      return [...n.taskList].sort((a, b) => a - b).join('\n');
    default:
      if (file === 'memory.oom_control.oom_kill_disable') return undefined;
      return n.files.get(file);
  }
}
