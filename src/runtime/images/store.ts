/**
 * The image store: images are content-addressed (id = sha256 of the config JSON bytes), layers are
 * shared by chain ID and reference-counted, references (`repo:tag`) point at image ids.
 */
import type { Nanos } from '../../core/time.js';
import { chainIds, sha256, type Layer } from './layer.js';

/** One image. */
export interface ImageRecord {
  /** `sha256:<hex>`. */
  id: string;
  /** The config JSON bytes (its sha256 is the id). */
  configJson: string;
  /** Parsed config. */
  config: ImageConfig;
  /** Parent image id (local build/commit chain), or ''. */
  parent: string;
  layers: Layer[];
  created: Nanos;
  lastTagTime: Nanos | null;
}

/** The parts of an image config the engine reads (the JSON has more). */
export interface ImageConfig {
  architecture: string;
  author?: string;
  comment?: string;
  config: Record<string, unknown>;
  container?: string;
  container_config: Record<string, unknown>;
  created: string;
  docker_version?: string;
  history: Array<Record<string, unknown>>;
  os: string;
  rootfs: { type: string; diff_ids: string[] };
}

/** Normalises a reference: `snap` → `snap:latest`; a `docker.io/library/` prefix is dropped. */
export function normaliseRef(ref: string): string {
  let r = ref.replace(/^docker\.io\/(library\/)?/, '');
  const slash = r.lastIndexOf('/');
  if (!r.slice(slash + 1).includes(':') && !r.includes('@')) r += ':latest';
  return r;
}

/** The fully qualified form used for ordering RepoTags (`docker.io/library/snap:v1`). */
export function familiarSortKey(ref: string): string {
  const [name] = ref.split(':') as [string];
  if (!name.includes('/')) return 'docker.io/library/' + ref;
  if (!/[.:]/.test(name.split('/')[0]!) && name.split('/')[0] !== 'localhost') return 'docker.io/' + ref;
  return ref;
}

/** All images and tags of one engine. */
export class ImageStore {
  readonly images = new Map<string, ImageRecord>();
  /** `repo:tag` → image id, in tagging order. */
  readonly refs = new Map<string, string>();
  private readonly layerUse = new Map<string, number>();

  /** Adds an image from its config JSON bytes; an existing id is returned unchanged. */
  add(configJson: string, layers: Layer[], parent: string, now: Nanos): ImageRecord {
    const id = sha256(configJson);
    const have = this.images.get(id);
    if (have) return have;
    const rec: ImageRecord = { id, configJson, config: JSON.parse(configJson) as ImageConfig, parent, layers, created: now, lastTagTime: null };
    this.images.set(id, rec);
    for (const c of chainIds(layers.map((l) => l.diffId))) this.layerUse.set(c, (this.layerUse.get(c) ?? 0) + 1);
    return rec;
  }

  /** Finds by `repo:tag`, `repo`, full id (with or without `sha256:`) or a unique id prefix. */
  resolve(ref: string): ImageRecord | undefined {
    const byRef = this.refs.get(normaliseRef(ref));
    if (byRef) return this.images.get(byRef);
    const hex = ref.replace(/^sha256:/, '');
    if (/^[0-9a-f]+$/.test(hex) && hex.length >= 1) {
      const hits = [...this.images.keys()].filter((id) => id.slice(7).startsWith(hex));
      if (hits.length === 1) return this.images.get(hits[0]!);
    }
    return undefined;
  }

  /** Points `ref` at `id`. */
  tag(id: string, ref: string, now: Nanos): void {
    this.refs.set(normaliseRef(ref), id);
    const rec = this.images.get(id);
    if (rec) rec.lastTagTime = now;
  }

  /** Removes a reference. */
  untag(ref: string): boolean {
    return this.refs.delete(normaliseRef(ref));
  }

  /** Tags of an image, ordered as Docker lists RepoTags (lexically by fully qualified name). */
  tagsOf(id: string): string[] {
    return [...this.refs.entries()]
      .filter(([, v]) => v === id)
      .map(([k]) => k)
      .sort((a, b) => (familiarSortKey(a) < familiarSortKey(b) ? -1 : familiarSortKey(a) > familiarSortKey(b) ? 1 : 0));
  }

  /** Images whose parent is `id`. */
  children(id: string): ImageRecord[] {
    return [...this.images.values()].filter((i) => i.parent === id);
  }

  /**
   * Deletes an image record; returns the chain ids of the layers that no other image uses any more
   * (those are "Deleted:"), top layer first.
   */
  delete(id: string): string[] {
    const rec = this.images.get(id);
    if (!rec) return [];
    this.images.delete(id);
    for (const [k, v] of [...this.refs]) if (v === id) this.refs.delete(k);
    const freed: string[] = [];
    const chains = chainIds(rec.layers.map((l) => l.diffId));
    for (let i = chains.length - 1; i >= 0; i--) {
      const c = chains[i]!;
      const n = (this.layerUse.get(c) ?? 1) - 1;
      if (n <= 0) {
        this.layerUse.delete(c);
        freed.push(c);
      } else this.layerUse.set(c, n);
    }
    return freed;
  }

  /** Whether a layer chain is still referenced by some image. */
  layerInUse(chainId: string): boolean {
    return (this.layerUse.get(chainId) ?? 0) > 0;
  }

  /** Image size: the sum of its layers' sizes. */
  static size(rec: ImageRecord): number {
    return rec.layers.reduce((n, l) => n + l.size, 0);
  }
}
