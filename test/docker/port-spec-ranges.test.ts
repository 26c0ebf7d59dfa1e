import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/docker/index.js';

// Observed on the kernel lab's Docker 20.10.24 (client /usr/bin/docker 20.10.24+dfsg1), 2026-11-24:
// go-connections allows a host range of another length only for a single container port, and the
// daemon then allocates one host port from that range.
describe('-p with a host port range', () => {
  it('a single container port takes the first free host port of the range', () => {
    const e = new Engine({ seed: 1 });
    expect(e.exec('docker run -d --name r1 -p 1000-1002:80 mini:latest sleep 100').exitCode).toBe(0);
    expect(e.exec('docker port r1').stdout).toBe('80/tcp -> 0.0.0.0:1000\n80/tcp -> :::1000\n');
    expect(e.exec("docker inspect -f '{{json .HostConfig.PortBindings}}' r1").stdout).toBe('{"80/tcp":[{"HostIp":"","HostPort":"1000-1002"}]}\n');
    expect(e.exec('docker run -d --name r3 -p 1000-1002:80 mini:latest sleep 100').exitCode).toBe(0);
    expect(e.exec('docker port r3').stdout).toBe('80/tcp -> 0.0.0.0:1001\n80/tcp -> :::1001\n');
  });

  it('a container range with a host range of another length is refused', () => {
    const e = new Engine({ seed: 1 });
    const r = e.exec('docker run -d --name r2 -p 8080:80-81 mini:latest sleep 100');
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toBe("docker: Invalid ranges specified for container and host Ports: 80-81 and 8080.\nSee 'docker run --help'.\n");
    expect(e.exec('docker ps -a -q').stdout).toBe('');
  });
});
