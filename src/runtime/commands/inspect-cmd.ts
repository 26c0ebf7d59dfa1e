/**
 * `docker inspect [-f FORMAT] [--type T] NAME...`: containers first, then images, then volumes;
 * JSON indented like the CLI, or one template line per object.
 */
import type { ExecResult, Runtime } from '../runtime.js';
import { clientView, containerInspect, imageInspect } from '../inspect.js';
import { goIndent, goJson } from '../gojson.js';
import { GoTemplate, TemplateError } from '../template.js';
import { volumeInspect } from '../volumes.js';
import { Out, commandFlags } from './output.js';
import { rfc3339Nano } from '../units.js';

/** Formats inspect documents as the CLI does (indented JSON array, or a template per element). */
export function formatInspect(rt: Runtime, docs: Array<Record<string, unknown>>, format: string | undefined, out: Out): void {
  if (format === undefined || format === '') {
    out.line(docs.length ? goIndent('[' + docs.map((d) => goJson(d)).join(',') + ']') : '[]');
    return;
  }
  const t = new GoTemplate(format);
  for (const d of docs) out.line(t.execute(clientView(rt, d)));
}

/** Finds one object for `docker inspect`. */
export function inspectObject(rt: Runtime, ref: string, type: string): Record<string, unknown> | null {
  if (type === '' || type === 'container') {
    const c = rt.store.find(ref);
    if (c) return containerInspect(rt, c);
  }
  if (type === '' || type === 'image') {
    const i = rt.images.resolve(ref);
    if (i) return imageInspect(rt, i);
  }
  if (type === '' || type === 'volume') {
    const v = rt.volumes.get(ref);
    if (v) return volumeInspect(v, rfc3339Nano(v.created).replace(/\.\d+Z$/, 'Z'));
  }
  for (const f of rt.objectInspectors) {
    const d = f(ref, type);
    if (d) return d;
  }
  return null;
}

/** `docker inspect`. */
export function inspectCommand(rt: Runtime, args: string[]): ExecResult {
  const p = commandFlags(rt.cliStyle, 'inspect', [{ name: 'format', short: 'f', kind: 'string' }, { name: 'type', kind: 'string' }, { name: 'size', short: 's', kind: 'bool' }], args);
  if ('exitCode' in p) return p;
  const out = new Out();
  const docs: Array<Record<string, unknown>> = [];
  const missing: string[] = [];
  for (const ref of p.args) {
    const d = inspectObject(rt, ref, String(p.values.get('type') ?? ''));
    if (d) docs.push(d);
    else missing.push(ref);
  }
  const format = p.values.get('format') as string | undefined;
  try {
    if (docs.length || format === undefined) formatInspect(rt, docs, format, out);
  } catch (e) {
    if (e instanceof TemplateError) {
      out.err(`template parsing error: ${e.message}`);
      out.exitCode = 1;
      return out.result();
    }
    throw e;
  }
  for (const m of missing) out.err(`Error: No such object: ${m}`);
  if (missing.length) out.exitCode = 1;
  return out.result();
}
