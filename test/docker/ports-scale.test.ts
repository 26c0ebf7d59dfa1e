/**
 * A large published range (issue 9): `-p 20000-22000:20000-22000` programs one DNAT, one filter ACCEPT
 * and one MASQUERADE per port in nat.SortPortMap order (highest port first, as a real 20.10.24 daemon
 * did for `-p 20000-20200:20000-20200` in the kernel lab), a docker-proxy per binding on 0.0.0.0 and
 * `::`, and `docker rm -f` takes every rule away again. No timings asserted.
 */
import { describe, expect, it } from 'vitest';
import { Engine, iptablesSave } from '../../src/docker/engine.js';

describe('published port ranges at scale', () => {
  it('2,001 ports: rules in descending port order, 4,002 mappings, all removed with the container', () => {
    const e = new Engine();
    const before = iptablesSave(e, e.host);
    const r = e.exec('docker run -d --name big -p 20000-22000:20000-22000 mini:latest sleep 1000');
    expect(r.exitCode).toBe(0);
    const save = iptablesSave(e, e.host).split('\n');
    const dnat = save.filter((l) => l.startsWith('-A DOCKER ') && l.includes('-j DNAT'));
    expect(dnat.length).toBe(2001);
    expect(dnat[0]).toBe('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 22000 -j DNAT --to-destination 172.17.0.2:22000');
    expect(dnat[2000]).toBe('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 20000 -j DNAT --to-destination 172.17.0.2:20000');
    const accept = save.filter((l) => l.startsWith('-A DOCKER -d 172.17.0.2/32'));
    expect(accept.length).toBe(2001);
    expect(accept[0]).toBe('-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 22000 -j ACCEPT');
    expect(save.filter((l) => l.startsWith('-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32')).length).toBe(2001);
    const ports = e.exec('docker port big').stdout.trim().split('\n');
    expect(ports.length).toBe(4002);
    expect(ports[0]).toBe('20000/tcp -> 0.0.0.0:20000');
    expect(e.exec('docker rm -f big').exitCode).toBe(0);
    expect(iptablesSave(e, e.host)).toBe(before);
  });

  it('a host range taken in part fails with the allocator text and leaves no rules behind', () => {
    const e = new Engine();
    expect(e.exec('docker run -d --name web -p 21000:80 mini:latest sleep 1000').exitCode).toBe(0);
    const before = iptablesSave(e, e.host);
    const r = e.exec('docker run -d --name big -p 20000-22000:20000-22000 mini:latest sleep 1000');
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain('Bind for 0.0.0.0:21000 failed: port is already allocated');
    expect(iptablesSave(e, e.host)).toBe(before);
  });

  it.runIf(process.env.DOCKERNET_LARGE === '1')('every port: -p 1-65535:1-65535 publishes 65,535 bindings and rm -f removes them (DOCKERNET_LARGE=1)', () => {
    const e = new Engine();
    const before = iptablesSave(e, e.host);
    expect(e.exec('docker run -d --name all -p 1-65535:1-65535 mini:latest sleep 1000').exitCode).toBe(0);
    const save = iptablesSave(e, e.host).split('\n');
    const dnat = save.filter((l) => l.startsWith('-A DOCKER ') && l.includes('-j DNAT'));
    expect(dnat.length).toBe(65535);
    expect(dnat[0]).toBe('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 65535 -j DNAT --to-destination 172.17.0.2:65535');
    expect(dnat[65534]).toBe('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 1 -j DNAT --to-destination 172.17.0.2:1');
    expect(e.exec('docker port all 443/tcp').stdout).toBe('0.0.0.0:443\n:::443\n');
    expect(e.exec('docker rm -f all').exitCode).toBe(0);
    expect(iptablesSave(e, e.host)).toBe(before);
  });
});
