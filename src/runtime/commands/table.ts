/**
 * Go's text/tabwriter as the docker CLI configures it (minwidth 10, padding 3), and the `table`
 * prefix of `--format`.
 */
import { GoTemplate } from '../template.js';

/** Aligns tab-separated rows into columns. */
export function tabwrite(rows: string[][], minwidth = 10, padding = 3): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, Math.max(minwidth, [...cell].length + padding))));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('').replace(/\s+$/, '')).join('\n');
}

/**
 * Renders objects with a `--format` (possibly `table ...`) or the default table columns.
 * `headers` maps a field name to its column title.
 */
export function renderList(items: Array<Record<string, unknown>>, format: string, headers: Record<string, string>): string {
  const isTable = format.startsWith('table');
  const body = isTable ? format.slice(5).trimStart() : format;
  const t = new GoTemplate(body.replace(/\\t/g, '\t'));
  const lines = items.map((i) => t.execute(i));
  if (!isTable) return lines.map((l) => l + '\n').join('');
  const head = new GoTemplate(body.replace(/\\t/g, '\t')).execute(new Proxy({}, { get: (_o, k) => headers[String(k)] ?? String(k).toUpperCase() }));
  const rows = [head, ...lines].map((l) => l.split('\t'));
  return tabwrite(rows) + '\n';
}
