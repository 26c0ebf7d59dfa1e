/**
 * Named drop/event counters, like the kernel's per-device and SNMP MIB counters. Incrementing a
 * counter never allocates once the name has been seen.
 */
export class Counters {
  private readonly m = new Map<string, number>();

  /** Adds `n` (default 1) to counter `name`. */
  inc(name: string, n = 1): void {
    this.m.set(name, (this.m.get(name) ?? 0) + n);
  }

  /** Current value of `name` (0 if never incremented). */
  get(name: string): number {
    return this.m.get(name) ?? 0;
  }

  /** All counters, sorted by name. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.m.keys()].sort()) out[k] = this.m.get(k)!;
    return out;
  }

  /** Resets every counter to zero. */
  reset(): void {
    this.m.clear();
  }
}
