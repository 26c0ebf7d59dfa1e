/**
 * The API docs build with zero warnings: typedoc runs with the repository's typedoc.json
 * (treatWarningsAsErrors, so one warning fails it) and this test fails on any warning or error it
 * prints, e.g. an exported signature that references a type the barrels do not export.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** True when the checkout has the git remote typedoc derives source links from. */
function hasOriginRemote(): boolean {
  return spawnSync('git', ['-C', ROOT, 'remote', 'get-url', 'origin'], { encoding: 'utf8' }).status === 0;
}

describe('typedoc', () => {
  it('documents the public API with zero warnings', () => {
    const args = ['typedoc', '--emit', 'none'];
    // Source links come from the `origin` remote; a checkout without one (a local work tree) warns
    // about that alone, which says nothing about the docs, so only there are source links left out.
    if (!hasOriginRemote()) args.push('--disableSources');
    const r = spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    const problems = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /\[(warning|error)\]/.test(l));
    expect(problems).toEqual([]);
    expect(r.status).toBe(0);
  }, 600_000);
});
