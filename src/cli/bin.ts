/**
 * The `dockernet` executable (`dist/cli/main.js`): runs the CLI's bundle (`dist/cli/app.cjs`, built
 * from `app.ts`) through the V8 code cache of `compile-cache.ts`, so that a command does not compile
 * the whole bundle from source each time. This file imports nothing of the emulator: it is the part
 * every run compiles from source.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { compileCacheDir, loadWithCompileCache } from './compile-cache.js';

const app = loadWithCompileCache(fileURLToPath(new URL('./app.cjs', import.meta.url)), compileCacheDir());
// written after the command's work, so that the functions it ran are in the cache too
if (app.status === 'miss' || app.status === 'rejected') process.once('exit', app.save);
