/**
 * fast-check arbitraries for packets: decoded headers (`*Repr`) for codec round-trip properties,
 * whole well-formed Ethernet frames (`{ repr, bytes }`, checksums correct), and
 * {@link malformedFrame} (a well-formed IPv4 frame with one targeted corruption and the reason
 * `ipv4Validate` must give). Everything is built from `fc.tuple(...).map(...)`, so shrinking works
 * field by field (addresses towards 0, payloads towards empty, options towards none).
 *
 * @module
 */
import fc from 'fast-check';
import { SkBuff } from '../wire/skbuff.js';
import { emitEthernet, ETH_HLEN, ETH_P_ARP, ETH_P_IP, type EthernetRepr } from '../wire/ethernet.js';
import { emitArp, type ArpRepr } from '../wire/arp.js';
import { emitIpv4, ipv4BufferLen, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type Ipv4Repr } from '../wire/ipv4.js';
import { emitIcmp, icmpBufferLen, type IcmpRepr } from '../wire/icmp.js';
import { emitUdp, udpBufferLen, type UdpRepr } from '../wire/udp.js';
import { emitTcp, tcpBufferLen, tcpOptionsLen, type TcpOption, type TcpRepr } from '../wire/tcp.js';
import { DNS_CLASS_IN, DnsType, type DnsQuestion, type DnsRdata, type DnsRecord, type DnsRepr } from '../wire/dns.js';
import { Ipv4Invalid } from '../wire/build.js';
import { ipv4Address, macAddress } from './addresses.js';

/** A generated frame: the decoded headers and the encoded bytes (a whole Ethernet frame). */
export interface GeneratedFrame<R> {
  /** The headers the bytes encode. */
  repr: R;
  /** The Ethernet frame. */
  bytes: Uint8Array;
}

/** Wraps frame bytes (copied) in a fresh {@link SkBuff} with `network` = 14. */
export function frameToSkb(bytes: Uint8Array): SkBuff {
  return new SkBuff(bytes.slice());
}

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

function bytesArb(maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength });
}

// ---------------------------------------------------------------------------------------------
// Header representations

/** An {@link EthernetRepr} (any MACs; EtherType IPv4, ARP or any 16-bit value). */
export function ethernetRepr(): fc.Arbitrary<EthernetRepr> {
  return fc
    .tuple(macAddress(), macAddress(), fc.oneof(fc.constantFrom(ETH_P_IP, ETH_P_ARP), u16))
    .map(([dst, src, ethertype]) => ({ dst, src, ethertype }));
}

/** An Ethernet/IPv4 {@link ArpRepr} (request or reply, or any opcode rarely). */
export function arpRepr(): fc.Arbitrary<ArpRepr> {
  return fc
    .tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: u16 }), macAddress(), ipv4Address(), macAddress(), ipv4Address())
    .map(([op, senderMac, senderIp, targetMac, targetIp]) => ({ op, senderMac, senderIp, targetMac, targetIp }));
}

/** Constraints for {@link ipv4Repr}. */
export interface Ipv4ReprConstraints {
  /** Fixed protocol number (default: any). */
  proto?: number;
  /** Fixed payload length (default: 0 … 1480). */
  payloadLen?: number;
  /** Allow IP options (default true). */
  options?: boolean;
  /** Allow fragment fields (MF, offset) to be set (default true). */
  fragments?: boolean;
}

/** An {@link Ipv4Repr} (options a multiple of 4 bytes, at most 40). */
export function ipv4Repr(c: Ipv4ReprConstraints = {}): fc.Arbitrary<Ipv4Repr> {
  const opts = c.options === false ? fc.constant(new Uint8Array(0)) : fc.integer({ min: 0, max: 10 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n }));
  const frag = c.fragments === false ? fc.constant<[boolean, number]>([false, 0]) : fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 0x1fff }));
  return fc
    .tuple(
      ipv4Address(),
      ipv4Address(),
      c.proto === undefined ? u8 : fc.constant(c.proto),
      u8,
      u8,
      u16,
      fc.boolean(),
      frag,
      opts,
      c.payloadLen === undefined ? fc.integer({ min: 0, max: 1480 }) : fc.constant(c.payloadLen),
    )
    .map(([src, dst, proto, ttl, tos, id, df, [mf, fo], options, payloadLen]) => ({
      src, dst, proto, ttl, tos, id, df, mf, fragOffset: fo * 8, options, payloadLen,
    }));
}

