/**
 * File access inside a container as its processes see it: Docker's bind-mounted /etc files, the
 * /proc view of the pid namespace, volume and bind mounts, then the layered root filesystem.
 */
import type { Runtime } from './runtime.js';
import type { Container } from './container.js';
import { utf8Text } from '../core/text.js';
import { normalise, type FsEntry } from './images/layer.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Where a path inside a container lands. */
type Target = { kind: 'etc'; key: string } | { kind: 'volume'; files: Map<string, FsEntry>; rel: string; ro: boolean } | { kind: 'rootfs'; path: string };

/** Container filesystem facade. */
export class ContainerFiles {
  constructor(private readonly rt: Runtime) {}

  private resolve(c: Container, path: string): Target {
    const p = normalise(path);
    if (c.etc.has(p)) return { kind: 'etc', key: p };
    let best: { dest: string; files: Map<string, FsEntry>; ro: boolean } | null = null;
    for (const m of c.mounts) {
      if (p === m.Destination || p.startsWith(m.Destination + '/')) {
        if (best && best.dest.length >= m.Destination.length) continue;
        const files = m.Type === 'volume' ? this.rt.volumes.get(m.Name!)?.files : this.rt.hostFiles(m.Source);
        if (files) best = { dest: m.Destination, files, ro: !m.RW };
      }
    }
    if (best) return { kind: 'volume', files: best.files, rel: normalise(p.slice(best.dest.length)), ro: best.ro };
    return { kind: 'rootfs', path: p };
  }

  /** File content, or undefined when missing (or a directory). */
  read(c: Container, path: string): Uint8Array | undefined {
    return this.file(c, path)?.data;
  }

  /** A file's mtime in Unix seconds (undefined when missing, a directory or an /etc or /proc file). */
  mtime(c: Container, path: string): number | undefined {
    return this.file(c, path)?.mtime;
  }

  /**
   * A file's content and mtime in Unix seconds, from one lookup (a server answering a request needs
   * both); undefined when missing or a directory. /etc and /proc files have no mtime.
   */
  file(c: Container, path: string): { readonly data?: Uint8Array; readonly mtime?: number } | undefined {
    const p = normalise(path);
    const proc = this.procFile(c, p);
    if (proc !== undefined) return { data: enc.encode(proc), mtime: undefined };
    const t = this.resolve(c, p);
    if (t.kind === 'etc') return { data: enc.encode(c.etc.get(t.key)!), mtime: undefined };
    const e = t.kind === 'volume' ? t.files.get(t.rel) : c.rootfs.lookup(t.path);
    return e !== undefined && e.type === 'file' ? e : undefined;
  }

  /** Whether `path` is a directory (the root, a mount point, or a directory of the layers or a volume). */
  isDir(c: Container, path: string): boolean {
    const p = normalise(path);
    if (p === '/' || c.mounts.some((m) => m.Destination === p)) return true;
    const t = this.resolve(c, p);
    if (t.kind === 'etc') return false;
    if (t.kind === 'volume') return t.rel === '/' || t.files.get(t.rel)?.type === 'dir' || [...t.files.keys()].some((k) => k.startsWith(t.rel + '/'));
    const e = c.rootfs.lookup(t.path);
    return e?.type === 'dir' || (e === undefined && c.rootfs.list(t.path).length > 0);
  }

  /** File content as text. */
  readText(c: Container, path: string): string | undefined {
    const b = this.read(c, path);
    return b === undefined ? undefined : utf8Text(b);
  }

  /** Whether anything exists at `path`. */
  exists(c: Container, path: string): boolean {
    if (this.procFile(c, normalise(path)) !== undefined) return true;
    const t = this.resolve(c, path);
    if (t.kind === 'etc') return true;
    if (t.kind === 'volume') return t.rel === '/' || t.files.has(t.rel);
    return c.rootfs.lookup(t.path) !== undefined;
  }

