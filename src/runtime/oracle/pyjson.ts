/** Python's `json.dumps(obj, indent=1)` (ASCII-escaped, `", "`/`": "` separators), for probe output. */
export function pyDumps(v: unknown, indent = 1, depth = 0): string {
  const pad = (d: number): string => '\n' + ' '.repeat(indent * d);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return '[' + v.map((x) => pad(depth + 1) + pyDumps(x, indent, depth + 1)).join(',') + pad(depth) + ']';
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.length) return '{}';
  return '{' + entries.map(([k, x]) => pad(depth + 1) + JSON.stringify(k) + ': ' + pyDumps(x, indent, depth + 1)).join(',') + pad(depth) + '}';
}

/** Python's repr of a list of strings: `['a', 'b']`. */
export function pyList(xs: string[]): string {
  return '[' + xs.map((x) => `'${x}'`).join(', ') + ']';
}