/** An {@link IcmpRepr}: an echo request/reply, an error quoting a datagram, or another type kept raw. */
export function icmpRepr(): fc.Arbitrary<IcmpRepr> {
  const echo = fc
    .tuple(fc.constantFrom<0 | 8>(8, 0), u16, u16, bytesArb(64))
    .map(([type, ident, seq, data]): IcmpRepr => ({ kind: 'echo', type, ident, seq, data }));
  const error = fc
    .tuple(
      fc.constantFrom(3, 11, 12, 5, 4),
      fc.integer({ min: 0, max: 15 }),
      u32,
      ipv4Repr({ payloadLen: undefined }),
      bytesArb(16),
    )
    .map(([type, code, info, header, data]): IcmpRepr => ({ kind: 'error', type, code, info, header, data }));
  const other = fc
    .tuple(u8.filter((t) => t !== 0 && t !== 8 && t !== 3 && t !== 4 && t !== 5 && t !== 11 && t !== 12), u8, u32, bytesArb(32))
    .map(([type, code, rest, data]): IcmpRepr => ({ kind: 'other', type, code, rest, data }));
  return fc.oneof({ weight: 3, arbitrary: echo }, { weight: 2, arbitrary: error }, { weight: 1, arbitrary: other });
}

/** A {@link UdpRepr}. */
export function udpRepr(): fc.Arbitrary<UdpRepr> {
  return fc.tuple(u16, u16, bytesArb(128)).map(([sport, dport, payload]) => ({ sport, dport, payload }));
}

const KNOWN_TCP_KINDS = new Set([0, 1, 2, 3, 4, 5, 8]);

/** One {@link TcpOption} (unknown kinds avoid the decoded ones, so they round-trip). */
export function tcpOption(): fc.Arbitrary<TcpOption> {
  return fc.oneof(
    u16.map((mss): TcpOption => ({ kind: 'mss', mss })),
    fc.integer({ min: 0, max: 14 }).map((shift): TcpOption => ({ kind: 'wscale', shift })),
    fc.constant<TcpOption>({ kind: 'sackPermitted' }),
    fc.array(fc.tuple(u32, u32), { maxLength: 3 }).map((blocks): TcpOption => ({ kind: 'sack', blocks })),
    fc.tuple(u32, u32).map(([tsval, tsecr]): TcpOption => ({ kind: 'timestamps', tsval, tsecr })),
    fc.constant<TcpOption>({ kind: 'nop' }),
    fc
      .tuple(u8.filter((k) => !KNOWN_TCP_KINDS.has(k)), bytesArb(6))
      .map(([type, data]): TcpOption => ({ kind: 'unknown', type, data })),
  );
}

/** A TCP option list that fits the 40-byte option space. */
export function tcpOptions(): fc.Arbitrary<TcpOption[]> {
  return fc.array(tcpOption(), { maxLength: 6 }).map((list) => {
    const out: TcpOption[] = [];
    for (const o of list) {
      if (tcpOptionsLen([...out, o]) > 40) break;
      out.push(o);
    }
    return out;
  });
}

/** A {@link TcpRepr}. */
export function tcpRepr(): fc.Arbitrary<TcpRepr> {
  return fc
    .tuple(u16, u16, u32, u32, u8, u16, u16, tcpOptions(), bytesArb(128))
    .map(([sport, dport, seq, ack, flags, window, urgent, options, payload]) => ({
      sport, dport, seq, ack, flags, window, urgent, options, payload,
    }));
}

const LABELS = ['a', 'b', 'www', 'web', 'db', 'docker', 'internal', 'local', 'in-addr', 'arpa', 'com', 'example'];

/** A DNS name (0 to 5 labels, often sharing suffixes so compression is exercised). */
export function dnsName(): fc.Arbitrary<string> {
  const label = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...LABELS) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,14}$/) },
  );
  return fc.array(label, { maxLength: 5 }).map((ls) => ls.join('.'));
}

function dnsRecord(): fc.Arbitrary<DnsRecord> {
  const rd: fc.Arbitrary<[number, DnsRdata]> = fc.oneof(
    u32.map((address): [number, DnsRdata] => [DnsType.A, { kind: 'a', address }]),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((address): [number, DnsRdata] => [DnsType.AAAA, { kind: 'aaaa', address }]),
    fc.tuple(fc.constantFrom(DnsType.CNAME, DnsType.PTR, DnsType.NS), dnsName()).map(([t, name]): [number, DnsRdata] => [t, { kind: 'name', name }]),
    fc
      .tuple(u16.filter((t) => t !== 1 && t !== 28 && t !== 5 && t !== 12 && t !== 2), bytesArb(20))
      .map(([t, data]): [number, DnsRdata] => [t, { kind: 'raw', data }]),
  );
  return fc
    .tuple(dnsName(), rd, fc.oneof({ weight: 5, arbitrary: fc.constant(DNS_CLASS_IN) }, { weight: 1, arbitrary: u16 }), u32)
    .map(([name, [type, rdata], klass, ttl]) => ({ name, type, class: klass, ttl, rdata }));
}

