/**
 * Resolves a container's mounts at create time: `-v name:/dst[:ro]` (named volume, created if
 * missing, copied up from the image when empty), `-v /host:/dst` (bind; a missing source is
 * created), `-v /dst` and image VOLUMEs (anonymous volumes), `--mount`, and `--volumes-from`.
 */
import type { Runtime } from './runtime.js';
import type { Container } from './container.js';
import { daemonError } from './create.js';
import { VolumeStore, type MountPoint } from './volumes.js';
import { normalise } from './images/layer.js';

function copyUp(rt: Runtime, c: Container, name: string, dest: string): void {
  const v = rt.volumes.get(name)!;
  if (v.files.size) return;
  const prefix = dest === '/' ? '/' : dest + '/';
  const seen = new Set<string>();
  for (const l of c.rootfs.lower) for (const p of l.entries.keys()) if (p.startsWith(prefix)) seen.add(p);
  for (const p of seen) {
    const e = c.rootfs.lookup(p);
    if (e) v.files.set('/' + p.slice(prefix.length), e);
  }
}

function addVolume(rt: Runtime, c: Container, name: string, dest: string, mode: string, anonymous: boolean): MountPoint {
  const existed = !!rt.volumes.get(name);
  const v = rt.volumes.ensure(name, rt.sim.now, anonymous);
  if (!existed) rt.events.emit('volume', 'create', name, { driver: 'local' });
  copyUp(rt, c, name, dest);
  const ro = mode.split(',').includes('ro');
  return { Type: 'volume', Name: name, Source: v.mountpoint, Destination: dest, Driver: 'local', Mode: anonymous ? '' : mode || 'z', RW: !ro, Propagation: '' };
}

/** Fills `c.mounts` from its HostConfig/Config. Throws daemon errors with Docker's text. */
export function setupMounts(rt: Runtime, c: Container): void {
  const hc = c.hostConfig;
  if (!hc.Binds?.length && !hc.Mounts?.length && !hc.VolumesFrom?.length && !hasKeys(c.config.Volumes)) {
    // most containers mount nothing: no lists, sets or iterators made for it
    c.mounts = [];
    return;
  }
  const out: MountPoint[] = [];
  const taken = new Set<string>();
  for (const b of hc.Binds ?? []) {
    const parts = b.split(':');
    const [src, dst, mode = ''] = parts as [string, string, string?];
    const dest = normalise(dst);
    if (src.startsWith('/')) {
      rt.hostFiles(normalise(src));
      out.push({ Type: 'bind', Source: normalise(src), Destination: dest, Mode: mode, RW: !mode.split(',').includes('ro'), Propagation: 'rprivate' });
    } else {
      const bad = VolumeStore.checkName(src);
      if (bad) throw daemonError(bad);
      out.push(addVolume(rt, c, src, dest, mode, false));
    }
    taken.add(dest);
  }
  for (const m of hc.Mounts ?? []) {
    const dest = normalise(m.Target);
    if (m.Type === 'bind') {
      if (!m.Source || !rt.hostFs.has(normalise(m.Source))) throw daemonError(`invalid mount config for type "bind": bind source path does not exist: ${m.Source ?? ''}`);
      out.push({ Type: 'bind', Source: normalise(m.Source), Destination: dest, Mode: '', RW: !m.ReadOnly, Propagation: 'rprivate' });
    } else {
      const name = m.Source || rt.rng.hex(64);
      const mp = addVolume(rt, c, name, dest, '', !m.Source);
      mp.Mode = '';
      mp.RW = !m.ReadOnly;
      out.push(mp);
    }
    taken.add(dest);
  }
  for (const ref of hc.VolumesFrom ?? []) {
    const [name, mode = ''] = ref.split(':') as [string, string?];
    const src = rt.store.get(name);
    for (const m of src.mounts) {
      if (taken.has(m.Destination)) continue;
      const ro = mode === 'ro' ? true : mode === 'rw' ? false : !m.RW;
      out.push({ ...m, Mode: mode === '' ? '' : mode, RW: !ro });
      taken.add(m.Destination);
    }
  }
  for (const dst of Object.keys(c.config.Volumes ?? {})) {
    const dest = normalise(dst);
    if (taken.has(dest)) continue;
    out.push(addVolume(rt, c, rt.rng.hex(64), dest, '', true));
  }
  c.mounts = out.sort((a, b) => (a.Destination < b.Destination ? -1 : 1));
}

function hasKeys(o: object | null | undefined): boolean {
  if (o) for (const _ in o) return true;
  return false;
}
