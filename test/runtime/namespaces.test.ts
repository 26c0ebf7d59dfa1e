import { describe, expect, it } from 'vitest';
import { NamespaceAllocator, NS_KINDS } from '../../src/runtime/namespaces.js';

describe('Namespace', () => {
  it("keeps each kind's own value, with its default, and the handle of the others", () => {
    const a = new NamespaceAllocator();
    const uts = a.create('uts', 'c1');
    const ipc = a.create('ipc', 'c1');
    const pid = a.create('pid', 'c1');
    const net = a.create('net', 'c1');
    expect([uts.hostname, ipc.shareable, pid.nextPid, net.handle]).toEqual(['', false, 1, null]);
    uts.hostname = 'web';
    ipc.shareable = true;
    pid.nextPid = 7;
    const stack = { name: 'stack' };
    net.handle = stack;
    expect([uts.hostname, ipc.shareable, pid.nextPid, net.handle]).toEqual(['web', true, 7, stack]);
    // another kind reads the default of a value it has no slot for
    expect([net.hostname, uts.shareable, ipc.nextPid, pid.handle]).toEqual(['', false, 1, null]);
  });

  it('refuses a value that belongs to another kind (it would overwrite the slot of its own)', () => {
    const a = new NamespaceAllocator();
    const pid = a.create('pid', 'c1');
    pid.nextPid = 5;
    expect(() => (pid.hostname = 'x')).toThrow(TypeError);
    expect(() => (pid.handle = {})).toThrow(TypeError);
    expect(() => (a.create('net', 'c1').nextPid = 2)).toThrow(TypeError);
    expect(pid.nextPid).toBe(5);
  });

  it('does deferred handle work once, on the next read of the handle', () => {
    const net = new NamespaceAllocator().create('net', 'c1');
    let runs = 0;
    net.handle = 'h';
    net.deferHandleWork({ configure: () => void runs++ });
    expect(runs).toBe(0);
    expect(net.handle).toBe('h');
    expect(net.handle).toBe('h');
    expect(runs).toBe(1);
  });

  it('numbers namespaces as proc_inum does and builds the host set', () => {
    const a = new NamespaceAllocator();
    const s = a.hostSet('host1');
    const inodes = NS_KINDS.filter((k) => k !== 'pid_for_children').map((k) => s[k].inode);
    expect(inodes).toEqual([...inodes].sort((x, y) => x - y));
    expect(inodes[0]).toBe(0xeffffffc);
    expect(s.uts.hostname).toBe('host1');
    expect(s.ipc.shareable).toBe(true);
    expect(s.pid.nextPid).toBe(1000);
    expect(s.pid_for_children).toBe(s.pid);
  });
});
