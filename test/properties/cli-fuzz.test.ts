/**
 * The `dockernet` CLI under random arguments (built `dist/cli/main.js`, run as a child process the
 * way users run it): whatever the argv, it ends by itself with exit status 0, 1 or 2, never prints
 * a stack trace, and a bad-input failure (2) is one `dockernet: …` line on stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { runs } from './runs.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

beforeAll(() => {
  if (!existsSync(CLI)) spawnSync('npx', ['tsup'], { cwd: ROOT, stdio: 'ignore' });
}, 300_000);

const WORDS = [
  'trace', 'reach', 'graph', 'exec', 'replay', 'observe', 'oracle', 'compose', 'help',
  '--from', '--to', '--format', '--seed', '--icmp', '--tcp', '--udp', '--no-color', '-h', '--help', '-V', '--',
  'examples/scenarios/web-db', 'examples/scenarios/cross-network', 'examples/compose/docker-compose.yml', '/nonexistent',
  'web', 'db', 'host', 'db:5432', 'web:80/udp', '172.18.0.2', '10.0.0.1:99999', 'json', 'text', 'mermaid', 'dot', 'tsv',
  'ip', 'route', 'ping', '-c', '1', 'toString', '__proto__', '', ' ', '-', '=',
];

const argvArb = fc.array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }), { maxLength: 7 });

describe('dockernet CLI fuzzing', () => {
  it('exits 0/1/2 on its own, no stack trace, bad input is one line', () => {
    fc.assert(
      fc.property(argvArb, (argv) => {
        const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
        const what = JSON.stringify(argv);
        expect(r.signal, `${what} was killed (hang?)`).toBeNull();
        expect([0, 1, 2], `${what}: exit ${r.status}\n${r.stderr}`).toContain(r.status);
        expect(r.stderr, what).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
        if (r.status === 2) {
          const lines = r.stderr.trimEnd().split('\n');
          expect(lines[0], what).toMatch(/^dockernet: /);
        }
      }),
      { numRuns: runs(20) },
    );
  });
});
