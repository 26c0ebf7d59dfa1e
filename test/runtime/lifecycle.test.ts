import { describe, expect, it } from 'vitest';
import { engine } from './helpers.js';

describe('container lifecycle (rt-09 behaviours)', () => {
  it('names, conflicts and errors of rm/stop/kill', () => {
    const { d, out } = engine();
    const id = out('docker run -d --name dup mini:latest sleep 100');
    expect(d('docker run -d --name dup mini:latest sleep 100').stderr).toContain(`Conflict. The container name "/dup" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
    expect(d('docker rm dup').stderr).toBe(`Error response from daemon: You cannot remove a running container ${id}. Stop the container before attempting removal or force remove\n`);
    expect(out('docker kill --signal TERM dup')).toBe('dup');
    expect(out("docker inspect -f '{{.State.Status}}' dup")).toBe('running');
    expect(out('docker stop -t 1 dup')).toBe('dup');
    expect(out("docker inspect -f '{{.State.ExitCode}}' dup")).toBe('137');
    expect(d('docker stop dup')).toEqual({ stdout: 'dup\n', stderr: '', exitCode: 0 });
    expect(d('docker kill dup').stderr).toBe(`Error response from daemon: Cannot kill container: dup: Container ${id} is not running\n`);
    expect(d('docker kill nosuch').stderr).toBe('Error response from daemon: Cannot kill container: nosuch: No such container: nosuch\n');
    expect(d('docker rm nosuch')).toEqual({ stdout: '', stderr: 'Error response from daemon: No such container: nosuch\n', exitCode: 1 });
    expect(out('docker restart dup')).toBe('dup');
    expect(out("docker inspect -f '{{.RestartCount}} {{.State.Status}}' dup")).toBe('0 running');
  });

  it('a TERM trap gives its own status; PID 1 survives kill -9 of itself', () => {
    const { d, out } = engine();
    out(`docker run -d --name trap mini:latest sh -c 'trap "exit 3" TERM; while true; do sleep 0.1; done'`);
    d('docker stop trap');
    expect(out("docker inspect -f '{{.State.ExitCode}}' trap")).toBe('3');
    expect(d(`docker run --name self mini:latest sh -c 'kill -9 $$; echo survived'`)).toEqual({ stdout: 'survived\n', stderr: '', exitCode: 0 });
  });

  it('--rm removes after exit; restart policies retry on failure only', () => {
    const { d, out, sim } = engine();
    expect(d('docker run --rm --name rmme mini:latest echo hi').stdout).toBe('hi\n');
    expect(d('docker inspect rmme')).toEqual({ stdout: '[]\n', stderr: 'Error: No such object: rmme\n', exitCode: 1 });
    out(`docker run -d --name rp --restart on-failure:2 mini:latest sh -c 'exit 1'`);
    sim.advance(5e9);
    expect(out("docker inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' rp")).toBe('2 exited 1');
    out(`docker run -d --name ok --restart on-failure:2 mini:latest true`);
    sim.advance(5e9);
    expect(out("docker inspect -f '{{.RestartCount}} {{.State.Status}}' ok")).toBe('0 exited');
    expect(d('docker run --restart bogus mini:latest true').stderr).toContain("invalid restart policy 'bogus'");
    expect(d('docker run --restart always:3 mini:latest true').stderr).toContain("maximum retry count cannot be used with restart policy 'always'");
  });

  it('bad commands: 127 not found, 126 a directory, start prints the failure', () => {
    const { d, out } = engine();
    const r = d('docker run --name badcmd mini:latest nosuchbinary');
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toContain('exec: "nosuchbinary": executable file not found in $PATH');
    expect(out("docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' badcmd")).toBe('created 127');
    const s = d('docker start badcmd');
    expect(s.stderr.split('\n').slice(-2)[0]).toBe('Error: failed to start containers: badcmd');
    expect(d('docker run mini:latest /tmp').exitCode).toBe(126);
    expect(d('docker run mini:latest').stderr).toContain('No command specified');
  });

  it('start -a and wait return the exit code; --entrypoint splits Path/Args', () => {
    const { d, out } = engine();
    out(`docker create --name ex mini:latest sh -c 'echo out; exit 4'`);
    expect(d('docker start -a ex')).toEqual({ stdout: 'out\n', stderr: '', exitCode: 4 });
    expect(out('docker wait ex')).toBe('4');
    out('docker create --name ep --entrypoint echo mini:latest a b');
    expect(out(`docker inspect -f '{{.Path}} {{json .Args}} {{json .Config.Cmd}} {{json .Config.Entrypoint}}' ep`)).toBe('echo ["a","b"] ["a","b"] ["echo"]');
  });

  it('unknown images try a pull that cannot reach the registry', () => {
    const { d } = engine();
    const r = d('docker run nosuchimage');
    expect(r.exitCode).toBe(125);
    expect(r.stderr.split('\n')[0]).toBe("Unable to find image 'nosuchimage:latest' locally");
    expect(d('docker run --pull never nosuchimage').stderr).toContain('No such image: nosuchimage:latest');
    expect(d('docker pull nosuchimage').stdout).toBe('Using default tag: latest\n');
  });

  it('events and ps reflect the lifecycle', () => {
    const { d, out } = engine();
    out('docker run -d --name ev mini:latest sleep 100');
    d('docker pause ev');
    expect(out("docker ps --filter status=paused --format '{{.Names}} {{.State}}'")).toBe('ev paused');
    d('docker unpause ev');
    d('docker kill ev');
    const ev = out('docker events --since 0').split('\n').map((l) => l.split(' ').slice(1, 3).join(' '));
    expect(ev).toEqual(['container create', 'container start', 'container pause', 'container unpause', 'container kill', 'container die']);
    expect(out('docker ps -a --format "{{.Names}} {{.Status}}"')).toBe('ev Exited (137) Less than a second ago');
    expect(out('docker container prune -f').split('\n')[0]).toBe('Deleted Containers:');
  });
});

describe('namespaces (rt-05)', () => {
  it('modes share exactly the namespaces asked for', () => {
    const { rt, out, d } = engine();
    out('docker run -d --name na mini:latest sleep 100');
    out('docker run -d --name hp --pid host mini:latest sleep 100');
    out('docker run -d --name sh1 --ipc shareable mini:latest sleep 100');
    out('docker run -d --name nj --ipc container:sh1 --pid container:na --network container:na mini:latest sleep 100');
    const ns = (n: string) => rt.store.get(n).namespaces!;
    expect(ns('hp').pid).toBe(rt.hostNs.pid);
    expect(ns('na').pid).not.toBe(rt.hostNs.pid);
    expect(ns('nj').pid).toBe(ns('na').pid);
    expect(ns('nj').net).toBe(ns('na').net);
    expect(ns('nj').uts).not.toBe(ns('na').uts);
    expect(ns('nj').ipc).toBe(ns('sh1').ipc);
    expect(ns('na').user).toBe(rt.hostNs.user);
    expect(out('docker exec nj hostname')).toBe(rt.store.get('na').shortId);
    expect(rt.store.get('na').init!.nspid).toBe(1);
    expect(out('docker exec na cat /proc/1/cmdline').split('\0').join(' ')).toBe('sleep 100 ');
    expect(out('docker exec nj busybox ps -o comm').split('\n')).toEqual(['COMMAND', 'sleep', 'sleep', 'busybox']);
    expect(d('docker run -d --ipc container:na mini:latest sleep 1').stderr).toContain(`can't join IPC of container ${rt.store.get('na').id}: non-shareable IPC`);
    d('docker stop -t 1 na');
    expect(out("docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' nj")).toBe('exited 137');
  });
});

describe('OOM (rt-02) and cgroup parents (rt-04)', () => {
  it('PID 1 OOM-killed exits 137 with OOMKilled; an oom event precedes die', () => {
    const { out, d } = engine();
    d('docker run --name o1 --memory 32m mini:latest dd if=/dev/zero of=/dev/null bs=48M count=1');
    expect(out("docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' o1")).toBe('137 true');
    const ev = out('docker events --filter container=o1').split('\n').map((l) => l.split(' ')[2]);
    expect(ev.slice(-3)).toEqual(['start', 'oom', 'die']);
  });

  it('a killed child leaves sh running: exit 0 yet OOMKilled, decided at exit', () => {
    const { rt, out, d } = engine();
    const r = d(`docker run --name o2 --memory 32m mini:latest sh -c 'dd if=/dev/zero of=/dev/null bs=48M count=1; echo rc=$?'`);
    expect(r.stdout).toBe('rc=137\n');
    expect(r.stderr).toBe('Killed\n');
    expect(out("docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' o2")).toBe('0 true');
    out('docker run -d --name o3 --memory 32m mini:latest sleep 100');
    expect(d('docker exec o3 dd if=/dev/zero of=/dev/null bs=48M count=1').exitCode).toBe(137);
    expect(out("docker inspect -f '{{.State.Status}} {{.State.OOMKilled}}' o3")).toBe('running false');
    const id = rt.store.get('o3').id;
    expect(rt.cgroups.read('memory', `/docker/${id}`, 'memory.oom_control')).toBe('oom_kill_disable 0\nunder_oom 0\noom_kill 1');
    expect(rt.cgroups.read('memory', `/docker/${id}`, 'memory.max_usage_in_bytes')).toBe('33554432');
    d('docker stop -t 1 o3');
    expect(out("docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' o3")).toBe('137 true');
  });

  it('--oom-kill-disable blocks the allocation (under_oom 1)', () => {
    const { rt, out, d } = engine();
    out('docker run -d --name o4 --memory 32m --oom-kill-disable mini:latest dd if=/dev/zero of=/dev/null bs=48M count=1');
    rt.sim.advance(1e9);
    const id = rt.store.get('o4').id;
    expect(rt.cgroups.read('memory', `/docker/${id}`, 'memory.oom_control')).toBe('oom_kill_disable 1\nunder_oom 1\noom_kill 0');
    expect(out("docker inspect -f '{{.State.Status}}' o4")).toBe('running');
    d('docker kill o4');
    expect(out("docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' o4")).toBe('137 true');
  });

  it('an absolute --cgroup-parent limit is enforced hierarchically and flags every container below it', () => {
    const { rt, out, d } = engine();
    rt.cgroups.mkdirAll('/mygroup');
    rt.cgroups.write('memory', '/mygroup', 'memory.limit_in_bytes', String(48 << 20));
    const a = out('docker run -d --name pa --cgroup-parent /mygroup --memory 128m mini:latest sleep 100');
    out('docker run -d --name pb --cgroup-parent /mygroup mini:latest sleep 100');
    expect(rt.cgroups.read('memory', `/mygroup/${a}`, 'memory.limit_in_bytes')).toBe(String(128 << 20));
    expect(rt.cgroups.read('memory', `/mygroup/${a}`, 'memory.stat')!.split('\n')[0]).toBe(`hierarchical_memory_limit ${48 << 20}`);
    expect(d('docker exec pa dd if=/dev/zero of=/dev/null bs=64M count=1').exitCode).toBe(137);
    expect(rt.cgroups.h('memory').get(`/mygroup/${a}`)!.oomKills).toBe(1);
    expect(rt.cgroups.h('memory').get('/mygroup')!.oomKills).toBe(0);
    d('docker stop -t 1 pb');
    expect(out("docker inspect -f '{{.State.OOMKilled}} {{.HostConfig.CgroupParent}}' pb")).toBe('true /mygroup');
    d('docker rm -f pa pb');
    expect(rt.cgroups.h('memory').get('/mygroup')).toBeDefined();
  });

  it('a relative --cgroup-parent lands under dockerd\'s memory cgroup, so the parent limit is not enforced', () => {
    const { rt, out } = engine();
    (rt as unknown as { daemonCgroups: Record<string, string> }).daemonCgroups['memory'] = '/process_api/abc';
    const id = out('docker run -d --cgroup-parent mygroup mini:latest sleep 100');
    expect(rt.cgroupPathOf(rt.store.get(id), 'memory')).toBe(`/process_api/abc/mygroup/${id}`);
    expect(rt.cgroupPathOf(rt.store.get(id), 'cpu')).toBe(`/mygroup/${id}`);
  });

  it('pids.max of a parent makes a fork fail with ash\'s message', () => {
    const { rt, d } = engine();
    rt.cgroups.mkdirAll('/pidcap');
    rt.cgroups.write('pids', '/pidcap', 'pids.max', '3');
    const r = d(`docker run --cgroup-parent /pidcap --pids-limit 100 mini:latest sh -c 'sleep 10 & sleep 10 & sleep 10 & echo never'`);
    expect(r.stderr).toBe("sh: can't fork: Resource temporarily unavailable\n");
    expect(r.exitCode).toBe(2);
  });
});

describe('freezer (rt-03)', () => {
  it('a paused container stops making progress until unpaused', () => {
    const { out, d, sim } = engine();
    out(`docker run -d --name fz mini:latest sh -c 'sleep 1; echo done'`);
    d('docker pause fz');
    sim.advance(5e9);
    expect(d('docker logs fz').stdout).toBe('');
    d('docker unpause fz');
    sim.advance(1e6);
    expect(d('docker logs fz').stdout).toBe('done\n');
  });
});

describe('process environment', () => {
  it('is built like the daemon: PATH, HOSTNAME, link vars, Config.Env, HOME', () => {
    const { rt, out } = engine();
    out('docker run -d --name envc -e A=1 mini:latest sleep 100');
    rt.store.get('envc').linkEnv = ['WEB_NAME=/envc/web'];
    const id = rt.store.get('envc').shortId;
    expect(out('docker exec -e B=2 envc busybox env').split('\n')).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `HOSTNAME=${id}`, 'WEB_NAME=/envc/web', 'A=1', 'B=2', 'HOME=/']);
  });
});

