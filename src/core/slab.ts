/**
 * Short-lived byte arrays cut from shared slabs: packets (`SkBuff.alloc`) and the bytes a socket
 * queues to send. An `ArrayBuffer` of its own costs 0.6–2.5 µs to make once it is past V8's on-heap
 * limit of 64 bytes (V8 allocates, registers and later sweeps a backing store per buffer, and counts
 * it as external memory that hastens the next garbage collection); a view over a slab costs ~0.2 µs.
 *
 * Nothing is ever reused: a slab lives as long as any view of it does, so bytes kept for long (a
 * neighbour queue, a caller holding `skb.data`) keep their slab's 32 KiB with them. What is cut
 * from a slab must die young.
 */

/** Bytes of one slab. */
const SLAB_SIZE = 32768;
/** The largest piece cut from a slab; larger arrays get a buffer of their own. */
export const SLAB_MAX = 2048;
/** Arrays up to this many bytes are made as they are (V8 keeps them on its heap: cheaper than a view). */
const ON_HEAP_MAX = 64;

let slab = new ArrayBuffer(SLAB_SIZE);
let slabOff = 0;

/** The slab {@link slabTake}'s last offset is in. */
export function slabBuffer(): ArrayBuffer {
  return slab;
}

/**
 * The offset of `len` (≤ {@link SLAB_MAX}) fresh bytes — zeroed, never handed out before — in the
 * current slab ({@link slabBuffer}), opening a new slab when it is full.
 */
export function slabTake(len: number): number {
  if (slabOff + len > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOff = 0;
  }
  const off = slabOff;
  slabOff = (off + len + 7) & ~7;
  return off;
}

/** `len` zeroed bytes that die young: on V8's heap when small, from a slab up to {@link SLAB_MAX}, else their own buffer. */
export function youngBytes(len: number): Uint8Array {
  if (len <= ON_HEAP_MAX || len > SLAB_MAX) return new Uint8Array(len);
  const off = slabTake(len);
  return new Uint8Array(slab, off, len);
}
