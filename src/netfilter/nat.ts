/**
 * NAT bindings and packet rewriting (after Linux `nf_nat_core.c`): `get_unique_tuple` with
 * NAPT port selection (keep the port when free, else search the range from a seeded offset,
 * halving the window like the kernel), and `nf_nat_manip_pkt` with incremental checksums.
 *
 * @module
 */
import type { Rng } from '../core/rng.js';
import type { SkBuff } from '../wire/skbuff.js';
import { ipv4SetDst, ipv4SetSrc, l4SetDstPort, l4SetSrcPort } from '../wire/build.js';
import { csumReplace16, csumReplace32, checksum } from '../wire/checksum.js';
import { icmpReplyType, IPS_DST_NAT, IPS_NAT_CLASH, IPS_SRC_NAT, type Conntrack, type CtEntry } from './conntrack.js';
import type { NatRange } from './rule.js';

/** Source manipulation (SNAT, MASQUERADE; POST_ROUTING and LOCAL_IN). */
export const NF_NAT_MANIP_SRC = 0;
/** Destination manipulation (DNAT, REDIRECT; PRE_ROUTING and LOCAL_OUT). */
export const NF_NAT_MANIP_DST = 1;

/** Maximum ports tried per round (Linux `NF_NAT_MAX_ATTEMPTS`). */
export const NF_NAT_MAX_ATTEMPTS = 128;

/**
 * A working tuple (original direction, after earlier manips), addresses as int32 so that every field
 * stays a small integer. Reused; never allocated per packet.
 */
class Tuple {
  src = 0;
  dst = 0;
  sport = 0;
  dport = 0;
}

const scratch = new Tuple();

function usedTuple(ctab: Conntrack, ct: CtEntry, t: Tuple): boolean {
  // the reply tuple this original tuple would have
  if (ct.proto === 1) return ctab.taken(t.dst, t.src, t.sport, icmpReplyType(t.dport >>> 8) << 8, 1, ct);
  return ctab.taken(t.dst, t.src, t.dport, t.sport, ct.proto, ct);
}

function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 136;
}

function getKey(ct: CtEntry, t: Tuple, manip: number): number {
  if (ct.proto === 1) return t.sport;
  return manip === NF_NAT_MANIP_SRC ? t.sport : t.dport;
}

function setKey(ct: CtEntry, t: Tuple, manip: number, v: number): void {
  if (ct.proto === 1 || manip === NF_NAT_MANIP_SRC) t.sport = v;
  else t.dport = v;
}

/**
 * Sets up the NAT binding of an unconfirmed entry (Linux `nf_nat_setup_info`): `ip` (0 = keep the
 * current address) and the port range of `range`. Updates the reply tuple and the NAT status
 * bits. When no unique tuple exists the last candidate is kept and `IPS_NAT_CLASH` is set, so
 * the insertion at confirm fails and the packet is dropped (as Linux does on port exhaustion).
 */
export function natSetupInfo(ctab: Conntrack, rng: Rng, ct: CtEntry, manip: number, ip: number, range: NatRange | null): void {
  const t = scratch;
  // current original tuple = inverse of the reply tuple
  t.src = ct.rD;
  t.dst = ct.rS;
  if (ct.proto === 1) {
    t.sport = ct.rP >>> 16;
    t.dport = ct.oP & 0xffff;
  } else {
    t.sport = ct.rP & 0xffff;
    t.dport = ct.rP >>> 16;
  }
  const curSrc = t.src, curDst = t.dst, curSport = t.sport, curDport = t.dport;
  if (ip !== 0) {
    if (manip === NF_NAT_MANIP_SRC) t.src = ip | 0;
    else t.dst = ip | 0;
  }
  const l4 = hasPorts(ct.proto) || ct.proto === 1;
  const random = range !== null && range.random;
  const portSpecified = range !== null && range.hasPort;
  let done = false;
  // whether the tuple kept was looked up and found unused (a single-port range is kept unchecked)
  let free = false;
  if (!l4) done = true;
  else if (!random) {
    if (portSpecified) {
      const k = getKey(ct, t, manip);
      if (k >= range!.minPort && k <= range!.maxPort) {
        if (range!.minPort === range!.maxPort) done = true;
        else done = free = !usedTuple(ctab, ct, t);
      }
    } else done = free = !usedTuple(ctab, ct, t);
  }
  if (!done) free = uniqueTuple(ctab, rng, ct, t, manip, range);
  // store the new reply tuple
  ct.rS = t.dst;
  ct.rD = t.src;
  if (ct.proto === 1) ct.rSport = t.sport;
  else {
    ct.rSport = t.dport;
    ct.rDport = t.sport;
  }
  // (not for ICMP, whose reply tuple confirm spells differently)
  ctab.replyFree(ct, free && ct.proto !== 1);
  const changed = t.src !== curSrc || t.dst !== curDst || t.sport !== curSport || t.dport !== curDport;
  if (changed) ct.status |= manip === NF_NAT_MANIP_SRC ? IPS_SRC_NAT : IPS_DST_NAT;
}