describe('pid translation and mount table', () => {
  it('docker top shows host pids, inside the init is PID 1; /proc/mounts lists layers, /etc binds and volumes', () => {
    const { rt, out } = engine();
    out('docker run -d --name tp -v tv:/data mini:latest sleep 100');
    const c = rt.store.get('tp');
    const top = out('docker top tp').split('\n');
    expect(top[0]!.split(/\s+/)).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(top[1]!.split(/\s+/)[1]).toBe(String(c.state.Pid));
    expect(out("docker inspect -f '{{.State.Pid}}' tp")).toBe(String(c.init!.pid));
    expect(c.init!.nspid).toBe(1);
    const mounts = out('docker exec tp cat /proc/mounts').split('\n').map((l) => l.split(' ')[1]);
    expect(mounts[0]).toBe('/');
    expect(mounts).toContain('/etc/hosts');
    expect(mounts[mounts.length - 1]).toBe('/data');
  });

  it('docker logs --since/--until filter by virtual time', () => {
    const { out, sim } = engine();
    out(`docker run -d --name lg mini:latest sh -c 'echo a; sleep 10; echo b'`);
    sim.advance(20e9);
    expect(out('docker logs --since 15s lg')).toBe('b');
    expect(out('docker logs --until 2026-01-01T00:00:05Z lg')).toBe('a');
  });
});

