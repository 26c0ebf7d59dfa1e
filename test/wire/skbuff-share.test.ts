import { describe, expect, it } from 'vitest';
import { parseIp, parseMac } from '../../src/wire/addr.js';
import { buildIcmpError, buildUdp, ethSetDst, ethSetSrc, ipv4DecTtl, ipv4SetDst, ipv4SetSrc, l4SetDstPort, l4SetSrcPort } from '../../src/wire/build.js';
import { icmpInnerSetDst, icmpInnerSetDstPort, icmpInnerSetSrc, icmpInnerSetSrcPort } from '../../src/wire/icmp-inner.js';
import { SkBuff, SLAB_MAX_FRAME } from '../../src/wire/skbuff.js';

const A = parseIp('172.17.0.2');
const B = parseIp('172.17.0.3');
const opts = { srcMac: parseMac('02:42:ac:11:00:02'), dstMac: parseMac('02:42:ac:11:00:03'), src: A, dst: B };
const hex = (skb: SkBuff): string => Buffer.from(skb.bytes()).toString('hex');

/** Every writer of the wire layer a packet on the forwarding path may meet, each with its arguments. */
const WRITERS: Array<[string, (s: SkBuff) => void]> = [
  ['ipv4DecTtl', (s) => void ipv4DecTtl(s)],
  ['ipv4SetSrc', (s) => ipv4SetSrc(s, parseIp('10.0.0.1'))],
  ['ipv4SetDst', (s) => ipv4SetDst(s, parseIp('10.0.0.2'))],
  ['l4SetSrcPort', (s) => l4SetSrcPort(s, 4242)],
  ['l4SetDstPort', (s) => l4SetDstPort(s, 4343)],
  ['ethSetDst', (s) => ethSetDst(s, parseMac('02:00:00:00:00:09'))],
  ['ethSetSrc', (s) => ethSetSrc(s, parseMac('02:00:00:00:00:08'))],
];

const INNER_WRITERS: Array<[string, (s: SkBuff) => void]> = [
  ['icmpInnerSetSrc', (s) => icmpInnerSetSrc(s, parseIp('10.0.0.1'))],
  ['icmpInnerSetDst', (s) => icmpInnerSetDst(s, parseIp('10.0.0.2'))],
  ['icmpInnerSetSrcPort', (s) => icmpInnerSetSrcPort(s, 4242)],
  ['icmpInnerSetDstPort', (s) => icmpInnerSetDstPort(s, 4343)],
];

describe('SkBuff: clones that share their bytes (skb_clone) and copies (skb_copy)', () => {
  it('cloneShared shares the bytes and marks both packets; clone copies them and marks neither', () => {
    const a = buildUdp(opts, 1000, 53, new Uint8Array(8));
    const deep = a.clone();
    expect(deep.data).not.toBe(a.data);
    expect([a.cloned, deep.cloned]).toEqual([false, false]);
    const c = a.cloneShared();
    expect(c.data).toBe(a.data);
    expect(c.view).toBe(a.view);
    expect([a.cloned, c.cloned]).toEqual([true, true]);
    expect([c.len, c.network, c.transport, c.ipSummed]).toEqual([a.len, a.network, a.transport, a.ipSummed]);
  });

  it('ensureWritable gives a cloned packet bytes of its own, equal to what it had, and leaves an unshared one as it is', () => {
    const a = buildUdp(opts, 1000, 53, new Uint8Array(8));
    const before = a.data;
    a.ensureWritable();
    expect(a.data).toBe(before);
    const c = a.cloneShared();
    c.ensureWritable();
    expect(c.data).not.toBe(a.data);
    expect(c.cloned).toBe(false);
    expect(hex(c)).toBe(hex(a));
    c.data[20] = 0xee;
    expect(a.data[20]).not.toBe(0xee);
  });

  for (const [name, write] of WRITERS)
    it(`${name} on one of two packets sharing their bytes changes that one only`, () => {
      const a = buildUdp(opts, 1000, 53, new Uint8Array(8));
      const c = a.cloneShared();
      const was = hex(a);
      write(c);
      expect(hex(a)).toBe(was);
      expect(hex(c)).not.toBe(was);
      // the other way round: the original written, the clone keeps the old bytes
      const a2 = buildUdp(opts, 1000, 53, new Uint8Array(8));
      const c2 = a2.cloneShared();
      write(a2);
      expect(hex(c2)).toBe(was);
      expect(hex(a2)).toBe(hex(c));
    });

  for (const [name, write] of INNER_WRITERS)
    it(`${name} on a shared ICMP error changes that packet only`, () => {
      const quoted = buildUdp(opts, 1000, 53, new Uint8Array(8));
      const err = buildIcmpError(3, 3, { srcMac: opts.dstMac, dstMac: opts.srcMac, src: B, dst: A }, quoted);
      const c = err.cloneShared();
      const was = hex(err);
      write(c);
      expect(hex(err)).toBe(was);
      expect(hex(c)).not.toBe(was);
    });
});

describe('SkBuff.alloc: frames cut from a slab', () => {
  it('gives zeroed bytes of the length asked, never overlapping another frame, across slab boundaries', () => {
    const frames: SkBuff[] = [];
    for (let i = 0; i < 200; i++) {
      const len = 14 + ((i * 37) % 1500);
      const f = SkBuff.alloc(len);
      expect([f.len, f.data.length, f.view.byteLength]).toEqual([len, len, len]);
      expect(f.data.every((b) => b === 0)).toBe(true);
      f.data.fill(i & 255);
      f.view.setUint8(len - 1, i & 255);
      frames.push(f);
    }
    // 200 frames of up to 1.5 KB span several 32 KiB slabs: each still holds only its own bytes
    frames.forEach((f, i) => expect(f.data.every((b) => b === (i & 255))).toBe(true));
    expect(new Set(frames.map((f) => f.data.buffer)).size).toBeGreaterThan(1);
  });

  it('a frame longer than SLAB_MAX_FRAME gets a buffer of its own', () => {
    const big = SkBuff.alloc(SLAB_MAX_FRAME + 1);
    expect(big.data.byteOffset).toBe(0);
    expect(big.data.buffer.byteLength).toBe(SLAB_MAX_FRAME + 1);
  });
});
