/**
 * Extension points for the layer above (the network engine): lifecycle hooks, inspect providers,
 * ps column providers and the program registry that `docker exec` and container commands use.
 */
import type { Container } from './container.js';
import type { Program } from './process.js';

/** Lifecycle callbacks. `beforeStart` may throw a DockernetError: the start then fails with its message. */
export interface LifecycleHooks {
  /** After the container record exists (create), before anything prints its id. May throw to refuse creation. */
  afterCreate?(c: Container): void;
  /** Before the init process starts (namespaces exist, cgroup created). Throw to fail the start. */
  beforeStart?(c: Container): void;
  /** After the init process started. */
  afterStart?(c: Container): void;
  /** After the container stopped (any cause), before restart policies act. */
  afterStop?(c: Container): void;
  /** Before the record is deleted. */
  beforeRemove?(c: Container): void;
}

/** Ordered set of lifecycle hooks. */
export class HookSet {
  private readonly list: LifecycleHooks[] = [];
  /** Registers hooks (called in registration order). */
  add(h: LifecycleHooks): void {
    this.list.push(h);
  }
  /** Unregisters hooks. */
  remove(h: LifecycleHooks): void {
    const i = this.list.indexOf(h);
    if (i >= 0) this.list.splice(i, 1);
  }
  /** Calls `name` on every registered hook. */
  run(name: keyof LifecycleHooks, c: Container): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) list[i]![name]?.(c);
  }
}

/**
 * Fills parts of the `docker inspect` document of a container (the network layer sets
 * `NetworkSettings`, `HostConfig.PortBindings`...). `doc` is the document in Docker's key order.
 */
export type InspectProvider = (c: Container, doc: Record<string, unknown>) => void;

/** A `docker ps` column value (`Networks`, `Ports`) computed by another layer. */
export type PsField = (c: Container) => string;

/** Programs that can run inside containers, by name (`sh`, `echo`, `ip`, `ping`...). */
export class ProgramRegistry {
  private readonly m = new Map<string, Program>();
  /** Registers (or replaces) a program. */
  register(name: string, p: Program): void {
    this.m.set(name, p);
  }
  /** The program for argv[0] (basename), or undefined. */
  get(name: string): Program | undefined {
    return this.m.get(name.slice(name.lastIndexOf('/') + 1));
  }
  /** Whether a program is known. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  /** Registered names. */
  names(): string[] {
    return [...this.m.keys()].sort();
  }
}
