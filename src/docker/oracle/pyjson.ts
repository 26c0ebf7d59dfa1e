/**
 * Python's `json.dumps(value, indent=2, sort_keys=True)` (ensure_ascii, `": "` and `","`
 * separators), which is how the capture wrote networks/*.json and inspect.json.
 */

function str(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Serialises like Python's json module with indent=2 and sorted keys. */
export function pyJson(v: unknown, depth = 0): string {
  const pad = '  '.repeat(depth + 1);
  const end = '  '.repeat(depth);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return '[\n' + v.map((x) => pad + pyJson(x, depth + 1)).join(',\n') + '\n' + end + ']';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  if (!keys.length) return '{}';
  return '{\n' + keys.map((k) => `${pad}${str(k)}: ${pyJson(o[k], depth + 1)}`).join(',\n') + '\n' + end + '}';
}
