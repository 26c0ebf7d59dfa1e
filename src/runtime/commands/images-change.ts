/**
 * Image-changing commands: `tag`, `rmi`, `image prune`, `commit`, `save`, `load`, `build`.
 */
import { DockernetError } from '../../core/errors.js';
import type { ExecResult, Runtime } from '../runtime.js';
import type { Command } from './dispatch.js';
import type { FlagSpec } from '../cli/flags.js';
import { Out, daemonFailure, commandFlags } from './output.js';
import { removeImage, pruneImages } from '../images/rmi.js';
import { commitContainer } from '../images/commit.js';
import { loadImages, saveImages } from '../images/archive.js';
import { buildImage } from '../images/build.js';
import { humanSize } from '../units.js';

function withFlags(rt: Runtime, cmd: string, specs: FlagSpec[], args: string[], fn: (v: Map<string, unknown>, a: string[], out: Out) => void): ExecResult {
  const p = commandFlags(rt.cliStyle, cmd, specs, args);
  if ('exitCode' in p) return p;
  const out = new Out();
  try {
    fn(p.values, p.args, out);
  } catch (e) {
    daemonFailure(out, e);
  }
  return out.result();
}

const buildCaches = new WeakMap<Runtime, Map<string, string>>();

/** Image-changing commands. */
export const imageChangeCommands: Record<string, Command> = {
  tag: (rt, a) =>
    withFlags(rt, 'tag', [], a, (_v, [src = '', dst = '']) => {
      const img = rt.images.resolve(src);
      if (!img) throw new DockernetError('EDAEMON', `No such image: ${src}`);
      rt.images.tag(img.id, dst, rt.sim.now);
      rt.events.emit('image', 'tag', img.id, { name: dst.includes(':') ? dst : `${dst}:latest` });
    }),
  rmi: (rt, a) =>
    withFlags(rt, 'rmi', [{ name: 'force', short: 'f', kind: 'bool' }, { name: 'no-prune', kind: 'bool' }], a, (v, refs, out) => {
      for (const r of refs) {
        try {
          for (const l of removeImage(rt, r, !!v.get('force'))) out.line(l);
        } catch (e) {
          daemonFailure(out, e);
        }
      }
    }),
  'image-prune': (rt, a) =>
    withFlags(rt, 'image prune', [{ name: 'force', short: 'f', kind: 'bool' }, { name: 'all', short: 'a', kind: 'bool' }, { name: 'filter', kind: 'list' }], a, (v, _a, out) => {
      const { lines, bytes } = pruneImages(rt, !!v.get('all'));
      if (lines.length) {
        out.line('Deleted Images:');
        for (const l of lines) out.line(l);
        out.line('');
      }
      out.line(`Total reclaimed space: ${humanSize(bytes)}`);
      rt.events.emit('image', 'prune', '', { reclaimed: String(bytes) });
    }),
  commit: (rt, a) =>
    withFlags(rt, 'commit', [{ name: 'message', short: 'm', kind: 'string' }, { name: 'author', short: 'a', kind: 'string' }, { name: 'change', short: 'c', kind: 'list' }, { name: 'pause', short: 'p', kind: 'bool' }], a, (v, [ref = '', target], out) => {
      const c = rt.store.get(ref);
      let img;
      try {
        img = commitContainer(rt, c, { comment: v.get('message') as string | undefined, author: v.get('author') as string | undefined, changes: (v.get('change') as string[]) ?? [], tag: target });
      } catch (e) {
        if (e instanceof DockernetError) throw e;
        throw new DockernetError('EDAEMON', (e as Error).message);
      }
      out.line(img.id);
    }),
  save: (rt, a) =>
    withFlags(rt, 'save', [{ name: 'output', short: 'o', kind: 'string' }], a, (v, refs, out) => {
      const tar = saveImages(rt, refs);
      const path = v.get('output') as string | undefined;
      if (!path) {
        out.err('cowardly refusing to save to a terminal. Use the -o flag or redirect');
        out.exitCode = 1;
        return;
      }
      rt.hostBlobs.set(path, tar);
      for (const r of refs) rt.events.emit('image', 'save', rt.images.resolve(r)!.id, { name: rt.images.resolve(r)!.id });
    }),
  load: (rt, a) =>
    withFlags(rt, 'load', [{ name: 'input', short: 'i', kind: 'string' }, { name: 'quiet', short: 'q', kind: 'bool' }], a, (v, _a, out) => {
      const path = String(v.get('input') ?? '');
      const bytes = rt.hostBlobs.get(path);
      if (!bytes) throw new DockernetError('EDAEMON', `open ${path}: no such file or directory`);
      for (const l of loadImages(rt, bytes)) out.line(l);
    }),
  build: (rt, a) =>
    withFlags(rt, 'build', [{ name: 'tag', short: 't', kind: 'list' }, { name: 'file', short: 'f', kind: 'string' }, { name: 'quiet', short: 'q', kind: 'bool' }, { name: 'no-cache', kind: 'bool' }], a, (v, [ctxPath = '.'], out) => {
      const files = rt.hostFs.get(ctxPath);
      if (!files) throw new DockernetError('EDAEMON', `unable to prepare context: path "${ctxPath}" not found`);
      const context = new Map<string, Uint8Array>();
      for (const [p, e] of files) if (e.type === 'file' && e.data) context.set(p, e.data);
      const df = context.get('/' + String(v.get('file') ?? 'Dockerfile'));
      if (!df) throw new DockernetError('EDAEMON', 'Cannot locate specified Dockerfile: Dockerfile');
      let cache = buildCaches.get(rt);
      if (!cache) buildCaches.set(rt, (cache = new Map()));
      const { lines, image } = buildImage(rt, { dockerfile: new TextDecoder().decode(df), context, tags: (v.get('tag') as string[]) ?? [] }, v.get('no-cache') ? new Map() : cache);
      if (v.get('quiet')) out.line(image.id);
      else for (const l of lines) out.line(l);
    }),
};