/** A {@link DnsRepr} (query or response, up to a few questions and records per section). */
export function dnsRepr(): fc.Arbitrary<DnsRepr> {
  const question: fc.Arbitrary<DnsQuestion> = fc
    .tuple(dnsName(), fc.oneof(fc.constantFrom(DnsType.A, DnsType.AAAA, DnsType.PTR), u16), fc.constant(DNS_CLASS_IN))
    .map(([name, type, klass]) => ({ name, type, class: klass }));
  return fc
    .tuple(
      u16,
      fc.boolean(),
      fc.integer({ min: 0, max: 15 }),
      fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()),
      fc.integer({ min: 0, max: 15 }),
      fc.array(question, { maxLength: 2 }),
      fc.array(dnsRecord(), { maxLength: 4 }),
      fc.array(dnsRecord(), { maxLength: 2 }),
      fc.array(dnsRecord(), { maxLength: 2 }),
    )
    .map(([id, qr, opcode, [aa, tc, rd, ra], rcode, questions, answers, authorities, additionals]) => ({
      id, qr, opcode, aa, tc, rd, ra, rcode, questions, answers, authorities, additionals,
    }));
}

// ---------------------------------------------------------------------------------------------
// Whole frames

/** Decoded headers of a generated IPv4 frame. */
export interface Ipv4FrameRepr<L4> {
  /** Ethernet header (EtherType 0x0800). */
  eth: EthernetRepr;
  /** IPv4 header (`payloadLen` matches the L4 bytes). */
  ip: Ipv4Repr;
  /** The L4 message. */
  l4: L4;
}

function ipEth(): fc.Arbitrary<EthernetRepr> {
  return fc.tuple(macAddress(), macAddress({ unicast: true })).map(([dst, src]) => ({ dst, src, ethertype: ETH_P_IP }));
}

function ipFrame<L4>(
  proto: number,
  l4: fc.Arbitrary<L4>,
  len: (x: L4) => number,
  emit: (x: L4, b: Uint8Array, off: number, src: number, dst: number) => void,
): fc.Arbitrary<GeneratedFrame<Ipv4FrameRepr<L4>>> {
  return fc.tuple(ipEth(), ipv4Repr({ proto, payloadLen: 0, fragments: false }), l4).map(([eth, ip0, m]) => {
    const ip = { ...ip0, payloadLen: len(m) };
    const hl = ipv4BufferLen(ip);
    const bytes = new Uint8Array(ETH_HLEN + hl + ip.payloadLen);
    emitEthernet(eth, bytes, 0);
    emitIpv4(ip, bytes, ETH_HLEN);
    emit(m, bytes, ETH_HLEN + hl, ip.src, ip.dst);
    return { repr: { eth, ip, l4: m }, bytes };
  });
}

/** Decoded headers of a generated Ethernet frame. */
export interface EthernetFrameRepr {
  /** Ethernet header. */
  eth: EthernetRepr;
  /** Everything after it. */
  payload: Uint8Array;
}

/** Decoded headers of a generated ARP frame. */
export interface ArpFrameRepr {
  /** Ethernet header (EtherType 0x0806). */
  eth: EthernetRepr;
  /** ARP packet. */
  arp: ArpRepr;
}

/** A well-formed Ethernet frame: any header, any payload (up to 128 bytes). */
export function ethernetFrame(): fc.Arbitrary<GeneratedFrame<EthernetFrameRepr>> {
  return fc.tuple(ethernetRepr(), bytesArb(128)).map(([eth, payload]) => {
    const bytes = new Uint8Array(ETH_HLEN + payload.length);
    emitEthernet(eth, bytes, 0);
    bytes.set(payload, ETH_HLEN);
    return { repr: { eth, payload }, bytes };
  });
}

/** A well-formed ARP frame (42 bytes; broadcast destination for requests). */
export function arpPacket(): fc.Arbitrary<GeneratedFrame<ArpFrameRepr>> {
  return fc.tuple(arpRepr(), macAddress()).map(([arp, dst]) => {
    const eth = { dst: arp.op === 1 ? 0xffffffffffff : dst, src: arp.senderMac, ethertype: ETH_P_ARP };
    const bytes = new Uint8Array(ETH_HLEN + 28);
    emitEthernet(eth, bytes, 0);
    emitArp(arp, bytes, ETH_HLEN);
    return { repr: { eth, arp }, bytes };
  });
}

