import { describe, expect, it } from 'vitest';
import { engine } from './helpers.js';
import { jsonLogLine } from '../../src/runtime/logging/json-file.js';
import { syslogFormat } from '../../src/runtime/logging/drivers.js';

describe('volumes (rt-07)', () => {
  it('named volumes outlive containers, refuse removal while used, and show Docker\'s Mounts', () => {
    const { d, out } = engine();
    expect(out('docker volume create vol1')).toBe('vol1');
    const w = out(`docker run -d --name wr -v vol1:/d mini:latest sh -c 'echo persisted > /d/f; sleep 100'`);
    expect(d('docker volume rm vol1').stderr).toBe(`Error response from daemon: remove vol1: volume is in use - [${w}]\n`);
    expect(d('docker volume rm -f vol1').exitCode).toBe(1);
    expect(out("docker inspect -f '{{json .Mounts}}' wr")).toBe('[{"Type":"volume","Name":"vol1","Source":"/var/lib/docker/volumes/vol1/_data","Destination":"/d","Driver":"local","Mode":"z","RW":true,"Propagation":""}]');
    d('docker rm -f wr');
    expect(out('docker run --rm -v vol1:/data:ro mini:latest cat /data/f')).toBe('persisted');
    expect(out(`docker volume inspect -f '{{.Labels}} {{.Options}} {{.Scope}} {{.Mountpoint}}' vol1`)).toBe('<no value> <no value> local /var/lib/docker/volumes/vol1/_data');
  });

  it('anonymous volumes, rm -v, --volumes-from, binds and their errors', () => {
    const { rt, d, out } = engine();
    out('docker create --name holder -v /anon mini:latest true');
    const anon = rt.store.get('holder').mounts[0]!;
    expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(anon.Mode).toBe('');
    out('docker create --name user --volumes-from holder:ro mini:latest true');
    expect(out(`docker inspect -f '{{json .HostConfig.VolumesFrom}} {{(index .Mounts 0).Mode}} {{(index .Mounts 0).RW}}' user`)).toBe('["holder:ro"] ro false');
    d('docker rm user');
    d('docker rm -v holder');
    expect(out('docker volume ls -q')).toBe('');
    out('docker create --name bd -v /srv/data:/mnt mini:latest true');
    expect(out(`docker inspect -f '{{(index .Mounts 0).Type}} {{(index .Mounts 0).Propagation}}' bd`)).toBe('bind rprivate');
    expect(d('docker run --mount type=bind,source=/nowhere,target=/x mini:latest true').stderr).toContain('invalid mount config for type "bind": bind source path does not exist: /nowhere');
    expect(d('docker run -v relative/path:/x mini:latest true').stderr).toContain('"relative/path" includes invalid characters for a local volume name');
  });

  it('an empty named volume over an image directory gets a copy of it; prune removes every unused volume', () => {
    const { d, out } = engine();
    d('docker run --name cp -v binvol:/bin mini:latest true');
    d('docker rm cp');
    expect(out('docker run --rm -v binvol:/x mini:latest ls /x').split('\n')).toContain('busybox');
    d('docker volume create keep');
    const r = out('docker volume prune -f').split('\n');
    expect(r[0]).toBe('Deleted Volumes:');
    expect(r.slice(1, 3).sort()).toEqual(['binvol', 'keep']);
    expect(r[r.length - 1]).toBe('Total reclaimed space: 1.982MB');
  });
});

