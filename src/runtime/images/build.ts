/**
 * A small classic-builder `docker build`: FROM, RUN (executed in a throw-away container, its file
 * changes become the layer), COPY (files from the context), ENV, EXPOSE, CMD, ENTRYPOINT,
 * WORKDIR, LABEL, USER. Every step makes an intermediate image whose parent is the previous one;
 * a step whose (parent, instruction, content) was built before is taken from the cache.
 */
import { DockernetError } from '../../core/errors.js';
import type { Runtime } from '../runtime.js';
import { Layer, sha256, normalise, type FsEntry } from './layer.js';
import { applyChanges, childConfigJson } from './commit.js';
import type { ImageRecord } from './store.js';
import type { ContainerConfig } from '../types.js';
import { parseRunArgs } from '../cli/run-options.js';
import { createContainer } from '../create.js';
import { removeContainer, runUntil, startContainer } from '../lifecycle.js';
import { humanSize } from '../units.js';

/** Build input: the Dockerfile text and the context files (path relative to the context → bytes). */
export interface BuildInput {
  dockerfile: string;
  context: Map<string, Uint8Array>;
  tags: string[];
}

function instructions(text: string): Array<{ op: string; arg: string; raw: string }> {
  const out: Array<{ op: string; arg: string; raw: string }> = [];
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const line of joined.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(t)!;
    out.push({ op: m[1]!.toUpperCase(), arg: m[2]!, raw: t });
  }
  return out;
}

/** Runs a build; returns the output lines and the final image. */
export function buildImage(rt: Runtime, input: BuildInput, cache: Map<string, string>): { lines: string[]; image: ImageRecord } {
  const steps = instructions(input.dockerfile);
  const lines: string[] = [];
  let ctxBytes = 0;
  for (const b of input.context.values()) ctxBytes += b.length;
  lines.push(`Sending build context to Docker daemon  ${humanSize(Math.max(ctxBytes, 2048), 4)}`);
  let cur: ImageRecord | undefined;
  steps.forEach((s, i) => {
    lines.push(`Step ${i + 1}/${steps.length} : ${s.raw.replace(/^\S+/, s.op)}`);
    if (s.op === 'FROM') {
      cur = rt.images.resolve(s.arg.split(/\s+/)[0]!);
      if (!cur) throw new DockernetError('EDAEMON', `pull access denied for ${s.arg}, repository does not exist or may require 'docker login'`);
      lines.push(` ---> ${cur.id.slice(7, 19)}`);
      return;
    }
    if (!cur) throw new DockernetError('EDAEMON', 'Please provide a source image with `from` prior to commit');
    const parent: ImageRecord = cur;
    let files: Map<string, FsEntry> | null = null;
    let contentKey = '';
    if (s.op === 'COPY' || s.op === 'ADD') {
      const parts = s.arg.split(/\s+/);
      const dest = parts.pop()!;
      files = new Map();
      for (const src of parts) {
        for (const [p, data] of input.context) {
          const rel = normalise(p);
          const want = normalise(src);
          if (rel !== want && !rel.startsWith(want === '/' ? '/' : want + '/')) continue;
          const target = dest.endsWith('/') || parts.length > 1 || rel !== want ? normalise(dest + '/' + (rel === want ? rel.slice(rel.lastIndexOf('/') + 1) : rel.slice(want.length))) : normalise(dest);
          files.set(target, { type: 'file', mode: 0o644, mtime: 0, data });
          contentKey += `${target}:${sha256(data)};`;
        }
      }
      if (!files.size) throw new DockernetError('EDAEMON', `COPY failed: file not found in build context or excluded by .dockerignore: stat ${parts[0]}: file does not exist`);
    }
    const createdBy = s.op === 'RUN' ? `/bin/sh -c ${s.arg}` : `/bin/sh -c #(nop) ${s.op === 'COPY' ? `COPY file:${sha256(contentKey).slice(7)} in ${s.arg.split(/\s+/).pop()} ` : s.raw.replace(/^\S+/, s.op)}`;
    const key = `${parent.id}\n${createdBy}\n${contentKey}`;
    const hit = cache.get(key);
    if (hit && rt.images.images.has(hit)) {
      lines.push(' ---> Using cache');
      cur = rt.images.images.get(hit)!;
      lines.push(` ---> ${cur.id.slice(7, 19)}`);
      return;
    }
    const cfg = JSON.parse(JSON.stringify(parent.config.config)) as ContainerConfig;
    const containerCfg = JSON.parse(JSON.stringify(cfg)) as ContainerConfig;
    containerCfg.Cmd = ['/bin/sh', '-c', s.op === 'RUN' ? s.arg : `#(nop) ${s.raw.replace(/^\S+/, s.op)}`];
    let layer: Layer | null = null;
    let cid = '';
    if (s.op === 'RUN') {
      const req = parseRunArgs([parent.id.slice(7), '/bin/sh', '-c', s.arg]);
      req.config.Cmd = ['/bin/sh', '-c', s.arg];
      const { container: c } = createContainer(rt, req);
      cid = c.id;
      lines.push(` ---> Running in ${c.shortId}`);
      const chunks: Array<{ stream: 'stdout' | 'stderr'; text: string }> = [];
      startContainer(rt, c, { chunks });
      runUntil(rt, () => !c.running);
      for (const ch of chunks) lines.push(...ch.text.replace(/\n$/, '').split('\n'));
      if (c.state.ExitCode !== 0) {
        removeContainer(rt, c, { force: true, volumes: true });
        throw new DockernetError('EDAEMON', `The command '/bin/sh -c ${s.arg}' returned a non-zero code: ${c.state.ExitCode}`);
      }
      layer = new Layer(new Map(c.rootfs.upper));
      removeContainer(rt, c, { force: true, volumes: true });
      lines.push(`Removing intermediate container ${cid.slice(0, 12)}`);
    } else if (files) {
      layer = new Layer(files);
    } else {
      applyChanges(cfg, [s.raw.replace(/^\S+/, s.op)]);
    }
    const json = childConfigJson(parent, layer, cfg, containerCfg, { containerId: cid, createdBy, created: rt.sim.now });
    cur = rt.images.add(json, layer ? [...parent.layers, layer] : [...parent.layers], parent.id, rt.sim.now);
    cache.set(key, cur.id);
    lines.push(` ---> ${cur.id.slice(7, 19)}`);
  });
  if (!cur) throw new DockernetError('EDAEMON', 'the Dockerfile (Dockerfile) cannot be empty');
  lines.push(`Successfully built ${cur.id.slice(7, 19)}`);
  for (const t of input.tags) {
    rt.images.tag(cur.id, t, rt.sim.now);
    lines.push(`Successfully tagged ${t.includes(':') ? t : t + ':latest'}`);
  }
  return { lines, image: cur };
}
