/**
 * A cgroup's attached pids: kept as a bare number while a group holds its one process, as an array
 * otherwise; `tasks`, `taskList` and `taskCount` must read exactly as an attach-ordered list.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CgroupFs } from '../../src/runtime/cgroups/hierarchy.js';

describe('cgroup tasks', () => {
  it('attach and detach read as an attach-ordered list without duplicates', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5 })), { maxLength: 40 }), (ops) => {
        const fs = new CgroupFs();
        const n = fs.h('pids').get('/docker/x', true)!;
        const model: number[] = [];
        for (const [add, pid] of ops) {
          if (add) {
            n.addTask(pid);
            if (!model.includes(pid)) model.push(pid);
          } else {
            n.removeTask(pid);
            const i = model.indexOf(pid);
            if (i >= 0) model.splice(i, 1);
          }
          expect([...n.taskList]).toEqual(model);
          expect(n.taskCount).toBe(model.length);
          expect([...n.tasks]).toEqual(model);
          expect(fs.read('pids', '/docker/x', 'cgroup.procs')).toBe([...model].sort((a, b) => a - b).join('\n'));
          expect(fs.read('pids', '/docker', 'pids.current')).toBe(String(model.length));
        }
      }),
    );
  });
});
