import { defineConfig } from 'tsup';

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
    // ASCII output (non-ASCII escaped in strings): one non-ASCII character makes V8 hold and scan
    // the whole module as a two-byte string
    esbuildOptions(o) {
      o.charset = 'ascii';
      o.minifyWhitespace = true;
    },
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    esbuildOptions(o) {
      o.charset = 'ascii';
      o.minifyWhitespace = true;
    },
  },
]);
