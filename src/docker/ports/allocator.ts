/**
 * libnetwork's portallocator: host ports per (host IP, protocol). A dynamic request (`-p 80`, `-P`)
 * takes the next free port after the last one handed out, from the bottom of
 * `ip_local_port_range` upward, and wraps at the top (NOTES item 7: freed ports are not reused
 * until the range wraps).
 */
import { DockernetError } from '../../core/errors.js';

/** Start and end (inclusive) of the dynamic range, from `net.ipv4.ip_local_port_range`. */
export interface PortRange {
  start: number;
  end: number;
}

interface PortMap {
  used: Set<number>;
  last: number;
}

/** The daemon-wide port allocator. */
export class PortAllocator {
  private readonly maps = new Map<string, PortMap>();
  private firstLast: number;

  constructor(readonly range: PortRange = { start: 32768, end: 60999 }) {
    this.firstLast = range.end;
  }

  private map(hostIp: string, proto: string): PortMap {
    const key = `${hostIp}/${proto}`;
    let m = this.maps.get(key);
    if (!m) {
      m = { used: new Set(), last: this.firstLast };
      this.maps.set(key, m);
    }
    return m;
  }

  /**
   * Requests `port` (0 = any) on `hostIp`/`proto`. A specific port that is taken on the same host
   * IP fails with Docker's text "Bind for IP:PORT failed: port is already allocated"; the maps of
   * different IPs are independent (0.0.0.0:P after 127.0.0.1:P is allocated, and docker-proxy's
   * bind then fails: net-14). A dynamic pick skips ports another IP's binding would make the
   * proxy's bind fail on (the bridge driver retries a dynamic mapping up to 10 times).
   */
  request(hostIp: string, proto: string, port: number): number {
    const m = this.map(hostIp, proto);
    if (port !== 0) {
      if (m.used.has(port))
        throw new DockernetError('EPORT', `Bind for ${hostIp}:${port} failed: port is already allocated`, 125);
      m.used.add(port);
      return port;
    }
    let p = m.last;
    const n = this.range.end - this.range.start + 1;
    for (let i = 0; i < n; i++) {
      p++;
      if (p > this.range.end) p = this.range.start;
      if (!m.used.has(p) && !this.conflictsWithAny(hostIp, proto, p)) {
        m.used.add(p);
        m.last = p;
        return p;
      }
    }
    throw new DockernetError('EPORT', 'all ports are allocated', 125);
  }

  /** A wildcard binding conflicts with a specific one on the same port and vice versa. */
  private conflictsWithAny(hostIp: string, proto: string, port: number): boolean {
    const wild = hostIp === '0.0.0.0' || hostIp === '::';
    for (const [key, m] of this.maps) {
      const [ip, pr] = key.split('/') as [string, string];
      if (pr !== proto || ip === hostIp || !m.used.has(port)) continue;
      const otherWild = ip === '0.0.0.0' || ip === '::';
      const sameFamily = ip.includes(':') === hostIp.includes(':');
      if (sameFamily && (wild || otherWild)) return true;
    }
    return false;
  }

  /** Moves every dynamic cursor so the next dynamic port is `port` (a daemon that ran before). */
  skipTo(port: number): void {
    this.firstLast = port - 1;
    for (const m of this.maps.values()) m.last = port - 1;
  }

  /** Releases a port. */
  release(hostIp: string, proto: string, port: number): void {
    this.maps.get(`${hostIp}/${proto}`)?.used.delete(port);
  }
}
