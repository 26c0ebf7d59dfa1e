/**
 * Deterministic engines for properties: the engine's seed is drawn by fast-check, so a failing
 * run replays exactly (`fc.assert(…, { seed, path })` gives the same ids, MACs, veth names, ports
 * and packet timings).
 *
 * @module
 */
import fc from 'fast-check';
import { Engine, type EngineOptions } from '../docker/engine.js';

/** A seed for {@link engineFromSeed}; shrinks towards 0. */
export function engineSeed(): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 0x7fffffff });
}

/** A fresh engine whose every random choice derives from `seed`. */
export function engineFromSeed(seed: number, opts: Omit<EngineOptions, 'seed'> = {}): Engine {
  return new Engine({ ...opts, seed });
}

/** Result of running a command list with {@link runCommands}. */
export interface CommandRun {
  /** Each line with its exit code and output. */
  results: Array<{ line: string; exitCode: number; stdout: string; stderr: string }>;
  /** Lines that exited non-zero. */
  failed: Array<{ line: string; exitCode: number; stderr: string }>;
}

/** Runs `lines` on `engine` in order, collecting outputs and failures. */
export function runCommands(engine: Engine, lines: readonly string[]): CommandRun {
  const results: CommandRun['results'] = [];
  const failed: CommandRun['failed'] = [];
  for (const line of lines) {
    const r = engine.exec(line);
    results.push({ line, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
    if (r.exitCode !== 0) failed.push({ line, exitCode: r.exitCode, stderr: r.stderr });
  }
  return { results, failed };
}
