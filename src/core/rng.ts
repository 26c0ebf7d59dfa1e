/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32). Everything random in the
 * model (veth names, bridge MACs, container IDs, NAPT offsets, DNS ports) draws from one of these,
 * so the same seed gives the same bytes.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number | string = 1) {
    let x = typeof seed === 'string' ? hashString(seed) : seed >>> 0;
    const sm = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      // int32, as every later state (the state is only used bitwise): small integers in the
      // object, where uint32 state above 2^31 would box all four fields as heap numbers
      return z ^ (z >>> 16);
    };
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    // four loads and four stores of the state, rotations written out: in unoptimized code (the
    // first thousand containers of a process draw ~25 times each) every field access and call is
    // a call into V8
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const x = Math.imul(s1, 5);
    const r = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s0 = s0 ^ n3;
    this.s1 = s1 ^ n2;
    this.s2 = n2 ^ (s1 << 9);
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return r;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Rng.int: bad bound ${n}`);
    if (n <= 0x100000000) {
      // rejection sampling for an unbiased result
      const limit = Math.floor(4294967296 / n) * n;
      let v: number;
      do v = this.nextU32();
      while (v >= limit);
      return v % n;
    }
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Fills a new byte array with random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.nextU32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /** `n` random lowercase hex digits. */
  hex(n: number): string {
    // eight digits per draw, high nibble first (as toString(16) zero-padded to 8, which is a slow
    // path in V8: ~0.4 µs a call), made in one String.fromCharCode over a scratch array of n codes
    let codes = hexScratch.get(n);
    if (codes === undefined) {
      codes = new Array<number>(n).fill(48);
      if (hexScratch.size < 16) hexScratch.set(n, codes);
    }
    const full = n - (n & 7);
    let i = 0;
    // whole draws: eight digits each, unrolled (no per-digit bound checks against n)
    for (; i < full; i += 8) {
      const v = this.nextU32();
      codes[i] = HEX_CODES[v >>> 28]!;
      codes[i + 1] = HEX_CODES[(v >>> 24) & 15]!;
      codes[i + 2] = HEX_CODES[(v >>> 20) & 15]!;
      codes[i + 3] = HEX_CODES[(v >>> 16) & 15]!;
      codes[i + 4] = HEX_CODES[(v >>> 12) & 15]!;
      codes[i + 5] = HEX_CODES[(v >>> 8) & 15]!;
      codes[i + 6] = HEX_CODES[(v >>> 4) & 15]!;
      codes[i + 7] = HEX_CODES[v & 15]!;
    }
    if (i < n) {
      const v = this.nextU32();
      for (let k = 0; i + k < n; k++) codes[i + k] = HEX_CODES[(v >>> (28 - 4 * k)) & 15]!;
    }
    return String.fromCharCode.apply(null, codes);
  }

  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }

  /** An independent generator derived from this one's seed stream and a label. */
  fork(label: string): Rng {
    return new Rng((this.nextU32() ^ hashString(label)) >>> 0);
  }
}

/** Character codes of `0`–`9a`–`f`. */
const HEX_CODES = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];
/** Scratch character codes of {@link Rng.hex}, one array per length asked for (ids are 64, 12, 7). */
const hexScratch = new Map<number, number[]>();

/** FNV-1a hash of a string, 32 bits. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
