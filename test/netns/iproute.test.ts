import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import type { NetDevice } from '../../src/link/netdev.js';
import { connect, createNetns, ipAddr, ipLink, ipRoute, linkLocal6, ssListen, ssLines, httpServer } from '../../src/netns/index.js';
import type { NetNamespace } from '../../src/netns/index.js';
import { dockerMacFor, macToString, parseIp, parseMac } from '../../src/wire/addr.js';

const FIX = join(__dirname, 'fixtures');
const fixture = (p: string): string => readFileSync(join(FIX, p), 'utf8');

/** net-01-default-bridge after its replay: n-a, n-c, n-d, n-e on docker0 (n-b removed). */
function net01(): { host: NetNamespace; ctr: Map<string, NetNamespace>; veth: Map<string, NetDevice>; br: BridgeDevice } {
  const sim = new Sim();
  const rng = new Rng(42);
  const host = createNetns(sim, 'host', rng.fork('host'));
  const br = new BridgeDevice(sim, 'docker0', parseMac('02:42:8e:3c:1a:07'));
  host.addDevice(br);
  host.setLinkUp(br, true);
  host.addAddress('docker0', '172.17.0.1/16');
  const ctr = new Map<string, NetNamespace>();
  const veth = new Map<string, NetDevice>();
  const run = (name: string, ip: string): void => {
    const ns = createNetns(sim, name, rng.fork(name));
    ns.ipv6 = false;
    const [h] = connect(host, `veth${rng.hex(7)}`, ns, 'eth0', { macB: dockerMacFor(parseIp(ip)) });
    br.addPort(h);
    ns.addAddress('eth0', `${ip}/16`);
    ns.addRoute({ dst: 'default', via: '172.17.0.1' });
    ctr.set(name, ns);
    veth.set(name, h);
  };
  run('n-a', '172.17.0.2');
  run('n-b', '172.17.0.3');
  run('n-c', '172.17.0.4');
  host.removeDevice(veth.get('n-b')!);
  ctr.delete('n-b');
  veth.delete('n-b');
  run('n-d', '172.17.0.3');
  run('n-e', '172.17.0.5');
  return { host, ctr, veth, br };
}

function normalize(text: string, subs: Array<[string, string]>): string {
  let t = text;
  for (const [from, to] of subs) t = t.split(from).join(to);
  t = t.replace(/^(\s*)\d+: (?=[\w<.-]+[@:])/gm, (m, sp) => (m.trim() === '1:' ? m : `${sp}<idx>: `));
  t = t.replace(/^<idx>: lo:/m, '1: lo:');
  t = t.replace(/@if\d+\b/g, '@<idx>');
  t = t.replace(/link-netnsid \d+/g, 'link-netnsid <nsid>');
  t = t.replace(/(hello_timer|tcn_timer|topology_change_timer|gc_timer|hold_timer|message_age_timer|forward_delay_timer)\s+[\d.]+/g, '$1 <timer>');
  return t;
}

function hostSubs(host: NetNamespace, br: BridgeDevice, veth: Map<string, NetDevice>): Array<[string, string]> {
  const subs: Array<[string, string]> = [];
  for (const [name, d] of veth) {
    subs.push([d.name, `<veth:${name}>`], [macToString(d.mac), `<mac:veth:${name}>`], [linkLocal6(d.mac), `<ll6:veth:${name}>`]);
  }
  subs.push([macToString(br.mac), '<mac:docker0>'], [linkLocal6(br.mac), '<ll6:docker0>']);
  void host;
  return subs;
}

