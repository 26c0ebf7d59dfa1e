/**
 * `docker network create` options and drivers as the 20.10.24 daemon in the kernel lab applies them
 * (scenarios net-14, net-18 and direct checks, 2026-12-04).
 */
import { expect, it } from 'vitest';
import { Engine, iptablesSave } from '../../src/docker/engine.js';
import { createVethPair } from '../../src/link/veth.js';
import { ipAddr } from '../../src/netns/iproute.js';

// Kernel lab, Docker 20.10.24, 2026-12-04 (also in the net-14 capture).
it('host_binding_ipv4: a binding without an address takes it, with no :: proxy', () => {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker network create -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 lo2').exitCode).toBe(0);
  expect(e.exec('docker run -d --name q1 --network lo2 -p 8099:80 -p 81 mini:latest sleep 100000').exitCode).toBe(0);
  expect(e.exec('docker port q1').stdout).toBe('80/tcp -> 127.0.0.1:8099\n81/tcp -> 127.0.0.1:32768\n');
  const br = e.networks.find((n) => n.name === 'lo2')!.bridgeName;
  expect(iptablesSave(e, e.host)).toContain(`-A DOCKER -d 127.0.0.1/32 ! -i ${br} -p tcp -m tcp --dport 8099 -j DNAT --to-destination 172.18.0.2:80`);
});

it('com.docker.network.driver.mtu: the veth pair has it, the bridge follows its smallest port', () => {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker network create -o com.docker.network.driver.mtu=1400 -o com.docker.network.bridge.name=mtubr mtu2').exitCode).toBe(0);
  expect(e.host.mustDev('mtubr').mtu).toBe(1500);
  expect(e.exec('docker run -d --name q2 --network mtu2 mini:latest sleep 100000').exitCode).toBe(0);
  expect(e.exec('docker exec q2 ip link show eth0').stdout).toContain('mtu 1400 qdisc noqueue');
  expect(e.host.mustDev('mtubr').mtu).toBe(1400);
  expect(e.exec('docker rm -f q2').exitCode).toBe(0);
  expect(e.host.mustDev('mtubr').mtu).toBe(1500);
});

// Kernel lab, 20.10.24, 2026-12-04
it('--aux-address reserves addresses (IPAM.Config AuxiliaryAddresses); the CLI refuses one outside every subnet', () => {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker network create --subnet 10.80.0.0/24 --aux-address a=10.80.0.2 --aux-address b=10.80.0.3 auxn').exitCode).toBe(0);
  expect(e.exec('docker run -d --name xa --network auxn mini:latest sleep 100').exitCode).toBe(0);
  expect(e.exec(`docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' xa`).stdout).toBe('10.80.0.4\n');
  expect(e.exec(`docker network inspect -f '{{json .IPAM}}' auxn`).stdout).toBe('{"Driver":"default","Options":{},"Config":[{"Subnet":"10.80.0.0/24","AuxiliaryAddresses":{"a":"10.80.0.2","b":"10.80.0.3"}}]}\n');
  expect(e.exec('docker network create --subnet 10.81.0.0/24 --aux-address a=10.99.0.2 auxbad')).toEqual({ stdout: '', stderr: 'no matching subnet for aux-address 10.99.0.2\n', exitCode: 1 });
  expect(e.exec('docker network create --aux-address a=10.82.0.2 auxnosub').stderr).toBe('no matching subnet for aux-address 10.82.0.2\n');
  expect(e.exec('docker run -d --name xb --network auxn --ip 10.80.0.2 mini:latest sleep 100').stderr).toBe('docker: Error response from daemon: Address already in use.\n');
  expect(e.exec('docker network create --ipv6 v6b').stderr).toBe('Error response from daemon: could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network\n');
  // an IPv6 subnet is refused plainly: the packet path is IPv4 only
  expect(e.exec('docker network create --ipv6 --subnet fd00:1::/64 v6net').stderr).toMatch(/IPv4 networks only/);
});

