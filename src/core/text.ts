/**
 * Text and bytes: latin-1 (one char per byte: what a program writes to stdout, what `nc` prints of
 * what it received) and UTF-8 (what a socket is given as a string).
 */

import { youngBytes } from './slab.js';

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/** Bytes as latin-1 text. */
export function latin1(data: Uint8Array): string {
  if (data.length <= 8192) return String.fromCharCode.apply(null, data as unknown as number[]);
  let s = '';
  for (let i = 0; i < data.length; i += 8192) s += String.fromCharCode.apply(null, data.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/** latin-1 text as bytes (stdin text → what goes on the wire). */
export function bytesOf(text: string): Uint8Array {
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0xff;
  return b;
}

/**
 * `s` as UTF-8 bytes (a new array, to be let go of soon: see {@link youngBytes}). ASCII text of up
 * to 1 KiB, what the lab's programs send, is copied char by char: `TextEncoder.encode` is a call
 * into the runtime that costs more than that.
 */
export function utf8(s: string): Uint8Array {
  const n = s.length;
  if (n <= 1024) {
    const out = youngBytes(n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return UTF8.encode(s);
      out[i] = c;
    }
    return out;
  }
  return UTF8.encode(s);
}

/**
 * UTF-8 bytes as text. ASCII of up to 8 KiB (the lab's files and requests) becomes text in one call,
 * as {@link latin1} (the same for ASCII); anything else goes through `TextDecoder`, which replaces
 * malformed sequences with U+FFFD.
 */
export function utf8Text(data: Uint8Array): string {
  const n = data.length;
  if (n <= 8192) {
    let i = 0;
    while (i < n && data[i]! < 0x80) i++;
    if (i === n) return String.fromCharCode.apply(null, data as unknown as number[]);
  }
  return UTF8_DECODER.decode(data);
}
