/**
 * Standard input of processes (docker exec -i, docker run -i, sh pipes and `<`), and the Waker
 * that resumes a waiting program on an event instead of a timer.
 */
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { SECOND } from '../../src/core/time.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { Waker, type ProgramRun } from '../../src/runtime/process.js';
import { printf } from '../../src/runtime/programs/sh.js';

function rt(): Runtime {
  return new Runtime({ sim: new Sim(), rng: new Rng(1) });
}

describe('stdin', () => {
  it('docker exec -i gives the program the CLI\'s stdin; without -i it reads /dev/null', () => {
    const r = rt();
    const started = r.exec(['run', '-d', '--name', 'box', 'mini:latest', 'sleep', '1000']);
    expect(started.stderr).toBe('');
    expect(r.exec(['exec', '-i', 'box', 'cat'], { stdin: 'one\ntwo\n' })).toEqual({ stdout: 'one\ntwo\n', stderr: '', exitCode: 0 });
    expect(r.exec(['exec', 'box', 'cat'], { stdin: 'ignored\n' })).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('docker run -i feeds the container\'s main process', () => {
    const r = rt();
    expect(r.exec(['run', '-i', '--rm', 'mini:latest', 'cat'], { stdin: 'piped\n' }).stdout).toBe('piped\n');
    expect(r.exec(['run', '--rm', 'mini:latest', 'cat'], { stdin: 'piped\n' }).stdout).toBe('');
  });

  it('sh pipes hand each stage\'s stdout to the next stage; stderr is not piped', () => {
    const r = rt();
    r.exec(['run', '-d', '--name', 'box', 'mini:latest', 'sleep', '1000']);
    expect(r.exec(['exec', 'box', 'sh', '-c', 'printf "a\\nb\\nc\\n" | head -2']).stdout).toBe('a\nb\n');
    expect(r.exec(['exec', 'box', 'sh', '-c', 'echo x | cat | cat']).stdout).toBe('x\n');
    expect(r.exec(['exec', 'box', 'sh', '-c', 'cat /nonexist | cat'])).toEqual({ stdout: '', stderr: "cat: can't open '/nonexist': No such file or directory\n", exitCode: 0 });
    // the shell's own stdin reaches the first stage
    expect(r.exec(['exec', '-i', 'box', 'sh', '-c', 'cat | head -1'], { stdin: 'first\nsecond\n' }).stdout).toBe('first\n');
  });

  it('< reads a file of the container; a missing one is busybox ash\'s error with status 1', () => {
    const r = rt();
    r.exec(['run', '-d', '--name', 'box', 'mini:latest', 'sleep', '1000']);
    expect(r.exec(['exec', 'box', 'sh', '-c', 'cat < /www/index.html']).stdout).toBe('hello\n');
    expect(r.exec(['exec', 'box', 'sh', '-c', 'cat < /nonexist; echo rc=$?'])).toEqual({ stdout: 'rc=1\n', stderr: "sh: can't open /nonexist: no such file\n", exitCode: 0 });
  });

  it('head exists only inside sh (busybox standalone shell), as in the lab', () => {
    const r = rt();
    r.exec(['run', '-d', '--name', 'box', 'mini:latest', 'sleep', '1000']);
    expect(r.exec(['exec', 'box', 'head', '-1', '/etc/hosts']).exitCode).toBe(126);
    expect(r.exec(['exec', 'box', 'sh', '-c', 'head -n 1 /www/index.html']).stdout).toBe('hello\n');
  });
});

describe('printf (busybox)', () => {
  it('matches the lab\'s outputs', () => {
    expect(printf('a\\tb\\r\\n', [])).toBe('a\tb\r\n');
    expect(printf('%s-%d-%c|%5s|%-3s|%x|%%\\n', ['foo', '42', 'xyz', 'ab', 'c', '255'])).toBe('foo-42-x|   ab|c  |ff|%\n');
    expect(printf('\\101\\n', [])).toBe('A\n');
    expect(printf('%s\\n', ['a', 'b', 'c'])).toBe('a\nb\nc\n');
    expect(printf('%b\\n', ['x\\ty'])).toBe('x\ty\n');
  });
});

describe('Waker', () => {
  it('resumes a waiting program at the instant of the wake, not at its timer; a stale wake is ignored', () => {
    const r = rt();
    const w = new Waker();
    const resumedAt: number[] = [];
    r.programs.register('waiter', (ctx) =>
      (function* (): ProgramRun {
        yield { sleep: 100 * SECOND, wake: w };
        resumedAt.push(ctx.sim.now);
        yield { sleep: 3 * SECOND };
        resumedAt.push(ctx.sim.now);
        return 0;
      })(),
    );
    r.exec(['run', '-d', '--name', 'box', 'mini:latest', 'sleep', '1000']);
    const t0 = r.sim.now;
    r.exec(['exec', '-d', 'box', 'waiter']);
    r.sim.schedule(2 * SECOND, () => w.wake());
    r.sim.schedule(4 * SECOND, () => w.wake()); // arrives during the plain sleep: must not cut it short
    r.sim.advance(10 * SECOND);
    expect(resumedAt.map((t) => (t - t0) / SECOND)).toEqual([2, 5]);
  });
});
