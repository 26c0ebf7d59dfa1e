/**
 * `docker commit`: the container's rw layer becomes a new layer on top of its image, with an
 * image config that records the container (config, container_config, history entry).
 */
import type { Runtime } from '../runtime.js';
import type { Container } from '../container.js';
import { Layer } from './layer.js';
import { goJsonSorted } from '../gojson.js';
import { rfc3339Nano } from '../units.js';
import { DOCKER_VERSION } from './base.js';
import type { ImageRecord } from './store.js';
import type { ContainerConfig } from '../types.js';

/** Options of a commit. */
export interface CommitOptions {
  comment?: string;
  author?: string;
  /** Dockerfile instructions applied to the config (`CMD [...]`, `ENV k=v`...). */
  changes?: string[];
  /** Reference to tag the new image with. */
  tag?: string;
}

/** Applies Dockerfile-style `--change` instructions to a config. Throws Error on a bad one. */
export function applyChanges(cfg: ContainerConfig, changes: readonly string[]): void {
  for (const ch of changes) {
    const m = /^\s*(\w+)\s+(.*)$/s.exec(ch);
    if (!m) throw new Error(`dockerfile parse error: ${ch}`);
    const op = m[1]!.toUpperCase();
    const arg = m[2]!.trim();
    const list = (): string[] => (arg.startsWith('[') ? (JSON.parse(arg) as string[]) : ['/bin/sh', '-c', arg]);
    switch (op) {
      case 'CMD':
        cfg.Cmd = list();
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = list();
        break;
      case 'ENV': {
        const kv = arg.includes('=') ? arg.split(/\s+/).map((x) => x.replace(/^(\w+)=/, '$1=')) : [arg.replace(/\s+/, '=')];
        const env = cfg.Env ?? [];
        for (const e of kv) {
          const k = e.split('=')[0];
          const i = env.findIndex((x) => x.split('=')[0] === k);
          if (i >= 0) env[i] = e;
          else env.push(e);
        }
        cfg.Env = env;
        break;
      }
      case 'EXPOSE':
        cfg.ExposedPorts = cfg.ExposedPorts ?? {};
        for (const p of arg.split(/\s+/)) cfg.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        break;
      case 'WORKDIR':
        cfg.WorkingDir = arg;
        break;
      case 'USER':
        cfg.User = arg;
        break;
      case 'LABEL':
        cfg.Labels = cfg.Labels ?? {};
        for (const kv of arg.split(/\s+/)) {
          const [k, v = ''] = kv.split('=') as [string, string?];
          cfg.Labels[k] = v.replace(/^"|"$/g, '');
        }
        break;
      case 'VOLUME':
        cfg.Volumes = cfg.Volumes ?? {};
        for (const v of arg.startsWith('[') ? (JSON.parse(arg) as string[]) : arg.split(/\s+/)) cfg.Volumes[v] = {};
        break;
      default:
        throw new Error(`${op} is not a valid change command`);
    }
  }
}

/** Builds an image config JSON for a new layer on `parent` (shared by commit and build). */
export function childConfigJson(parent: ImageRecord, layer: Layer | null, cfg: ContainerConfig, containerCfg: ContainerConfig, opts: { containerId: string; createdBy: string; created: number; comment?: string; author?: string }): string {
  const t = rfc3339Nano(opts.created);
  const hist: Record<string, unknown> = { created: t };
  if (opts.author) hist['author'] = opts.author;
  hist['created_by'] = opts.createdBy;
  if (opts.comment) hist['comment'] = opts.comment;
  if (!layer) hist['empty_layer'] = true;
  const obj: Record<string, unknown> = {
    architecture: parent.config.architecture,
    config: cfg,
    container: opts.containerId || undefined,
    container_config: containerCfg,
    created: t,
    docker_version: DOCKER_VERSION,
    history: [...parent.config.history, hist],
    os: parent.config.os,
    rootfs: { type: 'layers', diff_ids: [...parent.config.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
  };
  if (opts.author) obj['author'] = opts.author;
  return goJsonSorted(obj);
}

/** Commits a container; returns the new image. */
export function commitContainer(rt: Runtime, c: Container, opts: CommitOptions): ImageRecord {
  const parent = rt.images.images.get(c.imageId);
  if (!parent) throw new Error(`No such image: ${c.imageId}`);
  const layer = new Layer(new Map(c.rootfs.upper));
  const cfg = JSON.parse(JSON.stringify(c.config)) as ContainerConfig;
  const containerCfg = JSON.parse(JSON.stringify(c.config)) as ContainerConfig;
  applyChanges(cfg, opts.changes ?? []);
  const json = childConfigJson(parent, layer, cfg, containerCfg, { containerId: c.id, createdBy: [c.path, ...c.args].join(' '), created: rt.sim.now, comment: opts.comment, author: opts.author });
  const img = rt.images.add(json, [...parent.layers, layer], parent.id, rt.sim.now);
  if (opts.tag) {
    rt.images.tag(img.id, opts.tag, rt.sim.now);
    rt.events.emit('image', 'tag', img.id, { name: opts.tag.includes(':') ? opts.tag : `${opts.tag}:latest` });
  }
  rt.events.emit('container', 'commit', c.id, rt.containerAttrs(c, { comment: opts.comment ?? '', imageID: img.id, imageRef: img.id }));
  return img;
}
