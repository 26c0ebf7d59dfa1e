/**
 * Content-addressed filesystem layers. A layer is a set of entries (files, directories, symlinks,
 * whiteouts); its diff ID is the sha256 of its tar stream, its chain ID combines the diff IDs below
 * it (`sha256(parentChain + " " + diffID)`), exactly as the image spec defines them.
 */
import { createHash } from 'node:crypto';
import { tarSha256, writeTar, type TarEntry, type TarPieces } from './tar.js';

/** One filesystem object in a layer (paths are absolute, e.g. `/bin/busybox`). */
export interface FsEntry {
  type: 'file' | 'dir' | 'symlink' | 'whiteout';
  mode: number;
  /** Unix seconds. */
  mtime: number;
  data?: Uint8Array;
  link?: string;
}

/** `sha256:<hex>` of bytes. */
export function sha256(bytes: Uint8Array | string): string {
  if (typeof bytes === 'string') {
    // image configs: the same text is digested again by every engine that imports the base image
    const hit = textDigests.get(bytes);
    if (hit !== undefined) return hit;
    const d = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    if (textDigests.size >= 64) textDigests.clear();
    textDigests.set(bytes, d);
    return d;
  }
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

/** Digests of recently digested texts (bounded). */
const textDigests = new Map<string, string>();

/** The pieces of each entry made by {@link lazyFileEntry} (until its `data` is read). */
const lazyPieces = new WeakMap<FsEntry, TarPieces>();

/**
 * A file entry whose bytes are made when its `data` is first read (then kept, as a plain property):
 * for a large file that a layer digests (through `pieces`, in its tar stream) but that few runs ever
 * read, as the base image's 2 MB busybox.
 */
export function lazyFileEntry(mode: number, mtime: number, pieces: TarPieces): FsEntry {
  const e: FsEntry = { type: 'file', mode, mtime };
  lazyPieces.set(e, pieces);
  Object.defineProperty(e, 'data', {
    enumerable: true,
    configurable: true,
    get(): Uint8Array {
      const data = new Uint8Array(pieces.length);
      let at = 0;
      pieces.forEach((p) => {
        data.set(p, at);
        at += p.length;
      });
      Object.defineProperty(e, 'data', { value: data, enumerable: true, writable: true, configurable: true });
      lazyPieces.delete(e);
      return data;
    },
  });
  return e;
}

/** The pieces of a {@link lazyFileEntry} whose `data` has not been read yet, else undefined. */
export function unreadPieces(e: FsEntry): TarPieces | undefined {
  return lazyPieces.get(e);
}

/** Bytes of a file entry's content (without reading a lazy entry's data). */
function fileSize(e: FsEntry): number {
  return unreadPieces(e)?.length ?? e.data?.length ?? 0;
}

/** A read-only layer: its entries, tar bytes and identifiers. */
export class Layer {
  /** `sha256:` of the uncompressed tar. */
  readonly diffId: string;
  /** Bytes of file content (what `docker history` SIZE shows). */
  readonly size: number;
  private tarBytes: Uint8Array | null;
  private readonly members: readonly TarEntry[] | null;
  /**
   * `tar`: the exact bytes when they come from outside (docker load); the tar members to digest now
   * and serialize when the bytes are first asked for (the base image); built from `entries` otherwise.
   */
  constructor(
    readonly entries: ReadonlyMap<string, FsEntry>,
    tar?: Uint8Array | readonly TarEntry[],
  ) {
    if (tar === undefined || tar instanceof Uint8Array) {
      this.tarBytes = tar ?? writeTar(layerTarEntries(entries));
      this.members = null;
      this.diffId = sha256(this.tarBytes);
    } else {
      this.tarBytes = null;
      this.members = tar;
      this.diffId = tarSha256(tar);
    }
    let size = 0;
    for (const e of entries.values()) size += e.type === 'file' ? fileSize(e) : e.type === 'symlink' ? (e.link?.length ?? 0) : 0;
    this.size = size;
  }

  /** The tar stream. */
  get tar(): Uint8Array {
    return (this.tarBytes ??= writeTar(this.members!));
  }
}

/** The tar members of a layer, sorted by path; whiteouts become `.wh.<name>` files; an unread lazy file gives its pieces. */
export function layerTarEntries(entries: ReadonlyMap<string, FsEntry>): TarEntry[] {
  const paths = [...entries.keys()].sort();
  return paths.map((p) => {
    const e = entries.get(p)!;
    const rel = p.replace(/^\/+/, '');
    if (e.type === 'whiteout') {
      const slash = rel.lastIndexOf('/');
      return { name: rel.slice(0, slash + 1) + '.wh.' + rel.slice(slash + 1), type: 'file', mode: 0, mtime: e.mtime, data: new Uint8Array(0) };
    }
    if (e.type === 'dir') return { name: rel + '/', type: 'dir', mode: e.mode, mtime: e.mtime };
    if (e.type === 'symlink') return { name: rel, type: 'symlink', mode: e.mode, mtime: e.mtime, linkname: e.link };
    const pieces = unreadPieces(e);
    if (pieces !== undefined) return { name: rel, type: 'file', mode: e.mode, mtime: e.mtime, pieces };
    return { name: rel, type: 'file', mode: e.mode, mtime: e.mtime, data: e.data ?? new Uint8Array(0) };
  });
}

/** Rebuilds layer entries from tar members (the inverse of {@link layerTarEntries}). */
export function entriesFromTar(members: readonly TarEntry[]): Map<string, FsEntry> {
  const m = new Map<string, FsEntry>();
  for (const t of members) {
    let name = '/' + t.name.replace(/\/+$/, '');
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (base.startsWith('.wh.')) {
      name = name.slice(0, name.lastIndexOf('/') + 1) + base.slice(4);
      m.set(name, { type: 'whiteout', mode: 0, mtime: t.mtime });
    } else if (t.type === 'dir') m.set(name, { type: 'dir', mode: t.mode, mtime: t.mtime });
    else if (t.type === 'symlink') m.set(name, { type: 'symlink', mode: t.mode, mtime: t.mtime, link: t.linkname ?? '' });
    else m.set(name, { type: 'file', mode: t.mode, mtime: t.mtime, data: t.data ?? new Uint8Array(0) });
  }
  return m;
}

/** Chain IDs of a stack of diff IDs, bottom first. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}

/**
 * A container's root filesystem: image layers (read-only, bottom first) under a writable upper
 * layer. Whiteouts in the upper layer hide lower files.
 */
export class RootFs {
  /** The rw layer once made (see {@link RootFs.upper}); null while the container changed nothing. */
  private upperV: Map<string, FsEntry> | null = null;
  constructor(readonly lower: readonly Layer[]) {}

  /**
   * The container's own changes (the "rw layer"), path → entry (whiteout = deleted). Made on first
   * use: a container that never writes to its filesystem holds no Map.
   */
  get upper(): Map<string, FsEntry> {
    return (this.upperV ??= new Map());
  }

  /** The entry visible at `path`, or undefined. */
  lookup(path: string): FsEntry | undefined {
    const p = normalise(path);
    const u = this.upperV?.get(p);
    if (u) return u.type === 'whiteout' ? undefined : u;
    for (let i = this.lower.length - 1; i >= 0; i--) {
      const e = this.lower[i]!.entries.get(p);
      if (e) return e.type === 'whiteout' ? undefined : e;
      if (hiddenByWhiteout(this.lower[i]!, p)) return undefined;
    }
    return p === '/' ? { type: 'dir', mode: 0o755, mtime: 0 } : undefined;
  }

  /** The entry as it is in the image layers only (ignoring the container's changes). */
  lookupLower(path: string): FsEntry | undefined {
    const p = normalise(path);
    for (let i = this.lower.length - 1; i >= 0; i--) {
      const e = this.lower[i]!.entries.get(p);
      if (e) return e.type === 'whiteout' ? undefined : e;
    }
    return undefined;
  }

  /** Creates or replaces a regular file. */
  writeFile(path: string, data: Uint8Array, mtime: number, mode = 0o644): void {
    this.upper.set(normalise(path), { type: 'file', mode, mtime, data });
  }

  /** Deletes a path (a whiteout if it exists in a lower layer). Returns false if it did not exist. */
  remove(path: string): boolean {
    const p = normalise(path);
    if (!this.lookup(p)) return false;
    if (this.lookupLower(p)) this.upper.set(p, { type: 'whiteout', mode: 0, mtime: 0 });
    else this.upperV?.delete(p);
    return true;
  }

  /** Paths directly inside directory `dir`, visible through all layers. */
  list(dir: string): string[] {
    const d = normalise(dir);
    const prefix = d === '/' ? '/' : d + '/';
    const seen = new Set<string>();
    const all = [...this.lower.flatMap((l) => [...l.entries.keys()]), ...(this.upperV?.keys() ?? [])];
    for (const p of all) if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/') && this.lookup(p)) seen.add(p);
    return [...seen].sort();
  }

  /** `docker diff`: A/C/D lines for the container's changes. */
  changes(): string[] {
    const adds: string[] = [];
    const dels: string[] = [];
    const upper = this.upperV;
    if (upper === null) return [];
    for (const p of [...upper.keys()].sort()) {
      const e = upper.get(p)!;
      if (e.type === 'whiteout') dels.push(`D ${p}`);
      else adds.push(`${this.lookupLower(p) ? 'C' : 'A'} ${p}`);
    }
    return [...adds, ...dels];
  }
}

function hiddenByWhiteout(layer: Layer, p: string): boolean {
  for (let q = p; q !== '/' && q !== ''; q = q.slice(0, q.lastIndexOf('/')) || '/') {
    const e = layer.entries.get(q);
    if (e && e.type === 'whiteout' && q !== p) return true;
  }
  return false;
}

/** Normalises a path to an absolute one without a trailing slash. */
export function normalise(path: string): string {
  if (isNormal(path)) return path;
  const parts: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return '/' + parts.join('/');
}

/** Whether `path` is already what {@link normalise} makes of it: absolute, no empty, `.` or `..` part, no trailing `/`. */
function isNormal(path: string): boolean {
  const n = path.length;
  if (n === 0 || path.charCodeAt(0) !== 47) return false;
  if (n === 1) return true;
  if (path.charCodeAt(n - 1) === 47) return false;
  for (let i = 0; i < n; i++) {
    if (path.charCodeAt(i) !== 47) continue;
    // a part starts at i + 1: not empty, not `.`, not `..`
    const a = path.charCodeAt(i + 1);
    if (a === 47) return false;
    if (a === 46) {
      const b = i + 2 < n ? path.charCodeAt(i + 2) : 47;
      if (b === 47 || (b === 46 && (i + 3 >= n || path.charCodeAt(i + 3) === 47))) return false;
    }
  }
  return true;
}
