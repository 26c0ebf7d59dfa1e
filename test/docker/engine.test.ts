import { describe, expect, it } from 'vitest';
import { Engine, iptablesSave } from '../../src/docker/engine.js';
import { ncTcp, ping } from '../../src/netns/tools.js';
import type { NetNamespace } from '../../src/netns/netns.js';

function run(e: Engine, ...lines: string[]): Array<{ stdout: string; stderr: string; exitCode: number }> {
  return lines.map((l) => e.exec(l));
}

function nsOf(e: Engine, name: string): NetNamespace {
  return e.runtime.store.get(name).namespaces!.net.handle as NetNamespace;
}

function ipOf(e: Engine, name: string): string {
  return e.exec(['docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name]).stdout.trim();
}

describe('Engine: default bridge', () => {
  it('allocates lowest free addresses with 02:42 MACs and reuses a freed one (NOTES 1, 3)', () => {
    const e = new Engine({ seed: 3 });
    run(e, 'docker run -d --name ca mini:latest sleep 1000', 'docker run -d --name cb mini:latest sleep 1000', 'docker run -d --name cc mini:latest sleep 1000');
    expect([ipOf(e, 'ca'), ipOf(e, 'cb'), ipOf(e, 'cc')]).toEqual(['172.17.0.2', '172.17.0.3', '172.17.0.4']);
    expect(e.exec('docker inspect -f {{.NetworkSettings.MacAddress}} cb').stdout).toBe('02:42:ac:11:00:03\n');
    expect(e.exec('docker rm -f cb').exitCode).toBe(0);
    e.exec('docker run -d --name cd mini:latest sleep 1000');
    expect(ipOf(e, 'cd')).toBe('172.17.0.3');
  });

  it('writes docker0 rules in libnetwork order and the FORWARD policy DROP', () => {
    const e = new Engine();
    const save = iptablesSave(e, e.host);
    expect(save).toContain(':FORWARD DROP');
    const fwd = save.split('\n').filter((l) => l.startsWith('-A FORWARD'));
    expect(fwd).toEqual([
      '-A FORWARD -j DOCKER-USER',
      '-A FORWARD -j DOCKER-ISOLATION-STAGE-1',
      '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A FORWARD -o docker0 -j DOCKER',
      '-A FORWARD -i docker0 ! -o docker0 -j ACCEPT',
      '-A FORWARD -i docker0 -o docker0 -j ACCEPT',
    ]);
  });
});

describe('Engine: docker network', () => {
  it('takes default pools round-robin and keeps the cursor after removal (NOTES 2)', () => {
    const e = new Engine();
    run(e, 'docker network create n0', 'docker network create n1', 'docker network create n2', 'docker network rm n1', 'docker network create n3');
    const sub = (n: string): string => e.exec(['docker', 'network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', n]).stdout.trim();
    expect([sub('n0'), sub('n2'), sub('n3')]).toEqual(['172.18.0.0/16', '172.20.0.0/16', '172.21.0.0/16']);
  });

  it('prints Docker 20.10 error texts and exit codes', () => {
    const e = new Engine();
    e.exec('docker network create --subnet 10.20.0.0/24 a');
    expect(e.exec('docker network create --subnet 10.20.0.0/16 b')).toEqual({ stdout: '', stderr: 'Error response from daemon: Pool overlaps with other one on this address space\n', exitCode: 1 });
    expect(e.exec('docker network create --subnet 10.40.0.0/24 --gateway 10.41.0.1 c')).toEqual({ stdout: '', stderr: 'no matching subnet for gateway 10.41.0.1\n', exitCode: 1 });
    expect(e.exec('docker network create a').stderr).toBe('Error response from daemon: network with name a already exists\n');
    expect(e.exec('docker network rm nosuch')).toEqual({ stdout: '', stderr: 'Error: No such network: nosuch\n', exitCode: 1 });
    expect(e.exec('docker network rm bridge').stderr).toBe('Error response from daemon: bridge is a pre-defined network and cannot be removed\n');
    e.exec('docker run -d --name cx --network a mini:latest sleep 1000');
    const id = e.findNetwork('a')!.id;
    expect(e.exec('docker network rm a').stderr).toBe(`Error response from daemon: error while removing network: network a id ${id} has active endpoints\n`);
  });

  it('refuses a taken or foreign --ip, leaving the container created (NOTES 31)', () => {
    const e = new Engine();
    e.exec('docker network create --subnet 10.10.0.0/24 --gateway 10.10.0.254 s');
    expect(e.exec('docker run -d --name ca --network s --ip 10.10.0.50 mini:latest sleep 1000').exitCode).toBe(0);
    const dup = e.exec('docker run -d --name cb --network s --ip 10.10.0.50 mini:latest sleep 1000');
    expect(dup.stderr).toBe('docker: Error response from daemon: Address already in use.\n');
    expect(dup.exitCode).toBe(125);
    const out = e.exec('docker run -d --name cc --network s --ip 10.99.0.5 mini:latest sleep 1000');
    expect(out.stderr).toBe("docker: Error response from daemon: Invalid address 10.99.0.5: It does not belong to any of this network's subnets.\n");
    expect(e.exec('docker inspect -f {{.State.Status}}/{{.State.ExitCode}} cb cc').stdout).toBe('created/128\ncreated/128\n');
    e.exec('docker run -d --name cd --network s mini:latest sleep 1000');
    expect(ipOf(e, 'cd')).toBe('10.10.0.1');
  });

  it('reports pool exhaustion with the network name and id', () => {
    const e = new Engine();
    e.exec('docker network create --subnet 10.30.0.0/30 tiny');
    expect(e.exec('docker run -d --name t1 --network tiny mini:latest sleep 1000').exitCode).toBe(0);
    const r = e.exec('docker run -d --name t2 --network tiny mini:latest sleep 1000');
    expect(r.stderr).toBe(`docker: Error response from daemon: no available IPv4 addresses on this network's address pools: tiny (${e.findNetwork('tiny')!.id}).\n`);
  });

  it('connect/disconnect move addresses and interfaces (NOTES 30)', () => {
    const e = new Engine();
    run(e, 'docker network create rnet', 'docker run -d --name ca --network rnet mini:latest sleep 1000', 'docker run -d --name cb --network rnet mini:latest sleep 1000');
    expect(e.exec('docker network disconnect rnet ca').exitCode).toBe(0);
    expect(e.exec('docker exec ca ip addr').stdout).not.toContain('eth0');
    e.exec('docker run -d --name cc --network rnet mini:latest sleep 1000');
    expect(ipOf(e, 'cc')).toBe('172.18.0.2');
    e.exec('docker network connect rnet ca');
    expect(ipOf(e, 'ca')).toBe('172.18.0.4');
  });
});

describe('Engine: published ports', () => {
  it('programs rules in SortPortMap order and docker port prints both families (NOTES 8–10)', () => {
    const e = new Engine();
    const r = e.exec('docker run -d --name cp -p 8080:80 -p 127.0.0.1:9090:90/udp mini:latest httpd -f -p 80 -h /www');
    expect(r.exitCode).toBe(0);
    expect(e.exec('docker port cp').stdout).toBe('80/tcp -> 0.0.0.0:8080\n80/tcp -> :::8080\n90/udp -> 127.0.0.1:9090\n');
    const dnat = iptablesSave(e, e.host).split('\n').filter((l) => l.includes('DNAT'));
    expect(dnat).toEqual([
      '-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p udp -m udp --dport 9090 -j DNAT --to-destination 172.17.0.2:90',
      '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
    ]);
    e.exec('docker rm -f cp');
    expect(iptablesSave(e, e.host)).not.toContain('DNAT');
  });

  it('refuses a host port that is already allocated', () => {
    const e = new Engine();
    e.exec('docker run -d --name ca -p 8080:80 mini:latest sleep 1000');
    const r = e.exec('docker run -d --name cb -p 8080:80 mini:latest sleep 1000');
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/driver failed programming external connectivity on endpoint cb \([0-9a-f]{64}\): Bind for 0\.0\.0\.0:8080 failed: port is already allocated\.\n$/);
  });

  it('serves a published port through kernel DNAT and through docker-proxy (NOTES 12)', () => {
    const e = new Engine();
    e.exec('docker run -d --name web -p 8080:80 mini:latest httpd -f -p 80 -h /www');
    const req = 'GET / HTTP/1.0\r\n\r\n';
    expect(ncTcp(e.host, '172.17.0.1', 8080, req).response).toContain('hello');
    expect(ncTcp(e.host, '127.0.0.1', 8080, req).response).toContain('hello');
    e.exec('docker run -d --name cli mini:latest sleep 1000');
    expect(ncTcp(nsOf(e, 'cli'), '172.17.0.1', 8080, req).response).toContain('hello');
  });
});

describe('Engine: isolation and embedded DNS', () => {
  it('isolates user bridges and answers names per network scope (NOTES 17–20)', () => {
    const e = new Engine();
    run(
      e,
      'docker network create net1',
      'docker network create net2',
      'docker run -d --name ca --network net1 --network-alias web mini:latest sleep 1000',
      'docker run -d --name cb --network net1 mini:latest sleep 1000',
      'docker run -d --name cc --network net2 mini:latest sleep 1000',
    );
    expect(ping(nsOf(e, 'cb'), ipOf(e, 'ca')).exitCode).toBe(0);
    expect(ping(nsOf(e, 'cc'), ipOf(e, 'ca')).exitCode).toBe(1);
    expect(ping(nsOf(e, 'cc'), '172.18.0.1').exitCode).toBe(0);
    const ok = e.exec('docker exec cb nslookup -type=a web 127.0.0.11');
    expect(ok.stdout).toBe('Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\nName:\tweb\nAddress: 172.18.0.2\n\n');
    const miss = e.exec('docker exec cc nslookup -type=a ca 127.0.0.11');
    expect(miss).toEqual({ stdout: ';; connection timed out; no servers could be reached\n\n', stderr: '', exitCode: 1 });
    expect(e.exec('docker exec cb cat /etc/resolv.conf').stdout).toBe('nameserver 127.0.0.11\noptions ndots:0\n');
  });
});

describe('Engine: runtime options and network events', () => {
  it('passes runtime options through: SandboxKey under --exec-root', () => {
    const e = new Engine({ runtime: { execRoot: '/srv/exec' } });
    e.exec('docker run -d --name sk mini:latest sleep 1000');
    expect(e.exec('docker inspect -f {{.NetworkSettings.SandboxKey}} sk').stdout).toMatch(/^\/srv\/exec\/netns\/[0-9a-f]{12}\n$/);
  });

  it('emits network connect at start and disconnect at stop and network disconnect, as the daemon does', () => {
    const e = new Engine();
    e.exec('docker network create evnet');
    e.exec('docker run -d --name ev mini:latest sleep 1000');
    e.exec('docker network connect evnet ev');
    e.exec('docker network disconnect evnet ev');
    e.exec('docker stop ev');
    const id = e.runtime.store.get('ev').id;
    const evs = e.runtime.events.events
      .filter((x) => x.Type === 'network' || (x.Type === 'container' && ['start', 'die', 'stop'].includes(x.Action)))
      .map((x) => (x.Type === 'network' ? `network ${x.Action} ${x.Actor.Attributes['name']} ${x.Actor.Attributes['type']} ${x.Actor.Attributes['container'] === id}` : `container ${x.Action}`));
    expect(evs).toEqual([
      'network connect bridge bridge true',
      'container start',
      'network connect evnet bridge true',
      'network disconnect evnet bridge true',
      'container die',
      'network disconnect bridge bridge true',
      'container stop',
    ]);
  });
});
