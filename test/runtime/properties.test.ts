import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { CgroupFs, effectiveLimit } from '../../src/runtime/cgroups/hierarchy.js';
import { CpuScheduler } from '../../src/runtime/cgroups/cpu.js';
import { ImageStore } from '../../src/runtime/images/store.js';
import { Layer, chainIds, sha256, type FsEntry } from '../../src/runtime/images/layer.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { goJsonSorted } from '../../src/runtime/gojson.js';
import { SECOND } from '../../src/core/time.js';

const enc = new TextEncoder();

/** A random cgroup tree: parent index (< own index) and limits per node. */
const treeArb = fc.array(fc.record({ parent: fc.nat(), mem: fc.option(fc.integer({ min: 1, max: 1 << 30 }), { nil: null }), quota: fc.option(fc.integer({ min: 1000, max: 200000 }), { nil: null }) }), { minLength: 1, maxLength: 12 });

function buildTree(nodes: Array<{ parent: number; mem: number | null; quota: number | null }>): { fs: CgroupFs; paths: string[] } {
  const fs = new CgroupFs();
  const paths: string[] = [];
  nodes.forEach((n, i) => {
    const parent = i === 0 ? '' : paths[n.parent % i]!;
    const path = `${parent}/g${i}`;
    paths.push(path);
    fs.mkdirAll(path);
    if (n.mem !== null) fs.write('memory', path, 'memory.limit_in_bytes', String(n.mem));
    if (n.quota !== null) fs.write('cpu', path, 'cpu.cfs_quota_us', String(n.quota));
  });
  return { fs, paths };
}

describe('cgroup hierarchy properties', () => {
  it('a child never gets a larger effective memory limit than its parent', () => {
    fc.assert(
      fc.property(treeArb, (nodes) => {
        const { fs, paths } = buildTree(nodes);
        for (const p of paths) {
          const n = fs.h('memory').get(p)!;
          if (n.parent) expect(effectiveLimit(n, 'memory.limit_in_bytes') <= effectiveLimit(n.parent, 'memory.limit_in_bytes')).toBe(true);
        }
      }),
    );
  });

  it('a child never runs longer than its parent: CPU time of a subtree stays within every ancestor quota', () => {
    fc.assert(
      fc.property(treeArb, fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 12 }), (nodes, threads) => {
        const { fs, paths } = buildTree(nodes);
        const sched = new CpuScheduler(fs, 2);
        const leaves = paths.filter((p) => !paths.some((q) => q.startsWith(p + '/')));
        const duration = 0.3 * SECOND;
        sched.run(leaves.map((p, i) => ({ path: p, threads: threads[i % threads.length]! })), duration);
        for (const p of paths) {
          const sub = leaves.filter((l) => l === p || l.startsWith(p + '/')).reduce((s, l) => s + (sched.usage.get(l) ?? 0), 0);
          const q = fs.read('cpu', p, 'cpu.cfs_quota_us');
          if (q && Number(q) > 0) {
            const periods = Math.ceil(duration / (100000 * 1000));
            expect(sub).toBeLessThanOrEqual(periods * Number(q) * 1000 + 2 * sched.tick);
          }
          expect(sub).toBeLessThanOrEqual(duration * 2);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('memory charges never push a parent over its own limit (the charge is OOM-killed instead)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 64 }), fc.integer({ min: 8, max: 64 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 10 }), (parentMb, childMb, allocs) => {
        const rt = new Runtime({ sim: new Sim(), rng: new Rng(7) });
        rt.cgroups.mkdirAll('/p');
        rt.cgroups.write('memory', '/p', 'memory.limit_in_bytes', String(parentMb << 20));
        const id = rt.exec(['run', '-d', '--cgroup-parent', '/p', '--memory', `${childMb}m`, 'mini:latest', 'sleep', '1000']).stdout.trim();
        expect(id).toMatch(/^[0-9a-f]{64}$/);
        for (const a of allocs) rt.exec(['exec', id, 'dd', 'if=/dev/zero', 'of=/dev/null', `bs=${a}M`, 'count=1']);
        const parent = rt.cgroups.h('memory').get('/p')!;
        expect(parent.maxUsage).toBeLessThanOrEqual(parentMb << 20);
        const child = rt.cgroups.h('memory').get(`/p/${id}`)!;
        expect(child.maxUsage).toBeLessThanOrEqual(Math.min(parentMb, childMb) << 20);
      }),
      { numRuns: 30 },
    );
  });
});

describe('CPU model', () => {
  it('shares split CPU time in proportion under contention (all groups pinned to one CPU)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 2, max: 4096 }), { minLength: 2, maxLength: 5 }), (shares) => {
        const fs = new CgroupFs();
        const demands = shares.map((s, i) => {
          const p = `/docker/c${i}`;
          fs.mkdirAll(p);
          fs.write('cpu', p, 'cpu.shares', String(s));
          fs.write('cpuset', p, 'cpuset.cpus', '0');
          return { path: p, threads: 1 };
        });
        const sched = new CpuScheduler(fs, 2);
        const duration = 5 * SECOND;
        sched.run(demands, duration);
        const total = shares.reduce((a, b) => a + b, 0);
        let used = 0;
        shares.forEach((s, i) => {
          const u = sched.usage.get(`/docker/c${i}`) ?? 0;
          used += u;
          expect(Math.abs(u - (duration * s) / total)).toBeLessThanOrEqual(duration * 0.01 + 2 * sched.tick);
        });
        expect(used).toBe(duration);
      }),
      { numRuns: 40 },
    );
  });

  it('a --cpus 0.5 container gets half a CPU, the rest goes to an unlimited neighbour', () => {
    const rt = new Runtime({ sim: new Sim(), rng: new Rng(3) });
    const a = rt.exec(['run', '-d', '--cpus', '0.5', '--cpuset-cpus', '0', 'mini:latest', 'yes']).stdout.trim();
    const b = rt.exec(['run', '-d', '--cpuset-cpus', '0', 'mini:latest', 'yes']).stdout.trim();
    rt.sim.advance(2 * SECOND);
    const ua = rt.cpu.usageOf(`/docker/${a}`);
    const ub = rt.cpu.usageOf(`/docker/${b}`);
    expect(ua / SECOND).toBeCloseTo(1, 1);
    expect(ub / SECOND).toBeCloseTo(1, 1);
    expect(Number(rt.cgroups.read('cpuacct', `/docker/${a}`, 'cpuacct.usage'))).toBe(ua);
    rt.exec(['rm', '-f', a, b]);
    rt.sim.run();
  });
});