describe('iproute2 / busybox text against the oracle (net-01-default-bridge)', () => {
  it('container n-a: busybox ip addr and ip route, byte for byte', () => {
    const { ctr } = net01();
    const na = ctr.get('n-a')!;
    expect(normalize(ipAddr(na, { format: 'busybox' }), [])).toBe(fixture('net-01/n-a-ip-addr.txt'));
    expect(ipRoute(na, { format: 'busybox' })).toBe(fixture('net-01/n-a-ip-route.txt'));
  });

  it('host: ip addr, ip route, ip -d link', () => {
    const { host, br, veth } = net01();
    const subs = hostSubs(host, br, veth);
    expect(normalize(ipAddr(host), subs)).toBe(fixture('net-01/host-ip-addr.txt'));
    expect(ipRoute(host)).toBe(fixture('net-01/host-ip-route.txt'));
    expect(normalize(ipLink(host, { details: true }), subs)).toBe(fixture('net-01/host-ip-link-details.txt'));
  });

  it('busybox ip addr in the host namespace (--network host): M-DOWN, master, no link-netnsid', () => {
    const sim = new Sim();
    const rng = new Rng(3);
    const host = createNetns(sim, 'host', rng.fork('h'));
    const br = new BridgeDevice(sim, 'docker0', parseMac('02:42:00:00:00:09'));
    host.addDevice(br);
    host.setLinkUp(br, true);
    host.addAddress('docker0', '172.17.0.1/16');
    const veth = new Map<string, NetDevice>();
    for (const [name, ip] of [['m-base', '172.17.0.2'], ['m-peer', '172.17.0.3']] as const) {
      const ns = createNetns(sim, name, rng.fork(name));
      const [h] = connect(host, `veth${rng.hex(7)}`, ns, 'eth0', { macB: dockerMacFor(parseIp(ip)) });
      br.addPort(h);
      veth.set(name, h);
      // the container's eth0 keeps an ifindex that does not exist in the host namespace
      expect(host.devByIndex(ns.mustDev('eth0').ifindex)).toBeUndefined();
    }
    const subs = hostSubs(host, br, veth);
    expect(normalize(ipAddr(host, { format: 'busybox' }), subs)).toBe(fixture('m-host-ip-addr.txt'));
    expect(ipRoute(host, { format: 'busybox' })).toBe('172.17.0.0/16 dev docker0 scope link  src 172.17.0.1 \n');
  });

  it('ss -lntu lists listeners', () => {
    const { host } = net01();
    httpServer(host, 8080, 'x');
    host.udp.bind(parseIp('127.0.0.1'), 9090, () => {});
    expect(ssListen(host, [{ proto: 'tcp', addr: '[::]', port: 8080 }])).toBe(
      // columns as in net-02's host-listeners.txt: address right-aligned, port left-aligned
      'tcp LISTEN 0      4096        [::]:8080    [::]:*\n' + 'tcp LISTEN 0      4096     0.0.0.0:8080 0.0.0.0:*\n' + 'udp UNCONN 0      0      127.0.0.1:9090 0.0.0.0:*\n',
    );
  });

  it('ss -p: the process column follows the peer, lines sorted', () => {
    const users = (p: string): string => `users:(("${p}",pid=<pid>,fd=<fd>))`;
    expect(
      ssLines([
        { netid: 'tcp', state: 'LISTEN', sendq: 9, addr: '*', port: '80', peer: '*', proc: users('httpd') },
        { netid: 'tcp', state: 'LISTEN', sendq: 4096, addr: '0.0.0.0', port: '8080', peer: '0.0.0.0', proc: users('docker-proxy') },
      ]),
    ).toBe(
      'tcp LISTEN 0      4096   0.0.0.0:8080 0.0.0.0:* users:(("docker-proxy",pid=<pid>,fd=<fd>))\n' +
        'tcp LISTEN 0      9            *:80         *:* users:(("httpd",pid=<pid>,fd=<fd>))\n',
    );
  });

  it('ip route after ip route add / del, and error texts', () => {
    const { ctr } = net01();
    const ns = ctr.get('n-a')!;
    ns.addRoute({ dst: '10.1.0.0/16', via: '172.17.0.9', metric: 5 });
    expect(ipRoute(ns)).toBe(
      'default via 172.17.0.1 dev eth0 \n10.1.0.0/16 via 172.17.0.9 dev eth0 metric 5 \n172.17.0.0/16 dev eth0 proto kernel scope link src 172.17.0.2 \n',
    );
    expect(() => ns.addRoute({ dst: '10.1.0.0/16', via: '172.17.0.9', metric: 5 })).toThrow('RTNETLINK answers: File exists');
    expect(() => ns.addRoute({ dst: '10.2.0.0/16', via: '192.168.0.1' })).toThrow('Error: Nexthop has invalid gateway.');
    ns.delRoute({ dst: '10.1.0.0/16' });
    expect(() => ns.delRoute({ dst: '10.1.0.0/16' })).toThrow('RTNETLINK answers: No such process');
    expect(() => ns.addAddress('eth9', '1.2.3.4/8')).toThrow('Cannot find device "eth9"');
  });

  it('EUI-64 link-local addresses', () => {
    expect(linkLocal6(parseMac('02:42:ac:11:00:02'))).toBe('fe80::42:acff:fe11:2');
    expect(linkLocal6(parseMac('00:00:00:00:00:00'))).toBe('fe80::200:ff:fe00:0');
  });
});

describe('namespace control plane', () => {
  it('moving a veth end keeps its ifindex when free, deleting one end deletes the pair, destroy() cleans up', () => {
    const sim = new Sim();
    const host = createNetns(sim, 'host', new Rng(1));
    const ctr = createNetns(sim, 'c', new Rng(2));
    const [h, e] = connect(host, 'veth0', ctr, 'eth0');
    expect(e.ifindex).toBe(h.ifindex - 1); // the peer is registered first (veth_newlink), moved with its index
    expect(ctr.mustDev('eth0')).toBe(e);
    expect(host.dev('eth0.tmp')).toBeUndefined();
    ctr.addAddress('eth0', '10.0.0.2/24');
    ctr.addRoute({ dst: 'default', via: '10.0.0.1' });
    ctr.delAddress('eth0', '10.0.0.2/24');
    expect(ipRoute(ctr)).toBe(''); // last address gone: routes through eth0 flushed
    ctr.addAddress('eth0', '10.0.0.2/24');
    ctr.destroy();
    expect(ctr.devices().map((d) => d.name)).toEqual(['lo']);
    expect(host.dev('veth0')).toBeUndefined();
    expect(() => host.addDevice(h)).not.toThrow(); // detached cleanly
  });

  it('a secondary address in the same subnet adds no route and is promoted when the primary goes', () => {
    const sim = new Sim();
    const host = createNetns(sim, 'host', new Rng(1));
    const c = createNetns(sim, 'c', new Rng(2));
    connect(host, 'v', c, 'eth0');
    c.addAddress('eth0', '10.0.0.2/24');
    c.addAddress('eth0', '10.0.0.3/24');
    expect(ipAddr(c, { dev: 'eth0' })).toContain('inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary eth0\n');
    expect(ipRoute(c)).toBe('10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.2 \n');
    c.delAddress('eth0', '10.0.0.2/24');
    expect(ipRoute(c)).toBe('10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.3 \n');
  });
});

