// A position in a bundled benchmark (bench/.build/…/*.mjs, esbuild's linked source maps) as the
// `src/…ts:line` (or `bench/…ts:line`) it came from. Shared by run.mjs (--profile), instructions.mjs
// (--lines) and deopts.mjs (--deopts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SourceMap } from 'node:module';

const maps = new Map();

/**
 * `line` and `col` are 1-based (V8's traces and jitdump); null when `url` is not a bundle of ours or
 * the map has no entry for the position.
 */
export function sourceLine(url, line, col) {
  if (!url || !url.includes('/bench/.build/')) return null;
  let sm = maps.get(url);
  if (sm === undefined) {
    sm = null;
    try {
      sm = new SourceMap(JSON.parse(readFileSync((url.startsWith('file:') ? fileURLToPath(url) : url) + '.map', 'utf8')));
    } catch {}
    maps.set(url, sm);
  }
  const e = sm?.findEntry(line - 1, col - 1);
  return e?.originalSource ? `${e.originalSource.replace(/^.*?\/(src|bench)\//, '$1/')}:${e.originalLine + 1}` : null;
}