  /** Creates or truncates a file. Throws Error('Read-only file system') on a read-only mount. */
  writeFile(c: Container, path: string, content: string | Uint8Array): void {
    const data = typeof content === 'string' ? enc.encode(content) : content;
    const mtime = Math.floor(this.rt.wallSeconds());
    const t = this.resolve(c, path);
    if (t.kind === 'etc') c.etc.set(t.key, dec.decode(data));
    else if (t.kind === 'volume') {
      if (t.ro) throw new Error('Read-only file system');
      t.files.set(t.rel, { type: 'file', mode: 0o644, mtime, data });
    } else c.rootfs.writeFile(t.path, data, mtime);
  }

  /** Removes a file; false if it did not exist. */
  remove(c: Container, path: string): boolean {
    const t = this.resolve(c, path);
    if (t.kind === 'etc') return false;
    if (t.kind === 'volume') return t.files.delete(t.rel);
    return c.rootfs.remove(t.path);
  }

  /** Names in a directory. */
  list(c: Container, path: string): string[] {
    const t = this.resolve(c, path);
    if (t.kind === 'volume') {
      const prefix = t.rel === '/' ? '/' : t.rel + '/';
      return [...t.files.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).map((k) => k.slice(prefix.length)).sort();
    }
    if (t.kind === 'etc') return [];
    return c.rootfs.list(t.path).map((p) => p.slice(p.lastIndexOf('/') + 1));
  }

  /**
   * The container's mount table (/proc/mounts): the root filesystem over its image layers, the
   * kernel filesystems runc mounts, Docker's /etc bind mounts, then volumes and binds.
   */
  mountTable(c: Container): string {
    const layers = c.rootfs.lower.map((l) => l.diffId.slice(7, 19)).join(':');
    const lines = [
      `rootfs / vfs rw,lowerdir=${layers},upperdir=${this.rt.dataRoot}/vfs/dir/${c.id} 0 0`,
      'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
      'tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755 0 0',
      'devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666 0 0',
      'sysfs /sys sysfs ro,nosuid,nodev,noexec,relatime 0 0',
      'cgroup /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,relatime,mode=755 0 0',
      'mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0',
      `shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=${Math.floor(c.hostConfig.ShmSize / 1024)}k 0 0`,
    ];
    for (const f of ['/etc/resolv.conf', '/etc/hostname', '/etc/hosts']) lines.push(`/dev/root ${f} ext4 rw,relatime 0 0`);
    for (const m of c.mounts) lines.push(`/dev/root ${m.Destination} ext4 ${m.RW ? 'rw' : 'ro'},relatime 0 0`);
    return lines.join('\n') + '\n';
  }

  /** /proc files derived from the process table (cmdline, stat, comm, hostname, mounts). */
  private procFile(c: Container, p: string): string | undefined {
    if (p === '/proc/sys/kernel/hostname') return (c.namespaces?.uts.hostname ?? '') + '\n';
    if (p === '/proc/mounts' || p === '/proc/self/mounts') return this.mountTable(c);
    const m = /^\/proc\/(\d+|self)\/(cmdline|stat|comm|status)$/.exec(p);
    if (!m || !c.namespaces) return undefined;
    const ns = c.namespaces.pid;
    const procs = [...this.rt.procman.procs.values()].filter((x) => x.container.namespaces?.pid === ns || (ns === this.rt.hostNs.pid && x.container.namespaces?.pid === ns));
    const nspid = m[1] === 'self' ? -1 : Number(m[1]);
    const pr = ns === this.rt.hostNs.pid && nspid === 1 ? null : procs.find((x) => x.nspid === nspid);
    if (ns === this.rt.hostNs.pid && nspid === 1) {
      if (m[2] === 'stat') return '1 (systemd) S 0 1 1 0 -1 4194560\n';
      if (m[2] === 'comm') return 'systemd\n';
      if (m[2] === 'cmdline') return '/sbin/init\0';
      return undefined;
    }
    if (!pr) return undefined;
    if (m[2] === 'cmdline') return pr.argv.join('\0') + '\0';
    if (m[2] === 'comm') return pr.comm + '\n';
    if (m[2] === 'status') return `Name:\t${pr.comm}\nPid:\t${pr.nspid}\nNSpid:\t${pr.pid}${pr.pid !== pr.nspid ? '\t' + pr.nspid : ''}\n`;
    return `${pr.nspid} (${pr.comm}) S 0 ${pr.nspid} ${pr.nspid} 0 -1 4194560\n`;
  }
}
