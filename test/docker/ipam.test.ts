import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ipam, AddressPool, PoolCursor, defaultPools } from '../../src/docker/ipam/index.js';
import { ipToString, parseIp } from '../../src/wire/addr.js';

describe('default pools', () => {
  it('lists 172.17-31/16 then 192.168.x/20', () => {
    const p = defaultPools().map((c) => `${ipToString(c.addr)}/${c.len}`);
    expect(p.length).toBe(31);
    expect(p[0]).toBe('172.17.0.0/16');
    expect(p[14]).toBe('172.31.0.0/16');
    expect(p[15]).toBe('192.168.0.0/20');
    expect(p[30]).toBe('192.168.240.0/20');
  });

  it('hands out round-robin and the cursor survives removal (NOTES 2)', () => {
    const ipam = new Ipam();
    const docker0 = ipam.requestPool({ subnet: '172.17.0.0/16' });
    expect(docker0.cidr).toBe('172.17.0.0/16');
    ipam.cursor.index = 1; // daemon start: docker0 took the first predefined pool
    const a = ipam.requestPool();
    const n1 = ipam.requestPool();
    const n2 = ipam.requestPool();
    expect([a.cidr, n1.cidr, n2.cidr]).toEqual(['172.18.0.0/16', '172.19.0.0/16', '172.20.0.0/16']);
    ipam.releasePool(n1);
    expect(ipam.requestPool().cidr).toBe('172.21.0.0/16');
  });

  it('skips pools overlapping explicit subnets and wraps', () => {
    const c = new PoolCursor();
    c.index = 30;
    const used = [{ addr: parseIp('172.17.0.0'), len: 16 }];
    expect(ipToString(c.pick(used)!.addr)).toBe('192.168.240.0');
    expect(ipToString(c.pick(used)!.addr)).toBe('172.18.0.0');
  });

  it('refuses overlapping subnets with libnetwork text', () => {
    const ipam = new Ipam();
    ipam.requestPool({ subnet: '10.10.0.0/24' });
    expect(() => ipam.requestPool({ subnet: '10.10.0.128/25' })).toThrow('Pool overlaps with other one on this address space');
  });
});

describe('address pool', () => {
  it('allocates lowest free and reuses freed addresses at once (NOTES 1)', () => {
    const p = new AddressPool({ addr: parseIp('172.17.0.0'), len: 16 });
    expect(ipToString(p.allocate())).toBe('172.17.0.1');
    const a = p.allocate(), b = p.allocate(), c = p.allocate();
    expect([a, b, c].map(ipToString)).toEqual(['172.17.0.2', '172.17.0.3', '172.17.0.4']);
    p.release(b);
    expect(ipToString(p.allocate())).toBe('172.17.0.3');
    expect(ipToString(p.allocate())).toBe('172.17.0.5');
  });

  it('static addresses only reserve themselves (NOTES 6)', () => {
    const p = new AddressPool({ addr: parseIp('10.10.0.0'), len: 24 });
    p.allocate(parseIp('10.10.0.254'));
    p.allocate(parseIp('10.10.0.50'));
    expect(ipToString(p.allocate())).toBe('10.10.0.1');
    expect(() => p.allocate(parseIp('10.10.0.50'))).toThrow('Address already in use');
  });

  it('exhausts with the ipam error text', () => {
    const p = new AddressPool({ addr: parseIp('10.0.0.0'), len: 30 });
    p.allocate();
    p.allocate();
    expect(() => p.allocate()).toThrow('No available addresses on this pool');
  });

  it('honours --ip-range', () => {
    const p = new AddressPool({ addr: parseIp('172.28.0.0'), len: 16 }, { addr: parseIp('172.28.5.0'), len: 24 });
    expect(ipToString(p.allocate())).toBe('172.28.5.0');
    expect(ipToString(p.allocate(parseIp('172.28.6.1')))).toBe('172.28.6.1');
  });

  it('never hands out the same address twice and never the network/broadcast', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (ops) => {
        const p = new AddressPool({ addr: parseIp('10.1.2.0'), len: 26 });
        const live: number[] = [];
        for (const alloc of ops) {
          if (alloc || live.length === 0) {
            try {
              const ip = p.allocate();
              expect(live).not.toContain(ip);
              expect(ip).not.toBe(parseIp('10.1.2.0'));
              expect(ip).not.toBe(parseIp('10.1.2.63'));
              // lowest free
              for (let k = parseIp('10.1.2.1'); k < ip; k++) expect(live).toContain(k);
              live.push(ip);
            } catch (e) {
              expect(live.length).toBe(62);
            }
          } else {
            p.release(live.shift()!);
          }
        }
      }),
    );
  });
});