/** A well-formed IPv4 frame with an opaque payload (any protocol number, options allowed, not a fragment). */
export function ipv4Packet(): fc.Arbitrary<GeneratedFrame<Ipv4FrameRepr<Uint8Array>>> {
  return fc.tuple(ipEth(), ipv4Repr({ payloadLen: 0, fragments: false }).filter((r) => r.proto !== 1 && r.proto !== 6 && r.proto !== 17), bytesArb(128)).map(([eth, ip0, payload]) => {
    const ip = { ...ip0, payloadLen: payload.length };
    const hl = ipv4BufferLen(ip);
    const bytes = new Uint8Array(ETH_HLEN + hl + payload.length);
    emitEthernet(eth, bytes, 0);
    emitIpv4(ip, bytes, ETH_HLEN);
    bytes.set(payload, ETH_HLEN + hl);
    return { repr: { eth, ip, l4: payload }, bytes };
  });
}

/** A well-formed ICMP frame (echo, error with a quoted datagram, or other). */
export function icmpPacket(): fc.Arbitrary<GeneratedFrame<Ipv4FrameRepr<IcmpRepr>>> {
  return ipFrame(IPPROTO_ICMP, icmpRepr(), icmpBufferLen, (m, b, off) => emitIcmp(m, b, off));
}

/** A well-formed UDP frame (checksum over the pseudo-header). */
export function udpDatagram(): fc.Arbitrary<GeneratedFrame<Ipv4FrameRepr<UdpRepr>>> {
  return ipFrame(IPPROTO_UDP, udpRepr(), udpBufferLen, emitUdp);
}

/** A well-formed TCP frame (options, payload, checksum over the pseudo-header). */
export function tcpSegment(): fc.Arbitrary<GeneratedFrame<Ipv4FrameRepr<TcpRepr>>> {
  return ipFrame(IPPROTO_TCP, tcpRepr(), tcpBufferLen, emitTcp);
}

/** The corruption {@link malformedFrame} applied. */
export type Corruption = 'truncated' | 'badChecksum' | 'badIhl' | 'badVersion' | 'badLength';

/** A malformed frame: the bytes, what was done, and the reason `ipv4Validate` must return. */
export interface MalformedFrame {
  /** The corrupted Ethernet frame. */
  bytes: Uint8Array;
  /** The corruption. */
  corruption: Corruption;
  /** The `Ipv4Invalid` reason `ipv4Validate` gives for these bytes. */
  reason: number;
  /** The frame before corruption. */
  original: Uint8Array;
}

/**
 * A well-formed IPv4 frame (UDP, TCP or ICMP) with exactly one targeted corruption: truncated
 * anywhere, header checksum broken, IHL below 5, version not 4, or total length beyond the frame
 * / below the header. `reason` is what `ipv4Validate` must answer.
 */
export function malformedFrame(): fc.Arbitrary<MalformedFrame> {
  const base = fc.oneof(udpDatagram(), tcpSegment(), icmpPacket()).map((f) => f.bytes);
  return fc
    .tuple(base, fc.constantFrom<Corruption>('truncated', 'badChecksum', 'badIhl', 'badVersion', 'badLength'), fc.nat(), fc.integer({ min: 1, max: 0xffff }))
    .map(([original, corruption, n, d]) => {
      const b = original.slice();
      const ihl = (b[ETH_HLEN]! & 15) * 4;
      let bytes = b;
      let reason: number;
      switch (corruption) {
        case 'truncated': {
          const len = n % original.length;
          bytes = b.slice(0, len);
          reason = len < ETH_HLEN + 20 ? Ipv4Invalid.TooShort : len < ETH_HLEN + ihl ? Ipv4Invalid.Ihl : Ipv4Invalid.TotalLength;
          break;
        }
        case 'badChecksum': {
          const c = (b[ETH_HLEN + 10]! << 8) | b[ETH_HLEN + 11]!;
          let nc = c ^ d;
          // 0x0000 and 0xffff are the same one's-complement value: that change would still verify.
          if ((c === 0 && nc === 0xffff) || (c === 0xffff && nc === 0)) nc = c ^ 1;
          b[ETH_HLEN + 10] = nc >>> 8;
          b[ETH_HLEN + 11] = nc & 255;
          reason = Ipv4Invalid.Checksum;
          break;
        }
        case 'badIhl':
          b[ETH_HLEN] = 0x40 | (n % 5);
          reason = Ipv4Invalid.Ihl;
          break;
        case 'badVersion': {
          const v = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15][n % 15]!;
          b[ETH_HLEN] = (v << 4) | (b[ETH_HLEN]! & 15);
          reason = Ipv4Invalid.Version;
          break;
        }
        case 'badLength': {
          const avail = original.length - ETH_HLEN;
          // either beyond the frame or below the header length
          const tot = n % 2 === 0 ? avail + 1 + (d % (0x10000 - avail - 1 || 1)) : d % ihl;
          b[ETH_HLEN + 2] = (tot >>> 8) & 255;
          b[ETH_HLEN + 3] = tot & 255;
          reason = Ipv4Invalid.TotalLength;
          break;
        }
      }
      return { bytes, corruption, reason, original };
    });
}
