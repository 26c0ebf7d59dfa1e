import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import { bridgeFdbShow, bridgeLinkShow, solicitedNodeMac } from '../../src/link/bridge/text.js';
import { createLoopback } from '../../src/link/loopback.js';
import { createMacvlan } from '../../src/link/macvlan.js';
import type { NetDevice } from '../../src/link/netdev.js';
import { linkFlags, linkLabel, operStateText } from '../../src/link/text.js';
import { createVethPair } from '../../src/link/veth.js';
import { MAC_BROADCAST, macToString, parseMac } from '../../src/wire/addr.js';
import { frame } from './helpers.js';

const fixture = (name: string): string[] =>
  readFileSync(join(__dirname, 'fixtures', name), 'utf8').split('\n').filter((l) => l !== '');

/** Replaces real names and MACs by the oracle's normalization tokens (tools/normalize.py). */
function normalize(lines: string[], macs: Record<string, number>, names: Record<string, string>): string[] {
  return lines
    .map((l) => {
      for (const [label, m] of Object.entries(macs)) {
        l = l.split(macToString(solicitedNodeMac(m))).join(`<mac6snm:${label}>`);
        l = l.split(macToString(m)).join(`<mac:${label}>`);
      }
      for (const [real, token] of Object.entries(names)) l = l.split(real).join(token);
      return l.replace(/^(\s*)\d+: /, '$1<idx>: ').replace(/@if\d+\b/g, '@<idx>');
    })
    .sort();
}

/** A host namespace with lo and docker0 (up); containers are attached with `run`. */
function host() {
  const sim = new Sim();
  const hostNs = { name: 'host' };
  let next = 1;
  const lo = createLoopback(sim);
  const br = new BridgeDevice(sim, 'docker0', parseMac('02:42:7d:1e:2f:30'));
  const devs: NetDevice[] = [lo, br];
  for (const d of devs) {
    d.owner = hostNs;
    d.ifindex = next++;
    d.adminUp = true;
  }
  const run = (vethName: string, vethMac: number, ip4: number) => {
    const ctrNs = { name: vethName };
    const [h, c] = createVethPair(sim, vethName, vethMac, 'eth0', 0x0242ac110000 + ip4);
    h.owner = hostNs;
    c.owner = ctrNs;
    h.ifindex = next++;
    c.ifindex = next++;
    h.adminUp = c.adminUp = true;
    br.addPort(h);
    devs.push(h);
    c.xmit(frame(MAC_BROADCAST, c.mac, 0x0806)); // the container ARPs for its gateway
    sim.drain();
    return h;
  };
  return { sim, hostNs, lo, br, devs, run, nextIndex: () => next++ };
}

describe('bridge fdb show', () => {
  it('matches the oracle (net-05: docker0 with two containers)', () => {
    const h = host();
    h.run('veth1f2e3d4', 0x6a11223344f1, 2);
    h.run('veth5a6b7c8', 0x6a11223344f2, 3);
    const out = bridgeFdbShow(h.devs);
    const norm = normalize(
      out,
      { docker0: h.br.mac, 'veth:m-base': 0x6a11223344f1, 'veth:m-peer': 0x6a11223344f2 },
      { veth1f2e3d4: '<veth:m-base>', veth5a6b7c8: '<veth:m-peer>' },
    );
    expect(norm).toEqual(fixture('net-05-host-bridge-fdb.txt').sort());
    // learned entries end with a space, local ones with "permanent"
    expect(out).toContain('02:42:ac:11:00:02 dev veth1f2e3d4 master docker0 ');
    expect(out).toContain('02:42:7d:1e:2f:30 dev docker0 master docker0 permanent');
  });

  it('matches the oracle (net-06: macvlan children listed on their parent)', () => {
    const h = host();
    h.run('veth0a0b0c0', 0x7e0000000001, 2);
    const [par, lanEnd] = createVethPair(h.sim, 'mvpar0', parseMac('02:00:00:50:00:fe'), 'mvlan0', parseMac('02:00:00:50:00:01'));
    par.owner = h.hostNs;
    lanEnd.owner = { name: 'olab-lan' };
    par.ifindex = h.nextIndex();
    lanEnd.ifindex = 2;
    par.adminUp = lanEnd.adminUp = true;
    h.devs.push(par);
    for (const last of [0x02, 0x03, 0x4d, 0x04, 0x05]) {
      const v = createMacvlan(h.sim, par, 'eth0', 0x0242c0a83200 + last);
      v.owner = { name: `ctr${last}` };
      v.adminUp = true;
    }
    const down = createMacvlan(h.sim, par, 'eth9', 0x0242c0a83299); // down: not in the parent's uc list
    down.owner = { name: 'ctr99' };
    const norm = normalize(
      bridgeFdbShow(h.devs),
      { docker0: h.br.mac, 'veth:mv-d': 0x7e0000000001, mvpar0: par.mac },
      { veth0a0b0c0: '<veth:mv-d>' },
    );
    expect(norm).toEqual(fixture('net-06-host-bridge-fdb.txt').sort());
  });

  it('drops expired entries and prints static ones as static; no IPv6 groups with ipv6 off', () => {
    const h = host();
    const v = h.run('vethx', 0x7e0000000009, 2);
    h.br.setAgeingTime(0);
    const out = bridgeFdbShow([v], { ipv6: false });
    expect(out).toEqual(['7e:00:00:00:00:09 dev vethx master docker0 permanent', '01:00:5e:00:00:01 dev vethx self permanent']);
  });
});

