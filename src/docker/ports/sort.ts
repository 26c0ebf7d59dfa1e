/**
 * go-connections `nat.SortPortMap` as the 20.10 daemon uses it in `buildCreateEndpointOptions`:
 * the exposed ports are ordered so that bindings with a larger explicit host port come first, then
 * larger container ports, then tcp; Go's `sort.Sort` runs an insertion sort for these small inputs,
 * reproduced here with the same (non-strict) Less so ties break the same way.
 */

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

function less(a: SortedBinding, b: SortedBinding): boolean {
  const pi = portInt(a.port), pj = portInt(b.port);
  const hpi = hostPortInt(a.binding), hpj = hostPortInt(b.binding);
  return hpi > hpj || pi > pj || (pi === pj && proto(a.port).toLowerCase() === 'tcp');
}

/**
 * Orders the exposed ports with their bindings. `exposed` is in the order the daemon iterated the
 * ExposedPorts set; `bindings` is HostConfig.PortBindings.
 */
export function sortPortMap(exposed: readonly string[], bindings: Readonly<Record<string, readonly HostBinding[]>>): SortedBinding[] {
  const s: SortedBinding[] = [];
  for (const p of exposed) {
    const bs = bindings[p];
    if (bs && bs.length) for (const b of bs) s.push({ port: p, binding: b });
    else s.push({ port: p, binding: null });
  }
  for (let i = 1; i < s.length; i++) {
    for (let j = i; j > 0 && less(s[j]!, s[j - 1]!); j--) {
      const t = s[j]!;
      s[j] = s[j - 1]!;
      s[j - 1] = t;
    }
  }
  return s;
}
