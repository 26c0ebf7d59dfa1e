import { defineConfig } from 'tsup';

/**
 * ASCII output with whitespace (and so comments) removed: one non-ASCII character, in a string or
 * a comment esbuild keeps, makes V8 hold and scan the whole module as a two-byte string. Names stay
 * as written; source maps map lines back.
 */
function compactAscii(o: { charset?: string; minifyWhitespace?: boolean }): void {
  o.charset = 'ascii';
  o.minifyWhitespace = true;
}

export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'arbitraries/index': 'src/arbitraries/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
    external: ['fast-check'],
    // import.meta.url in the CJS build (compose/load.ts loads `yaml` on first use through createRequire)
    shims: true,
    esbuildOptions: compactAscii,
  },
  // the CLI: a small executable (src/cli/bin.ts) that runs the program's CommonJS bundle through a V8
  // code cache (src/cli/compile-cache.ts); Node 20 has no compile cache for ES modules
  {
    entry: { 'cli/main': 'src/cli/bin.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    esbuildOptions: compactAscii,
  },
  {
    entry: { 'cli/app': 'src/cli/app.ts' },
    format: ['cjs'],
    sourcemap: true,
    target: 'node20',
    shims: true,
    esbuildOptions: compactAscii,
  },
]);
