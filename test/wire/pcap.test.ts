import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PcapWriter, PcapngWriter, buildArp, buildIcmpEcho, buildUdp, buildTcp, TCP_SYN,
} from '../../src/wire/index.js';
import { MS, SECOND } from '../../src/core/time.js';
import { DockernetError } from '../../src/core/errors.js';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

const A = 0xac110002;
const B = 0xac110003;
const MA = 0x0242ac110002;
const MB = 0x0242ac110003;
const ip = { srcMac: MA, dstMac: MB, src: A, dst: B };

function frames(): Uint8Array[] {
  return [
    buildArp(1, MA, A, 0, B).bytes(),
    buildArp(2, MB, B, MA, A).bytes(),
    buildIcmpEcho(8, { ...ip, id: 1, df: true }, 7, 1, new Uint8Array(56)).bytes(),
    buildUdp(ip, 40000, 53, new Uint8Array([1, 2, 3])).bytes(),
    buildTcp(ip, { sport: 40000, dport: 80, seq: 1, ack: 0, flags: TCP_SYN, window: 64240, options: [{ kind: 'mss', mss: 1460 }] }).bytes(),
  ];
}

/** Runs tshark; returns stdout and stderr without the "running as root" notice. */
function tshark(args: string[]): { out: string; err: string } {
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  const err = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/Running as user "root"/.test(l))
    .join('\n');
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${err}`);
  return { out: r.stdout, err };
}

function withFile<T>(name: string, bytes: Uint8Array, f: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'dockernet-pcap-'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  try {
    return f(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('PcapWriter', () => {
  it('writes the classic header and records (byte layout)', () => {
    const w = new PcapWriter();
    const f = frames()[0]!;
    w.addFrame(1 * SECOND + 2500 * 1000 + 999, f); // 1 s 2500 µs 999 ns → 1, 2500
    const b = w.toBytes();
    const v = new DataView(b.buffer);
    expect(Buffer.from(b.subarray(0, 4)).toString('hex')).toBe('d4c3b2a1');
    expect(v.getUint16(4, true)).toBe(2);
    expect(v.getUint16(6, true)).toBe(4);
    expect(v.getUint32(20, true)).toBe(1);
    expect(v.getUint32(24, true)).toBe(1);
    expect(v.getUint32(28, true)).toBe(2500);
    expect(v.getUint32(32, true)).toBe(42);
    expect(v.getUint32(36, true)).toBe(42);
    expect(b.length).toBe(24 + 16 + 42);
    expect(w.frameCount).toBe(1);
  });
  it('truncates to the snaplen but keeps the original length', () => {
    const w = new PcapWriter({ snaplen: 20 });
    w.addFrame(0, frames()[2]!);
    const v = new DataView(w.toBytes().buffer);
    expect(v.getUint32(24 + 8, true)).toBe(20);
    expect(v.getUint32(24 + 12, true)).toBe(98);
  });
  it.skipIf(!hasTshark)('is read by tshark without warnings', () => {
    const w = new PcapWriter({ epochSeconds: 1_700_000_000 });
    frames().forEach((f, i) => w.addFrame(i * MS, f));
    withFile('t.pcap', w.toBytes(), (p) => {
      const { out, err } = tshark(['-r', p]);
      expect(err).toBe('');
      const lines = out.trim().split('\n');
      expect(lines.length).toBe(5);
      expect(out).toMatch(/Who has 172\.17\.0\.3\? Tell 172\.17\.0\.2/);
      expect(out).toMatch(/172\.17\.0\.3 is at 02:42:ac:11:00:03/);
      expect(out).toMatch(/Echo \(ping\) request/);
      const csum = tshark(['-r', p, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-e', 'ip.checksum.status', '-e', 'udp.checksum.status', '-e', 'tcp.checksum.status']);
      expect(csum.out).not.toMatch(/\b0\b/); // status 0 = bad
      expect(csum.out).toMatch(/1/); // 1 = good
      const ts = tshark(['-r', p, '-T', 'fields', '-e', 'frame.time_epoch']).out.trim().split('\n');
      expect(ts[1]).toMatch(/^1700000000\.001000/);
    });
  });
});

describe('PcapngWriter', () => {
  it('refuses an undeclared interface', () => {
    expect(() => new PcapngWriter().addFrame(0, 0, new Uint8Array(14))).toThrow(DockernetError);
  });
  it('lays out blocks with 4-byte padding and matching lengths', () => {
    const w = new PcapngWriter();
    const i = w.addInterface({ name: 'eth0' });
    w.addFrame(i, 5, new Uint8Array(43), 'in');
    const b = w.toBytes();
    const v = new DataView(b.buffer);
    let p = 0;
    const types: number[] = [];
    while (p < b.length) {
      const t = v.getUint32(p, true);
      const len = v.getUint32(p + 4, true);
      expect(len % 4).toBe(0);
      expect(v.getUint32(p + len - 4, true)).toBe(len);
      types.push(t);
      p += len;
    }
    expect(p).toBe(b.length);
    expect(types).toEqual([0x0a0d0d0a, 1, 6]);
  });
  it.skipIf(!hasTshark)('is read by tshark with interface names, nanosecond stamps and directions', () => {
    const w = new PcapngWriter({ epochSeconds: 1_700_000_000 });
    const veth = w.addInterface({ name: 'veth1a2b3c4', description: 'host side of web eth0' });
    const br = w.addInterface({ name: 'docker0', description: 'bridge' });
    const fs = frames();
    fs.forEach((f, k) => w.addFrame(k % 2 === 0 ? veth : br, k * MS + 123, f, k % 2 === 0 ? 'in' : 'out'));
    expect(w.frameCount).toBe(5);
    expect(w.interfaceCount).toBe(2);
    withFile('t.pcapng', w.toBytes(), (p) => {
      const { out, err } = tshark(['-r', p]);
      expect(err).toBe('');
      expect(out.trim().split('\n').length).toBe(5);
      const names = tshark(['-r', p, '-T', 'fields', '-e', 'frame.interface_name']).out.trim().split('\n');
      expect(names).toEqual(['veth1a2b3c4', 'docker0', 'veth1a2b3c4', 'docker0', 'veth1a2b3c4']);
      const desc = tshark(['-r', p, '-T', 'fields', '-e', 'frame.interface_description']).out.trim().split('\n');
      expect(desc[1]).toBe('bridge');
      const ts = tshark(['-r', p, '-T', 'fields', '-e', 'frame.time_epoch']).out.trim().split('\n');
      expect(ts[2]).toMatch(/^1700000000\.002000123/);
      const dir = tshark(['-r', p, '-T', 'fields', '-e', 'frame.packet_flags_direction']).out.trim().split('\n');
      expect(dir.map((d) => parseInt(d.trim(), 16))).toEqual([1, 2, 1, 2, 1]); // 1 inbound, 2 outbound
    });
  });
});

