/**
 * The lab's base image `mini:latest`: a `docker import` of a busybox-static rootfs (24 entries:
 * /bin/busybox, 15 applet symlinks, /www/index.html and empty system directories), Cmd null,
 * comment "Imported from -". Its busybox is a deterministic stand-in of the real binary's size, so
 * the image size (1982262 bytes, "1.98MB") matches the oracle.
 */
import type { Nanos } from '../../core/time.js';
import { Layer, layerTarEntries, type FsEntry } from './layer.js';
import { writeTar, type TarEntry } from './tar.js';
import { goJson, goJsonSorted } from '../gojson.js';
import { newContainerConfig } from '../types.js';
import { rfc3339Nano } from '../units.js';

/**
 * When the shared oracle's lab imported `mini:latest` (Unix seconds: Mon, 23 Nov 2026 14:26:57 GMT),
 * the mtime of its files; busybox httpd shows it as Last-Modified and in its ETag (`"6b044d31-6"`).
 */
export const MINI_IMPORTED = 1795444017;

/** Applets linked to busybox in the lab image. */
export const MINI_APPLETS = ['sh', 'httpd', 'nc', 'ip', 'ifconfig', 'ping', 'nslookup', 'cat', 'sleep', 'hostname', 'route', 'wget', 'echo', 'ls'];
/** Size of the real busybox-static binary in the lab image. */
export const BUSYBOX_SIZE = 1982158;
/** Docker version string in configs. */
export const DOCKER_VERSION = '20.10.24+dfsg1';

/** Period of the stand-in busybox's bytes after its ELF header. */
const BUSYBOX_BLOCK = 65536;

/**
 * Writes the stand-in busybox into `b` (BUSYBOX_SIZE bytes, zero on entry): an ELF identification,
 * zeros to the end of the 64-byte ELF header, then a 64 KiB block of a xorshift32 stream (four
 * bytes per step, low byte first: the same bytes on every platform) repeated to the end. Copying
 * the block costs a memcpy; stepping the generator over 2 MB cost ~6 ms of a cold process.
 */
function writeBusybox(b: Uint8Array): void {
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  const end = Math.min(b.length, 64 + BUSYBOX_BLOCK);
  let x = 0x2545f491;
  for (let i = 64; i < end; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x;
    b[i + 1] = x >>> 8;
    b[i + 2] = x >>> 16;
    b[i + 3] = x >>> 24;
  }
  for (let n = end - 64; 64 + n < b.length; n *= 2) b.copyWithin(64 + n, 64, Math.min(64 + n, b.length - n));
}

/** The root filesystem entries of the mini image (mtime: Unix seconds of the import). */
function miniRootfs(mtime: number, busybox: Uint8Array): Map<string, FsEntry> {
  const m = new Map<string, FsEntry>();
  for (const d of ['/bin', '/dev', '/etc', '/proc', '/sys', '/tmp', '/www']) m.set(d, { type: 'dir', mode: d === '/tmp' ? 0o1777 : 0o755, mtime });
  m.set('/bin/busybox', { type: 'file', mode: 0o755, mtime, data: busybox });
  for (const a of MINI_APPLETS) m.set(`/bin/${a}`, { type: 'symlink', mode: 0o777, mtime, link: 'busybox' });
  m.set('/www/index.html', { type: 'file', mode: 0o644, mtime, data: new TextEncoder().encode('hello\n') });
  return m;
}

/** The config JSON that `docker import` writes for a one-layer image. */
export function importConfigJson(layer: Layer, created: Nanos, comment = 'Imported from -'): string {
  // every engine imports the base image at its start: the same text for the same inputs
  const key = `${layer.diffId} ${created} ${comment}`;
  let json = configCache.get(key);
  if (json === undefined) {
    if (configCache.size >= 64) configCache.clear();
    json = buildImportConfig(layer, created, comment);
    configCache.set(key, json);
  }
  return json;
}

/** Import configs by layer, time and comment (strings: immutable, safe to share between engines). */
const configCache = new Map<string, string>();

function buildImportConfig(layer: Layer, created: Nanos, comment: string): string {
  const cfg = newContainerConfig();
  const t = rfc3339Nano(created);
  return goJsonSorted({
    architecture: 'amd64',
    comment,
    config: cfg,
    container_config: cfg,
    created: t,
    docker_version: DOCKER_VERSION,
    history: [{ created: t, comment }],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
  });
}

/**
 * Builds the base layer once per process (sha256 over ~2 MB). Its tar is the one
 * `tar -C root -cf - .` sends to `docker import`: members named `./...`, with the root directory
 * itself (24 entries).
 */
export function miniLayer(mtime: number): Layer {
  const cached = layerCache.get(mtime);
  if (cached) return cached;
  const layer = buildMiniLayer(mtime);
  layerCache.set(mtime, layer);
  return layer;
}

/** Layers are immutable, so every engine shares one base layer per mtime. */
const layerCache = new Map<number, Layer>();

function buildMiniLayer(mtime: number): Layer {
  // the busybox keeps a buffer of its own: as a view into the tar's buffer, warm bring-up of
  // 1,000 containers measured ~25 µs per container slower (cause not found; see the CHANGELOG, tenth session)
  const busybox = new Uint8Array(BUSYBOX_SIZE);
  writeBusybox(busybox);
  const entries = miniRootfs(mtime, busybox);
  const members: TarEntry[] = [{ name: './', type: 'dir', mode: 0o755, mtime }];
  for (const m of layerTarEntries(entries)) members.push({ ...m, name: './' + m.name });
  return new Layer(entries, writeTar(members));
}
