/**
 * The CLI's cold start: the README's main job (`dockernet trace` of an example scenario, a packet
 * dropped by network isolation) run as a user runs it, one fresh `node dist/cli/main.js` process per
 * operation, with the V8 code cache of src/cli/compile-cache.ts (primed by the warm-up run, as the
 * first run after an install or a build primes it) and without it (`DOCKERNET_COMPILE_CACHE=off`);
 * `--version` (load and start, no scenario) likewise; and a bare `node -e 0`, the floor every command
 * pays. One operation = one process, timed from spawn to exit.
 *
 * Runs the built `dist/` of the current directory (`npm run bench` builds it first); under `--compare`
 * both sides run that same build, so compare its figures only across commits of separate runs. Not
 * one of the numbered benchmarks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { body, type Bench, type BenchCase } from './lib.js';

const CLI = resolve('dist/cli/main.js');
const TRACE = ['trace', 'examples/scenarios/cross-network', '--from', 'web', '--to', 'db'];

/** `args` of the CLI (`null`: a bare `node -e 0`); `cache`: with the code cache (a fresh directory, primed by the warm-up run). */
function startCase(label: string, args: string[] | null, cache: boolean, status: number): BenchCase {
  return {
    label,
    params: { command: args === null ? 'node -e 0' : `dockernet ${args.join(' ')}`, codeCache: args === null ? 'n/a' : cache ? 'on (primed)' : 'off' },
    ops: 20,
    warmup: 1,
    processPerRun: true,
    expected: (done) => ({ processes: done, unexpectedStatus: 0 }),
    setup() {
      if (args !== null && !existsSync(CLI)) throw new Error(`${CLI} not found: build first (npm run build)`);
      const dir = cache ? mkdtempSync(join(tmpdir(), 'dn-bench-cc-')) : null;
      if (dir !== null) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      const env = { ...process.env, NO_COLOR: '1', DOCKERNET_COMPILE_CACHE: dir ?? 'off' };
      const argv = args === null ? ['-e', '0'] : [CLI, ...args];
      let processes = 0;
      let unexpectedStatus = 0;
      return body(
        () => {
          const r = spawnSync(process.execPath, argv, { env, stdio: 'ignore' });
          processes++;
          if (r.status !== status) unexpectedStatus++;
        },
        () => ({ processes, unexpectedStatus }),
      );
    },
  };
}

const bench: Bench = {
  name: 'cli-start',
  title: 'the CLI from a fresh process: trace of an example and --version, with and without the code cache, and bare node',
  unit: 'process',
  cases: [
    startCase('trace, code cache', TRACE, true, 1),
    startCase('trace, no code cache', TRACE, false, 1),
    startCase('--version, code cache', ['--version'], true, 0),
    startCase('--version, no code cache', ['--version'], false, 0),
    startCase('bare node -e 0', null, false, 0),
  ],
};
export default bench;
