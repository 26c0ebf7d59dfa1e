/**
 * JSON the way Go's encoding/json writes it: compact, HTML-safe string escapes, keys in the
 * object's own order (build objects in the Go struct's field order), and `json.Indent`.
 */
import { goJsonString } from './logging/json-file.js';

/** Compact Go JSON of a value (undefined members are omitted, like `omitempty`). */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map(goJson).join(',') + ']';
  if (v instanceof Map) return goJson(Object.fromEntries([...v.entries()].sort()));
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    parts.push(goJsonString(k) + ':' + goJson(x));
  }
  return '{' + parts.join(',') + '}';
}

/** Go JSON with map semantics: keys sorted (what `map[string]...` marshals to). */
export function goJsonSorted(v: Record<string, unknown>): string {
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) o[k] = v[k];
  return goJson(o);
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
