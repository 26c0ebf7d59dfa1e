/**
 * The working directory: `sh`'s cd/pwd, relative paths, `docker exec -w` and runc's checks of it,
 * as the kernel lab shows them (Docker 20.10.24, busybox 1.35 ash, 2026-12-04).
 */
import { expect, it } from 'vitest';
import { Engine } from '../../src/docker/index.js';

function lab(): Engine {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker run -d --name m1 mini:latest sleep 100000').exitCode).toBe(0);
  return e;
}

it('cd changes the directory relative paths are read from; PWD, OLDPWD and cd - follow', () => {
  const e = lab();
  expect(e.exec(['docker', 'exec', 'm1', 'sh', '-c', 'cd; pwd; echo HOME=$HOME']).stdout).toBe('/\nHOME=/\n');
  const r = e.exec(['docker', 'exec', 'm1', 'sh', '-c', 'cd /www; pwd; cat index.html; cd ..; pwd; cd bin; pwd; ls | head -2; cd /nonexist; echo rc=$?; cd /www/index.html; echo rc=$?; echo $PWD; cd -; echo rc=$?']);
  expect(r.stdout).toBe('/www\nhello\n/\n/bin\nbusybox\ncat\nrc=2\nrc=2\n/bin\n/\nrc=0\n');
  expect(r.stderr).toBe("sh: cd: line 0: can't cd to /nonexist: No such file or directory\nsh: cd: line 0: can't cd to /www/index.html: Not a directory\n");
  // ash counts the lines of a -c script from 0
  const l = e.exec(['docker', 'exec', 'm1', 'sh', '-c', 'echo a\ncd /nonexist\necho b\ncd /x']);
  expect(l.stderr).toBe("sh: cd: line 1: can't cd to /nonexist: No such file or directory\nsh: cd: line 3: can't cd to /x: No such file or directory\n");
  // a file written with a relative path lands in the working directory
  expect(e.exec(['docker', 'exec', 'm1', 'sh', '-c', 'cd /tmp && echo x > f && cat /tmp/f']).stdout).toBe('x\n');
});

it('docker exec -w: the process starts there; runc refuses a relative or missing directory (126, on stdout)', () => {
  const e = lab();
  expect(e.exec(['docker', 'exec', '-w', '/www', 'm1', 'sh', '-c', 'pwd; cat index.html; echo $PWD']).stdout).toBe('/www\nhello\n/www\n');
  expect(e.exec(['docker', 'exec', '-w', '/nope', 'm1', 'sh', '-c', 'pwd'])).toEqual({ stdout: 'OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd ("/nope") set in config.json failed: no such file or directory: unknown\n', stderr: '', exitCode: 126 });
  expect(e.exec(['docker', 'exec', '-w', 'www', 'm1', 'sh', '-c', 'pwd'])).toEqual({ stdout: 'OCI runtime exec failed: exec failed: Cwd must be an absolute path: unknown\n', stderr: '', exitCode: 126 });
});
