import { describe, expect, it } from 'vitest';
import { readTar, tarSha256, writeTar, type TarEntry } from '../../src/runtime/images/tar.js';
import { BUSYBOX_SIZE, MINI_IMPORTED, miniLayer } from '../../src/runtime/images/base.js';
import { lazyFileEntry, sha256, unreadPieces } from '../../src/runtime/images/layer.js';
import { Engine } from '../../src/docker/engine.js';

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

  it('the busybox is made only when read: a scenario with runs, exec, ping, httpd and wget never reads it', () => {
    const e = new Engine({ seed: 3, runtime: { baseImageTime: MINI_IMPORTED + 1 } });
    const bb = miniLayer(MINI_IMPORTED + 1).entries.get('/bin/busybox')!;
    expect(unreadPieces(bb)?.length).toBe(BUSYBOX_SIZE);
    for (const cmd of [
      'docker network create n',
      'docker run -d --name web --network n -p 8080:80 mini:latest httpd -f -p 80 -h /www',
      'docker run -d --name db --network n mini:latest sleep 1000',
      'docker exec db ping -c 1 web',
      'docker exec db wget -qO- http://web/',
      'docker exec db ls -l /bin/busybox',
      'docker images',
    ]) {
      const r = e.exec(cmd);
      expect(r.exitCode, `${cmd}: ${r.stderr}`).toBe(0);
    }
    expect(unreadPieces(bb)).toBeDefined();
    // read: the same bytes as its archive member, and no longer lazy
    const member = readTar(miniLayer(MINI_IMPORTED + 1).tar).find((m) => m.name === 'bin/busybox')!;
    expect(Buffer.compare(Buffer.from(bb.data!), Buffer.from(member.data!))).toBe(0);
    expect(unreadPieces(bb)).toBeUndefined();
  });

  it('a member given as pieces digests and serializes as the same member given as one buffer', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251);
    const pieces = {
      length: bytes.length,
      forEach(emit: (p: Uint8Array) => void) {
        for (let at = 0; at < bytes.length; at += 4096) emit(bytes.subarray(at, at + 4096));
      },
    };
    const base: TarEntry[] = [
      { name: 'a/', type: 'dir', mode: 0o755, mtime: 1 },
      { name: 'a/link', type: 'symlink', mode: 0o777, mtime: 2, linkname: 'big' },
      { name: 'a/small', type: 'file', mode: 0o644, mtime: 3, data: new TextEncoder().encode('hi\n') },
    ];
    const whole = [...base, { name: 'a/big', type: 'file' as const, mode: 0o755, mtime: 4, data: bytes }];
    const streamed = [...base, { name: 'a/big', type: 'file' as const, mode: 0o755, mtime: 4, pieces }];
    const tar = writeTar(whole);
    expect(Buffer.compare(Buffer.from(writeTar(streamed)), Buffer.from(tar))).toBe(0);
    expect(tarSha256(streamed)).toBe(sha256(tar));
    expect(tarSha256(whole)).toBe(sha256(tar));
    // a lazy entry: its data are the pieces, made on first read
    const lazy = lazyFileEntry(0o755, 4, pieces);
    expect(unreadPieces(lazy)).toBe(pieces);
    expect(Buffer.compare(Buffer.from({ ...lazy }.data!), Buffer.from(bytes))).toBe(0);
    expect(unreadPieces(lazy)).toBeUndefined();
    expect(Buffer.compare(Buffer.from(lazy.data!), Buffer.from(bytes))).toBe(0);
  });
});
