/**
 * The embedded DNS server of a sandbox (libnetwork resolver.go): a UDP socket on 127.0.0.11 at a
 * random port inside the container's namespace, reached through the DNAT rules of the container's
 * own nat table. It answers A queries for names in the scope of the sandbox's networks (container
 * names, `--network-alias`es, short ids), in the order of the sandbox's endpoints; other names are
 * forwarded to the external resolvers from the container's namespace (NOTES item 20: with no
 * route to them the query dies and the client times out).
 */
import type { Engine } from '../engine.js';
import type { Sandbox } from '../sandbox.js';
import type { Container } from '../../runtime/container.js';
import type { UdpSocket } from '../../netns/socket/udp.js';
import { parseIp } from '../../wire/addr.js';
import { DnsRcode, DnsType, dnsARecord, dnsResponse, encodeDns, parseDns, type DnsRepr } from '../../wire/dns.js';

/** The resolver's address. */
export const RESOLVER_ADDR = parseIp('127.0.0.11');

/** One sandbox's embedded DNS. */
export class EmbeddedDns {
  /** The UDP port the DNAT rule points at. */
  readonly udpPort: number;
  /** The TCP port the DNAT rule points at (TCP DNS is not served). */
  readonly tcpPort: number;
  private readonly sock: UdpSocket;
  private readonly forwards: UdpSocket[] = [];
  /** The container's resolv.conf options set ndots (`--dns-option ndots:N`). */
  private readonly ndotsSet: boolean;

  constructor(
    private readonly e: Engine,
    private readonly sb: Sandbox,
    /** The container whose sandbox this is. */
    private readonly owner: Container,
    /** Upstream resolvers (`--dns`, else the host's). */
    readonly external: string[],
  ) {
    this.ndotsSet = (owner.hostConfig.DnsOptions ?? []).some((o) => o.startsWith('ndots:'));
    this.sock = sb.ns.udp.bind(RESOLVER_ADDR, 0, (data, src, sport) => this.onQuery(data, src, sport, this.sock));
    this.udpPort = this.sock.lport;
    const [lo, hi] = sb.ns.sysctl.ip_local_port_range;
    let t = lo + sb.ns.rng.int(hi - lo + 1);
    if (t === this.udpPort) t = t === hi ? lo : t + 1;
    this.tcpPort = t;
  }

  /** Addresses of `name` in the scope of the sandbox's networks (first network that knows it). */
  resolve(name: string): number[] {
    const q = name.toLowerCase().replace(/\.$/, '');
    const eps = [...this.sb.endpoints].sort((a, b) => (a.network.name < b.network.name ? -1 : a.network.name > b.network.name ? 1 : 0));
    for (const own of eps) {
      const n = own.network;
      if (n.predefined) continue;
      // --link CHILD:ALIAS on this network: ALIAS names CHILD for this container only
      for (const l of this.e.sandboxes.of(this.owner).attachments.get(n.id)?.links ?? []) {
        const [child = '', alias = child] = l.split(':');
        const cc = alias.toLowerCase() === q ? this.e.runtime.store.find(child) : undefined;
        const ip = cc ? n.endpoints.get(cc.id)?.ip : undefined;
        if (ip) return [ip];
      }
      // the name as asked, and without a `.NETWORK` in it (the first one, as libnetwork strips it)
      const q2 = q.replace(`.${n.name.toLowerCase()}`, '');
      const hits = this.e.sandboxes.dnsNames.lookup(n, q, q2);
      if (hits.length) return this.e.rng.shuffle(hits);
    }
    return [];
  }

  private onQuery(data: Uint8Array, src: number, sport: number, via: UdpSocket): void {
    let q: DnsRepr;
    try {
      q = parseDns(data);
    } catch {
      return;
    }
    if (q.qr || q.questions.length !== 1) return;
    const qq = q.questions[0]!;
    const ips = this.resolve(qq.name);
    if (ips.length) {
      const answers = qq.type === DnsType.A ? ips.map((ip) => dnsARecord(qq.name, ip, 600)) : [];
      this.reply(encodeDns(dnsResponse(q, DnsRcode.NoError, answers)), src, sport, via);
      return;
    }
    // libnetwork: when the user set ndots, an A/AAAA query for a name without a dot that is not
    // known here is answered empty instead of forwarded, so the client retries with its search
    // domains (kernel lab, net-19: --dns-option ndots:3 answers at once, without it the forward times out)
    if ((qq.type === DnsType.A || qq.type === DnsType.AAAA) && this.ndotsSet && !qq.name.replace(/\.$/, '').includes('.')) {
      this.reply(encodeDns(dnsResponse(q, DnsRcode.NoError, [])), src, sport, via);
      return;
    }
    this.forward(data, src, sport, via);
  }

  private reply(bytes: Uint8Array, dst: number, dport: number, via: UdpSocket): void {
    try {
      via.sendTo(dst, dport, bytes);
    } catch {
      /* no route back: dropped */
    }
  }

  /** Forwards an unknown name upstream from the container's namespace; relays the answer back. */
  private forward(data: Uint8Array, src: number, sport: number, via: UdpSocket): void {
    const upstream = this.external[0];
    if (!upstream) return;
    const s = this.sb.ns.udp.bind(0, 0, (answer) => {
      this.reply(answer, src, sport, via);
      s.close();
    });
    this.forwards.push(s);
    try {
      s.sendTo(parseIp(upstream), 53, data);
    } catch {
      s.close();
    }
  }

  /** Closes the server and pending forwards. */
  close(): void {
    this.sock.close();
    for (const s of this.forwards) s.close();
  }
}
