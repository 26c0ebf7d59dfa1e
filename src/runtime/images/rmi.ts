/**
 * Image removal with the daemon's semantics (ImageDelete): untag by reference, refuse while a
 * container uses the last reference (unless forced), delete the image and the layers no other
 * image uses ("Deleted:" lines: image id, then freed chain ids), then untagged parents left
 * without children.
 */
import { DockernetError } from '../../core/errors.js';
import type { Runtime } from '../runtime.js';
import type { ImageRecord } from './store.js';
import { normaliseRef } from './store.js';

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function usedBy(rt: Runtime, id: string, running?: boolean) {
  return rt.store.list().find((c) => c.imageId === id && (running === undefined || c.running === running));
}

/** Deletes an image record and, recursively, its untagged childless parents. Appends output lines. */
function deleteImage(rt: Runtime, img: ImageRecord, lines: string[]): void {
  const freed = rt.images.delete(img.id);
  rt.events.emit('image', 'delete', img.id, { name: img.id });
  lines.push(`Deleted: ${img.id}`);
  for (const c of freed) lines.push(`Deleted: ${c}`);
  const parent = img.parent ? rt.images.images.get(img.parent) : undefined;
  if (parent && rt.images.tagsOf(parent.id).length === 0 && rt.images.children(parent.id).length === 0 && !usedBy(rt, parent.id)) deleteImage(rt, parent, lines);
}

/** `docker rmi [-f] REF`: returns the output lines; throws DockernetError with Docker's text. */
export function removeImage(rt: Runtime, ref: string, force: boolean): string[] {
  const img = rt.images.resolve(ref);
  if (!img) throw new DockernetError('EDAEMON', `No such image: ${ref}`);
  const lines: string[] = [];
  const byId = img.id.slice(7).startsWith(ref.replace(/^sha256:/, '')) && !rt.images.refs.has(normaliseRef(ref));
  if (!byId) {
    const named = normaliseRef(ref);
    const tags = rt.images.tagsOf(img.id);
    if (tags.length === 1 && !force) {
      const c = usedBy(rt, img.id);
      if (c) throw new DockernetError('EDAEMON', `conflict: unable to remove repository reference "${ref}" (must force) - container ${c.shortId} is using its referenced image ${short(img.id)}`);
    }
    rt.images.untag(named);
    rt.events.emit('image', 'untag', img.id, { name: img.id });
    lines.push(`Untagged: ${named}`);
    if (rt.images.tagsOf(img.id).length > 0) return lines;
    if (rt.images.children(img.id).length > 0) return lines;
    if (usedBy(rt, img.id, true)) return lines;
    if (!force && usedBy(rt, img.id)) return lines;
    deleteImage(rt, img, lines);
    return lines;
  }
  const tags = rt.images.tagsOf(img.id);
  if (rt.images.children(img.id).length) throw new DockernetError('EDAEMON', `conflict: unable to delete ${short(img.id)} (cannot be forced) - image has dependent child images`);
  const running = usedBy(rt, img.id, true);
  if (running) throw new DockernetError('EDAEMON', `conflict: unable to delete ${short(img.id)} (cannot be forced) - image is being used by running container ${running.shortId}`);
  const stopped = usedBy(rt, img.id);
  if (stopped && !force) throw new DockernetError('EDAEMON', `conflict: unable to delete ${short(img.id)} (must be forced) - image is being used by stopped container ${stopped.shortId}`);
  if (tags.length > 1 && !force) throw new DockernetError('EDAEMON', `conflict: unable to delete ${short(img.id)} (must be forced) - image is referenced in multiple repositories`);
  for (const t of tags) {
    rt.images.untag(t);
    lines.push(`Untagged: ${t}`);
  }
  deleteImage(rt, img, lines);
  return lines;
}

/** `docker image prune`: dangling images no container uses. Returns deleted lines and freed bytes. */
export function pruneImages(rt: Runtime, all: boolean): { lines: string[]; bytes: number } {
  const lines: string[] = [];
  let bytes = 0;
  for (let again = true; again; ) {
    again = false;
    for (const img of [...rt.images.images.values()]) {
      const tags = rt.images.tagsOf(img.id);
      if ((tags.length && !all) || rt.images.children(img.id).length || usedBy(rt, img.id)) continue;
      for (const t of tags) {
        rt.images.untag(t);
        lines.push(`untagged: ${t}`);
      }
      const freed = rt.images.delete(img.id);
      rt.events.emit('image', 'delete', img.id, { name: img.id });
      lines.push(`deleted: ${img.id}`);
      for (const c of freed) {
        lines.push(`deleted: ${c}`);
        bytes += img.layers.find((_l, i) => i === img.layers.length - 1 - freed.indexOf(c))?.size ?? 0;
      }
      again = true;
    }
  }
  return { lines, bytes };
}
