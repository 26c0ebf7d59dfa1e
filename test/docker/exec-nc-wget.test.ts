/**
 * `docker exec CTR nc …` and `docker exec CTR wget …` against texts and exit codes measured in the
 * kernel lab (Debian docker.io 20.10.24, `mini:latest` = Debian busybox-static 1.35.0).
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/docker/engine.js';
import { SECOND } from '../../src/core/time.js';
import { NC_USAGE, WGET_USAGE } from '../../src/docker/programs/usage.js';
import { progressLine, size5 } from '../../src/docker/programs/wget.js';

const GET = 'GET / HTTP/1.0\r\n\r\n';

/** A user network with an httpd (`srv`, 172.18.0.2) and a client (`cli`, 172.18.0.3). */
function lab(): Engine {
  const e = new Engine({ seed: 7 });
  for (const l of [
    'docker network create nch-net',
    'docker run -d --name srv --network nch-net mini:latest httpd -f -p 80 -h /www',
    'docker run -d --name cli --network nch-net mini:latest sleep 100000',
  ])
    expect(e.exec(l).exitCode).toBe(0);
  return e;
}

describe('docker exec nc', () => {
  it('sends stdin (docker exec -i) and prints the reply; names resolve through the embedded DNS', () => {
    const e = lab();
    const r = e.exec('docker exec -i cli nc srv 80', { stdin: GET });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\nDate: .*\r\nConnection: close\r\nContent-type: text\/html\r\n/);
    expect(r.stdout.endsWith('Content-Length: 6\r\n\r\nhello\n')).toBe(true);
  });

  it('without -i stdin is /dev/null: nc shuts its side down at once, httpd closes without a reply, exit 0', () => {
    const e = lab();
    expect(e.exec('docker exec cli nc srv 80')).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('a closed port: "can\'t connect to remote host (IP): Connection refused", exit 1 (also port 0 and a missing port)', () => {
    const e = lab();
    for (const cmd of ['nc 172.18.0.2 81', 'nc -w 1 srv 81', 'nc 172.18.0.2 0', 'nc 172.18.0.2', 'nc -p 1302 172.18.0.2 81'])
      expect(e.exec(`docker exec cli ${cmd}`)).toEqual({ stdout: '', stderr: "nc: can't connect to remote host (172.18.0.2): Connection refused\n", exitCode: 1 });
  });

  it('-w is an alarm over connect: an unanswered SYN ends with "nc: timed out" after exactly -w seconds', () => {
    const e = lab();
    const t0 = e.sim.now;
    expect(e.exec('docker exec cli nc -w 1 172.18.0.99 80')).toEqual({ stdout: '', stderr: 'nc: timed out\n', exitCode: 1 });
    expect(e.sim.now - t0).toBeGreaterThanOrEqual(SECOND);
    expect(e.sim.now - t0).toBeLessThan(SECOND + SECOND / 10);
  });

  it('unknown names: "nc: bad address \'x\'" after glibc\'s 2 × 5 s; -w cuts the lookup short', () => {
    const e = lab();
    let t0 = e.sim.now;
    expect(e.exec('docker exec cli nc nosuch 80')).toEqual({ stdout: '', stderr: "nc: bad address 'nosuch'\n", exitCode: 1 });
    expect(Math.round((e.sim.now - t0) / SECOND)).toBe(10);
    t0 = e.sim.now;
    expect(e.exec('docker exec cli nc -w 2 nosuch 80').stderr).toBe('nc: timed out\n');
    expect(Math.round((e.sim.now - t0) / SECOND)).toBe(2);
  });

  it('this busybox has no -u/-z: getopt errors with the usage text, exit 1', () => {
    const e = lab();
    expect(e.exec('docker exec cli nc -u 1.2.3.4 5')).toEqual({ stdout: '', stderr: `nc: invalid option -- 'u'\n${NC_USAGE}`, exitCode: 1 });
    expect(e.exec('docker exec cli nc -z 172.18.0.2 80').stderr).toBe(`nc: invalid option -- 'z'\n${NC_USAGE}`);
    expect(e.exec('docker exec cli nc -p').stderr).toBe(`nc: option requires an argument -- 'p'\n${NC_USAGE}`);
    expect(e.exec('docker exec cli nc 172.18.0.2 80 -w').stderr).toBe(`nc: option requires an argument -- 'w'\n${NC_USAGE}`);
    expect(e.exec('docker exec cli nc 172.18.0.2 -5').stderr).toBe(`nc: invalid option -- '5'\n${NC_USAGE}`);
    expect(e.exec('docker exec cli nc')).toEqual({ stdout: '', stderr: NC_USAGE, exitCode: 1 });
    expect(e.exec('docker exec cli nc a b c')).toEqual({ stdout: '', stderr: NC_USAGE, exitCode: 1 });
  });

  it('bad numbers and ports as busybox words them', () => {
    const e = lab();
    const err = (cmd: string): string => e.exec(`docker exec cli ${cmd}`).stderr;
    expect(err('nc -w abc h 1')).toBe("nc: invalid number 'abc'\n");
    expect(err('nc -w -1 h 1')).toBe("nc: invalid number '-1'\n");
    expect(err('nc -i x h 1')).toBe("nc: invalid number 'x'\n");
    expect(err('nc -p abc')).toBe("nc: bad port 'abc'\n");
    expect(err('nc srv http')).toBe("nc: bad port 'http'\n");
    expect(err('nc srv 65536')).toBe("nc: bad port '65536'\n");
    expect(err('nc -f /nonexist')).toBe("nc: can't open '/nonexist': No such file or directory\n");
  });

  it('-l -p PORT accepts one connection, prints what the client sent and answers with its own stdin', () => {
    const e = lab();
    // the listener runs detached (its output is discarded); the client sees the listener's stdin
    expect(e.exec('docker exec -d srv nc -l -p 1234').exitCode).toBe(0);
    expect(e.exec('docker exec -i cli nc srv 1234', { stdin: 'hi\n' })).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    // the listener exited after that one connection: the port is closed again
    expect(e.exec('docker exec cli nc srv 1234').stderr).toBe("nc: can't connect to remote host (172.18.0.2): Connection refused\n");
  });

  it('a listener in a shell pipeline receives the client data on its stdout', () => {
    const e = lab();
    e.exec(['docker', 'exec', '-d', 'srv', 'sh', '-c', 'nc -l -p 1235 > /tmp/got']);
    expect(e.exec('docker exec -i cli nc srv 1235', { stdin: 'hello-listener\n' }).exitCode).toBe(0);
    expect(e.exec('docker exec srv cat /tmp/got').stdout).toBe('hello-listener\n');
  });

  it('-l binds: "nc: bind: Address already in use" on a taken port, a foreign address cannot be assigned, -w times out accept', () => {
    const e = lab();
    expect(e.exec('docker exec srv nc -l -p 80')).toEqual({ stdout: '', stderr: 'nc: bind: Address already in use\n', exitCode: 1 });
    expect(e.exec('docker exec srv nc -l 1.2.3.4')).toEqual({ stdout: '', stderr: 'nc: bind: Cannot assign requested address\n', exitCode: 1 });
    expect(e.exec('docker exec cli nc -l -w 1 -p 1300')).toEqual({ stdout: '', stderr: 'nc: timed out\n', exitCode: 1 });
  });

  it('-e PROG serves each connection with a program (-ll keeps accepting)', () => {
    const e = lab();
    expect(e.exec('docker exec -d srv nc -ll -p 7 -e cat').exitCode).toBe(0);
    expect(e.exec('docker exec -i cli nc srv 7', { stdin: 'echo me\n' }).stdout).toBe('echo me\n');
    expect(e.exec('docker exec -i cli nc srv 7', { stdin: 'again\n' }).stdout).toBe('again\n');
  });

  it('the oracle probe form: printf … | nc -w 1 HOST PORT | head -1 inside sh -c', () => {
    const e = lab();
    const r = e.exec(['docker', 'exec', 'cli', 'sh', '-c', "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 1 172.18.0.2 80 | head -1"]);
    expect(r).toEqual({ stdout: 'HTTP/1.1 200 OK\r\n', stderr: '', exitCode: 0 });
  });

  it('a published port without a backend: docker-proxy accepts then closes, nc prints nothing and exits 0', () => {
    const e = lab();
    expect(e.exec('docker run -d --name pub -p 8089:81 mini:latest sleep 100000').exitCode).toBe(0);
    expect(e.exec('docker exec -i cli nc 172.18.0.1 8089', { stdin: GET })).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });
});

describe('docker exec wget', () => {
  it('-qO- prints the page only; -O- adds busybox\'s progress on stderr', () => {
    const e = lab();
    expect(e.exec('docker exec cli wget -qO- http://srv/')).toEqual({ stdout: 'hello\n', stderr: '', exitCode: 0 });
    expect(e.exec('docker exec cli wget -qO- srv')).toEqual({ stdout: 'hello\n', stderr: '', exitCode: 0 });
    expect(e.exec('docker exec cli wget -O- http://srv/')).toEqual({
      stdout: 'hello\n',
      stderr: 'Connecting to srv (172.18.0.2:80)\nwriting to stdout\n-                    100% |********************************|     6  0:00:00 ETA\nwritten to stdout\n',
      exitCode: 0,
    });
    expect(e.exec('docker exec cli wget -O- http://172.18.0.2:80/').stderr.split('\n')[0]).toBe('Connecting to 172.18.0.2:80 (172.18.0.2:80)');
  });

  it('saves to index.html, then refuses to overwrite it; -O FILE overwrites; a missing directory fails', () => {
    const e = lab();
    expect(e.exec('docker exec cli wget http://srv/')).toEqual({
      stdout: '',
      stderr: "Connecting to srv (172.18.0.2:80)\nsaving to 'index.html'\nindex.html           100% |********************************|     6  0:00:00 ETA\n'index.html' saved\n",
      exitCode: 0,
    });
    expect(e.exec('docker exec cli cat index.html').stdout).toBe('hello\n');
    expect(e.exec('docker exec cli wget http://srv/')).toEqual({ stdout: '', stderr: "Connecting to srv (172.18.0.2:80)\nwget: can't open 'index.html': File exists\n", exitCode: 1 });
    expect(e.exec('docker exec cli wget -q -O /tmp/x http://172.18.0.2/')).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(e.exec('docker exec cli cat /tmp/x').stdout).toBe('hello\n');
    expect(e.exec('docker exec cli wget -O /nonexist/x http://172.18.0.2/')).toEqual({
      stdout: '',
      stderr: "Connecting to 172.18.0.2 (172.18.0.2:80)\nwget: can't open '/nonexist/x': No such file or directory\n",
      exitCode: 1,
    });
  });

  it("httpd maps a URL to a file: a directory's index.html with or without the slash, query and fragment dropped, %-escapes decoded", () => {
    const e = lab();
    expect(e.exec("docker exec srv sh -c 'echo sub > /www/sub/index.html; echo doc > /www/a.txt'").exitCode).toBe(0);
    const get = (u: string): string => {
      const r = e.exec(`docker exec cli wget -qO- http://srv${u}`);
      return r.exitCode === 0 ? r.stdout : r.stderr;
    };
    for (const u of ['/sub', '/sub/', '/sub?x=1']) expect(get(u)).toBe('sub\n');
    for (const u of ['/a.txt', '/a.txt#frag', '/%61.txt']) expect(get(u)).toBe('doc\n');
    for (const u of ['/a.txt/', '/nope/', '/nope']) expect(get(u)).toBe('wget: server returned error: HTTP/1.1 404 Not Found\n');
  });

  it('errors: refused, bad address (after 10 s), bad port, empty host, 404, 501 for POST, reset by docker-proxy', () => {
    const e = lab();
    const x = (cmd: string) => e.exec(`docker exec cli ${cmd}`);
    expect(x('wget -qO- http://srv:81/')).toEqual({ stdout: '', stderr: "wget: can't connect to remote host (172.18.0.2): Connection refused\n", exitCode: 1 });
    expect(x('wget http://srv:81/').stderr).toBe("Connecting to srv:81 (172.18.0.2:81)\nwget: can't connect to remote host (172.18.0.2): Connection refused\n");
    expect(x('wget -qO- https://srv/').stderr).toBe("wget: can't connect to remote host (172.18.0.2): Connection refused\n");
    const t0 = e.sim.now;
    expect(x('wget -qO- http://nosuch/')).toEqual({ stdout: '', stderr: "wget: bad address 'nosuch'\n", exitCode: 1 });
    expect(Math.round((e.sim.now - t0) / SECOND)).toBe(10);
    expect(x('wget -qO- http://srv:abc/').stderr).toBe("wget: bad port 'abc'\n");
    expect(x('wget -qO- http://').stderr).toBe("wget: bad address ''\n");
    expect(x('wget -qO- http://srv/nope')).toEqual({ stdout: '', stderr: 'wget: server returned error: HTTP/1.1 404 Not Found\n', exitCode: 1 });
    expect(x('wget -S -qO- http://srv/nope').stderr).toBe('  HTTP/1.1 404 Not Found\nwget: server returned error: HTTP/1.1 404 Not Found\n');
    expect(x('wget -qO- --post-data=x http://srv/').stderr).toBe('wget: server returned error: HTTP/1.1 501 Not Implemented\n');
    expect(e.exec('docker run -d --name pub -p 8089:81 mini:latest sleep 100000').exitCode).toBe(0);
    const reset = x('wget -qO- http://172.18.0.1:8089/');
    expect(reset.exitCode).toBe(1);
    expect(reset.stderr).toMatch(/^wget: error getting response(: Connection reset by peer)?\n$/);
  });

  it('-S shows the response headers indented, blank line included; --spider only checks', () => {
    const e = lab();
    const r = e.exec('docker exec cli wget -S --spider http://srv/');
    expect(r.exitCode).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe('Connecting to srv (172.18.0.2:80)');
    expect(lines[1]).toBe('  HTTP/1.1 200 OK');
    expect(lines).toContain('  Content-Length: 6');
    expect(lines).toContain('  ');
    expect(lines.at(-2)).toBe('remote file exists');
    expect(e.exec('docker exec cli wget -q --spider http://srv/')).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(e.exec('docker exec cli wget -q --spider http://srv/nope').stderr).toBe('wget: server returned error: HTTP/1.1 404 Not Found\n');
  });

  it('-T crashes this build (SIGSEGV, exit 139, nothing printed); --timeout is not an option; no URL prints the usage', () => {
    const e = lab();
    expect(e.exec('docker exec cli wget -T 5 -qO- http://srv/')).toEqual({ stdout: '', stderr: '', exitCode: 139 });
    expect(e.exec('docker exec cli wget -qO- --timeout=3 http://srv/')).toEqual({ stdout: '', stderr: `wget: unrecognized option '--timeout=3'\n${WGET_USAGE}`, exitCode: 1 });
    expect(e.exec('docker exec cli wget')).toEqual({ stdout: '', stderr: WGET_USAGE, exitCode: 1 });
    expect(e.exec('docker exec cli wget -Z x').stderr).toBe(`wget: invalid option -- 'Z'\n${WGET_USAGE}`);
  });

  it('serves the container\'s own files: a file written in the server container is fetched by path', () => {
    const e = lab();
    e.exec(['docker', 'exec', 'srv', 'sh', '-c', 'echo sub > /www/page.txt']);
    expect(e.exec('docker exec cli wget -qO- http://srv/page.txt').stdout).toBe('sub\n');
  });

  it('progress sizes as smart_ulltoa5 (lab: 6, 1000, 2000, 1464k) and names cut at 20 characters', () => {
    expect([6, 1000, 2000, 1_500_000].map(size5)).toEqual(['    6', ' 1000', ' 2000', '1464k']);
    expect(progressLine('averyveryverylongfilename.txt', 6)).toBe('averyveryverylongfil 100% |********************************|     6  0:00:00 ETA\n');
    expect(progressLine('null', 1_500_000)).toBe('null                 100% |********************************| 1464k  0:00:00 ETA\n');
  });
});
