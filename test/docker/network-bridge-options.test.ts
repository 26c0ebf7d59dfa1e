import { expect, it } from 'vitest';
import { Engine, iptablesSave } from '../../src/docker/engine.js';

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
