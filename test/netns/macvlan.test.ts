import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { createMacvlan } from '../../src/link/macvlan.js';
import { connect, createNetns, ipAddr, ping, setDevDisplay } from '../../src/netns/index.js';
import { dockerMacFor, parseIp } from '../../src/wire/addr.js';

describe('macvlan (net-06 shape)', () => {
  it('containers on a macvlan of mvpar0 reach the LAN namespace and each other; ip addr shows link-netns and M-DOWN', () => {
    const sim = new Sim();
    const host = createNetns(sim, 'dlab', new Rng(1));
    const lan = createNetns(sim, 'olab-lan', new Rng(2));
    lan.ipNetnsNamed = true;
    const [par] = connect(host, 'mvpar0', lan, 'lan0');
    setDevDisplay(par, { txqlen: 1000 });
    lan.addAddress('lan0', '192.168.50.1/24');
    const mk = (name: string, ip: string) => {
      const ns = createNetns(sim, name, new Rng(name));
      ns.ipv6 = false;
      const mv = createMacvlan(sim, par, `${name}-mv`, dockerMacFor(parseIp(ip)));
      host.addDevice(mv);
      host.moveDevice(mv, ns, 'eth0');
      ns.setLinkUp('eth0', true);
      ns.addAddress('eth0', `${ip}/24`);
      ns.addRoute({ dst: 'default', via: '192.168.50.1' });
      return ns;
    };
    const m1 = mk('mv-a', '192.168.50.2');
    const m2 = mk('mv-b', '192.168.50.3');
    expect(ping(m1, '192.168.50.1').received).toBe(1);
    expect(ping(m1, '192.168.50.3').received).toBe(1);
    expect(ping(lan, '192.168.50.3').received).toBe(1);
    void m2;
    expect(ipAddr(host, { dev: 'mvpar0' })).toMatch(/^\d+: mvpar0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n    link\/ether \S+ brd ff:ff:ff:ff:ff:ff link-netns olab-lan\n/);
    expect(ipAddr(m1, { format: 'busybox', dev: 'eth0' })).toMatch(/^\d+: eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \n    link\/ether 02:42:c0:a8:32:02 brd ff:ff:ff:ff:ff:ff\n    inet 192.168.50.2\/24 brd 192.168.50.255 scope global eth0\n/);
  });
});
