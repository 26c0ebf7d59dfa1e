/**
 * tcpdump-style one-line summaries of frames, for traces and examples. Formats follow tcpdump's
 * printers (print-arp.c, print-icmp.c, print-tcp.c, print-udp.c, print-domain.c) with absolute
 * sequence numbers (as `tcpdump -S`). ARP lines start with the MAC addresses; IPv4 lines with the
 * addresses (and ports). Never throws: malformed parts are shown as `[|proto: reason]`.
 *
 * @example
 * ```text
 * 02:42:ac:11:00:02 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 172.17.0.3 tell 172.17.0.2
 * 172.17.0.2 > 172.17.0.3: ICMP echo request, id 1, seq 1, length 64
 * 172.17.0.2.40000 > 172.17.0.3.80: Flags [S], seq 1000, win 64240, options [mss 1460], length 0
 * 172.17.0.2.40000 > 127.0.0.11.53: 6699+ A? web. (21)
 * ```
 *
 * @module
 */
import { ParseError } from '../core/errors.js';
import { ipToString, macToString } from './addr.js';
import { ETH_HLEN, ETH_P_ARP, ETH_P_IP, parseEthernet } from './ethernet.js';
import { parseArp } from './arp.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, parseIpv4, type Ipv4Repr } from './ipv4.js';
import { parseIcmp, type IcmpRepr } from './icmp.js';
import { parseUdp } from './udp.js';
import { parseTcp, type TcpOption } from './tcp.js';
import { DnsType, parseDns, type DnsRecord, type DnsRepr } from './dns.js';

function errText(e: unknown): string {
  if (e instanceof ParseError) return e.message;
  throw e;
}

/** One-line summary of an Ethernet frame (ARP, IPv4 with ICMP/UDP/TCP/DNS, or other). */
export function describeFrame(bytes: Uint8Array): string {
  let eth;
  try {
    eth = parseEthernet(bytes);
  } catch (e) {
    return `[|ether: ${errText(e)}]`;
  }
  const body = bytes.subarray(ETH_HLEN);
  const macs = `${macToString(eth.src)} > ${macToString(eth.dst)}`;
  if (eth.ethertype === ETH_P_ARP) return `${macs}, ARP, ${describeArp(body)}`;
  if (eth.ethertype === ETH_P_IP) return describeIpv4(body);
  return `${macs}, ethertype 0x${eth.ethertype.toString(16).padStart(4, '0')}, length ${bytes.length}`;
}

/** Summary of an ARP packet (without the Ethernet header), e.g. `Request who-has 10.0.0.2 tell 10.0.0.1`. */
export function describeArp(bytes: Uint8Array): string {
  try {
    const a = parseArp(bytes);
    if (a.op === 1) return `Request who-has ${ipToString(a.targetIp)} tell ${ipToString(a.senderIp)}`;
    if (a.op === 2) return `Reply ${ipToString(a.senderIp)} is-at ${macToString(a.senderMac)}`;
    return `Unknown opcode ${a.op}`;
  } catch (e) {
    return `[|arp: ${errText(e)}]`;
  }
}

/** Summary of an IPv4 datagram (without the Ethernet header). */
export function describeIpv4(bytes: Uint8Array): string {
  let ip: Ipv4Repr;
  try {
    ip = parseIpv4(bytes);
  } catch (e) {
    return `[|ip: ${errText(e)}]`;
  }
  const src = ipToString(ip.src);
  const dst = ipToString(ip.dst);
  const hl = 20 + ip.options.length;
  const l4 = bytes.subarray(hl, hl + ip.payloadLen);
  if (ip.fragOffset !== 0) {
    return `${src} > ${dst}: ${protoName(ip.proto)} (frag ${ip.id}:${ip.payloadLen}@${ip.fragOffset}${ip.mf ? '+' : ''})`;
  }
  switch (ip.proto) {
    case IPPROTO_ICMP:
      return `${src} > ${dst}: ${describeIcmp(l4)}`;
    case IPPROTO_UDP:
      return describeUdp(ip, l4);
    case IPPROTO_TCP:
      return describeTcp(ip, l4);
    default:
      return `${src} > ${dst}: ${protoName(ip.proto)} ${ip.payloadLen}`;
  }
}

function protoName(p: number): string {
  return p === IPPROTO_ICMP ? 'icmp' : p === IPPROTO_TCP ? 'tcp' : p === IPPROTO_UDP ? 'udp' : `ip-proto-${p}`;
}

function unreachText(m: Extract<IcmpRepr, { kind: 'error' }>): string {
  const h = m.header;
  const dst = ipToString(h.dst);
  switch (m.code) {
    case 0: return `net ${dst} unreachable`;
    case 1: return `host ${dst} unreachable`;
    case 2: return `${dst} protocol ${h.proto} unreachable`;
    case 3: {
      const port = m.data.length >= 4 ? (m.data[2]! << 8) | m.data[3]! : -1;
      return `${dst} ${protoName(h.proto)} port ${port < 0 ? '?' : port} unreachable`;
    }
    case 4: return `${dst} unreachable - need to frag (mtu ${m.info & 0xffff})`;
    case 5: return `${dst} unreachable - source route failed`;
    case 6: return `net ${dst} unreachable - unknown`;
    case 7: return `host ${dst} unreachable - unknown`;
    case 8: return `${dst} unreachable - source host isolated`;
    case 9: return `net ${dst} unreachable - admin prohibited`;
    case 10: return `host ${dst} unreachable - admin prohibited`;
    case 11: return `net ${dst} unreachable - tos prohibited`;
    case 12: return `host ${dst} unreachable - tos prohibited`;
    case 13: return `host ${dst} unreachable - admin prohibited filter`;
    case 14: return `host ${dst} unreachable - host precedence violation`;
    case 15: return `host ${dst} unreachable - precedence cutoff`;
    default: return `${dst} unreachable - #${m.code}`;
  }
}

