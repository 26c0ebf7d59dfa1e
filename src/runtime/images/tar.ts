/**
 * POSIX ustar archives as real bytes (what `docker save` writes and `docker load` reads): 512-byte
 * headers with octal fields and a checksum, file data padded to 512, two zero blocks at the end.
 */
import { createHash } from 'node:crypto';

/** One archive member. */
export interface TarEntry {
  /** Path inside the archive (no leading slash; directories may end with '/'). */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  /** Modification time, Unix seconds. */
  mtime: number;
  data?: Uint8Array;
  /**
   * A file's bytes in pieces, when it is not held as one buffer (read by {@link writeTar} and
   * {@link tarSha256} when `data` is absent).
   */
  pieces?: TarPieces;
  linkname?: string;
}

/** A file's bytes as consecutive pieces, so that a large file need not be one buffer. */
export interface TarPieces {
  /** Bytes in all. */
  readonly length: number;
  /** Calls `emit` with each piece in order (pieces may be views of shared buffers: copy what you keep). */
  forEach(emit: (piece: Uint8Array) => void): void;
}

/** Bytes of a member's data: its buffer's length, or its pieces'. */
function dataLength(e: TarEntry): number {
  return e.type !== 'file' ? 0 : e.data !== undefined ? e.data.length : (e.pieces?.length ?? 0);
}

/** Calls `emit` with a file member's bytes: its buffer, or its pieces. */
function emitData(e: TarEntry, emit: (piece: Uint8Array) => void): void {
  if (e.type !== 'file') return;
  if (e.data !== undefined) {
    if (e.data.length !== 0) emit(e.data);
  } else e.pieces?.forEach(emit);
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function putString(h: Uint8Array, off: number, len: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > len) throw new RangeError(`tar: field too long: ${s}`);
  h.set(b, off);
}

function putOctal(h: Uint8Array, off: number, len: number, v: number): void {
  putString(h, off, len, v.toString(8).padStart(len - 1, '0'));
}

function header(e: TarEntry, size: number): Uint8Array {
  const h = new Uint8Array(512);
  let name = e.name;
  let prefix = '';
  if (enc.encode(name).length > 100) {
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  putString(h, 0, 100, name);
  putOctal(h, 100, 8, e.mode & 0o7777);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, e.mtime);
  h.fill(0x20, 148, 156);
  h[156] = e.type === 'file' ? 0x30 : e.type === 'dir' ? 0x35 : 0x32;
  if (e.linkname) putString(h, 157, 100, e.linkname);
  putString(h, 257, 6, 'ustar');
  putString(h, 263, 2, '00');
  putOctal(h, 329, 8, 0);
  putOctal(h, 337, 8, 0);
  if (prefix) putString(h, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  putString(h, 148, 7, sum.toString(8).padStart(6, '0') + '\0');
  return h;
}

/** Bytes a member's data takes in the archive: its length rounded up to whole 512-byte blocks. */
function blocks(len: number): number {
  return Math.ceil(len / 512) * 512;
}

/** Serialises entries, in the given order, into one tar archive. */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const headers: Uint8Array[] = [];
  let total = 1024; // the two zero blocks at the end
  for (const e of entries) {
    const size = dataLength(e);
    headers.push(header(e, size));
    total += 512 + blocks(size);
  }
  // one buffer, data copied straight into it (the padding is its zero fill): a 2 MB member
  // copied through a padded buffer of its own cost a second 2 MB of fresh pages
  const out = new Uint8Array(total);
  let off = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    out.set(headers[i]!, off);
    off += 512;
    let at = off;
    emitData(e, (piece) => {
      out.set(piece, at);
      at += piece.length;
    });
    off += blocks(dataLength(e));
  }
  return out;
}

/** Zeros: a member's padding and the archive's two end blocks. */
const ZEROS = new Uint8Array(1024);

/**
 * `sha256:<hex>` of the archive {@link writeTar} would write for `entries`, without writing it: the
 * headers, data (or pieces), padding and end blocks go through the hash as they come.
 */
export function tarSha256(entries: readonly TarEntry[]): string {
  const h = createHash('sha256');
  const update = (b: Uint8Array): void => {
    h.update(b);
  };
  for (const e of entries) {
    const size = dataLength(e);
    h.update(header(e, size));
    emitData(e, update);
    const pad = blocks(size) - size;
    if (pad !== 0) h.update(ZEROS.subarray(0, pad));
  }
  h.update(ZEROS);
  return 'sha256:' + h.digest('hex');
}

function cstr(b: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  return dec.decode(b.subarray(off, end));
}

function octal(b: Uint8Array, off: number, len: number): number {
  const s = cstr(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Parses a tar archive (ustar, with GNU/PAX long names for paths). Throws on a bad checksum. */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= bytes.length) {
    const h = bytes.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== octal(h, 148, 8)) throw new Error('archive/tar: invalid tar header');
    const size = octal(h, 124, 12);
    const flag = String.fromCharCode(h[156]!);
    const data = bytes.slice(off + 512, off + 512 + size);
    off += 512 + blocks(size);
    if (flag === 'L') {
      longName = cstr(data, 0, data.length);
      continue;
    }
    if (flag === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(dec.decode(data));
      if (m) longName = m[1]!;
      continue;
    }
    if (flag === 'g') continue;
    const prefix = cstr(h, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    longName = null;
    if (name.startsWith('./')) name = name.slice(2);
    const type = flag === '5' ? 'dir' : flag === '2' || flag === '1' ? 'symlink' : 'file';
    out.push({ name, type, mode: octal(h, 100, 8), mtime: octal(h, 136, 12), data: type === 'file' ? data : undefined, linkname: cstr(h, 157, 100) || undefined });
  }
  return out;
}