describe('docker events history', () => {
  it('keeps the last 256 events, as dockerd does (eventsLimit); a subscriber still sees every event', () => {
    const { rt, out } = engine();
    const seen: string[] = [];
    rt.events.subscribe((e) => seen.push(e.Action));
    // 100 creates and 100 removes: 200 container events, then 100 more creates
    for (let i = 0; i < 100; i++) out(`docker create --name h${i} mini:latest true`);
    for (let i = 0; i < 100; i++) out(`docker rm h${i}`);
    for (let i = 100; i < 200; i++) out(`docker create --name h${i} mini:latest true`);
    expect(seen).toHaveLength(300);
    expect(rt.events.total).toBe(300);
    const lines = out('docker events --since 0').split('\n');
    expect(lines).toHaveLength(256);
    // the oldest 44 creates were discarded: the history starts at h44's create
    expect(lines[0]).toMatch(/ container create [0-9a-f]{64} \(image=mini:latest, name=h44\)$/);
    expect(lines[255]).toMatch(/name=h199\)$/);
  });
});

describe('docker events formats', () => {
  it('--format with fields and json like events.Message', () => {
    const { out } = engine();
    const id = out('docker create --name evf mini:latest true');
    expect(out("docker events --format '{{.Status}} {{.ID}} {{.Actor.Attributes.name}}'")).toBe(`create ${id} evf`);
    const j = JSON.parse(out("docker events --format '{{json .}}'")) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    expect(j['from']).toBe('mini:latest');
  });
});

describe('pid translation API', () => {
  it('maps between a container pid namespace and the host', () => {
    const { rt, out } = engine();
    out('docker run -d --name pa1 mini:latest sleep 100');
    out('docker run -d --name pj1 --pid container:pa1 mini:latest sleep 100');
    out('docker run -d --name ph1 --pid host mini:latest sleep 100');
    const a = rt.store.get('pa1');
    const j = rt.store.get('pj1');
    expect(rt.procman.hostPidOf(a, 1)).toBe(a.state.Pid);
    expect(rt.procman.nsPidOf(a, j.state.Pid)).toBe(j.init!.nspid);
    expect(rt.procman.nsPidOf(a, rt.store.get('ph1').state.Pid)).toBeUndefined();
    expect(rt.procman.nsPidOf(rt.store.get('ph1'), a.state.Pid)).toBe(a.state.Pid);
  });
});
