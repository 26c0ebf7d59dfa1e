/**
 * JSON the way Go's encoding/json writes it: compact, HTML-safe string escapes, keys in the
 * object's own order (build objects in the Go struct's field order), and `json.Indent`.
 */
import { goJsonString } from './logging/json-file.js';

/**
 * Compact Go JSON of a value (undefined members are omitted, like `omitempty`). `escapeHTML`:
 * json.Marshal's `\u003c` escapes (image configs on disk); the API and the CLI's `json` template
 * function turn them off.
 */
export function goJson(v: unknown, escapeHTML = false): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return escapeHTML ? goJsonString(v) : goJsonString(v).replace(/\\u00(3c|3e|26)/g, (m, h: string, off: number, all: string) => (isEscaped(all, off) ? m : String.fromCharCode(parseInt(h, 16))));
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map((x) => goJson(x, escapeHTML)).join(',') + ']';
  if (v instanceof Map) return goJson(Object.fromEntries([...v.entries()].sort()), escapeHTML);
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    parts.push(goJsonString(k) + ':' + goJson(x, escapeHTML));
  }
  return '{' + parts.join(',') + '}';
}

/** Whether the backslash at `off` is itself escaped (preceded by an odd run of backslashes). */
function isEscaped(s: string, off: number): boolean {
  let n = 0;
  for (let i = off - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** json.Marshal of a map: keys sorted, HTML escaped (how image configs are written). */
export function goJsonSorted(v: Record<string, unknown>): string {
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) o[k] = v[k];
  return goJson(o, true);
}

/** `json.Indent(dst, src, prefix, indent)` of compact JSON text. */
export function goIndent(src: string, indent = '    ', prefix = ''): string {
  let out = '';
  let depth = 0;
  let inStr = false;
  let needIndent = false;
  const nl = (): string => '\n' + prefix + indent.repeat(depth);
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (inStr) {
      out += c;
      if (c === '\\') out += src[++i];
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') continue;
    if (needIndent && c !== ']' && c !== '}') {
      needIndent = false;
      depth++;
      out += nl();
    }
    switch (c) {
      case '"':
        inStr = true;
        out += c;
        break;
      case '{':
      case '[':
        out += c;
        needIndent = true;
        break;
      case ',':
        out += c + nl();
        break;
      case ':':
        out += ': ';
        break;
      case '}':
      case ']':
        if (needIndent) {
          needIndent = false;
        } else {
          depth--;
          out += nl();
        }
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}
