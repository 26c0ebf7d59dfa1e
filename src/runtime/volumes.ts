/**
 * Volumes and mounts: named and anonymous local volumes whose data outlives containers, bind
 * mounts of the (modelled) host filesystem, `--volumes-from`, and the inspect `Mounts` entries.
 */
import type { Nanos } from '../core/time.js';
import type { FsEntry } from './images/layer.js';

/** A local volume. */
export class Volume {
  /** Files inside the volume, by path relative to its root (`/hello.txt`). */
  readonly files = new Map<string, FsEntry>();
  /** Labels (null when none, as inspect prints). */
  labels: Record<string, string> | null = null;
  constructor(
    readonly name: string,
    readonly mountpoint: string,
    readonly created: Nanos,
    /** Anonymous (64-hex name, created for `-v /path` or an image VOLUME). */
    readonly anonymous: boolean,
  ) {}
  /** Bytes stored. */
  get size(): number {
    let n = 0;
    for (const e of this.files.values()) n += e.type === 'file' ? (e.data?.length ?? 0) : e.type === 'symlink' ? (e.link?.length ?? 0) : 0;
    return n;
  }
}

/** One entry of a container's `Mounts`. */
export interface MountPoint {
  Type: 'volume' | 'bind';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The volume store of one engine. */
export class VolumeStore {
  private readonly m = new Map<string, Volume>();
  constructor(readonly dataRoot: string) {}

  /** Checks a volume name; returns Docker's error text or null. */
  static checkName(name: string): string | null {
    if (!VOLUME_NAME.test(name)) return `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
    return null;
  }

  /** Gets or creates a volume. */
  ensure(name: string, now: Nanos, anonymous = false): Volume {
    let v = this.m.get(name);
    if (!v) {
      v = new Volume(name, `${this.dataRoot}/volumes/${name}/_data`, now, anonymous);
      this.m.set(name, v);
    }
    return v;
  }

  /** The volume called `name`, if any. */
  get(name: string): Volume | undefined {
    return this.m.get(name);
  }

  /** Deletes a volume. */
  delete(name: string): boolean {
    return this.m.delete(name);
  }

  /** Every volume, sorted by name. */
  list(): Volume[] {
    return [...this.m.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** `docker volume inspect` document of one volume. */
export function volumeInspect(v: Volume, createdAt: string): Record<string, unknown> {
  return { CreatedAt: createdAt, Driver: 'local', Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: null, Scope: 'local' };
}
