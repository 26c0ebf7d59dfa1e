/**
 * Loading the CLI's bundle with a V8 code cache, as Node 22's `module.enableCompileCache()` does
 * (Node 20, which the project supports, has no such switch): the bundle is compiled through
 * `vm.Script` with the bytecode a previous run left in a cache file, and a run that found no usable
 * cache writes one when the process exits (`bin.ts`) — after the run, so that it also holds the
 * functions V8 compiled lazily while running, not only the top level.
 *
 * Without it, every `dockernet` command paid for parsing and compiling ~650 KB of JavaScript before
 * its first line of work (measured in docs/performance.md, "Cold start"). The cache changes nothing
 * but time: V8 checks the cache against its own version and flags and rejects one that does not fit
 * (then the source is compiled as without a cache), the file carries a digest of its bytecode (V8
 * does not check one), and its name a hash of the bundle's bytes, the Node version and V8's cache
 * tag, so a rebuilt bundle or another Node never finds the old file (V8 itself compares only the
 * source's length). Any failure to read or write the cache (no home directory, a read-only disk) leaves it
 * out silently: it is only a cache.
 *
 * Where: `$DOCKERNET_COMPILE_CACHE` (a directory, or `off` to disable), else
 * `$XDG_CACHE_HOME/dockernet`, else `~/.cache/dockernet` — a directory of the user's own, never a
 * shared temporary directory, since bytecode read from a file is code that runs.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { cachedDataVersionTag } from 'node:v8';
import { Script } from 'node:vm';

/** Bytes of the sha256 in front of a cache file's bytecode. */
const DIGEST = 32;

/** Caches of other builds (or other Node versions) of the same bundle kept beside the current one. */
const KEEP_OTHERS = 3;

/** What {@link loadWithCompileCache} did with the cache. */
export type CompileCacheStatus =
  /** Compiled from the cached bytecode. */
  | 'hit'
  /** No cache file: compiled from source, to be saved. */
  | 'miss'
  /** A cache file V8 refused (another V8 build or flags) or that is damaged: compiled from source, to be saved again. */
  | 'rejected'
  /** Caching is off (no directory): compiled from source, nothing written. */
  | 'off';

/**
 * The cache directory from the environment (see the module comment), or `null` when caching is off
 * or no directory can be named.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const own = env['DOCKERNET_COMPILE_CACHE'];
  if (own !== undefined && own !== '') return own === 'off' || own === '0' ? null : own;
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'dockernet');
  try {
    const home = homedir();
    return home !== '' ? join(home, '.cache', 'dockernet') : null;
  } catch {
    return null;
  }
}

/** Name of the cache file of `source` (the bundle's bytes) for this Node and V8. */
export function compileCacheName(source: Buffer, file: string): string {
  const h = createHash('sha256');
  h.update(source);
  h.update(`\0${process.version}\0${process.arch}\0${cachedDataVersionTag()}`);
  return `${basename(file)}-${h.digest('hex').slice(0, 32)}.v8cache`;
}

/** What {@link loadWithCompileCache} returns. */
export interface CompileCacheLoad {
  /** What happened to the cache. */
  status: CompileCacheStatus;
  /** The module object the file ran with (`module.exports`). */
  module: { exports: unknown };
  /**
   * Writes the code cache of the file as compiled so far (call it after the work: functions compiled
   * lazily while running are in it too). Returns false when nothing was written (caching off, or the
   * directory cannot be written). Never throws.
   */
  save(): boolean;
}

/**
 * Runs the CommonJS file `file` as `require` would (its own `require`, `module`, `exports`,
 * `__filename`, `__dirname`), compiled with the code cache in `cacheDir` (`null`: no cache). The
 * caller saves the cache when its work is done, if the status says there was none to use.
 */
export function loadWithCompileCache(file: string, cacheDir: string | null): CompileCacheLoad {
  const source = readFileSync(file);
  let cacheFile: string | null = null;
  let cached: Buffer | undefined;
  if (cacheDir !== null) {
    cacheFile = join(cacheDir, compileCacheName(source, file));
    try {
      cached = readFileSync(cacheFile);
    } catch {
      cached = undefined;
    }
  }
  // V8 (release builds) does not checksum a code cache: a damaged file would run. The file carries
  // the sha256 of its bytecode in front; a mismatch counts as refused.
  let bytecode: Buffer | undefined;
  if (cached !== undefined) {
    const body = cached.subarray(DIGEST);
    bytecode = cached.length > DIGEST && createHash('sha256').update(body).digest().equals(cached.subarray(0, DIGEST)) ? body : undefined;
  }
  // the wrapper `require` puts around a CommonJS file (so columns of the first line shift as they do there)
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source.toString('utf8')}\n});`;
  const script = new Script(wrapped, { filename: file, cachedData: bytecode });
  const status: CompileCacheStatus =
    cacheFile === null ? 'off' : cached === undefined ? 'miss' : bytecode === undefined || script.cachedDataRejected === true ? 'rejected' : 'hit';
  const target = cacheFile;
  const save = (): boolean => target !== null && writeCache(script, target);
  const mod = { exports: {} as unknown };
  const fn = script.runInThisContext() as (e: unknown, r: NodeRequire, m: { exports: unknown }, f: string, d: string) => void;
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  return { status, module: mod, save };
}

/** Writes `script`'s code cache to `file` (atomically: a temporary file renamed), and removes all but the newest {@link KEEP_OTHERS} caches of other builds of the same bundle. */
function writeCache(script: Script, file: string): boolean {
  const dir = dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const bytecode = script.createCachedData();
    writeFileSync(tmp, Buffer.concat([createHash('sha256').update(bytecode).digest(), bytecode]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    return false;
  }
  // caches of other builds of the same bundle (same name before the hash): the newest few stay,
  // so that two Node versions used in turn keep one each
  const stem = basename(file).replace(/-[0-9a-f]{32}\.v8cache$/, '-');
  try {
    const others = readdirSync(dir)
      .filter((f) => f !== basename(file) && f.startsWith(stem) && f.endsWith('.v8cache'))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const o of others.slice(KEEP_OTHERS)) unlinkSync(join(dir, o.f));
  } catch {
    // a cache left behind costs disk space only
  }
  return true;
}
