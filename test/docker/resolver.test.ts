import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/docker/engine.js';

function engine(): Engine {
  const e = new Engine({ seed: 7 });
  for (const l of [
    'docker network create app',
    'docker run -d --name db --network app mini:latest httpd -f -p 5432 -h /www',
    'docker run -d --name web --network app mini:latest sleep 100000',
    'docker run -d --name lonely mini:latest sleep 100000',
  ]) expect(e.exec(l).exitCode).toBe(0);
  return e;
}

describe('busybox applets resolve names like the container resolver', () => {
  it('ping resolves a container name through the embedded DNS on a user network', () => {
    const r = engine().exec('docker exec web ping -c 1 -W 1 db');
    expect(r.stdout).toMatch(/^PING db \(172\.18\.0\.2\): 56 data bytes\n64 bytes from 172\.18\.0\.2: seq=0 ttl=64/);
    expect(r.exitCode).toBe(0);
  });

  it('a name nobody answers for is a bad address, after the resolver gives up', () => {
    const r = engine().exec('docker exec web ping -c 1 -W 1 nosuch');
    expect(r.stderr).toBe("ping: bad address 'nosuch'\n");
    expect(r.exitCode).toBe(1);
  });

  it('on docker0 there is no embedded DNS: other containers are not found by name', () => {
    const r = engine().exec('docker exec lonely ping -c 1 -W 1 db');
    expect(r.stderr).toBe("ping: bad address 'db'\n");
    expect(r.exitCode).toBe(1);
  });
});