describe('images (rt-06) and build', () => {
  it('commit, history, diff and rmi semantics', () => {
    const { d, out } = engine();
    d(`docker run --name maker mini:latest sh -c 'echo data > /hello.txt'`);
    expect(out('docker diff maker')).toBe('A /hello.txt');
    const v1 = out('docker commit maker snap:v1');
    expect(out("docker history --format '{{.CreatedBy}}|{{.Size}}' snap:v1")).toBe('sh -c echo data > /hello.txt|5B\n|1.98MB');
    d('docker tag snap:v1 snap:t1');
    expect(out('docker rmi snap:t1')).toBe('Untagged: snap:t1');
    d('docker create --name user snap:v1 true');
    expect(d('docker rmi snap:v1').stderr).toContain('must force');
    d('docker rm user');
    const del = out('docker rmi snap:v1').split('\n');
    expect(del.slice(0, 2)).toEqual(['Untagged: snap:v1', `Deleted: ${v1}`]);
    expect(del).toHaveLength(3);
    expect(d('docker rmi nosuch:tag').stderr).toBe('Error response from daemon: No such image: nosuch:tag\n');
  });

  it('builds from a Dockerfile subset with layer caching', () => {
    const { rt, out } = engine();
    const ctx = rt.hostFiles('/ctx');
    const enc = new TextEncoder();
    ctx.set('/Dockerfile', { type: 'file', mode: 0o644, mtime: 0, data: enc.encode('FROM mini:latest\nRUN echo built > /b.txt\nCOPY app.txt /app/\nENV A=1\nEXPOSE 8080\nCMD ["cat","/app/app.txt"]\n') });
    ctx.set('/app.txt', { type: 'file', mode: 0o644, mtime: 0, data: enc.encode('hello app\n') });
    const first = out('docker build -t app:1 /ctx').split('\n');
    expect(first[first.length - 1]).toBe('Successfully tagged app:1');
    expect(first.filter((l) => l === ' ---> Using cache')).toHaveLength(0);
    expect(out('docker run --rm app:1')).toBe('hello app');
    expect(out('docker run --rm app:1 cat /b.txt')).toBe('built');
    expect(out("docker image inspect -f '{{json .Config.Env}} {{json .Config.ExposedPorts}}' app:1")).toBe('["A=1"] {"8080/tcp":{}}');
    const second = out('docker build -t app:2 /ctx').split('\n');
    expect(second.filter((l) => l === ' ---> Using cache')).toHaveLength(5);
    expect(out("docker image inspect -f '{{.Id}}' app:1")).toBe(out("docker image inspect -f '{{.Id}}' app:2"));
    ctx.set('/app.txt', { type: 'file', mode: 0o644, mtime: 0, data: enc.encode('changed\n') });
    const third = out('docker build -t app:3 /ctx').split('\n');
    expect(third.filter((l) => l === ' ---> Using cache')).toHaveLength(1);
    expect(out('docker run --rm app:3')).toBe('changed');
  });
});

describe('logging', () => {
  it('json-file lines are Go-encoded and rotate at max-size', () => {
    expect(jsonLogLine({ line: 'a<b>&"\n', stream: 'stdout', time: 1 })).toBe('{"log":"a\\u003cb\\u003e\\u0026\\"\\n","stream":"stdout","time":"2026-01-01T00:00:00.000000001Z"}\n');
    const { rt, d, out } = engine();
    d(`docker run --name rot --log-opt max-size=1k --log-opt max-file=2 mini:latest sh -c 'i=0; while [ $i -lt 200 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done'`);
    const files = rt.store.get('rot').log!.files();
    expect([...files.keys()].length).toBe(2);
    const logs = out('docker logs rot').split('\n');
    expect(logs.length).toBeLessThan(200);
    expect(logs[logs.length - 1]).toBe('line-199-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    expect(out('docker logs --tail 1 rot')).toBe('line-199-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
  });

  it('none refuses reading; syslog without /dev/log fails at start; fluentd and syslog records', () => {
    const { rt, d, out } = engine();
    expect(d('docker run --name nl --log-driver none mini:latest echo hi').stdout).toBe('hi\n');
    expect(d('docker logs nl').stderr).toBe('Error response from daemon: configured logging driver does not support reading\n');
    expect(d('docker run --name sl --log-driver syslog mini:latest echo hi').stderr).toContain('failed to initialize logging driver: Unix syslog delivery error');
    expect(out("docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' sl")).toBe('created 128');
    d('docker run --name su --log-driver syslog --log-opt syslog-address=udp://127.0.0.1:514 mini:latest echo hi');
    expect(out('docker logs su')).toBe('hi');
    const id = rt.store.get('su').shortId;
    expect(rt.logSinks.syslog[0]!.text).toMatch(new RegExp(`^<30>Jan  1 00:00:\\d\\d ${id}\\[700\\]: hi$`));
    d('docker run --name fl --log-driver fluentd mini:latest sh -c "echo oops >&2"');
    expect(rt.logSinks.fluentd[0]!.record).toEqual({ container_id: rt.store.get('fl').id, container_name: '/fl', source: 'stderr', log: 'oops' });
    expect(syslogFormat('rfc5424', { line: 'x\n', stream: 'stderr', time: 0 }, 't', 'vm', 1)).toBe('<27>1 2026-01-01T00:00:00Z vm t 1 t - x');
    expect(d('docker run --log-opt bogus=1 mini:latest true').stderr).toContain("unknown log opt 'bogus' for json-file log driver");
    expect(d('docker run --log-driver nosuchdriver mini:latest true').stderr).toContain('error looking up logging plugin nosuchdriver: plugin "nosuchdriver" not found');
  });
});
