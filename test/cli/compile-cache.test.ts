/**
 * The CLI's code cache (src/cli/compile-cache.ts): a bundle compiled from the bytecode a previous
 * run saved, refused when it does not fit, never found by another build of the bundle, and never an
 * error when the cache cannot be written. Then the built executable with and without it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCacheDir, compileCacheName, loadWithCompileCache } from '../../src/cli/compile-cache.js';

/** A CommonJS file that uses its wrapper's arguments, and enough functions to make a real cache. */
function bundle(dir: string, marker = 'a'): string {
  const f = join(dir, 'app.cjs');
  const fns = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x * ${i + 1} + ${i}; }`).join('\n');
  writeFileSync(
    f,
    `'use strict';\nconst path = require('node:path');\n${fns}\nlet s = 0; for (let i = 0; i < 50; i++) s += eval('f' + i)(i);\n` +
      `module.exports = { marker: '${marker}', sum: s, base: path.basename(__filename), dir: __dirname, same: exports === module.exports };\n`,
  );
  return f;
}

const fresh = (): string => mkdtempSync(join(tmpdir(), 'dn-cc-'));

describe('compile cache', () => {
  it('a miss compiles from source and saves; the next load is a hit with the same exports', () => {
    const dir = fresh();
    const cache = join(dir, 'cache');
    const f = bundle(dir);
    const a = loadWithCompileCache(f, cache);
    expect(a.status).toBe('miss');
    expect(a.module.exports).toEqual({ marker: 'a', sum: 42875, base: 'app.cjs', dir, same: true });
    expect(existsSync(cache)).toBe(false); // nothing written before save()
    expect(a.save()).toBe(true);
    expect(readdirSync(cache)).toEqual([compileCacheName(readFileSync(f), f)]);
    const b = loadWithCompileCache(f, cache);
    expect(b.status).toBe('hit');
    expect(b.module.exports).toEqual(a.module.exports);
  });

  it('a damaged cache file is refused (V8 would run it: its digest does not match), compiled from source, and saving repairs it', () => {
    const dir = fresh();
    const cache = join(dir, 'cache');
    const f = bundle(dir);
    loadWithCompileCache(f, cache).save();
    const file = join(cache, compileCacheName(readFileSync(f), f));
    const bytes = readFileSync(file);
    for (let i = 16; i < bytes.length; i += 7) bytes[i] ^= 0x5a;
    writeFileSync(file, bytes);
    const r = loadWithCompileCache(f, cache);
    expect(r.status).toBe('rejected');
    expect(r.module.exports).toMatchObject({ marker: 'a', sum: 42875 });
    expect(r.save()).toBe(true);
    expect(loadWithCompileCache(f, cache).status).toBe('hit');
  });

  it('an intact cache of another source under this name is refused by V8 itself (source length)', () => {
    const dir = fresh();
    const cache = join(dir, 'cache');
    const f = bundle(dir);
    loadWithCompileCache(f, cache).save();
    const name = compileCacheName(readFileSync(f), f);
    const bytes = readFileSync(join(cache, name));
    writeFileSync(f, readFileSync(f, 'utf8') + '// one more line\n');
    writeFileSync(join(cache, compileCacheName(readFileSync(f), f)), bytes);
    const r = loadWithCompileCache(f, cache);
    expect(r.status).toBe('rejected');
    expect(r.module.exports).toMatchObject({ marker: 'a', sum: 42875 });
  });

  it('another build of the same length never finds the old cache (V8 compares only the length)', () => {
    const dir = fresh();
    const cache = join(dir, 'cache');
    const f = bundle(dir, 'a');
    loadWithCompileCache(f, cache).save();
    const before = readFileSync(f).length;
    bundle(dir, 'b');
    expect(readFileSync(f).length).toBe(before);
    const r = loadWithCompileCache(f, cache);
    expect(r.status).toBe('miss');
    expect(r.module.exports).toMatchObject({ marker: 'b' });
  });

  it('keeps the newest three caches of other builds beside the current one; other bundles\' caches stay', () => {
    const dir = fresh();
    const cache = join(dir, 'cache');
    const f = bundle(dir);
    loadWithCompileCache(f, cache).save();
    const current = compileCacheName(readFileSync(f), f);
    const others = Array.from({ length: 5 }, (_, i) => `app.cjs-${String(i).repeat(32)}.v8cache`);
    others.forEach((o, i) => {
      writeFileSync(join(cache, o), 'x');
      utimesSync(join(cache, o), 1_000_000 + i, 1_000_000 + i);
    });
    writeFileSync(join(cache, 'other.cjs-' + '9'.repeat(32) + '.v8cache'), 'x'); // another bundle's: left alone
    bundle(dir, 'b');
    loadWithCompileCache(f, cache).save();
    const now = compileCacheName(readFileSync(f), f);
    // the previous build's cache is now the newest of the others
    expect(readdirSync(cache).sort()).toEqual([current, now, ...others.slice(3), 'other.cjs-' + '9'.repeat(32) + '.v8cache'].sort());
  });

  it('off, or a directory that cannot be made: the file still runs, save() says false and throws nothing', () => {
    const dir = fresh();
    const f = bundle(dir);
    const off = loadWithCompileCache(f, null);
    expect(off.status).toBe('off');
    expect(off.save()).toBe(false);
    const blocked = join(dir, 'plain-file');
    writeFileSync(blocked, '');
    const r = loadWithCompileCache(f, join(blocked, 'cache'));
    expect(r.status).toBe('miss');
    expect(r.module.exports).toMatchObject({ marker: 'a' });
    expect(r.save()).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['app.cjs', 'plain-file']);
  });

  it('the directory: $DOCKERNET_COMPILE_CACHE, off, $XDG_CACHE_HOME, then ~/.cache', () => {
    expect(compileCacheDir({ DOCKERNET_COMPILE_CACHE: '/x/y' })).toBe('/x/y');
    expect(compileCacheDir({ DOCKERNET_COMPILE_CACHE: 'off', XDG_CACHE_HOME: '/c' })).toBeNull();
    expect(compileCacheDir({ DOCKERNET_COMPILE_CACHE: '0' })).toBeNull();
    expect(compileCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/dockernet');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative' })).toMatch(/\/\.cache\/dockernet$/);
    expect(compileCacheDir({})).toMatch(/\/\.cache\/dockernet$/);
  });
});

const CLI = 'dist/cli/main.js';

describe.skipIf(!existsSync(CLI))('the dockernet executable and its cache', () => {
  it('writes the cache at its first run; output and status are the same with the cache, without it, and when it cannot be written', () => {
    const dir = fresh();
    const args = [CLI, 'trace', 'examples/scenarios/cross-network', '--from', 'web', '--to', 'db'];
    const run = (cache: string) => spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DOCKERNET_COMPILE_CACHE: cache }, timeout: 120_000 });
    const off = run('off');
    expect(off.status).toBe(1); // dropped by isolation
    expect(off.stdout).toContain('RESULT: dropped');
    const cache = join(dir, 'cache');
    const first = run(cache);
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^app\.cjs-[0-9a-f]{32}\.v8cache$/);
    const second = run(cache);
    writeFileSync(join(dir, 'plain-file'), '');
    const unwritable = run(join(dir, 'plain-file', 'cache'));
    for (const r of [first, second, unwritable]) {
      expect(r.status).toBe(off.status);
      expect(r.stdout).toBe(off.stdout);
      expect(r.stderr).toBe(off.stderr);
    }
    expect(readdirSync(cache)).toEqual(files);
  });
});
