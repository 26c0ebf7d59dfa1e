import { describe, expect, it } from 'vitest';
import { readTar } from '../../src/runtime/images/tar.js';
import { BUSYBOX_SIZE, MINI_IMPORTED, miniLayer } from '../../src/runtime/images/base.js';
import { sha256 } from '../../src/runtime/images/layer.js';

describe('base layer', () => {
  it('the base layer: the busybox in its archive is the entry the layer serves', () => {
    const layer = miniLayer(MINI_IMPORTED);
    const members = readTar(layer.tar);
    expect(members.length).toBe(24);
    const bb = members.find((m) => m.name === 'bin/busybox')!;
    const entry = layer.entries.get('/bin/busybox')!.data!;
    expect(entry.length).toBe(BUSYBOX_SIZE);
    expect(bb.data!.length).toBe(BUSYBOX_SIZE);
    expect(Buffer.compare(Buffer.from(bb.data!), Buffer.from(entry))).toBe(0);
    expect([...entry.subarray(0, 8)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    // not a constant fill: the stand-in has as many distinct bytes as a binary
    expect(new Set(entry.subarray(64, 4096)).size).toBeGreaterThan(250);
    // a 64 KiB block repeated after the ELF header, to the last byte
    for (const i of [64 + 65536, 64 + 65536 * 2 + 5, BUSYBOX_SIZE - 1]) expect(entry[i]).toBe(entry[64 + ((i - 64) % 65536)]);
    expect(layer.diffId).toBe(sha256(layer.tar));
    expect(layer.size).toBe(1982262);
  });
});
