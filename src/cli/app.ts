/**
 * The CLI's program as the `dockernet` executable runs it (bundled to `dist/cli/app.cjs`, loaded by
 * `bin.ts` through the code cache): exit status from {@link run}, and a closed stdout (`| head`) ends
 * the process quietly.
 *
 * @module
 */
import { run } from './main.js';

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});
process.exitCode = run(process.argv.slice(2));
