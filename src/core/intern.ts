/**
 * String internalization for names the packet path compares (device names).
 *
 * V8 keeps one copy of each *internalized* string (literals, property keys). Comparing a string with
 * an internalized one is a pointer compare when both are internalized, and a call to V8's string
 * comparison builtin when either is not: a name built at run time (`veth${hex}`, a token sliced out
 * of a command line) is not. Rules compare the packet's `-i`/`-o` device names with constants at
 * every hook, so the names are internalized once, where they are made.
 *
 * @module
 */

/** Names internalized lately (`lo` and `eth0` come once per container), by value. Bounded. */
const recent = new Map<string, string>();
const RECENT_MAX = 1024;

/**
 * The internalized copy of `s` (equal to `s`): a property key is internalized by V8, and
 * `Object.keys` gives the key itself. The key goes into a null-prototype object, which V8 keeps as a
 * dictionary: a literal `{ [s]: 0 }` would instead make a new hidden class per distinct name (twice
 * the cost). A name that is an array index ("0") comes back as a new string (an element, not a
 * property key); that is only slower, never different.
 */
export function intern(s: string): string {
  const hit = recent.get(s);
  if (hit !== undefined) return hit;
  const o: Record<string, number> = Object.create(null);
  o[s] = 0;
  const k = Object.keys(o)[0] ?? s;
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(k, k);
  return k;
}

/** Strings {@link share} has seen lately, by value. Bounded. */
const shared = new Map<string, string>();
const SHARED_MAX = 1024;

/** Longer strings are not shared: rarely repeated, and the table would keep them alive. */
const SHARED_MAX_LENGTH = 64;

/**
 * One copy of a string that many long-lived records hold (an image name, a command word, a network
 * name: tokens cut from each command line are new strings, 24–40 bytes each): the copy seen first,
 * while it is among the last 1,024 distinct values. Unlike {@link intern} the result is not made
 * internalized (a map lookup, no property-key round trip): for memory, not for compares. A string
 * longer than 64 characters comes back as it is.
 */
export function share(s: string): string {
  if (s.length > SHARED_MAX_LENGTH) return s;
  const hit = shared.get(s);
  if (hit !== undefined) return hit;
  if (shared.size >= SHARED_MAX) shared.clear();
  shared.set(s, s);
  return s;
}