/** Summary of an ICMP message (the IP payload), e.g. `ICMP echo reply, id 1, seq 1, length 64`. */
export function describeIcmp(bytes: Uint8Array): string {
  let m: IcmpRepr;
  try {
    m = parseIcmp(bytes);
  } catch (e) {
    return `[|icmp: ${errText(e)}]`;
  }
  let text: string;
  if (m.kind === 'echo') text = `echo ${m.type === 8 ? 'request' : 'reply'}, id ${m.ident}, seq ${m.seq}`;
  else if (m.kind === 'error') {
    if (m.type === 3) text = unreachText(m);
    else if (m.type === 11) text = m.code === 0 ? 'time exceeded in-transit' : 'ip reassembly time exceeded';
    else if (m.type === 12) text = `parameter problem - octet ${m.info >>> 24}`;
    else if (m.type === 5) text = `redirect ${ipToString(m.header.dst)} to ${ipToString(m.info)}`;
    else text = `source quench ${ipToString(m.header.dst)}`;
  } else text = `type-#${m.type}`;
  return `ICMP ${text}, length ${bytes.length}`;
}

function describeUdp(ip: Ipv4Repr, l4: Uint8Array): string {
  const src = ipToString(ip.src);
  const dst = ipToString(ip.dst);
  try {
    const u = parseUdp(l4, ip);
    const head = `${src}.${u.sport} > ${dst}.${u.dport}: `;
    if (u.sport === 53 || u.dport === 53) {
      try {
        return head + describeDns(parseDns(u.payload), u.payload.length);
      } catch (e) {
        return `${head}[|domain: ${errText(e)}]`;
      }
    }
    return `${head}UDP, length ${u.payload.length}`;
  } catch (e) {
    return `${src} > ${dst}: [|udp: ${errText(e)}]`;
  }
}

const RCODES = ['', ' FormErr', ' ServFail', ' NXDomain', ' NotImp', ' Refused'];

function typeName(t: number): string {
  for (const [k, v] of Object.entries(DnsType)) if (v === t) return k;
  return `Type${t}`;
}

function recordText(r: DnsRecord): string {
  const d = r.rdata;
  switch (d.kind) {
    case 'a': return `A ${ipToString(d.address)}`;
    case 'aaaa': return `AAAA ${Array.from({ length: 8 }, (_, i) => ((d.address[2 * i]! << 8) | d.address[2 * i + 1]!).toString(16)).join(':')}`;
    case 'name': return `${typeName(r.type)} ${d.name}.`;
    case 'raw': return typeName(r.type);
  }
}

/** Summary of a DNS message as tcpdump prints it, e.g. `6699+ A? web. (21)` or `6699 1/0/0 A 172.18.0.2 (37)`. */
export function describeDns(m: DnsRepr, len: number): string {
  const q = m.questions[0];
  if (!m.qr) {
    const qs = q ? ` ${typeName(q.type)}? ${q.name}.` : '';
    return `${m.id}${m.rd ? '+' : ''}${qs} (${len})`;
  }
  const flags = `${m.aa ? '*' : ''}${m.ra ? '' : '-'}${m.tc ? '|' : ''}`;
  const ans = m.answers.map(recordText).join(', ');
  return `${m.id}${flags}${RCODES[m.rcode] ?? ` Rcode${m.rcode}`} ${m.answers.length}/${m.authorities.length}/${m.additionals.length}${ans ? ' ' + ans : ''} (${len})`;
}

const FLAG_CHARS = 'FSRP.UEW';

function tcpOptText(o: TcpOption): string {
  switch (o.kind) {
    case 'mss': return `mss ${o.mss}`;
    case 'wscale': return `wscale ${o.shift}`;
    case 'sackPermitted': return 'sackOK';
    case 'sack': return `sack ${o.blocks.length} ${o.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`;
    case 'timestamps': return `TS val ${o.tsval} ecr ${o.tsecr}`;
    case 'nop': return 'nop';
    case 'unknown': return `opt-${o.type}:${Array.from(o.data, (x) => x.toString(16).padStart(2, '0')).join('')}`;
  }
}

function describeTcp(ip: Ipv4Repr, l4: Uint8Array): string {
  const src = ipToString(ip.src);
  const dst = ipToString(ip.dst);
  try {
    const t = parseTcp(l4, ip);
    let flags = '';
    for (let i = 0; i < 8; i++) if (t.flags & (1 << i)) flags += FLAG_CHARS[i];
    const len = t.payload.length;
    let s = `${src}.${t.sport} > ${dst}.${t.dport}: Flags [${flags || 'none'}]`;
    if (len > 0) s += `, seq ${t.seq}:${(t.seq + len) >>> 0}`;
    else if (t.flags & 0x07) s += `, seq ${t.seq}`;
    if (t.flags & 0x10) s += `, ack ${t.ack}`;
    s += `, win ${t.window}`;
    if (t.flags & 0x20) s += `, urg ${t.urgent}`;
    if (t.options.length) s += `, options [${t.options.map(tcpOptText).join(',')}]`;
    return `${s}, length ${len}`;
  } catch (e) {
    return `${src} > ${dst}: [|tcp: ${errText(e)}]`;
  }
}