/** Picks an unused tuple (Linux `get_unique_tuple`): true when it found one, false when the tuple it kept was not found unused. */
function uniqueTuple(ctab: Conntrack, rng: Rng, ct: CtEntry, t: Tuple, manip: number, range: NatRange | null): boolean {
  let min: number;
  let size: number;
  if (range === null || !range.hasPort) {
    if (ct.proto === 1) {
      min = 0;
      size = 65536;
    } else {
      if (manip === NF_NAT_MANIP_DST) return false; // a destination port is never changed unless asked
      const k = getKey(ct, t, manip);
      if (k < 1024) {
        if (k < 512) {
          min = 1;
          size = 511;
        } else {
          min = 600;
          size = 1023 - 600 + 1;
        }
      } else {
        min = 1024;
        size = 65535 - 1024 + 1;
      }
    }
  } else {
    min = range.minPort;
    size = range.maxPort - range.minPort + 1;
  }
  let off = (range !== null && range.random) || manip !== NF_NAT_MANIP_DST ? rng.nextU32() & 0xffff : 0;
  let attempts = Math.min(size, NF_NAT_MAX_ATTEMPTS);
  for (;;) {
    for (let i = 0; i < attempts; i++, off++) {
      setKey(ct, t, manip, min + (off % size));
      if (!usedTuple(ctab, ct, t)) return true;
    }
    if (attempts >= size || attempts < 16) {
      ct.status |= IPS_NAT_CLASH;
      return false;
    }
    attempts >>= 1;
    off = rng.nextU32() & 0xffff;
  }
}

/**
 * Rewrites the packet for the manip type of the current hook (Linux `nf_nat_packet` +
 * `nf_nat_manip_pkt`): the target is the inverse of the other direction's tuple. Returns true
 * when something changed.
 */
export function natManipPkt(skb: SkBuff, ct: CtEntry, dir: number, manip: number): boolean {
  skb.ensureWritable(); // Linux nf_nat_ipv4_manip_pkt: skb_ensure_writable
  const v = skb.view;
  const n = skb.network;
  const frag = (v.getUint16(n + 6) & 0x1fff) !== 0;
  let ip: number;
  let port: number;
  // int32 addresses (compared with getInt32): no heap numbers on the packet path
  if (dir === 0) {
    ip = manip === NF_NAT_MANIP_SRC ? ct.rD : ct.rS;
    port = ct.proto === 1 ? ct.rP >>> 16 : manip === NF_NAT_MANIP_SRC ? ct.rP & 0xffff : ct.rP >>> 16;
  } else {
    ip = manip === NF_NAT_MANIP_SRC ? ct.oD : ct.oS;
    port = ct.proto === 1 ? ct.oP >>> 16 : manip === NF_NAT_MANIP_SRC ? ct.oP & 0xffff : ct.oP >>> 16;
  }
  let changed = false;
  const t = skb.transport;
  if (!frag && t + 8 <= skb.len) {
    if (ct.proto === 1) {
      const type = v.getUint8(t);
      if ((type === 8 || type === 0 || type === 13 || type === 14) && v.getUint16(t + 4) !== port) {
        l4SetSrcPort(skb, port);
        changed = true;
      }
    } else if (hasPorts(ct.proto)) {
      const off = manip === NF_NAT_MANIP_SRC ? 0 : 2;
      if (v.getUint16(t + off) !== port) {
        if (ct.proto === 6 && t + 18 > skb.len) return changed;
        if (manip === NF_NAT_MANIP_SRC) l4SetSrcPort(skb, port);
        else l4SetDstPort(skb, port);
        changed = true;
      }
    }
  }
  if (manip === NF_NAT_MANIP_SRC) {
    if (v.getInt32(n + 12) !== ip) {
      manipAddr(skb, 12, ip);
      changed = true;
    }
  } else if (v.getInt32(n + 16) !== ip) {
    manipAddr(skb, 16, ip);
    changed = true;
  }
  return changed;
}

