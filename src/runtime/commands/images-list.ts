/**
 * Read-only image commands: `docker images`, `history`, `image inspect`.
 */
import type { ExecResult, Runtime } from '../runtime.js';
import type { Command } from './dispatch.js';
import { Out, commandFlags } from './output.js';
import { renderList } from './table.js';
import { ImageStore, normaliseRef, type ImageRecord } from '../images/store.js';
import { humanDuration, humanSize, goTimeString, EPOCH_MS } from '../units.js';
import { formatInspect } from './inspect-cmd.js';
import { imageInspect } from '../inspect.js';

function createdNs(img: ImageRecord): number {
  const t = Date.parse(img.config.created);
  return Number.isNaN(t) ? img.created : (t - EPOCH_MS) * 1e6 + Number((/\.(\d+)Z$/.exec(img.config.created)?.[1] ?? '').padEnd(9, '0').slice(3, 9) || 0);
}

/** Whether an image is "dangling": untagged and without children. */
export function isDangling(rt: Runtime, img: ImageRecord): boolean {
  return rt.images.tagsOf(img.id).length === 0 && rt.images.children(img.id).length === 0;
}

function images(rt: Runtime, args: string[]): ExecResult {
  const p = commandFlags(rt.cliStyle, 'images', [{ name: 'all', short: 'a', kind: 'bool' }, { name: 'quiet', short: 'q', kind: 'bool' }, { name: 'no-trunc', kind: 'bool' }, { name: 'filter', short: 'f', kind: 'list' }, { name: 'format', kind: 'string' }, { name: 'digests', kind: 'bool' }], args);
  if ('exitCode' in p) return p;
  const v = p.values;
  const filters = (v.get('filter') as string[]) ?? [];
  const dangling = filters.includes('dangling=true');
  const noTrunc = !!v.get('no-trunc');
  const list = [...rt.images.images.values()].sort((a, b) => createdNs(b) - createdNs(a));
  const rows: Array<Record<string, unknown>> = [];
  for (const img of list) {
    const tags = rt.images.tagsOf(img.id);
    if (dangling && !isDangling(rt, img)) continue;
    if (!v.get('all') && tags.length === 0 && !isDangling(rt, img)) continue;
    const refs = tags.length ? tags : ['<none>:<none>'];
    for (const ref of refs) {
      const i = ref.lastIndexOf(':');
      const repo = ref.slice(0, i);
      if (p.args[0] && normaliseRef(p.args[0]) !== ref && repo !== p.args[0]) continue;
      const size = ImageStore.size(img);
      rows.push({ Repository: repo, Tag: ref.slice(i + 1), ID: noTrunc ? img.id : img.id.slice(7, 19), CreatedSince: `${humanDuration(rt.sim.now - createdNs(img))} ago`, CreatedAt: goTimeString(createdNs(img)), Size: humanSize(size, 3), VirtualSize: humanSize(size, 3), SharedSize: 'N/A', UniqueSize: 'N/A', Containers: 'N/A', Digest: '<none>' });
    }
  }
  const out = new Out();
  if (v.get('quiet')) {
    for (const r of rows) out.line(String(r['ID']));
    return out.result();
  }
  const r = renderList(rows, (v.get('format') as string) ?? 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}', { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE', Digest: 'DIGEST' }, { type: '*formatter.imageContext' });
  return { ...r, stderr: out.stderr + r.stderr, stdout: out.stdout + r.stdout, exitCode: r.exitCode || out.exitCode };
}

function history(rt: Runtime, args: string[]): ExecResult {
  const p = commandFlags(rt.cliStyle, 'history', [{ name: 'no-trunc', kind: 'bool' }, { name: 'quiet', short: 'q', kind: 'bool' }, { name: 'format', kind: 'string' }, { name: 'human', short: 'H', kind: 'bool' }], args);
  if ('exitCode' in p) return p;
  const out = new Out();
  const img = rt.images.resolve(p.args[0] ?? '');
  if (!img) {
    out.err(`Error response from daemon: No such image: ${p.args[0] ?? ''}`);
    out.exitCode = 1;
    return out.result();
  }
  const noTrunc = !!p.values.get('no-trunc');
  let layerIdx = 0;
  const items: Array<Record<string, unknown>> = [];
  for (const h of img.config.history) {
    let size = 0;
    if (!h['empty_layer']) size = img.layers[layerIdx++]?.size ?? 0;
    items.unshift({ id: '<missing>', created: String(h['created']), createdBy: String(h['created_by'] ?? ''), comment: String(h['comment'] ?? ''), size });
  }
  let cur: ImageRecord | undefined = img;
  for (const it of items) {
    if (!cur) break;
    it['id'] = cur.id;
    cur = cur.parent ? rt.images.images.get(cur.parent) : undefined;
  }
  const rows = items.map((it) => {
    const id = String(it['id']);
    const createdBy = String(it['createdBy']);
    const created = (Date.parse(String(it['created'])) - EPOCH_MS) * 1e6;
    return {
      ID: id === '<missing>' ? id : noTrunc ? id : id.slice(7, 19),
      CreatedSince: `${humanDuration(rt.sim.now - created)} ago`,
      CreatedAt: String(it['created']),
      CreatedBy: noTrunc || [...createdBy].length <= 45 ? createdBy : [...createdBy].slice(0, 44).join('') + '…',
      Size: humanSize(Number(it['size']), 3),
      Comment: String(it['comment']),
    };
  });
  if (p.values.get('quiet')) {
    for (const r of rows) out.line(r.ID);
    return out.result();
  }
  const r = renderList(rows, (p.values.get('format') as string) ?? 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}', { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' }, { type: '*formatter.historyContext' });
  return { ...r, stderr: out.stderr + r.stderr, stdout: out.stdout + r.stdout, exitCode: r.exitCode || out.exitCode };
}

function imageInspectCmd(rt: Runtime, args: string[]): ExecResult {
  const p = commandFlags(rt.cliStyle, 'image inspect', [{ name: 'format', short: 'f', kind: 'string' }], args);
  if ('exitCode' in p) return p;
  const out = new Out();
  const docs: Array<Record<string, unknown>> = [];
  const errs: string[] = [];
  for (const ref of p.args) {
    const img = rt.images.resolve(ref);
    if (img) docs.push(imageInspect(rt, img));
    else errs.push(rt.cliStyle === 'v28' ? `Error response from daemon: no such image: ${ref}: No such image: ${ref}` : `Error: No such image: ${ref}`);
  }
  const fmt = p.values.get('format') as string | undefined;
  if (docs.length || !fmt) formatInspect(rt, docs, fmt, out);
  for (const e of errs) out.err(e);
  if (errs.length) out.exitCode = 1;
  return out.result();
}

/** Read-only image commands. */
export const imageListCommands: Record<string, Command> = { images, history, 'image-inspect': imageInspectCmd };
