/** --pcap: a pcapng with one interface per emulated device, readable by tshark without warnings. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src/trace/lab.js';
import { LabCapture } from '../../src/trace/pcap.js';
import { parseTarget, resolveSource, resolveTarget } from '../../src/trace/endpoint.js';
import { trace } from '../../src/trace/probe.js';

const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

describe('pcap capture', () => {
  const lab = Lab.load('examples/scenarios/web-db');
  const cap = new LabCapture(lab);
  const web = resolveSource(lab, 'web');
  trace(lab, web, resolveTarget(lab, web, parseTarget('db:5432')), 'tcp');
  cap.stop();
  const bytes = cap.bytes();

  it('captures the frames on every interface they crossed', () => {
    expect(cap.frames).toBeGreaterThan(10);
    expect(bytes[0]).toBe(0x0a);
  });

  it.skipIf(!tshark)('opens in tshark with no warnings, each frame named by its interface', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockernet-pcap-'));
    const f = join(dir, 't.pcapng');
    writeFileSync(f, bytes);
    const r = spawnSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.protocols', '-e', 'tcp.flags.str'], { encoding: 'utf8' });
    // tshark's note about running as root is about the user, not the file
    expect(r.stderr.replace(/^Running as user "root".*\n/m, '')).toBe('');
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.length).toBe(cap.frames);
    const ifaces = new Set(rows.map((x) => x[0]));
    expect(ifaces).toContain('web/eth0');
    expect(ifaces).toContain('db/eth0');
    expect([...ifaces].some((i) => /^host\/br-[0-9a-f]{12}$/.test(i!) || /^host\/veth/.test(i!))).toBe(true);
    expect(rows.some((x) => x[1]!.includes('arp'))).toBe(true);
    // the SYN left web/eth0 and arrived on db/eth0
    expect(rows.some((x) => x[0] === 'web/eth0' && x[1]!.includes('tcp') && x[2]!.includes('S'))).toBe(true);
    expect(rows.some((x) => x[0] === 'db/eth0' && x[1]!.includes('tcp'))).toBe(true);
    const info = execFileSync('capinfos', ['-M', f], { encoding: 'utf8' });
    expect(info).toMatch(/Number of interfaces in file: \d+/);
  });
});