/**
 * Rewrites the IPv4 address at `field` (12 source, 16 destination) to int32 `ip`, patching the
 * header checksum and (first fragment of TCP/UDP) the L4 checksum incrementally, as
 * `ipv4SetSrc`/`ipv4SetDst` do, but on 16-bit halves only, so no value leaves the small-integer
 * range (Linux `l3proto_manip_pkt` + `inet_proto_csum_replace4`).
 */
function manipAddr(skb: SkBuff, field: number, ip: number): void {
  const v = skb.view;
  const n = skb.network;
  const old = v.getInt32(n + field);
  v.setInt32(n + field, ip);
  const oh = old >>> 16;
  const ol = old & 0xffff;
  const nh = ip >>> 16;
  const nl = ip & 0xffff;
  v.setUint16(n + 10, csumReplaceHalves(v.getUint16(n + 10), oh, ol, nh, nl));
  if ((v.getUint16(n + 6) & 0x1fff) !== 0) return;
  const proto = v.getUint8(n + 9);
  const off = proto === 6 ? skb.transport + 16 : proto === 17 ? skb.transport + 6 : -1;
  if (off < 0 || off + 2 > skb.len) return;
  const c = v.getUint16(off);
  if (proto === 17 && c === 0) return; // no UDP checksum: stays 0
  let nc = csumReplaceHalves(c, oh, ol, nh, nl);
  if (proto === 17 && nc === 0) nc = 0xffff;
  v.setUint16(off, nc);
}

function csumReplaceHalves(check: number, oh: number, ol: number, nh: number, nl: number): number {
  let s = (~check & 0xffff) + (~oh & 0xffff) + (~ol & 0xffff) + nh + nl;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * Translates an ICMP error related to a NATed connection (Linux `nf_nat_icmp_reply_translation`):
 * the quoted header is rewritten with the opposite manip, the outer header with this hook's.
 * The ICMP checksum is recomputed.
 */
export function natIcmpReplyTranslation(skb: SkBuff, ct: CtEntry, dir: number, manip: number): void {
  skb.ensureWritable();
  const v = skb.view;
  const n = skb.network;
  const t = skb.transport;
  const inner = t + 8;
  if (inner + 20 > skb.len) return;
  const ihl = (v.getUint8(inner) & 15) * 4;
  const l4 = inner + ihl;
  const other = dir === 0 ? 1 : 0;
  // inner: manip !manip with target = tuple of direction !dir
  const tSrc = other === 0 ? ct.oSrc : ct.rSrc;
  const tDst = other === 0 ? ct.oDst : ct.rDst;
  const tSport = other === 0 ? ct.oSport : ct.rSport;
  const tDport = other === 0 ? ct.oDport : ct.rDport;
  const innerManip = manip === NF_NAT_MANIP_SRC ? NF_NAT_MANIP_DST : NF_NAT_MANIP_SRC;
  const ipOff = innerManip === NF_NAT_MANIP_SRC ? inner + 12 : inner + 16;
  const newIp = innerManip === NF_NAT_MANIP_SRC ? tSrc : tDst;
  const oldIp = v.getUint32(ipOff);
  if (oldIp !== newIp) {
    v.setUint32(ipOff, newIp);
    v.setUint16(inner + 10, csumReplace32(v.getUint16(inner + 10), oldIp, newIp));
  }
  if (hasPorts(ct.proto) && l4 + 4 <= skb.len) {
    const pOff = innerManip === NF_NAT_MANIP_SRC ? l4 : l4 + 2;
    const np = innerManip === NF_NAT_MANIP_SRC ? tSport : tDport;
    const op = v.getUint16(pOff);
    if (op !== np) {
      v.setUint16(pOff, np);
      if (ct.proto === 17 && l4 + 8 <= skb.len && v.getUint16(l4 + 6) !== 0) {
        let c = csumReplace16(v.getUint16(l4 + 6), op, np);
        c = csumReplace32(c, oldIp, newIp);
        v.setUint16(l4 + 6, c === 0 ? 0xffff : c);
      }
    }
  } else if (ct.proto === 1 && l4 + 8 <= skb.len) {
    v.setUint16(l4 + 4, tSport);
  }
  // outer: this hook's manip, target = inverse of tuple !dir
  const outIp = manip === NF_NAT_MANIP_SRC ? tDst : tSrc;
  if (manip === NF_NAT_MANIP_SRC) {
    if (v.getUint32(n + 12) !== outIp) ipv4SetSrc(skb, outIp);
  } else if (v.getUint32(n + 16) !== outIp) ipv4SetDst(skb, outIp);
  const icmpLen = v.getUint16(n + 2) - (t - n);
  v.setUint16(t + 2, 0);
  v.setUint16(t + 2, checksum(skb.data, t, Math.min(icmpLen, skb.len - t)));
}
