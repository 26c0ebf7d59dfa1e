/**
 * The json-file driver: one JSON object per line, `{"log":"...","stream":"stdout","time":"..."}`,
 * encoded like Go's encoding/json (HTML-safe escapes), with max-size / max-file rotation.
 */
import type { LogDriver, LogMessage } from './driver.js';
import { rfc3339Nano } from '../units.js';

/** Go's JSON string encoding (escapes <, >, &, U+2028, U+2029, control characters). */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** One json-file line for a message (with the trailing newline). */
export function jsonLogLine(m: LogMessage): string {
  return `{"log":${goJsonString(m.line)},"stream":"${m.stream}","time":"${rfc3339Nano(m.time)}"}\n`;
}

/** Parses a json-file line back into a message (time left as given text in `timeText`). */
export function parseJsonLogLine(line: string): { log: string; stream: 'stdout' | 'stderr'; time: string } {
  return JSON.parse(line) as { log: string; stream: 'stdout' | 'stderr'; time: string };
}

/** One log file of a json-file driver: its lines, their messages and its size in bytes. */
interface LogGeneration {
  lines: string[];
  msgs: LogMessage[];
  size: number;
}

/** The generations of a driver that has not logged anything: one empty live file (shared, frozen). */
const NO_GENERATIONS: LogGeneration[] = Object.freeze([Object.freeze({ lines: Object.freeze([]) as unknown as string[], msgs: Object.freeze([]) as unknown as LogMessage[], size: 0 })]) as unknown as LogGeneration[];

/** json-file driver state for one container. */
export class JsonFileDriver implements LogDriver {
  readonly name = 'json-file';
  /**
   * Rotated generations: index 0 is the live file, 1 is `.log.1`... The shared empty one until the
   * first message (most containers never write a line).
   */
  private generations: LogGeneration[] = NO_GENERATIONS;
  constructor(
    /** Base file name, `<id>-json.log`. */
    readonly fileName: string,
    /** max-size in bytes, -1 for unlimited. */
    readonly maxSize: number,
    /** max-file (>= 1). */
    readonly maxFile: number,
  ) {}

  log(m: LogMessage): void {
    const line = jsonLogLine(m);
    if (this.generations === NO_GENERATIONS) this.generations = [{ lines: [], msgs: [], size: 0 }];
    let cur = this.generations[0]!;
    if (this.maxSize > 0 && cur.size >= this.maxSize) {
      this.generations.unshift({ lines: [], msgs: [], size: 0 });
      if (this.generations.length > this.maxFile) this.generations.length = this.maxFile;
      cur = this.generations[0]!;
    }
    cur.lines.push(line);
    cur.msgs.push(m);
    cur.size += Buffer.byteLength(line);
  }

  read(): LogMessage[] {
    const out: LogMessage[] = [];
    for (let i = this.generations.length - 1; i >= 0; i--) out.push(...this.generations[i]!.msgs);
    return out;
  }

  files(): Map<string, string> {
    const m = new Map<string, string>();
    this.generations.forEach((g, i) => m.set(i === 0 ? this.fileName : `${this.fileName}.${i}`, g.lines.join('')));
    return m;
  }
}
