/**
 * iptables' error classes and their exact texts, for `iptables` and `iptables-restore`.
 *
 * @module
 */
import { DockernetError } from '../core/errors.js';

/** The version banner iptables prints in front of parameter problems. */
export const XT_VERSION = 'v1.8.9 (nf_tables)';

/**
 * How an error is reported:
 * - `param`: a parameter problem found while parsing (exit 2, with the "Try … --help" line);
 * - `bare`: a parameter problem printed without the program banner (`Bad argument `x'`);
 * - `other`: an error the kernel/cache reports as "iptables: MSG" (exit 1);
 * - `batch`: an nf_tables batch failure such as `RULE_APPEND failed (Too many links)` (exit 4);
 * - `table`: unknown table (exit 3).
 */
export type XtErrorKind = 'param' | 'bare' | 'other' | 'batch' | 'table';

/** An iptables error before it is formatted for `iptables` or `iptables-restore`. */
export class XtError extends DockernetError {
  /** How the message is framed when printed. */
  readonly kind: XtErrorKind;
  /** The bare message (without program name or line number). */
  readonly detail: string;
  constructor(kind: XtErrorKind, detail: string) {
    const exit = kind === 'param' || kind === 'bare' ? 2 : kind === 'batch' ? 4 : kind === 'table' ? 3 : 1;
    // An XtError is iptables' exit status, not a bug: it is caught and printed, and libnetwork's
    // `-C` probes raise one on every miss. Capturing a stack trace for each was most of their cost.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super('EIPTABLES', detail, exit);
    Error.stackTraceLimit = limit;
    this.name = 'XtError';
    this.kind = kind;
    this.detail = detail;
  }
}

/** A parameter problem (exit 2). */
export function paramError(msg: string): XtError {
  return new XtError('param', msg);
}

/** The stderr text `iptables` prints for `e`. */
export function formatIptablesError(e: XtError): string {
  switch (e.kind) {
    case 'param':
      return `iptables ${XT_VERSION}: ${e.detail}\nTry \`iptables -h' or 'iptables --help' for more information.\n`;
    case 'bare':
      return `${e.detail}\nTry \`iptables -h' or 'iptables --help' for more information.\n`;
    case 'other':
      return e.detail.startsWith('chain `') ? `iptables ${XT_VERSION}: ${e.detail}\n` : `iptables: ${e.detail}\n`;
    case 'batch':
      return `iptables ${XT_VERSION}:  ${e.detail}\n`;
    case 'table':
      return `iptables ${XT_VERSION}: ${e.detail}\nPerhaps iptables or your kernel needs to be upgraded.\n`;
  }
}

/** The stderr text `iptables-restore` prints for `e` raised at input line `line` (1-based). */
export function formatRestoreError(e: XtError, line: number): string {
  const tryLine = "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n";
  switch (e.kind) {
    case 'param':
      return `iptables-restore ${XT_VERSION}: ${e.detail}\nError occurred at line: ${line}\n${tryLine}`;
    case 'bare':
      return `${e.detail}\nError occurred at line: ${line}\n${tryLine}`;
    case 'other':
      return e.detail ? `iptables-restore: line ${line} failed: ${e.detail}\n` : `iptables-restore: line ${line} failed\n`;
    case 'batch':
      return `iptables-restore ${XT_VERSION}: \nline ${line}: ${e.detail}\n`;
    case 'table':
      return `iptables-restore ${XT_VERSION}: iptables-restore: line ${line} table name '${e.detail}' invalid\nError occurred at line: ${line}\n${tryLine}`;
  }
}

/** The error `iptables-restore` raises: a {@link DockernetError} whose message is its full stderr text. */
export class RestoreError extends DockernetError {
  /** 1-based input line the error refers to. */
  readonly line: number;
  constructor(message: string, exitCode: number, line: number) {
    super('EIPTABLES', message, exitCode);
    this.name = 'RestoreError';
    this.line = line;
  }
}
