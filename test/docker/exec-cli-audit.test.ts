/**
 * docker CLI syntax of issue 5 against the kernel lab (Debian docker.io 20.10.24 CLI and daemon):
 * each expectation below was printed by the real engine for the same command line.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/docker/engine.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { IP_USAGE, PING_USAGE } from '../../src/docker/programs/usage.js';

const RUN_HELP = "See 'docker run --help'.\n";

function engine(): Engine {
  const e = new Engine({ seed: 11 });
  expect(e.exec('docker network create --subnet 10.213.0.0/24 --gateway 10.213.0.1 --ip-range 10.213.0.128/25 au-n1').exitCode).toBe(0);
  return e;
}

describe('docker run: client-side validation (20.10 wording, exit 125, nothing created)', () => {
  it.each([
    ['--add-host bad', `invalid argument "bad" for "--add-host" flag: bad format for add-host: "bad"\n${RUN_HELP}`],
    ['--dns bogus', `invalid argument "bogus" for "--dns" flag: bogus is not an ip address\n${RUN_HELP}`],
    ['--mac-address zz', `docker: zz is not a valid mac address.\n${RUN_HELP}`],
    ['-p abc', `docker: Invalid containerPort: abc.\n${RUN_HELP}`],
    ['-p 70000:80', `docker: Invalid hostPort: 70000.\n${RUN_HELP}`],
    ['--expose abc', `docker: invalid range format for --expose: abc, error: strconv.ParseUint: parsing "abc": invalid syntax.\n${RUN_HELP}`],
  ])('%s', (flag, stderr) => {
    const e = engine();
    expect(e.exec(`docker run -d --name au-x ${flag} mini:latest sleep 1`)).toEqual({ stdout: '', stderr, exitCode: 125 });
    expect(e.exec('docker ps -aq').stdout).toBe('');
  });

  it('the 28.x CLI words --dns and the port errors its own way', () => {
    const rt = new Runtime({ sim: new Sim(), rng: new Rng(1), cliStyle: 'v28' });
    expect(rt.exec(['run', '-d', '--dns', 'bogus', 'mini:latest']).stderr).toBe(
      'invalid argument "bogus" for "--dns" flag: IP address is not correctly formatted: bogus\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'docker run --help\' for more information\n',
    );
    expect(rt.exec(['run', '-d', '-p', 'abc', 'mini:latest']).stderr).toBe("docker: invalid containerPort: abc\n\nRun 'docker run --help' for more information\n");
  });

  it('valid forms pass: NAME:IP and host-gateway hosts, IPv6 DNS servers', () => {
    const e = engine();
    const r = e.exec('docker run -d --name au-ok --add-host a:1.2.3.4 --add-host gw:host-gateway --dns ::1 --mac-address 02:42:ac:11:00:09 mini:latest sleep 100');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});

describe('docker run: daemon-side network errors', () => {
  it('--ip that is not an address: refused at create (no id)', () => {
    const e = engine();
    expect(e.exec('docker run -d --name au-b9 --ip bogus --network au-n1 mini:latest sleep 1')).toEqual({
      stdout: '',
      stderr: `docker: Error response from daemon: invalid IPv4 address: bogus.\n${RUN_HELP}`,
      exitCode: 125,
    });
  });

  it('--link to a missing container: refused at create with the wrapped not-found', () => {
    const e = engine();
    expect(e.exec('docker run -d --name au-l3 --link au-nonexist:db mini:latest sleep 1')).toEqual({
      stdout: '',
      stderr: `docker: Error response from daemon: could not get container for au-nonexist: No such container: au-nonexist.\n${RUN_HELP}`,
      exitCode: 125,
    });
  });

  it('--network that does not exist: created (id printed), the start fails, the container stays Created', () => {
    const e = engine();
    const r = e.exec('docker run -d --name au-b5 --network au-nonexist mini:latest sleep 1');
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(r.stderr).toBe('docker: Error response from daemon: network au-nonexist not found.\n');
    expect(r.exitCode).toBe(125);
    expect(e.exec("docker ps -a --format '{{.Names}} {{.Status}}'").stdout).toBe('au-b5 Created\n');
  });

  it('--link on a user network: no /etc/hosts line, EndpointSettings.Links CHILD:ALIAS, the alias resolves by DNS', () => {
    const e = engine();
    e.exec('docker run -d --name au-a --network au-n1 mini:latest sleep 100000');
    expect(e.exec('docker run -d --name au-l4 --network au-n1 --link au-a:aa mini:latest sleep 100000').exitCode).toBe(0);
    expect(e.exec("docker inspect -f '{{json .NetworkSettings.Networks}}' au-l4").stdout).toContain('"Links":["au-a:aa"]');
    expect(e.exec('docker exec au-l4 cat /etc/hosts').stdout).not.toContain('aa');
    const ip = e.exec("docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' au-a").stdout.trim();
    const ping = e.exec('docker exec au-l4 ping -c 1 -W 1 aa');
    expect(ping.exitCode).toBe(0);
    expect(ping.stdout.split('\n')[0]).toBe(`PING aa (${ip}): 56 data bytes`);
    // only the linking container knows the alias
    expect(e.exec('docker exec au-a ping -c 1 -W 1 aa').stderr).toBe("ping: bad address 'aa'\n");
  });

  it('nslookup without -type prints the AAAA block too (empty on a docker network)', () => {
    const e = engine();
    e.exec('docker run -d --name au-a --network au-n1 --network-alias web mini:latest sleep 100000');
    e.exec('docker run -d --name au-c --network au-n1 mini:latest sleep 100000');
    const ip = e.exec("docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' au-a").stdout.trim();
    expect(e.exec('docker exec au-c nslookup web').stdout).toBe(
      `Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\nName:\tweb\nAddress: ${ip}\n\nNon-authoritative answer:\n\n`,
    );
  });
});

describe('docker rm of a missing container', () => {
  it('20.10: "Error: No such container: x" exit 1; with -f the same line but exit 0', () => {
    const e = engine();
    expect(e.exec('docker rm au-nonexist')).toEqual({ stdout: '', stderr: 'Error: No such container: au-nonexist\n', exitCode: 1 });
    expect(e.exec('docker rm -f au-nonexist')).toEqual({ stdout: '', stderr: 'Error: No such container: au-nonexist\n', exitCode: 0 });
  });
});

describe('docker network create errors', () => {
  it.each([
    ['bridge', 'Error response from daemon: operation is not permitted on predefined bridge network\n'],
    ['host', 'Error response from daemon: operation is not permitted on predefined host network\n'],
    ['--subnet bogus au-x', 'Error response from daemon: Invalid subnet bogus : invalid CIDR address: bogus\n'],
    ['--subnet bogus --gateway 1.2.3.4 au-x', 'invalid subnet: invalid CIDR address: bogus\n'],
    ['-d macvlan -o parent=nonexist0 au-mv', 'Error response from daemon: invalid subinterface vlan name nonexist0, example formatting is eth0.10\n'],
    ['-d macvlan -o parent=nonexist0.10 au-mv', 'Error response from daemon: -o parent interface does was not found on the host: nonexist0\n'],
    ['--subnet 10.214.0.0/24 --gateway 10.215.0.1 au-n4', 'no matching subnet for gateway 10.215.0.1\n'],
  ])('network create %s', (args, stderr) => {
    const e = engine();
    expect(e.exec(`docker network create ${args}`)).toEqual({ stdout: '', stderr, exitCode: 1 });
  });
});

describe('docker network ls --filter', () => {
  function nets(): Engine {
    const e = engine();
    e.exec('docker network create nch-net');
    e.exec('docker network create --label team=a tiny');
    e.exec('docker run -d --name au-a --network nch-net mini:latest sleep 100000');
    return e;
  }
  const names = (e: Engine, f: string): string => e.exec(`docker network ls ${f} --format {{.Name}}`).stdout;

  it('name and id are regular expressions, keys AND, values of one key OR', () => {
    const e = nets();
    expect(names(e, '-f name=^nch')).toBe('nch-net\n');
    expect(names(e, '--filter name=n --filter driver=bridge')).toBe('au-n1\nnch-net\ntiny\n');
    expect(names(e, '-f driver=null')).toBe('none\n');
    expect(names(e, '-f type=builtin')).toBe('bridge\nhost\nnone\n');
    expect(names(e, '-f label=team=a')).toBe('tiny\n');
    expect(names(e, '-f name=tiny -f name=au')).toBe('au-n1\ntiny\n');
  });

  it('dangling=true lists every custom network, even one with containers (the list response has no Containers)', () => {
    expect(names(nets(), '-f dangling=true')).toBe('au-n1\nnch-net\ntiny\n');
  });

  it('errors: bad format is the CLI\'s flag error (125), an unknown key or type the daemon\'s (1)', () => {
    const e = nets();
    expect(e.exec('docker network ls --filter name')).toEqual({
      stdout: '',
      stderr: 'invalid argument "name" for "-f, --filter" flag: bad format of filter (expected name=value)\nSee \'docker network ls --help\'.\n',
      exitCode: 125,
    });
    expect(e.exec('docker network ls --filter foo=bar')).toEqual({ stdout: '', stderr: "Error response from daemon: Invalid filter 'foo'\n", exitCode: 1 });
    expect(e.exec('docker network ls --filter type=x').stderr).toBe("Error response from daemon: invalid filter: 'type'='x'\n");
  });
});

describe('docker ps Ports column', () => {
  it('DisplayablePorts: sorted by private port, equal public/private ports grouped into ranges, other mappings last (lab output)', () => {
    const e = engine();
    expect(e.exec('docker run -d --name au-pp -p 8091:80 -p 81:81 -p 82:82 -p 84:84 --expose 90-92 --expose 95/udp -p 127.0.0.1:9999:99/udp mini:latest sleep 1000').exitCode).toBe(0);
    expect(e.exec("docker ps --filter name=au-pp --format '{{.Ports}}'").stdout).toBe(
      '0.0.0.0:81-82->81-82/tcp, :::81-82->81-82/tcp, 0.0.0.0:84->84/tcp, :::84->84/tcp, 90-92/tcp, 95/udp, 0.0.0.0:8091->80/tcp, :::8091->80/tcp, 127.0.0.1:9999->99/udp\n',
    );
  });
});

describe('docker network connect', () => {
  it('--ip on a predefined network is refused before the existing endpoint is noticed', () => {
    const e = engine();
    e.exec('docker run -d --name au-l1 mini:latest sleep 100000');
    expect(e.exec('docker network connect --ip 10.213.0.78 bridge au-l1')).toEqual({ stdout: '', stderr: 'Error response from daemon: user specified IP address is supported on user defined networks only\n', exitCode: 1 });
    expect(e.exec('docker network connect bridge au-l1').stderr).toBe('Error response from daemon: endpoint with name au-l1 already exists in network bridge\n');
  });

  it('--link CHILD on a user network: Links as typed, CHILD resolves', () => {
    const e = engine();
    e.exec('docker run -d --name au-q1 --network au-n1 mini:latest sleep 100000');
    e.exec('docker run -d --name au-q2 mini:latest sleep 100000');
    expect(e.exec('docker network connect --link au-q1:qq au-n1 au-q2').exitCode).toBe(0);
    expect(e.exec("docker inspect -f '{{json .NetworkSettings.Networks}}' au-q2").stdout).toContain('"Links":["au-q1:qq"]');
    expect(e.exec('docker exec au-q2 ping -c 1 -W 1 qq').exitCode).toBe(0);
  });
});

describe('docker exec errors and busybox usage texts', () => {
  it('20.10: missing container, missing command (stdout, 126), too few arguments', () => {
    const e = engine();
    e.exec('docker run -d --name au-e1 mini:latest sleep 100000');
    expect(e.exec('docker exec au-nonexist hostname')).toEqual({ stdout: '', stderr: 'Error: No such container: au-nonexist\n', exitCode: 1 });
    expect(e.exec('docker exec au-e1 nosuchcmd')).toEqual({
      stdout: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH: unknown\n',
      stderr: '',
      exitCode: 126,
    });
    const few = {
      stdout: '',
      stderr: `"docker exec" requires at least 2 arguments.\nSee 'docker exec --help'.\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nRun a command in a running container\n`,
      exitCode: 1,
    };
    expect(e.exec('docker exec au-e1')).toEqual(few);
    expect(e.exec('docker exec')).toEqual(few);
  });

  it('28.x: the daemon\'s not-found and its own usage wording', () => {
    const rt = new Runtime({ sim: new Sim(), rng: new Rng(1), cliStyle: 'v28' });
    expect(rt.exec(['exec', 'au-nonexist', 'hostname']).stderr).toBe('Error response from daemon: No such container: au-nonexist\n');
    expect(rt.exec(['exec', 'au-nonexist']).stderr).toBe(
      "docker: 'docker exec' requires at least 2 arguments\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'docker exec --help' for more information\n",
    );
  });

  it('ip without an object and ping without a host print busybox usage; ip -4 addr drops the link lines', () => {
    const e = engine();
    e.exec('docker run -d --name au-e1 mini:latest sleep 100000');
    expect(e.exec('docker exec au-e1 ip')).toEqual({ stdout: '', stderr: IP_USAGE, exitCode: 1 });
    expect(e.exec('docker exec au-e1 ping -c 1')).toEqual({ stdout: '', stderr: PING_USAGE, exitCode: 1 });
    const v4 = e.exec('docker exec au-e1 ip -4 addr').stdout;
    expect(v4).not.toContain('link/');
    expect(v4).toContain('inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0');
  });
});