describe('ipCommand', () => {
  it('ip link set PORT mtu N: the bridge follows its smallest port (NETDEV_CHANGEMTU)', async () => {
    const { ipCommand } = await import('../../src/netns/index.js');
    const sim = new Sim();
    const host = createNetns(sim, 'host', new Rng(1));
    const br = new BridgeDevice(sim, 'br0', parseMac('02:42:00:00:00:01'));
    host.addDevice(br);
    const ports = ['a', 'b'].map((n, i) => connect(host, `v${n}`, createNetns(sim, n, new Rng(10 + i)), 'eth0')[0]);
    for (const p of ports) br.addPort(p);
    expect(br.mtu).toBe(1500);
    expect(ipCommand(host, ['link', 'set', 'va', 'mtu', '1400']).exitCode).toBe(0);
    expect(br.mtu).toBe(1400);
    expect(ipCommand(host, ['link', 'set', 'va', 'mtu', '9000']).exitCode).toBe(0);
    expect(br.mtu).toBe(1500);
    expect(ipCommand(host, ['link', 'set', 'vb', 'mtu', '1450']).exitCode).toBe(0);
    expect(br.mtu).toBe(1450);
  });

  it('runs ip addr/route/link/neigh command lines with iproute2 error texts', async () => {
    const { ipCommand } = await import('../../src/netns/index.js');
    const sim = new Sim();
    const host = createNetns(sim, 'host', new Rng(1));
    const c = createNetns(sim, 'c', new Rng(2));
    connect(host, 'v0', c, 'eth0');
    expect(ipCommand(c, ['addr', 'add', '10.0.0.2/24', 'brd', '+', 'dev', 'eth0']).exitCode).toBe(0);
    expect(ipCommand(c, ['route', 'add', 'default', 'via', '10.0.0.1']).exitCode).toBe(0);
    expect(ipCommand(c, ['route']).stdout).toBe('default via 10.0.0.1 dev eth0 \n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.2 \n');
    expect(ipCommand(c, ['route', 'add', 'default', 'via', '10.0.0.1'])).toEqual({ stdout: '', stderr: 'RTNETLINK answers: File exists\n', exitCode: 2 });
    expect(ipCommand(c, ['link', 'set', 'eth9', 'up'])).toEqual({ stdout: '', stderr: 'Cannot find device "eth9"\n', exitCode: 1 });
    expect(ipCommand(c, ['a', 'show', 'dev', 'eth0']).stdout).toContain('inet 10.0.0.2/24 brd 10.0.0.255 scope global eth0');
    expect(ipCommand(c, ['neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'eth0', 'nud', 'permanent']).exitCode).toBe(0);
    expect(ipCommand(c, ['neigh']).stdout).toBe('10.0.0.9 dev eth0 lladdr 02:00:00:00:00:09 PERMANENT\n');
    expect(ipCommand(c, ['link', 'set', 'eth0', 'down']).exitCode).toBe(0);
    expect(ipCommand(c, ['route']).stdout).toBe('');
    expect(ipCommand(c, ['-d', 'link', 'show', 'lo']).stdout).toContain('addrgenmode eui64');
  });
});

describe('link down/up and routes (fib_disable_ip / fib_add_ifaddr)', () => {
  it('down drops every route through the device, static ones for good; up restores the connected ones', () => {
    const sim = new Sim();
    const host = createNetns(sim, 'host', new Rng(1));
    const c = createNetns(sim, 'c', new Rng(2));
    connect(host, 'v0', c, 'eth0');
    c.addAddress('eth0', '10.0.0.2/24');
    c.addRoute({ dst: 'default', via: '10.0.0.1' });
    c.setLinkUp('eth0', false);
    expect(ipRoute(c)).toBe('');
    expect(ipRoute(c, { table: 'local' })).toContain('local 10.0.0.2 dev eth0 proto kernel scope host src 10.0.0.2');
    expect(ipRoute(c, { table: 'local' })).not.toContain('broadcast 10.0.0.255');
    c.setLinkUp('eth0', true);
    expect(ipRoute(c)).toBe('10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.2 \n');
    expect(ipRoute(c, { table: 'local' })).toContain('broadcast 10.0.0.255 dev eth0');
  });
});
