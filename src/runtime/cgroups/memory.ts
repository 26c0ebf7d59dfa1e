/**
 * The memory controller's behaviour: charges go to the process's memory cgroup and every
 * ancestor; a charge that would take any level over its limit (this host has no swap, so memsw
 * adds nothing) OOM-kills the charging process (exit 137), counts `oom_kill` in the container's own
 * group, and sends an `oom` event to every container below the level that hit its limit. With
 * oom_kill_disable the allocation blocks instead (under_oom 1).
 */
import type { Runtime } from '../runtime.js';
import type { Container } from '../container.js';
import { ProcessKilled, type Proc } from '../process.js';
import type { CgroupNode } from './hierarchy.js';

/** Result of a charge that did not kill: `ok`, or `blocked` (OOM killer disabled). */
export type ChargeResult = 'ok' | 'blocked';

/** Memory accounting of the engine. */
export class MemoryController {
  constructor(private readonly rt: Runtime) {}

  private node(c: Container): CgroupNode | undefined {
    return this.rt.cgroups.h('memory').get(this.rt.cgroupPathOf(c, 'memory'));
  }

  /** Charges `bytes` for process `p`. Throws ProcessKilled(137) on an OOM kill. */
  charge(p: Proc, bytes: number): ChargeResult {
    const n = this.node(p.container);
    if (!n) return 'ok';
    // the tightest level on the path decides: usage climbs at every level until it hits its limit
    let tight: CgroupNode | null = null;
    let room = Number.MAX_SAFE_INTEGER;
    for (const a of n.ancestry()) {
      const own = a.files.get('memory.limit_in_bytes');
      if (!own) continue;
      const limit = BigInt(own) > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(own);
      if (limit - a.usage < room) {
        room = Math.max(0, limit - a.usage);
        tight = a;
      }
    }
    if (tight && bytes > room) {
      for (const b of n.ancestry()) b.maxUsage = Math.max(b.maxUsage, b.usage + room);
      if (n.files.get('memory.oom_control.oom_kill_disable') === '1') {
        n.underOom = true;
        p.container.oomSeen = true;
        this.rt.events.emit('container', 'oom', p.container.id, this.rt.containerAttrs(p.container));
        return 'blocked';
      }
      n.oomKills++;
      for (const c of this.rt.store.list()) {
        if (!c.running) continue;
        const cn = this.node(c);
        if (cn && [...cn.ancestry()].includes(tight)) {
          c.oomSeen = true;
          this.rt.events.emit('container', 'oom', c.id, this.rt.containerAttrs(c));
        }
      }
      throw new ProcessKilled(137, 'oom');
    }
    for (const a of n.ancestry()) {
      a.usage += bytes;
      a.maxUsage = Math.max(a.maxUsage, a.usage);
    }
    p.memory += bytes;
    return 'ok';
  }

  /** Returns `bytes` to the container's group and its ancestors. */
  uncharge(c: Container, bytes: number): void {
    const n = this.node(c);
    if (!n) return;
    for (const a of n.ancestry()) a.usage = Math.max(0, a.usage - bytes);
  }
}