// Kernel lab, 20.10.24, 2026-12-04 (net-18)
it('one macvlan network per parent interface', () => {
  const e = new Engine({ seed: 1 });
  e.host.addDevice(createVethPair(e.sim, 'mvpar0', 0x020000600fe, 'mvlan0', 0x02000060001)[0]);
  const ok = e.exec('docker network create -d macvlan --subnet 192.168.60.0/24 -o parent=mvpar0 mvr');
  expect(ok.exitCode).toBe(0);
  const dup = e.exec('docker network create -d macvlan --subnet 192.168.61.0/24 -o parent=mvpar0 mvdup');
  expect(dup).toEqual({ stdout: '', stderr: `Error response from daemon: network dm-${ok.stdout.slice(0, 12)} is already using parent interface mvpar0\n`, exitCode: 1 });
});

// Kernel lab, 20.10.24, 2026-12-04 (net-21)
it('the default route: --internal networks after the others, then by name; a bridge keeps its link-local', () => {
  const e = new Engine({ seed: 1 });
  for (const l of ['docker network create --internal aa-int', 'docker network create mm-mid', 'docker network create zz-last', 'docker run -d --name g-a --network mm-mid -p 9500:80 mini:latest sleep 100000', 'docker network connect aa-int g-a', 'docker network connect zz-last g-a'])
    expect(e.exec(l).exitCode).toBe(0);
  expect(e.exec('docker exec g-a ip route').stdout.split('\n')[0]).toBe('default via 172.19.0.1 dev eth0 ');
  expect(e.exec('docker network disconnect mm-mid g-a').exitCode).toBe(0);
  expect(e.exec('docker exec g-a ip route').stdout.split('\n')[0]).toBe('default via 172.20.0.1 dev eth2 ');
  expect(e.exec('docker port g-a 80').stdout).toBe('0.0.0.0:9500\n:::9500\n');
  // an internal-only container has its internal network's default route until a non-internal one joins
  expect(e.exec('docker run -d --name g-b --network aa-int mini:latest sleep 100000').exitCode).toBe(0);
  expect(e.exec('docker exec g-b ip route').stdout.split('\n')[0]).toBe('default via 172.18.0.1 dev eth0 ');
  expect(e.exec('docker network connect zz-last g-b').exitCode).toBe(0);
  expect(e.exec('docker exec g-b ip route').stdout.split('\n')[0]).toBe('default via 172.20.0.1 dev eth1 ');
  // mm-mid's bridge has no port any more, and keeps its IPv6 link-local address
  const br = e.networks.find((n) => n.name === 'mm-mid')!.bridgeName;
  const block = ipAddr(e.host, { dev: br });
  expect(block).toContain('NO-CARRIER');
  expect(block).toMatch(/\n    inet6 fe80::[0-9a-f:]+\/64 scope link \n/);
  expect(iptablesSave(e, e.host)).toContain('--dport 9500 -j DNAT --to-destination 172.20.0.2:80');
});

// Kernel lab, 20.10.24, 2026-12-04 (net-22)
it('a static --ip needs a network with a configured subnet; restart wraps the failure; a removed network stays listed by name', () => {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker network create rnet').exitCode).toBe(0);
  const run = e.exec('docker run -d --name x-a --network rnet --ip 172.18.0.50 mini:latest sleep 100000');
  expect(run.exitCode).toBe(125);
  expect(run.stderr).toBe('docker: Error response from daemon: user specified IP address is supported only when connecting to networks with user configured subnets.\n');
  expect(e.exec('docker restart x-a').stderr).toBe('Error response from daemon: Cannot restart container x-a: user specified IP address is supported only when connecting to networks with user configured subnets\n');
  expect(e.exec('docker network rm rnet').exitCode).toBe(0);
  expect(e.exec(`docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} id="{{$v.NetworkID}}" ip={{$v.IPAMConfig.IPv4Address}}{{end}}' x-a`).stdout).toBe('rnet id="" ip=172.18.0.50\n');
});
