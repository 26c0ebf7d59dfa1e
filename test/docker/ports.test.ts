import { describe, expect, it } from 'vitest';
import { PortAllocator, sortPortMap } from '../../src/docker/ports/index.js';
import { Engine } from '../../src/docker/index.js';

describe('port allocator', () => {
  it('hands dynamic ports from 32768 upward and does not reuse until wrap (NOTES 7)', () => {
    const a = new PortAllocator();
    expect(a.request('0.0.0.0', 'tcp', 0)).toBe(32768);
    expect(a.request('0.0.0.0', 'tcp', 0)).toBe(32769);
    a.release('0.0.0.0', 'tcp', 32768);
    expect(a.request('0.0.0.0', 'tcp', 0)).toBe(32770);
  });

  it('wraps at the top of the range', () => {
    const a = new PortAllocator({ start: 100, end: 102 });
    expect([0, 0, 0].map(() => a.request('0.0.0.0', 'tcp', 0))).toEqual([100, 101, 102]);
    a.release('0.0.0.0', 'tcp', 101);
    expect(a.request('0.0.0.0', 'tcp', 0)).toBe(101);
    expect(() => a.request('0.0.0.0', 'tcp', 0)).toThrow('all ports are allocated');
  });

  it('refuses a taken port with Docker text, protocols are separate', () => {
    const a = new PortAllocator();
    a.request('0.0.0.0', 'tcp', 8080);
    expect(() => a.request('0.0.0.0', 'tcp', 8080)).toThrow('Bind for 0.0.0.0:8080 failed: port is already allocated');
    // per-address maps: 127.0.0.1:8080 is allocated; docker-proxy's bind is what fails (below)
    expect(a.request('127.0.0.1', 'tcp', 8080)).toBe(8080);
    expect(a.request('0.0.0.0', 'udp', 8080)).toBe(8080);
  });

  // Kernel lab, 20.10.24, 2026-12-04: -p 8080 then -p 127.0.0.1:8080 fails at the proxy's bind;
  // the same address again fails in the allocator
  it('a specific address after the wildcard (or back) fails at docker-proxy\'s bind', () => {
    const e = new Engine({ seed: 1 });
    expect(e.exec('docker run -d --name pa -p 8080:80 mini:latest sleep 1000').exitCode).toBe(0);
    const pb = e.exec('docker run -d --name pb -p 127.0.0.1:8080:80 mini:latest sleep 1000');
    expect(pb.exitCode).toBe(125);
    expect(pb.stderr).toMatch(/^docker: Error response from daemon: driver failed programming external connectivity on endpoint pb \([0-9a-f]{64}\): Error starting userland proxy: listen tcp4 127\.0\.0\.1:8080: bind: address already in use\.\n$/);
    const pc = e.exec('docker run -d --name pc -p 8080:80 mini:latest sleep 1000');
    expect(pc.stderr).toMatch(/on endpoint pc \([0-9a-f]{64}\): Bind for 0\.0\.0\.0:8080 failed: port is already allocated\.\n$/);
  });
});

describe('nat.SortPortMap', () => {
  it('puts larger explicit host ports first (NOTES 10)', () => {
    const pa = sortPortMap(['80/tcp', '90/udp'], { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '90/udp': [{ HostIp: '127.0.0.1', HostPort: '9090' }] });
    expect(pa.map((e) => e.port)).toEqual(['90/udp', '80/tcp']);
    const pb = sortPortMap(['80/tcp', '443/tcp'], { '80/tcp': [{ HostIp: '', HostPort: '' }], '443/tcp': [{ HostIp: '', HostPort: '8443' }] });
    expect(pb.map((e) => e.port)).toEqual(['443/tcp', '80/tcp']);
  });
  it('keeps expose-only ports (for -P) with a null binding', () => {
    expect(sortPortMap(['7000/tcp'], {})).toEqual([{ port: '7000/tcp', binding: null }]);
  });
});

// Kernel lab, 20.10.24, 2026-12-04 (net-20)
describe('the :: twin of a binding', () => {
  it('only a binding without an address gets one; a docker-chosen port is chosen again from the :: map', () => {
    const e = new Engine({ seed: 1 });
    expect(e.exec('docker run -d --name q-a -p 127.0.0.1::80 mini:latest sleep 1000').exitCode).toBe(0);
    expect(e.exec('docker run -d --name q-b -p 0.0.0.0:9200:80 -p [::]:9201:80 mini:latest sleep 1000').exitCode).toBe(0);
    expect(e.exec('docker run -d --name q-c --expose 7000 -P mini:latest sleep 1000').exitCode).toBe(0);
    expect(e.exec('docker port q-a 80').stdout).toBe('127.0.0.1:32768\n');
    expect(e.exec(`docker inspect -f '{{json .NetworkSettings.Ports}}' q-b`).stdout).toBe('{"80/tcp":[{"HostIp":"::","HostPort":"9201"},{"HostIp":"0.0.0.0","HostPort":"9200"}]}\n');
    // 0.0.0.0:32768 would collide with 127.0.0.1:32768 in docker-proxy's bind: 32769; :: has its own cursor
    expect(e.exec('docker port q-c 7000').stdout).toBe('0.0.0.0:32769\n:::32768\n');
    expect(e.exec('docker stop q-c').exitCode).toBe(0);
    expect(e.exec('docker start q-c').exitCode).toBe(0);
    expect(e.exec('docker port q-c 7000').stdout).toBe('0.0.0.0:32770\n:::32769\n');
  });
});
