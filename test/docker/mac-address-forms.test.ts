import { expect, it } from 'vitest';
import { Engine } from '../../src/docker/index.js';

// Kernel lab, Docker 20.10.24, 2026-12-04: --mac-address takes what Go's net.ParseMAC takes
// (colons, hyphens or dotted groups of four, two hex digits a byte); Config.MacAddress keeps the text
// as given, NetworkSettings.MacAddress and the interface show it with colons.
it('--mac-address accepts hyphen and dotted forms and keeps the given text in Config', () => {
  const e = new Engine({ seed: 1 });
  const cases: [string, string][] = [
    ['02-42-ac-11-00-09', '02:42:ac:11:00:09'],
    ['0242.ac11.000a', '02:42:ac:11:00:0a'],
    ['02:42:AC:11:00:0B', '02:42:ac:11:00:0b'],
  ];
  cases.forEach(([given, shown], i) => {
    expect(e.exec(`docker run -d --name m${i} --mac-address ${given} mini:latest sleep 1000`).exitCode).toBe(0);
    expect(e.exec(`docker inspect -f '{{.Config.MacAddress}} {{.NetworkSettings.MacAddress}}' m${i}`).stdout).toBe(`${given} ${shown}\n`);
    expect(e.exec(`docker exec m${i} ip link`).stdout).toContain(`link/ether ${shown} brd ff:ff:ff:ff:ff:ff`);
  });
  const bad = e.exec('docker run -d --name m9 --mac-address 2:42:ac:11:0:b mini:latest sleep 1000');
  expect(bad.exitCode).toBe(125);
  expect(bad.stderr).toBe("docker: 2:42:ac:11:0:b is not a valid mac address.\nSee 'docker run --help'.\n");
});
