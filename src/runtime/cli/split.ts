import { UsageError } from '../../core/errors.js';

/** What only the full splitter handles: a quote, a backslash, whitespace other than the space. */
const NOT_PLAIN = /['"\\\t\n\r]/;

/** Whitespace, a quote or a backslash: what ends a run of ordinary characters in {@link splitCommandLine}. */
function isSpecial(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 39 || c === 34 || c === 92;
}

/**
 * Splits one scenario line into words the way a POSIX shell (or Python's `shlex.split`) does, with
 * only quoting: single quotes (literal), double quotes (backslash escapes `\` `"` `$` and a
 * backtick), backslash outside quotes (escapes the next character). No variables, globs, pipes or
 * redirections: `>` and `|` are ordinary characters.
 *
 * @example splitCommandLine(`docker inspect -f '{{.Name}} x' a`) → ['docker','inspect','-f','{{.Name}} x','a']
 * @throws UsageError on an unterminated quote or a trailing backslash.
 */
export function splitCommandLine(line: string): string[] {
  // most lines quote nothing: words between spaces, split natively (the loop below reads a line
  // character by character, which costs ~100 times more while V8 runs it unoptimized: the first
  // thousand commands of a process)
  if (!NOT_PLAIN.test(line)) {
    const parts = line.split(' ');
    let k = 0;
    for (let i = 0; i < parts.length; i++) {
      const w = parts[i]!;
      if (w !== '') parts[k++] = w;
    }
    parts.length = k;
    return parts;
  }
  return splitShellWords(line);
}

/** @internal {@link splitCommandLine} character by character, for any line (quotes, escapes, tabs). */
export function splitShellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const n = line.length;
  while (i < n) {
    const ch = line[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inWord) {
        out.push(cur);
        cur = '';
        inWord = false;
      }
      i++;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UsageError('No closing quotation');
      cur += line.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new UsageError('No closing quotation');
        const c = line[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\' && i + 1 < n && '\\"$`\n'.includes(line[i + 1]!)) {
          cur += line[i + 1];
          i += 2;
          continue;
        }
        cur += c;
        i++;
      }
    } else if (ch === '\\') {
      if (i + 1 >= n) throw new UsageError('No escaped character');
      cur += line[i + 1];
      i += 2;
    } else {
      // a run of ordinary characters: one slice (not one string per character)
      let j = i + 1;
      while (j < n && !isSpecial(line.charCodeAt(j))) j++;
      cur = cur === '' ? line.slice(i, j) : cur + line.slice(i, j);
      i = j;
    }
  }
  if (inWord) out.push(cur);
  return out;
}
