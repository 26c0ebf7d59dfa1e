/**
 * `docker inspect [-f FORMAT] [--type T] NAME...`: containers first, then images, then volumes;
 * JSON indented like the CLI, or one template line per object.
 */
import type { ExecResult, Runtime } from '../runtime.js';
import { clientView, containerInspect, imageInspect } from '../inspect.js';
import { goIndent, goJson } from '../gojson.js';
import { inspectWithTemplate } from '../template.js';
import { volumeInspect } from '../volumes.js';
import { Out, commandFlags } from './output.js';
import { rfc3339Nano } from '../units.js';

/** Formats inspect documents as the CLI does (indented JSON array, or a template per element). */
export function formatInspect(rt: Runtime, docs: Array<Record<string, unknown>>, format: string | undefined, out: Out): void {
  if (format === undefined || format === '') {
    out.line(docs.length ? goIndent('[' + docs.map((d) => goJson(d)).join(',') + ']') : '[]');
    return;
  }
  const r = inspectWithTemplate(format, docs.map((d) => clientView(rt, d)));
  out.stdout += r.stdout;
  out.stderr += r.stderr;
  out.exitCode = r.exitCode;
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
  // a template is parsed even when nothing was found: a bad one is status 64 on its own
  if (docs.length || format !== '') formatInspect(rt, docs, format, out);
  if (out.exitCode === 64) return out.result();
  for (const m of missing) out.err(`Error: No such object: ${m}`);
  if (missing.length) out.exitCode = 1;
  return out.result();
}
