/**
 * The container store: ids, names and lookups with Docker's rules (exact id, exact name, then a
 * unique id prefix; "No such container: X" otherwise).
 */
import { DockernetError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Container } from './container.js';
import { randomName } from './names.js';

/** Raised when a reference matches no container (message: `No such container: X`). */
export class NoSuchContainer extends DockernetError {
  constructor(readonly ref: string) {
    super('ENOENT', `No such container: ${ref}`, 1);
  }
}

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** All containers, in creation order. */
export class ContainerStore {
  private readonly byId = new Map<string, Container>();
  private readonly byName = new Map<string, Container>();
  /**
   * Changes whenever a container's name stops naming it (the container is removed or renamed):
   * indexes built from the names (the embedded DNS's) compare it to know they are stale.
   */
  namesGeneration = 0;

  /** A fresh 64-hex id (never all-digits in its short form, like stringid). */
  newId(rng: Rng): string {
    for (;;) {
      const id = rng.hex(64);
      if (/^\d+$/.test(id.slice(0, 12))) continue;
      if (!this.byId.has(id)) return id;
    }
  }

  /** A free generated name (`/adjective_surname`). */
  newName(rng: Rng): string {
    for (let retry = 0; ; retry++) {
      const n = '/' + randomName(rng, retry > 5 ? retry : 0);
      if (!this.byName.has(n)) return n;
    }
  }

  /** Validates a user name; returns the error text Docker gives, or null. */
  static validateName(name: string): string | null {
    if (!NAME_RE.test(name)) return `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`;
    return null;
  }

  /** The container holding `name` (with or without slash), if any. */
  nameOwner(name: string): Container | undefined {
    return this.byName.get(name.startsWith('/') ? name : '/' + name);
  }

  /** Adds a container. */
  add(c: Container): void {
    this.byId.set(c.id, c);
    this.byName.set(c.name, c);
  }

  /** Removes a container. */
  delete(c: Container): void {
    this.namesGeneration++;
    this.byId.delete(c.id);
    if (this.byName.get(c.name) === c) this.byName.delete(c.name);
  }

  /** Renames a container. */
  rename(c: Container, newName: string): void {
    this.namesGeneration++;
    this.byName.delete(c.name);
    c.name = newName.startsWith('/') ? newName : '/' + newName;
    this.byName.set(c.name, c);
  }

  /** Finds by full id, name, or unique id prefix. Throws {@link NoSuchContainer}. */
  get(ref: string): Container {
    const c = this.find(ref);
    if (!c) throw new NoSuchContainer(ref);
    return c;
  }

  /** Like {@link get} but returns undefined. An ambiguous prefix also throws (Docker's message). */
  find(ref: string): Container | undefined {
    if (!ref) return undefined;
    const byId = this.byId.get(ref);
    if (byId) return byId;
    const byName = this.byName.get(ref.startsWith('/') ? ref : '/' + ref);
    if (byName) return byName;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const hits = [...this.byId.values()].filter((c) => c.id.startsWith(ref));
    if (hits.length > 1) throw new DockernetError('EAMBIGUOUS', `Multiple IDs found with provided prefix: ${ref}`, 1);
    return hits[0];
  }

  /** Every container, newest first (the order of `docker ps`). */
  list(): Container[] {
    return [...this.byId.values()].reverse();
  }

  /** Number of containers. */
  get size(): number {
    return this.byId.size;
  }
}
