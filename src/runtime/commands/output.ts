/**
 * Output helpers shared by the docker commands: the result record, and the error framing of the
 * 20.10 and 28.x docker CLIs (`docker: Error response from daemon: ...`, `See 'docker run --help'.`).
 */
import { DockernetError } from '../../core/errors.js';
import type { CliStyle, ExecResult } from '../runtime.js';
import { FlagError, parseFlags, type FlagSpec, type ParsedFlags } from '../cli/flags.js';
import { ClientError } from '../cli/run-options.js';

/** Accumulates a command's output. */
export class Out {
  stdout = '';
  stderr = '';
  exitCode = 0;
  /** Appends a line to stdout. */
  line(s: string): void {
    this.stdout += s + '\n';
  }
  /** Appends a line to stderr. */
  err(s: string): void {
    this.stderr += s + '\n';
  }
  /** The result. */
  result(): ExecResult {
    return { stdout: this.stdout, stderr: this.stderr, exitCode: this.exitCode };
  }
}

/** Usage lines of the commands (28.x prints them after flag errors). */
export const USAGE: Record<string, string> = {
  run: 'docker run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  create: 'docker create [OPTIONS] IMAGE [COMMAND] [ARG...]',
  update: 'docker update [OPTIONS] CONTAINER [CONTAINER...]',
};

/** A flag/argument error of command `cmd` (exit 125 for run/create, 1 elsewhere in 28.x). */
export function flagError(style: CliStyle, cmd: string, message: string): ExecResult {
  const usage = USAGE[cmd] ?? `docker ${cmd} [OPTIONS]`;
  if (style === 'v20') return { stdout: '', stderr: `${message}\nSee 'docker ${cmd} --help'.\n`, exitCode: 125 };
  return { stdout: '', stderr: `${message}\n\nUsage:  ${usage}\n\nRun 'docker ${cmd} --help' for more information\n`, exitCode: 125 };
}

/**
 * Parses the flags of command `cmd`; when they do not parse, the usage error the docker CLI prints
 * for it ({@link flagError}), for the caller to return as it is:
 * `const p = commandFlags(…); if ('exitCode' in p) return p;`.
 */
export function commandFlags(style: CliStyle, cmd: string, specs: readonly FlagSpec[], args: readonly string[], interspersed = true): ParsedFlags | ExecResult {
  try {
    return parseFlags(specs, args, interspersed);
  } catch (e) {
    return flagError(style, cmd, (e as Error).message);
  }
}

/** The `docker run`/`create` framing of an error: `docker: Error response from daemon: ...`. */
export function runErrorText(style: CliStyle, cmd: string, message: string, daemon = true): string {
  const msg = (daemon ? 'Error response from daemon: ' : '') + message;
  if (style === 'v20') return `docker: ${msg.replace(/\.$/, '')}.\nSee 'docker ${cmd} --help'.\n`;
  return `docker: ${msg}\n\nRun 'docker ${cmd} --help' for more information\n`;
}

/** Converts an exception of a non-run command to `Error response from daemon: ...` (exit 1). */
export function daemonFailure(out: Out, e: unknown): void {
  if (e instanceof DockernetError || e instanceof FlagError || e instanceof ClientError) {
    out.err(e instanceof DockernetError ? `Error response from daemon: ${e.message}` : e.message);
    out.exitCode = 1;
    return;
  }
  throw e;
}
