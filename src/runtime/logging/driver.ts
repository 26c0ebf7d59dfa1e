/**
 * Logging drivers: json-file (with rotation), local, none, syslog and fluentd. A driver receives
 * one message per line of container output (a final line without newline is its own message) and
 * may support reading back (`docker logs`).
 */
import type { Nanos } from '../../core/time.js';

/** One log message (a line, with its "\n" if it had one). */
export interface LogMessage {
  line: string;
  stream: 'stdout' | 'stderr';
  time: Nanos;
}

/** A configured logging driver instance of one container. */
export interface LogDriver {
  readonly name: string;
  /** Writes a message. */
  log(m: LogMessage): void;
  /** Stored messages, oldest first; undefined when the driver cannot be read. */
  read(): LogMessage[] | undefined;
  /** Files in the container directory this driver owns: relative name → content. */
  files(): Map<string, string>;
}

/** Error from driver option validation or initialisation, with Docker's text. */
export class LogDriverError extends Error {
  constructor(message: string, readonly atStart: boolean) {
    super(message);
    this.name = 'LogDriverError';
  }
}

/** Writes `text` of `stream` into a line buffer, emitting complete lines; returns the remainder. */
export function splitLines(pending: string, text: string): { lines: string[]; rest: string } {
  const all = pending + text;
  const lines: string[] = [];
  let start = 0;
  for (let i = all.indexOf('\n'); i >= 0; i = all.indexOf('\n', start)) {
    lines.push(all.slice(start, i + 1));
    start = i + 1;
  }
  return { lines, rest: all.slice(start) };
}