const layerArb = fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.uint8Array({ maxLength: 40 })), { minLength: 1, maxLength: 4 }).map((files) => {
  const m = new Map<string, FsEntry>();
  for (const [name, data] of files) m.set('/' + name, { type: 'file', mode: 0o644, mtime: 1, data });
  return new Layer(m);
});

function configFor(layers: Layer[], comment: string): string {
  return goJsonSorted({ architecture: 'amd64', comment, config: {}, container_config: {}, created: '2026-01-01T00:00:00Z', history: [], os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } });
}

describe('image store properties', () => {
  it('an image id depends only on content: same config bytes, same id, in any store, at any time', () => {
    fc.assert(
      fc.property(fc.array(layerArb, { minLength: 1, maxLength: 3 }), fc.string(), fc.nat(), (layers, comment, t) => {
        const cfg = configFor(layers, comment);
        const a = new ImageStore().add(cfg, layers, '', 0);
        const b = new ImageStore().add(cfg, layers.map((l) => new Layer(l.entries)), '', t * SECOND);
        expect(a.id).toBe(b.id);
        expect(a.id).toBe(sha256(cfg));
        // a change of a single byte of content changes the layer and therefore the id
        const e = [...layers[0]!.entries.values()][0]!;
        const changed = new Map(layers[0]!.entries);
        changed.set([...changed.keys()][0]!, { ...e, data: Uint8Array.from([...(e.data ?? []), 1]) });
        const l2 = [new Layer(changed), ...layers.slice(1)];
        expect(new ImageStore().add(configFor(l2, comment), l2, '', 0).id).not.toBe(a.id);
      }),
    );
  });

  it('saving and loading an image reproduces its id in a fresh engine', () => {
    const rt = new Runtime({ sim: new Sim(), rng: new Rng(1) });
    rt.exec(['run', '--name', 'mk', 'mini:latest', 'sh', '-c', 'echo x > /f']);
    const id = rt.exec(['commit', 'mk', 'snap:1']).stdout.trim();
    rt.exec(['save', '-o', '/t.tar', 'snap:1']);
    const rt2 = new Runtime({ sim: new Sim(), rng: new Rng(9) });
    rt2.hostBlobs.set('/t.tar', rt.hostBlobs.get('/t.tar')!);
    expect(rt2.exec(['load', '-i', '/t.tar']).stdout).toBe('Loaded image: snap:1\n');
    expect(rt2.exec(['image', 'inspect', '-f', '{{.Id}}', 'snap:1']).stdout.trim()).toBe(id);
  });

  it('removing an image never removes a layer another image still uses', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), layerArb), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (specs, removals) => {
        const store = new ImageStore();
        const imgs: string[] = [];
        specs.forEach(([p, layer], i) => {
          const parent = i === 0 || p % 3 === 0 ? null : store.images.get(imgs[p % imgs.length]!) ?? null;
          const layers = [...(parent?.layers ?? []), layer];
          imgs.push(store.add(configFor(layers, String(i)), layers, parent?.id ?? '', 0).id);
        });
        for (const r of removals) {
          const live = [...store.images.keys()];
          if (!live.length) break;
          const freed = store.delete(live[r % live.length]!);
          for (const img of store.images.values()) {
            const chains = chainIds(img.layers.map((l) => l.diffId));
            for (const c of chains) {
              expect(freed).not.toContain(c);
              expect(store.layerInUse(c)).toBe(true);
            }
          }
        }
      }),
    );
  });
});

describe('hierarchical shares', () => {
  it('shares split between parents first, then among each parent\'s children', () => {
    const fs = new CgroupFs();
    const mk = (p: string, shares: number) => {
      fs.mkdirAll(p);
      fs.write('cpu', p, 'cpu.shares', String(shares));
      fs.write('cpuset', p, 'cpuset.cpus', '0');
    };
    mk('/a', 1024);
    mk('/b', 1024);
    mk('/a/x', 1024);
    mk('/a/y', 3072);
    mk('/b/z', 2);
    const s = new CpuScheduler(fs, 2);
    s.run(['/a/x', '/a/y', '/b/z'].map((path) => ({ path, threads: 1 })), 4 * SECOND);
    expect((s.usage.get('/b/z') ?? 0) / SECOND).toBeCloseTo(2, 1);
    expect((s.usage.get('/a/x') ?? 0) / SECOND).toBeCloseTo(0.5, 1);
    expect((s.usage.get('/a/y') ?? 0) / SECOND).toBeCloseTo(1.5, 1);
  });
});
