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

/**
 * The internalized copy of `s` (equal to `s`): a computed property key is internalized by V8, and
 * a `for…in` over the object yields the key itself. A name that is an array index ("0") comes back
 * as a new string (an element, not a property key); that is only slower, never different.
 */
export function intern(s: string): string {
  for (const k in { [s]: 0 }) return k;
  return s;
}
