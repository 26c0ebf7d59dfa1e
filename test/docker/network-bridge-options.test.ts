import { expect, it } from 'vitest';
import { Engine, iptablesSave } from '../../src/docker/engine.js';
import { createVethPair } from '../../src/link/veth.js';

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

// Kernel lab, 20.10.24, 2026-12-04 (net-15)
it('--link on a user network is the endpoint\'s (as given), HostConfig.Links null; host-gateway is docker0\'s address', () => {
  const e = new Engine({ seed: 1 });
  for (const l of [
    'docker network create --subnet 10.70.0.0/24 fnet',
    'docker run -d --name f-a --network fnet --add-host gw.test:host-gateway mini:latest sleep 100000',
    'docker run -d --name f-e --network fnet mini:latest sleep 100000',
    'docker run -d --name f-l --network fnet --link f-a:alpha --link f-e mini:latest sleep 100000',
  ])
    expect(e.exec(l).exitCode).toBe(0);
  expect(e.exec(`docker inspect -f '{{json .HostConfig.Links}} {{json .NetworkSettings.Networks.fnet.Links}}' f-l`).stdout).toBe('null ["f-a:alpha","f-e"]\n');
  expect(e.exec('docker exec f-l nslookup -type=a alpha 127.0.0.11').stdout).toContain('Address: 10.70.0.2');
  expect(e.exec('docker exec f-a cat /etc/hosts').stdout).toContain('172.17.0.1\tgw.test\n');
  expect(e.exec(`docker inspect -f '{{json .HostConfig.ExtraHosts}}' f-a`).stdout).toBe('["gw.test:host-gateway"]\n');
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

// Kernel lab, 20.10.24, 2026-12-04 (net-17)
it("a container: joiner's /etc/hosts is its donor's file: the donor's lines go with its leave, a restarted donor writes a new file", () => {
  const e = new Engine({ seed: 1 });
  for (const l of ['docker network create lnet', 'docker network create lnet2', 'docker run -d --name l-b --network lnet2 mini:latest sleep 100000', 'docker network connect lnet l-b', 'docker run -d --name l-j --network container:l-b mini:latest sleep 100000'])
    expect(e.exec(l).exitCode).toBe(0);
  const id = e.runtime.store.find('l-b')!.id.slice(0, 12);
  // the connect after the join shows in the joiner's file (one file, edited in place)
  expect(e.exec('docker exec l-j cat /etc/hosts').stdout).toContain(`172.19.0.2\t${id}\n172.18.0.2\t${id}\n`);
  expect(e.exec('docker restart l-b').exitCode).toBe(0);
  expect(e.exec('docker exec l-j cat /etc/hosts').stdout).not.toContain(id);
  expect(e.exec('docker exec l-b cat /etc/hosts').stdout).toContain(`172.18.0.2\t${id}\n`);
  // after the restart the networks join by name: lnet is eth0
  expect(e.exec('docker exec l-b ip route').stdout).toBe('default via 172.18.0.1 dev eth0 \n172.18.0.0/16 dev eth0 scope link  src 172.18.0.2 \n172.19.0.0/16 dev eth1 scope link  src 172.19.0.2 \n');
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

// Kernel lab, 20.10.24, 2026-12-04 (net-19)
it('embedded DNS: an unknown dotless name is answered empty when ndots is set, forwarded otherwise; AAAA of a v4 name is empty', () => {
  const e = new Engine({ seed: 1 });
  for (const l of [
    'docker network create dnet',
    'docker run -d --name d-a --network dnet mini:latest sleep 100000',
    'docker run -d --name d-b --network dnet --dns 10.0.0.53 --dns-option ndots:3 mini:latest sleep 100000',
    'docker run -d --name d-x --network dnet mini:latest sleep 100000',
    'docker run -d --name d-h --network host --dns 10.0.0.55 mini:latest sleep 100000',
  ])
    expect(e.exec(l).exitCode).toBe(0);
  const empty = 'Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\n\n';
  expect(e.exec('docker exec d-b nslookup -type=a nosuchname 127.0.0.11')).toEqual({ stdout: empty, stderr: '', exitCode: 0 });
  expect(e.exec('docker exec d-x nslookup -type=a nosuchname 127.0.0.11')).toEqual({ stdout: ';; connection timed out; no servers could be reached\n\n', stderr: '', exitCode: 1 });
  expect(e.exec('docker exec d-x nslookup -type=aaaa d-a 127.0.0.11')).toEqual({ stdout: empty, stderr: '', exitCode: 0 });
  expect(e.exec('docker exec d-h cat /etc/resolv.conf').stdout).toBe('nameserver 10.0.0.55\n');
});
