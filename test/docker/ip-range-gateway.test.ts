import { expect, it } from 'vitest';
import { Engine } from '../../src/docker/index.js';

// Kernel lab, Docker 20.10.24, 2026-11-24: without --gateway libnetwork requests the gateway from the
// pool's sub-range, so the range's first address becomes the gateway and the first container gets the next.
it('--ip-range without --gateway: gateway is the first address of the range, the container the next', () => {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker network create --subnet 10.213.0.0/16 --ip-range 10.213.0.128/25 ipr').exitCode).toBe(0);
  expect(e.exec("docker network inspect -f '{{json .IPAM.Config}}' ipr").stdout).toBe('[{"Subnet":"10.213.0.0/16","IPRange":"10.213.0.128/25"}]\n');
  expect(e.exec('docker run -d --name ipr1 --network ipr mini:latest sleep 100').exitCode).toBe(0);
  expect(e.exec("docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.Gateway}}{{end}}' ipr1").stdout).toBe('10.213.0.129 10.213.0.128\n');
});
