/**
 * Virtual time. Every timestamp in dockernet is a number of nanoseconds since the start of the
 * simulation (safe as an integer up to about 104 days of virtual time).
 */
export type Nanos = number;

export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const SECOND = 1_000_000_000;

/** Converts seconds to virtual nanoseconds. */
export function seconds(s: number): Nanos {
  return Math.round(s * SECOND);
}
