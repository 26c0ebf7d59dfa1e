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

/** One cgroup directory in one hierarchy. */
export class CgroupNode {
  readonly children = new Map<string, CgroupNode>();
  readonly files = new Map<string, string>();
  /** Processes attached here (host pids). */
  readonly tasks = new Set<number>();
  /** memory: current charge, high-water mark, OOM kills. */
  usage = 0;
  maxUsage = 0;
  oomKills = 0;
  underOom = false;
  constructor(readonly name: string, readonly parent: CgroupNode | null, readonly controller: Controller) {
    initFiles(this);
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
    for (const c of this.children.values()) yield* c.subtree();
  }
}

function initFiles(n: CgroupNode): void {
  const f = n.files;
  const p = n.parent?.files;
  switch (n.controller) {
    case 'memory':
      f.set('memory.limit_in_bytes', String(MEM_UNLIMITED));
      f.set('memory.memsw.limit_in_bytes', String(MEM_UNLIMITED));
      f.set('memory.soft_limit_in_bytes', String(MEM_UNLIMITED));
      f.set('memory.swappiness', p?.get('memory.swappiness') ?? '60');
      f.set('memory.oom_control.oom_kill_disable', '0');
      f.set('memory.use_hierarchy', '1');
      break;
    case 'cpu':
      f.set('cpu.cfs_period_us', '100000');
      f.set('cpu.cfs_quota_us', '-1');
      f.set('cpu.shares', '1024');
      break;
    case 'cpuset':
      f.set('cpuset.cpus', p?.get('cpuset.cpus') ?? '0-1');
      f.set('cpuset.mems', p?.get('cpuset.mems') ?? '0');
      break;
    case 'blkio':
      f.set('blkio.bfq.weight', '100');
      break;
    case 'pids':
      f.set('pids.max', 'max');
      break;
    case 'freezer':
      f.set('freezer.state', 'THAWED');
      f.set('freezer.self_freezing', '0');
      break;
    case 'cpuacct':
      f.set('cpuacct.usage', '0');
      break;
    default:
      break;
  }
}

/** One controller's tree. */
export class Hierarchy {
  readonly root: CgroupNode;
  constructor(readonly controller: Controller) {
    this.root = new CgroupNode('', null, controller);
  }
  /** The node at `path`, creating missing levels when `create` (like `mkdir -p`). */
  get(path: string, create = false): CgroupNode | undefined {
    let n = this.root;
    for (const part of path.split('/').filter(Boolean)) {
      let c = n.children.get(part);
      if (!c) {
        if (!create) return undefined;
        c = new CgroupNode(part, n, this.controller);
        n.children.set(part, c);
      }
      n = c;
    }
    return n;
  }
  /** Removes an empty leaf group (rmdir). Returns false if it has children or tasks. */
  remove(path: string): boolean {
    const n = this.get(path);
    if (!n || !n.parent || n.children.size || n.tasks.size) return false;
    n.parent.children.delete(n.name);
    return true;
  }
}

/** All hierarchies of the machine. */
export class CgroupFs {
  readonly hierarchies = new Map<Controller, Hierarchy>();
  constructor() {
    for (const c of CONTROLLERS) this.hierarchies.set(c, new Hierarchy(c));
  }
  /** The hierarchy of a controller. */
  h(c: Controller): Hierarchy {
    return this.hierarchies.get(c)!;
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
      for (const s of n.subtree()) k += s.tasks.size;
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
      return [...n.tasks].sort((a, b) => a - b).join('\n');
    default:
      if (file === 'memory.oom_control.oom_kill_disable') return undefined;
      return n.files.get(file);
  }
}
