/**
 * Named drop/event counters, like the kernel's per-device and SNMP MIB counters.
 *
 * Every name gets a numeric slot once, in a registry shared by all counter sets
 * ({@link counterSlot}); a set is an array of numbers indexed by slot. Code on a packet path
 * resolves its slot at module load (`const IN_HDR_ERRORS = counterSlot('InHdrErrors')`) and calls
 * {@link Counters.add}: one array store, no string hashing. {@link Counters.inc} by name still
 * works (one registry lookup). Incrementing never allocates once the slot exists in the set.
 */

/** Slot of each counter name, shared by every {@link Counters}. */
const slots = new Map<string, number>();
/** Counter names by slot. */
const names: string[] = [];

/** The numeric slot of counter `name` (allocated on first use, stable for the process). */
export function counterSlot(name: string): number {
  let s = slots.get(name);
  if (s === undefined) {
    s = names.length;
    names.push(name);
    slots.set(name, s);
  }
  return s;
}

/** The values of a set that never counted anything (shared, frozen; the first `add` makes its own). */
const NO_VALUES: Array<number | undefined> = Object.freeze([]) as unknown as Array<number | undefined>;

/** A set of named counters (values by slot; a counter exists once it has been incremented). */
export class Counters {
  /** Values by slot; a hole (undefined) = never counted, so `inc(name, 0)` still makes a counter appear. */
  private v: Array<number | undefined> = NO_VALUES;

  /** Adds `n` (default 1) to counter `name`. */
  inc(name: string, n = 1): void {
    this.add(counterSlot(name), n);
  }

  /** Adds `n` (default 1) to the counter in `slot` (from {@link counterSlot}). */
  add(slot: number, n = 1): void {
    let v = this.v;
    if (v === NO_VALUES) v = this.v = [];
    if (slot >= v.length) v.length = slot + 1;
    const x = v[slot];
    v[slot] = x === undefined ? n : x + n;
  }

  /** Current value of `name` (0 if never incremented). */
  get(name: string): number {
    const s = slots.get(name);
    return s === undefined ? 0 : (this.v[s] ?? 0);
  }

  /** All counters, sorted by name. */
  snapshot(): Record<string, number> {
    const v = this.v;
    const seen: string[] = [];
    for (let s = 0; s < v.length; s++) if (v[s] !== undefined) seen.push(names[s]!);
    seen.sort();
    const out: Record<string, number> = {};
    for (const k of seen) out[k] = v[slots.get(k)!]!;
    return out;
  }

  /** Resets every counter to zero (and forgets them, as a fresh set). */
  reset(): void {
    this.v = NO_VALUES;
  }
}
