import { expect, it } from 'vitest';
import { Engine } from '../../src/docker/index.js';

// Kernel lab, Docker 20.10.24 + busybox 1.35 `ip`, 2026-12-04.
it('busybox ip addr|link [show|list] [dev] NAME; the container end of the veth has the lower ifindex', () => {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker run -d --name m1 mini:latest sleep 1000').exitCode).toBe(0);
  expect(e.exec('docker run -d --name m2 mini:latest sleep 1000').exitCode).toBe(0);
  const x = (c: string) => e.exec(`docker exec m1 ${c}`);
  const eth0 = '3: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \n    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff\n';
  expect(x('ip link show dev eth0')).toEqual({ stdout: eth0, stderr: '', exitCode: 0 });
  expect(x('ip link list eth0').stdout).toBe(eth0);
  expect(e.exec('docker exec m2 ip link show eth0').stdout.split('\n')[0]).toBe('5: eth0@if6: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue ');
  expect(x('ip a s lo').stdout).toBe('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n');
  expect(x('ip -4 a show eth0').stdout).toBe('3: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \n    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0\n       valid_lft forever preferred_lft forever\n');
  expect(x('ip addr show eth9')).toEqual({ stdout: '', stderr: "ip: can't find device 'eth9'\n", exitCode: 1 });
  expect(x('ip addr show dev')).toEqual({ stdout: '', stderr: 'ip: command line is not complete, try "help"\n', exitCode: 1 });
  expect(x('ip addr flush eth0')).toEqual({ stdout: '', stderr: "ip: can't send flush request: Operation not permitted\n", exitCode: 1 });
  expect(x('ip link set eth0 down')).toEqual({ stdout: '', stderr: 'ip: SIOCSIFFLAGS: Operation not permitted\n', exitCode: 2 });
});
