/**
 * `docker save` / `docker load` in the docker-archive format of 20.10: one directory per layer
 * (VERSION "1.0", json, layer.tar), `<image id>.json` config, `manifest.json`
 * `[{Config, RepoTags, Layers}]` and `repositories` `{repo: {tag: topLayerDir}}`.
 */
import type { Runtime } from '../runtime.js';
import { DockernetError } from '../../core/errors.js';
import { readTar, writeTar, type TarEntry } from './tar.js';
import { Layer, chainIds, entriesFromTar, sha256 } from './layer.js';
import { goJson, goJsonSorted } from '../gojson.js';
import { normaliseRef, type ImageRecord } from './store.js';
import { EPOCH_MS } from '../units.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function mtimeOf(created: string): number {
  const t = Date.parse(created);
  return Number.isNaN(t) ? Math.floor(EPOCH_MS / 1000) : Math.floor(t / 1000);
}

/** Serialises images (with the references that name them) into a docker-archive tar. */
export function saveImages(rt: Runtime, refs: string[]): Uint8Array {
  const files = new Map<string, TarEntry>();
  const manifest: Array<Record<string, unknown>> = [];
  const repos: Record<string, Record<string, string>> = {};
  for (const ref of refs) {
    const img = rt.images.resolve(ref);
    if (!img) throw new DockernetError('EDAEMON', `reference does not exist`);
    const mtime = mtimeOf(img.config.created);
    const chains = chainIds(img.layers.map((l) => l.diffId));
    const layerPaths: string[] = [];
    let parentV1 = '';
    const nonEmpty = img.config.history.filter((h) => !h['empty_layer']);
    img.layers.forEach((layer, i) => {
      const top = i === img.layers.length - 1;
      const base: Record<string, unknown> = top
        ? { ...JSON.parse(img.configJson), history: undefined, rootfs: undefined }
        : { container_config: { ...(JSON.parse(img.configJson).container_config as object), Cmd: nonEmpty[i]?.['created_by'] ? [nonEmpty[i]!['created_by']] : null }, created: nonEmpty[i]?.['created'] ?? img.config.created, os: img.config.os };
      const v1 = sha256(goJsonSorted({ ...base, layer_id: chains[i], parent: parentV1 || undefined })).slice(7);
      const json = goJsonSorted({ ...base, id: v1, parent: parentV1 || undefined });
      files.set(`${v1}/`, { name: `${v1}/`, type: 'dir', mode: 0o755, mtime });
      files.set(`${v1}/VERSION`, { name: `${v1}/VERSION`, type: 'file', mode: 0o644, mtime, data: enc.encode('1.0') });
      files.set(`${v1}/json`, { name: `${v1}/json`, type: 'file', mode: 0o644, mtime, data: enc.encode(json) });
      files.set(`${v1}/layer.tar`, { name: `${v1}/layer.tar`, type: 'file', mode: 0o644, mtime, data: layer.tar });
      layerPaths.push(`${v1}/layer.tar`);
      parentV1 = v1;
    });
    const cfgName = `${img.id.slice(7)}.json`;
    files.set(cfgName, { name: cfgName, type: 'file', mode: 0o644, mtime, data: enc.encode(img.configJson) });
    const isId = img.id.slice(7).startsWith(ref.replace(/^sha256:/, ''));
    const tags = isId ? [] : [normaliseRef(ref)];
    manifest.push({ Config: cfgName, RepoTags: tags.length ? tags : null, Layers: layerPaths });
    for (const t of tags) {
      const i = t.lastIndexOf(':');
      (repos[t.slice(0, i)] ??= {})[t.slice(i + 1)] = parentV1;
    }
  }
  const mtime = Math.floor(EPOCH_MS / 1000);
  files.set('manifest.json', { name: 'manifest.json', type: 'file', mode: 0o644, mtime, data: enc.encode(goJson(manifest) + '\n') });
  if (Object.keys(repos).length) files.set('repositories', { name: 'repositories', type: 'file', mode: 0o644, mtime, data: enc.encode(goJson(repos) + '\n') });
  return writeTar([...files.keys()].sort().map((k) => files.get(k)!));
}

/** Loads a docker-archive tar; returns the output lines (`Loaded image: snap:v2`). */
export function loadImages(rt: Runtime, bytes: Uint8Array): string[] {
  let members: TarEntry[];
  try {
    members = readTar(bytes);
  } catch (e) {
    throw new DockernetError('EDAEMON', (e as Error).message);
  }
  const byName = new Map(members.map((m) => [m.name.replace(/^\.\//, ''), m]));
  const mf = byName.get('manifest.json');
  if (!mf?.data) throw new DockernetError('EDAEMON', 'open /var/lib/docker/tmp/docker-import/repositories: no such file or directory');
  const manifest = JSON.parse(dec.decode(mf.data)) as Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }>;
  const lines: string[] = [];
  for (const item of manifest) {
    const cfgBytes = byName.get(item.Config)?.data;
    if (!cfgBytes) throw new DockernetError('EDAEMON', `open ${item.Config}: no such file or directory`);
    const configJson = dec.decode(cfgBytes);
    const cfg = JSON.parse(configJson) as { rootfs: { diff_ids: string[] } };
    const layers = item.Layers.map((p, i) => {
      const tar = byName.get(p)?.data;
      if (!tar) throw new DockernetError('EDAEMON', `open ${p}: no such file or directory`);
      const existing = [...rt.images.images.values()].flatMap((im) => im.layers).find((l) => l.diffId === cfg.rootfs.diff_ids[i]);
      const layer = existing ?? new Layer(entriesFromTar(readTar(tar)), tar);
      if (layer.diffId !== cfg.rootfs.diff_ids[i]) throw new DockernetError('EDAEMON', `invalid diffID for layer ${i}: expected "${cfg.rootfs.diff_ids[i]}", got "${layer.diffId}"`);
      return layer;
    });
    const img: ImageRecord = rt.images.add(configJson, layers, '', rt.sim.now);
    for (const t of item.RepoTags ?? []) {
      const old = rt.images.resolve(t);
      if (old && old.id !== img.id) lines.push(`The image ${t} already exists, renaming the old one with ID ${old.id} to empty string`);
      rt.images.tag(img.id, t, rt.sim.now);
      lines.push(`Loaded image: ${t}`);
    }
    if (!item.RepoTags?.length) lines.push(`Loaded image ID: ${img.id}`);
    rt.events.emit('image', 'load', img.id, { name: img.id });
  }
  return lines;
}
