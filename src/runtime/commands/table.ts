/**
 * Go's text/tabwriter as the docker CLI configures it (minwidth 10, padding 3), and the `table`
 * prefix of `--format`.
 */
import { GoTemplate, TemplateError } from '../template.js';

/** Aligns tab-separated rows into columns. */
export function tabwrite(rows: string[][], minwidth = 10, padding = 3): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, Math.max(minwidth, [...cell].length + padding))));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('').replace(/\s+$/, '')).join('\n');
}

/** What renders a list's rows: the formatter's Go type (for execution errors) and how a parse error reads. */
export interface ListContext {
  /** e.g. `*formatter.ContainerContext`. */
  type: string;
  /** Prefix of a parse error (`template parsing error`; `docker ps` checks the template itself first: `failed to parse template`). */
  parseError?: string;
}

/**
 * Renders objects with a `--format` (possibly `table ...`) or the default table columns.
 * `headers` maps a field name to its column title. A template that does not parse or execute gives
 * the formatter's error (status 1) and no rows.
 */
export function renderList(items: Array<Record<string, unknown>>, format: string, headers: Record<string, string>, ctx: ListContext): { stdout: string; stderr: string; exitCode: number } {
  const isTable = format.startsWith('table');
  const body = (isTable ? format.slice(5).trimStart() : format).replace(/\\t/g, '\t');
  let t: GoTemplate;
  try {
    t = new GoTemplate(body, { missingKey: (k) => `can't evaluate field ${k} in type ${ctx.type}` });
  } catch (e) {
    if (e instanceof TemplateError) return { stdout: '', stderr: `${ctx.parseError ?? 'template parsing error'}: ${e.message}\n`, exitCode: 1 };
    throw e;
  }
  let lines: string[];
  try {
    lines = items.map((i) => t.execute(i));
  } catch (e) {
    if (e instanceof TemplateError) return { stdout: '', stderr: `failed to execute template: ${e.message}\n`, exitCode: 1 };
    throw e;
  }
  if (!isTable) return { stdout: lines.map((l) => l + '\n').join(''), stderr: '', exitCode: 0 };
  const head = t.execute(new Proxy({}, { get: (_o, k) => headers[String(k)] ?? String(k).toUpperCase(), has: () => true }));
  const rows = [head, ...lines].map((l) => l.split('\t'));
  return { stdout: tabwrite(rows) + '\n', stderr: '', exitCode: 0 };
}
