/**
 * A container's rw layer is made on its first change: a root filesystem that was never written
 * reads, lists and diffs exactly as its image, and writes and deletions then work as before.
 */
import { describe, expect, it } from 'vitest';
import { Layer, RootFs, type FsEntry } from '../../src/runtime/images/layer.js';

const file = (text: string): FsEntry => ({ type: 'file', mode: 0o644, mtime: 0, data: new TextEncoder().encode(text) });
const dir: FsEntry = { type: 'dir', mode: 0o755, mtime: 0 };

describe('RootFs rw layer', () => {
  it('untouched, then written and deleted: lookup, list and changes as the layers say', () => {
    const image = new Layer(new Map<string, FsEntry>([['/etc', dir], ['/etc/os-release', file('x')], ['/bin', dir]]));
    const fresh = new RootFs([image]);
    const used = new RootFs([image]);
    expect(fresh.changes()).toEqual([]);
    expect(fresh.list('/')).toEqual(['/bin', '/etc']);
    expect(fresh.lookup('/etc/os-release')?.type).toBe('file');
    expect(fresh.remove('/nope')).toBe(false);
    expect(fresh.changes()).toEqual([]);
    used.writeFile('/etc/hostname', new TextEncoder().encode('h'), 1);
    expect(used.remove('/etc/os-release')).toBe(true);
    expect(used.changes()).toEqual(['A /etc/hostname', 'D /etc/os-release']);
    expect(used.list('/etc')).toEqual(['/etc/hostname']);
    expect(used.lookup('/etc/os-release')).toBeUndefined();
    expect([...used.upper.keys()].sort()).toEqual(['/etc/hostname', '/etc/os-release']);
    // the untouched one was not changed by the other's writes; its (now made) rw layer is empty
    expect(fresh.upper.size).toBe(0);
    expect(fresh.list('/etc')).toEqual(['/etc/os-release']);
  });
});
