/**
 * go-connections `nat.SortPortMap` as the 20.10 daemon uses it in `buildCreateEndpointOptions`:
 * the exposed ports are ordered so that bindings with a larger explicit host port come first, then
 * larger container ports, then tcp. The Less is not a strict weak order, so the result depends on
 * the algorithm: Go 1.19's `sort.Sort` (pdqsort, the Go Debian bookworm builds docker.io 20.10.24
 * with) is reproduced step for step in {@link goSort}.
 */
import { goSort } from './go-sort.js';

/** One `-p` binding as in HostConfig.PortBindings. */
export interface HostBinding {
  HostIp: string;
  HostPort: string;
}

/** A (container port, binding) pair after sorting; `binding` is null for -P/expose-only ports. */
export interface SortedBinding {
  /** `80/tcp`. */
  port: string;
  binding: HostBinding | null;
}

function portInt(p: string): number {
  const n = parseInt(p.split('/')[0]!, 10);
  return Number.isFinite(n) ? n : 0;
}
function proto(p: string): string {
  return p.split('/')[1] ?? 'tcp';
}
function hostPortInt(b: HostBinding | null): number {
  if (!b) return 0;
  const n = parseInt(b.HostPort.split('-')[0]!, 10);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Orders the exposed ports with their bindings. `exposed` is in the order the daemon iterated the
 * ExposedPorts set; `bindings` is HostConfig.PortBindings.
 */
export function sortPortMap(exposed: readonly string[], bindings: Readonly<Record<string, readonly HostBinding[]>>): SortedBinding[] {
  const s: SortedBinding[] = [];
  for (let i = 0; i < exposed.length; i++) {
    const p = exposed[i]!;
    const bs = bindings[p];
    if (bs && bs.length) for (let j = 0; j < bs.length; j++) s.push({ port: p, binding: bs[j]! });
    else s.push({ port: p, binding: null });
  }
  if (s.length < 2) return s;
  const keys = s.map((x) => ({ x, pi: portInt(x.port), hp: hostPortInt(x.binding), tcp: proto(x.port).toLowerCase() === 'tcp' }));
  goSort(keys, (a, b) => a.hp > b.hp || a.pi > b.pi || (a.pi === b.pi && a.tcp));
  for (let i = 0; i < keys.length; i++) s[i] = keys[i]!.x;
  return s;
}
