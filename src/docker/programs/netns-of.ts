/** Finds the network namespace a container's processes live in. */
import type { NetNamespace } from '../../netns/netns.js';
import type { ProgramContext } from '../../runtime/process.js';

/** The container's netns stack, or null (not running / no network layer). */
export function netnsOf(ctx: ProgramContext): NetNamespace | null {
  return (ctx.container.namespaces?.net.handle as NetNamespace | null) ?? null;
}

/**
 * The container's netns stack as it is, its pending configuration not done (docker/sandbox-state.ts):
 * for a server that listens on 0.0.0.0, which needs no address or route. Its first connection
 * arrives as a frame, and the frame does the configuration. Anything that sends, or binds a
 * specific address, must use {@link netnsOf}.
 */
export function netnsAsIs(ctx: ProgramContext): NetNamespace | null {
  return (ctx.container.namespaces?.net.handleAsIs as NetNamespace | null) ?? null;
}

/** Resolves a name through the container's /etc/hosts (exact match of any name on a line). */
export function hostsLookup(hostsText: string, name: string): number | null {
  for (const line of hostsText.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || f[0]!.startsWith('#')) continue;
    if (f.slice(1).includes(name)) {
      const p = f[0]!.split('.');
      if (p.length === 4 && p.every((x) => /^\d+$/.test(x))) return p.reduce((a, x) => a * 256 + Number(x), 0) >>> 0;
    }
  }
  return null;
}
