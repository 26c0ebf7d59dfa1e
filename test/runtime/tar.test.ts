import { describe, expect, it } from 'vitest';
import { readTar, writeTar } from '../../src/runtime/images/tar.js';
import { BUSYBOX_SIZE, MINI_IMPORTED, miniLayer } from '../../src/runtime/images/base.js';
import { sha256 } from '../../src/runtime/images/layer.js';

describe('tar', () => {
  it('a member given by size is zeros where dataAt says, and reads back with that length', () => {
    const dataAt: number[] = [];
    const tar = writeTar(
      [
        { name: 'a', type: 'file', mode: 0o644, mtime: 1, data: new Uint8Array([1, 2, 3]) },
        { name: 'd/', type: 'dir', mode: 0o755, mtime: 1 },
        { name: 'b', type: 'file', mode: 0o755, mtime: 1, size: 1000 },
        { name: 'c', type: 'file', mode: 0o644, mtime: 1, data: new Uint8Array([9]) },
      ],
      dataAt,
    );
    // headers and data blocks: 512 + 512, 512, 512 + 1024, 512 + 512, then two zero blocks
    expect(tar.length).toBe(1024 + 512 + 1536 + 1024 + 1024);
    expect(dataAt).toEqual([512, 1536, 2048, 3584]);
    tar.subarray(dataAt[2]!, dataAt[2]! + 1000).fill(7);
    const back = readTar(tar);
    expect(back.map((m) => [m.name, m.data?.length ?? -1])).toEqual([['a', 3], ['d/', -1], ['b', 1000], ['c', 1]]);
    expect(back[2]!.data!.every((x) => x === 7)).toBe(true);
    expect([...back[3]!.data!]).toEqual([9]);
  });

  it('the base layer: busybox written into the archive is the entry the layer serves', () => {
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
