/**
 * Names inside containers: /etc/hosts (links, host-gateway, a container: joiner's shared file) and
 * what the embedded DNS answers, as the 20.10.24 daemon in the kernel lab does (net-15, net-17, net-19).
 */
import { expect, it } from 'vitest';
import { Engine } from '../../src/docker/engine.js';

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

// Kernel lab, 20.10.24, 2026-12-04 (net-23)
it('host mode: the host\'s /etc/hosts, or with --add-host one built anew, which a joiner shares', () => {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker run -d --name h-plain --network host mini:latest sleep 100000').exitCode).toBe(0);
  expect(e.exec('docker run -d --name h-host --network host --add-host extra.test:10.9.9.9 mini:latest sleep 100000').exitCode).toBe(0);
  expect(e.exec('docker run -d --name h-join --network container:h-host mini:latest sleep 100000').exitCode).toBe(0);
  const built = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n10.9.9.9\textra.test\n';
  expect(e.exec('docker exec h-host cat /etc/hosts').stdout).toBe(built);
  expect(e.exec('docker exec h-join cat /etc/hosts').stdout).toBe(built);
  expect(e.exec('docker exec h-plain cat /etc/hosts').stdout).toBe(e.hostEtcHosts);
  expect(e.exec('docker network connect bridge h-join').stderr).toBe('Error response from daemon: container sharing network namespace with another container or host cannot be connected to any other network\n');
});

it('embedded DNS: names, aliases, the short ID and NAME.NETWORK match whatever their case; a prefix or a longer name does not', () => {
  const e = new Engine({ seed: 3 });
  for (const l of [
    'docker network create Dnet',
    'docker run -d --name Web-1 --network Dnet --network-alias Api --network-alias shared mini:latest sleep 100000',
    'docker run -d --name other --network Dnet --network-alias SHARED mini:latest sleep 100000',
    'docker run -d --name client --network Dnet mini:latest sleep 100000',
  ])
    expect(e.exec(l).exitCode).toBe(0);
  const ipOf = (n: string): string => e.exec(`docker inspect -f '{{.NetworkSettings.Networks.Dnet.IPAddress}}' ${n}`).stdout.trim();
  const web = ipOf('Web-1');
  const other = ipOf('other');
  const answers = (q: string): string[] => {
    const r = e.exec(`docker exec client nslookup -type=a ${q} 127.0.0.11`);
    return [...r.stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]!).sort();
  };
  const id12 = e.exec('docker inspect -f {{.Id}} Web-1').stdout.trim().slice(0, 12);
  for (const q of ['web-1', 'WEB-1', 'Web-1', 'api', 'API', 'web-1.dnet', 'Web-1.DNET', id12, id12.toUpperCase()]) expect(answers(q), q).toEqual([web]);
  expect(answers('shared')).toEqual([web, other].sort());
  for (const q of ['web', 'web-10', 'eb-1', 'web-1x']) expect(answers(q), q).toEqual([]);
});
