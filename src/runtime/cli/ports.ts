/**
 * docker/go-connections `nat.ParsePortSpecs`: `-p [ip:][hostPort:]containerPort[/proto]` with
 * ranges, and `--expose`.
 */
import { emptyRecord, type PortBinding } from '../types.js';

function parseRange(s: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new Error(`invalid range`);
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (b < a || b > 65535) throw new Error('invalid range');
  return [a, b];
}

/** Result of parsing `-p` and `--expose` values. */
export interface PortSpecs {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, PortBinding[]>;
}

/** Parses `-p` values into ExposedPorts and PortBindings, with nat's error texts. */
export function parsePortSpecs(specs: readonly string[]): PortSpecs {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (let k = 0; k < specs.length; k++) {
    const raw = specs[k]!;
    let rest = raw;
    let proto = 'tcp';
    const slash = rest.lastIndexOf('/');
    if (slash >= 0) {
      proto = rest.slice(slash + 1).toLowerCase();
      rest = rest.slice(0, slash);
      if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new Error(`invalid proto: ${proto}`);
    }
    let ip = '';
    let hostPart = '';
    let ctr = rest;
    const v6 = /^\[([^\]]*)\]:(.*)$/.exec(rest);
    if (v6) {
      ip = v6[1]!;
      const r = v6[2]!;
      const c = r.lastIndexOf(':');
      hostPart = c >= 0 ? r.slice(0, c) : '';
      ctr = c >= 0 ? r.slice(c + 1) : r;
    } else {
      const parts = rest.split(':');
      // (element reads, not destructuring: an iterator per spec in unoptimized code)
      if (parts.length === 2) {
        hostPart = parts[0]!;
        ctr = parts[1]!;
      } else if (parts.length === 3) {
        ip = parts[0]!;
        hostPart = parts[1]!;
        ctr = parts[2]!;
      } else if (parts.length > 3) throw new Error(`invalid port specification: "${raw}"`);
    }
    if (ctr === '') throw new Error(`no port specified: ${raw}<empty>`);
    let cr: [number, number];
    try {
      cr = parseRange(ctr);
    } catch {
      throw new Error(`invalid containerPort: ${ctr}`);
    }
    let hr: [number, number] | null = null;
    if (hostPart !== '') {
      try {
        hr = parseRange(hostPart);
      } catch {
        throw new Error(`invalid hostPort: ${hostPart}`);
      }
      // go-connections: a host range of another length is allowed only for a single container
      // port, and is then the range the daemon allocates one host port from
      if (hr[1] - hr[0] !== cr[1] - cr[0] && cr[1] !== cr[0]) throw new Error(`invalid ranges specified for container and host Ports: ${ctr} and ${hostPart}`);
    }
    const single = cr[0] === cr[1];
    for (let p = cr[0]; p <= cr[1]; p++) {
      const key = `${p}/${proto}`;
      exposed[key] = emptyRecord();
      let hp = '';
      if (hr) hp = single && hr[0] !== hr[1] ? `${hr[0]}-${hr[1]}` : String(hr[0] + (p - cr[0]));
      const b: PortBinding = { HostIp: ip, HostPort: hp };
      const prev = bindings[key];
      bindings[key] = prev === undefined ? [b] : prev.concat([b]); // exact size (push would reserve 17 slots)
    }
  }
  return { exposed, bindings };
}

/** Parses `--expose` values (`80`, `7000-7002/udp`) into ExposedPorts keys. */
export function parseExpose(specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of specs) {
    const [port, proto = 'tcp'] = raw.split('/') as [string, string?];
    // nat.ParsePortRange: strconv.ParseUint(…, 10, 16) of each end, then end >= start
    const uint16 = (t: string): number => {
      if (!/^\d+$/.test(t)) throw new Error(`invalid range format for --expose: ${raw}, error: strconv.ParseUint: parsing ${JSON.stringify(t)}: invalid syntax`);
      if (Number(t) > 65535) throw new Error(`invalid range format for --expose: ${raw}, error: strconv.ParseUint: parsing ${JSON.stringify(t)}: value out of range`);
      return Number(t);
    };
    if (port === '') throw new Error(`invalid range format for --expose: ${raw}, error: empty string specified for ports`);
    const dash = port.indexOf('-');
    const r: [number, number] = dash < 0 ? [uint16(port), uint16(port)] : [uint16(port.slice(0, dash)), uint16(port.slice(dash + 1))];
    if (r[1] < r[0]) throw new Error(`invalid range format for --expose: ${raw}, error: Invalid range specified for the Port: ${port}`);
    for (let p = r[0]; p <= r[1]; p++) out.push(`${p}/${proto}`);
  }
  return out;
}
