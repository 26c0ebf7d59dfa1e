/**
 * The lab's base image `mini:latest`: a `docker import` of a busybox-static rootfs (24 entries:
 * /bin/busybox, 15 applet symlinks, /www/index.html and empty system directories), Cmd null,
 * comment "Imported from -". Its busybox is a deterministic stand-in of the real binary's size, so
 * the image size (1982262 bytes, "1.98MB") matches the oracle.
 */
import type { Nanos } from '../../core/time.js';
import { Layer, layerTarEntries, lazyFileEntry, type FsEntry } from './layer.js';
import type { TarEntry, TarPieces } from './tar.js';
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

/** The stand-in busybox's 64-byte ELF header: an ELF identification, then zeros. */
const ELF_HEADER = new Uint8Array(64);
ELF_HEADER.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);

let busyboxBlockV: Uint8Array | null = null;

/**
 * The 64 KiB block the stand-in repeats after its ELF header: a xorshift32 stream, four bytes per
 * step, low byte first (the same bytes on every platform). Made once per process.
 */
function busyboxBlock(): Uint8Array {
  if (busyboxBlockV !== null) return busyboxBlockV;
  const b = new Uint8Array(BUSYBOX_BLOCK);
  let x = 0x2545f491;
  for (let i = 0; i < BUSYBOX_BLOCK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x;
    b[i + 1] = x >>> 8;
    b[i + 2] = x >>> 16;
    b[i + 3] = x >>> 24;
  }
  return (busyboxBlockV = b);
}

/**
 * The stand-in busybox (BUSYBOX_SIZE bytes) as pieces: its ELF header, then the block of
 * {@link busyboxBlock} repeated to the last byte. The layer's digest reads these pieces and the file's
 * bytes are made only when something reads them (`docker save`, `cat /bin/busybox`): a cold process
 * wrote 2 MB of fresh pages for the file and 2 MB for the tar before, 9–16 ms of its first engine.
 */
const BUSYBOX_PIECES: TarPieces = {
  length: BUSYBOX_SIZE,
  forEach(emit: (piece: Uint8Array) => void): void {
    emit(ELF_HEADER);
    const block = busyboxBlock();
    for (let left = BUSYBOX_SIZE - ELF_HEADER.length; left > 0; left -= block.length) emit(left >= block.length ? block : block.subarray(0, left));
  },
};

/** The root filesystem entries of the mini image (mtime: Unix seconds of the import). */
function miniRootfs(mtime: number): Map<string, FsEntry> {
  const m = new Map<string, FsEntry>();
  for (const d of ['/bin', '/dev', '/etc', '/proc', '/sys', '/tmp', '/www']) m.set(d, { type: 'dir', mode: d === '/tmp' ? 0o1777 : 0o755, mtime });
  m.set('/bin/busybox', lazyFileEntry(0o755, mtime, BUSYBOX_PIECES));
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
 * Builds the base layer once per process (sha256 over ~2 MB, in pieces). Its tar is the one
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
  const entries = miniRootfs(mtime);
  const members: TarEntry[] = [{ name: './', type: 'dir', mode: 0o755, mtime }];
  for (const m of layerTarEntries(entries)) members.push({ ...m, name: './' + m.name });
  // digested now from the busybox's pieces; the tar's bytes are written if something asks for them
  return new Layer(entries, members);
}
