/**
 * What every command shares: the scenario loader, colour detection, output and exit status.
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { Lab } from '../trace/lab.js';
import { LabCapture } from '../trace/pcap.js';

/** Global options. */
export interface GlobalOptions {
  seed: string;
  color: boolean;
}

/** The engine seed from `--seed` (a number when it looks like one). */
export function seedOf(g: GlobalOptions): number | string {
  return /^\d+$/.test(g.seed) ? Number(g.seed) : g.seed;
}

/** Colour only on a terminal, and never with `--no-color` or `NO_COLOR`. */
export function useColor(g: GlobalOptions): boolean {
  return g.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

/** Loads a scenario (file or folder) into a fresh lab. */
export function loadLab(path: string, g: GlobalOptions): Lab {
  const lab = Lab.load(path, { seed: seedOf(g) });
  warnFailures(lab);
  return lab;
}

/** One stderr line when scenario commands failed (the topology is then not what the file says). */
export function warnFailures(lab: Lab): void {
  const bad = lab.replayed.filter((r) => r.exitCode !== 0);
  if (!bad.length) return;
  const why = (bad[0]!.stderr.split('\n').find((l) => l.trim()) ?? `exit ${bad[0]!.exitCode}`).trim();
  process.stderr.write(`dockernet: warning: ${bad.length} scenario command${bad.length > 1 ? 's' : ''} failed; first: ${bad[0]!.line}: ${why}\n`);
}

/** Reads a text file with a one-line error. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such file: ${path}` : code === 'EISDIR' ? `${path} is a directory` : `cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Writes a file with a one-line error. */
export function writeOut(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Starts a pcap capture when `--pcap FILE` was given; returns the function that writes it. */
export function maybeCapture(lab: Lab, file: string | undefined): () => void {
  if (!file) return () => undefined;
  const cap = new LabCapture(lab);
  return () => {
    cap.stop();
    writeOut(file, cap.bytes());
  };
}

/** Prints to stdout. */
export function out(text: string): void {
  process.stdout.write(text);
}