describe('bridge -d link', () => {
  it('matches the oracle (net-01: a freed port number is reused, lines in ifindex order)', () => {
    const h = host();
    const a = h.run('vethaaaaaaa', 0x7e0000000001, 2);
    const b = h.run('vethbbbbbbb', 0x7e0000000002, 3);
    const c = h.run('vethccccccc', 0x7e0000000003, 4);
    h.br.removePort(b);
    h.devs.splice(h.devs.indexOf(b), 1);
    const d = h.run('vethddddddd', 0x7e0000000004, 3);
    const e = h.run('setheeeeeee', 0x7e0000000005, 5);
    expect([a, c, d, e].map((x) => h.br.portOf(x)!.portNo)).toEqual([1, 3, 2, 4]);
    const out = bridgeLinkShow(h.devs, { details: true });
    const names = { vethaaaaaaa: '<veth:n-a>', vethccccccc: '<veth:n-c>', vethddddddd: '<veth:n-d>', setheeeeeee: '<veth:n-e>' };
    // the fixture is in ifindex order, so compare unsorted too
    const raw = out.map((l) => {
      for (const [r, t] of Object.entries(names)) l = l.split(r).join(t);
      return l.replace(/^\d+: /, '<idx>: ').replace(/@if\d+\b/g, '@<idx>');
    });
    expect(raw).toEqual(fixture('net-01-host-bridge-link.txt'));
    expect(out[0]).toBe(`${a.ifindex}: vethaaaaaaa@if${a.ifindex + 1}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master docker0 state forwarding priority 32 cost 2 `);
  });

  it('matches the oracle (net-06) and shows flags and state changes', () => {
    const h = host();
    const v = h.run('vethmvd0000', 0x7e0000000001, 2);
    const norm = normalize(bridgeLinkShow(h.devs, { details: true }), {}, { vethmvd0000: '<veth:mv-d>' });
    expect(norm).toEqual(fixture('net-06-host-bridge-link.txt').sort());
    const p = h.br.portOf(v)!;
    p.hairpin = true;
    p.learning = false;
    v.peer!.adminUp = false;
    const [l1, l2] = bridgeLinkShow(h.devs, { details: true });
    expect(l1).toContain('<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 master docker0 state disabled priority 32 cost 2 ');
    expect(l2).toContain('hairpin on ');
    expect(l2).toContain('learning off ');
    expect(bridgeLinkShow(h.devs)).toHaveLength(1);
  });
});

describe('link flags and state', () => {
  it('prints iproute2 flags, labels and operstate', () => {
    const h = host();
    expect([linkFlags(h.lo), operStateText(h.lo)]).toEqual(['<LOOPBACK,UP,LOWER_UP>', 'UNKNOWN']);
    expect([linkFlags(h.br), operStateText(h.br)]).toEqual(['<NO-CARRIER,BROADCAST,MULTICAST,UP>', 'DOWN']);
    const v = h.run('vethq', 0x7e0000000001, 2);
    expect([linkFlags(h.br), operStateText(h.br)]).toEqual(['<BROADCAST,MULTICAST,UP,LOWER_UP>', 'UP']);
    expect(linkLabel(v)).toBe(`vethq@if${v.peer.ifindex}`);
    expect(linkLabel(h.br)).toBe('docker0');
    v.peer.adminUp = false;
    expect([linkFlags(v), operStateText(v)]).toEqual(['<NO-CARRIER,BROADCAST,MULTICAST,UP>', 'LOWERLAYERDOWN']);
    v.adminUp = false;
    expect([linkFlags(v), operStateText(v)]).toEqual(['<BROADCAST,MULTICAST>', 'DOWN']);
    // both ends in one namespace: @peername, and M-DOWN when the peer is down
    const [x, y] = createVethPair(h.sim, 'vx', 1, 'vy', 2);
    x.adminUp = true;
    expect([linkLabel(x), linkFlags(x)]).toEqual(['vx@vy', '<NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN>']);
    const mv = createMacvlan(h.sim, x, 'mv0', 3);
    mv.owner = { name: 'c' };
    x.ifindex = 9;
    expect(linkLabel(mv)).toBe('mv0@if9');
  });
});
