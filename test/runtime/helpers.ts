import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { Runtime, type CliStyle } from '../../src/runtime/runtime.js';
import { splitCommandLine } from '../../src/runtime/cli/split.js';

/** A fresh engine and a `docker ...` line runner. */
export function engine(cliStyle: CliStyle = 'v28', seed = 1) {
  const sim = new Sim();
  const rt = new Runtime({ sim, rng: new Rng(seed), cliStyle, dataRoot: '/var/lib/docker' });
  const d = (line: string) => rt.exec(splitCommandLine(line));
  const out = (line: string) => d(line).stdout.trimEnd();
  return { rt, sim, d, out };
}
