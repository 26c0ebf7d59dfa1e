/**
 * CPU time over virtual time, CFS-like: every tick each CPU runs the runnable group with the
 * smallest weighted virtual runtime (`vruntime += tick * 1024 / cpu.shares`, per level), among the groups
 * allowed on that CPU (effective cpuset: the intersection along the path) and not throttled by
 * CFS bandwidth (`cpu.cfs_quota_us` per `cpu.cfs_period_us`, checked at every level, so a child
 * never runs longer than its parent's quota). A group runs at most `threads` CPUs at once.
 *
 * Shares act level by level like CFS group scheduling: at each level the runnable child entity
 * with the smallest vruntime wins, and running charges every entity on the path.
 */
import { MS, type Nanos } from '../../core/time.js';
import type { Timer } from '../../core/scheduler.js';
import type { CgroupFs, CgroupNode } from './hierarchy.js';
import { parseCpuset } from './resources.js';
import type { Runtime } from '../runtime.js';

/** A busy group: its cgroup path (same in the cpu and cpuset hierarchies) and runnable threads. */
export interface CpuDemand {
  path: string;
  threads: number;
}

interface Bandwidth {
  quota: number;
  period: number;
  left: number;
  periodEnd: number;
}

/** CFS state across ticks. */
export class CpuScheduler {
  /** CPU time consumed per group path (ns). */
  readonly usage = new Map<string, number>();
  private readonly vruntime = new Map<string, number>();
  private readonly bw = new Map<string, Bandwidth>();
  private now = 0;
  constructor(private readonly fs: CgroupFs, private readonly ncpu: number, readonly tick: Nanos = MS) {}

  private cpusOf(path: string): Set<number> {
    let allowed = new Set<number>([...Array(this.ncpu).keys()]);
    const n = this.fs.h('cpuset').get(path);
    if (!n) return allowed;
    for (const a of n.ancestry()) {
      const list = parseCpuset(a.files.get('cpuset.cpus') ?? '') ?? [];
      allowed = new Set([...allowed].filter((c) => list.includes(c)));
    }
    return allowed;
  }

  private chain(path: string): CgroupNode[] {
    const n = this.fs.h('cpu').get(path);
    return n ? [...n.ancestry()] : [];
  }

  private bandwidth(node: CgroupNode): Bandwidth | null {
    const quotaUs = Number(node.files.get('cpu.cfs_quota_us') ?? -1);
    if (quotaUs <= 0) return null;
    const periodUs = Number(node.files.get('cpu.cfs_period_us') ?? 100000);
    let b = this.bw.get(node.path);
    if (!b || b.quota !== quotaUs * 1000 || b.period !== periodUs * 1000) {
      b = { quota: quotaUs * 1000, period: periodUs * 1000, left: quotaUs * 1000, periodEnd: this.now + periodUs * 1000 };
      this.bw.set(node.path, b);
    }
    while (this.now >= b.periodEnd) {
      b.periodEnd += b.period;
      b.left = b.quota;
    }
    return b;
  }

  /** Virtual runtime of a cgroup node (a new one starts at the minimum of its known siblings). */
  private vr(n: CgroupNode): number {
    let v = this.vruntime.get(n.path);
    if (v === undefined) {
      let min = Infinity;
      for (const sib of n.parent?.children.values() ?? []) {
        const x = this.vruntime.get(sib.path);
        if (x !== undefined && x < min) min = x;
      }
      v = Number.isFinite(min) ? min : 0;
      this.vruntime.set(n.path, v);
    }
    return v;
  }

  /** Hierarchical CFS order: compare the two groups' entities just below their common ancestor. */
  private before(a: CgroupNode[], b: CgroupNode[]): boolean {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i]) continue;
      const va = this.vr(a[i]!);
      const vb = this.vr(b[i]!);
      return va < vb || (va === vb && a[i]!.path < b[i]!.path);
    }
    return a.length < b.length;
  }

  /** Runs `duration` of virtual time for the given demands; usage accumulates in {@link usage}. */
  run(demands: readonly CpuDemand[], duration: Nanos): void {
    const groups = demands
      .filter((d) => d.threads > 0)
      .map((d) => {
        const chain = this.chain(d.path);
        return { ...d, cpus: this.cpusOf(d.path), chain, top: chain.slice(0, -1).reverse() };
      })
      .filter((g) => g.top.length > 0);
    const end = this.now + duration;
    while (this.now < end) {
      const dt = Math.min(this.tick, end - this.now);
      const running = new Map<string, number>();
      for (let cpu = 0; cpu < this.ncpu; cpu++) {
        let best: (typeof groups)[number] | null = null;
        let allow = 0;
        for (const g of groups) {
          if (!g.cpus.has(cpu) || (running.get(g.path) ?? 0) >= g.threads) continue;
          let room = dt;
          for (const n of g.chain) {
            const b = this.bandwidth(n);
            if (b) room = Math.min(room, b.left);
          }
          if (room <= 0) continue;
          if (!best || this.before(g.top, best.top)) {
            best = g;
            allow = room;
          }
        }
        if (!best) continue;
        running.set(best.path, (running.get(best.path) ?? 0) + 1);
        for (const n of best.top) this.vruntime.set(n.path, this.vr(n) + (allow * 1024) / (Number(n.files.get('cpu.shares') ?? 1024) || 1024));
        this.usage.set(best.path, (this.usage.get(best.path) ?? 0) + allow);
        for (const n of best.chain) {
          const b = this.bandwidth(n);
          if (b) b.left -= allow;
        }
        const acct = this.fs.h('cpuacct').get(best.path);
        if (acct) for (const n of acct.ancestry()) n.files.set('cpuacct.usage', String(Number(n.files.get('cpuacct.usage') ?? 0) + allow));
      }
      this.now += dt;
    }
  }
}

/**
 * Drives a {@link CpuScheduler} from the runtime's processes: while any process is CPU-bound
 * (`proc.cpuThreads > 0`, e.g. `yes`), a tick timer charges CPU time to their cgroups
 * (cpuacct.usage); with none it sleeps, so an idle simulation still ends.
 */
export class CpuModel {
  readonly scheduler: CpuScheduler;
  private timer: Timer | null = null;
  constructor(private readonly rt: Runtime) {
    this.scheduler = new CpuScheduler(rt.cgroups, rt.ncpu);
  }

  /** Current CPU demands by cgroup. */
  demands(): CpuDemand[] {
    const m = new Map<string, number>();
    for (const p of this.rt.procman.procs.values()) if (p.cpuThreads > 0 && !p.frozen && !p.done) m.set(p.container.cgroupPath, (m.get(p.container.cgroupPath) ?? 0) + p.cpuThreads);
    return [...m].map(([path, threads]) => ({ path, threads }));
  }

  /** Starts ticking if something is busy. */
  wake(): void {
    if (this.timer || !this.demands().length) return;
    const tick = this.scheduler.tick;
    const fire = (): void => {
      this.timer = null;
      const d = this.demands();
      if (!d.length) return;
      this.scheduler.run(d, tick);
      this.timer = this.rt.sim.schedule(tick, fire);
    };
    this.timer = this.rt.sim.schedule(tick, fire);
  }

  /** CPU time used by a container's cgroup so far (ns). */
  usageOf(path: string): number {
    return this.scheduler.usage.get(path) ?? 0;
  }
}
