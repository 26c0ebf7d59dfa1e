/** Writes an observation (relative path → text) below a directory, as `dockernet observe --out DIR`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes every file of `files` under `outDir` (creating folders). */
export function writeObservation(files: ReadonlyMap<string, string>, outDir: string): void {
  for (const [rel, text] of files) {
    const p = join(outDir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}
