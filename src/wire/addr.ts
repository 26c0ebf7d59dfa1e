import { DockernetError } from '../core/errors.js';

/**
 * Addresses as plain numbers, the representation used on the packet path:
 * IPv4 as an unsigned 32-bit integer, MAC as a 48-bit integer (exact in a double).
 */

/** Formats an IPv4 address (uint32 or int32) as dotted quad. */
export function ipToString(ip: number): string {
  // the last address asked for again (a container's address is written out for its /etc/hosts,
  // its published ports and their proxies in turn): the same string, not seven concatenations
  const k = ip | 0; // either form, kept as a small integer
  if (k === lastIp) return lastIpText;
  const s = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
  lastIp = k;
  lastIpText = s;
  return s;
}

let lastIp = -1;
let lastIpText = '255.255.255.255';

/** Parses a dotted-quad IPv4 address; returns -1 when it is not one. */
export function tryParseIp(s: string): number {
  return parseDottedQuad(s, 0, s.length);
}

/**
 * The dotted quad in `s[from, to)`: four parts of 1–3 digits, each at most 255; -1 when it is not
 * one (character codes: no split, no regex, no allocation).
 */
export function parseDottedQuad(s: string, from: number, to: number): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
    } else return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return (v * 256 + part) >>> 0;
}

/** Parses a dotted-quad IPv4 address or throws. */
export function parseIp(s: string): number {
  const v = tryParseIp(s);
  if (v < 0) throw new DockernetError('EADDR', `invalid IPv4 address: ${s}`);
  return v;
}

/** Netmask (uint32) of a prefix length 0..32. */
export function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** An IPv4 prefix: network address (host bits zero) and length. */
export interface Cidr {
  /** Network address (uint32, host bits zero). */
  addr: number;
  /** Prefix length 0..32. */
  len: number;
}

/** Parses `a.b.c.d/n` (or a bare address, meaning /32). `strict` refuses host bits. */
export function parseCidr(s: string, strict = false): Cidr & { /** The address as written (host bits kept). */ host: number } {
  const slash = s.indexOf('/');
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  const lenStr = slash < 0 ? '32' : s.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lenStr) || Number(lenStr) > 32)
    throw new DockernetError('EADDR', `invalid CIDR address: ${s}`);
  const len = Number(lenStr);
  const addr = (ip & prefixMask(len)) >>> 0;
  if (strict && addr !== ip) throw new DockernetError('EADDR', `invalid CIDR address: ${s}`);
  return { addr, len, host: ip };
}

/** Formats a prefix as `a.b.c.d/n`. */
export function cidrToString(c: Cidr): string {
  return `${ipToString(c.addr)}/${c.len}`;
}

/** True when `ip` lies inside `c`. */
export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & prefixMask(c.len)) >>> 0) === c.addr;
}

/** Broadcast address of a prefix. */
export function cidrBroadcast(c: Cidr): number {
  return (c.addr | ~prefixMask(c.len)) >>> 0;
}

/** The broadcast MAC ff:ff:ff:ff:ff:ff as a number. */
export const MAC_BROADCAST = 0xffffffffffff;

/** `00` … `ff`, by byte value. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Formats a MAC (48-bit number) as `02:42:ac:11:00:02`. (A table of byte texts: a traced flood
 * formats the same frame's MACs once per bridge port.)
 */
export function macToString(mac: number): string {
  const hi = Math.floor(mac / 0x100000000);
  const lo = mac >>> 0;
  return `${HEX2[(hi >>> 8) & 255]}:${HEX2[hi & 255]}:${HEX2[lo >>> 24]}:${HEX2[(lo >>> 16) & 255]}:${HEX2[(lo >>> 8) & 255]}:${HEX2[lo & 255]}`;
}

/** Parses a MAC (`aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` or `aabb.ccdd.eeff`) into a 48-bit number or throws. */
export function parseMac(s: string): number {
  // Go's net.ParseMAC for 48-bit addresses (what Docker validates --mac-address with):
  // 01:23:45:67:89:ab, 01-23-45-67-89-ab or 0123.4567.89ab
  let parts: string[];
  if (/^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(s)) parts = s.split('.').flatMap((g) => [g.slice(0, 2), g.slice(2)]);
  else parts = s.split(s.includes('-') && !s.includes(':') ? '-' : ':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p)))
    throw new DockernetError('EADDR', `invalid MAC address: ${s}`);
  let v = 0;
  for (const p of parts) v = v * 256 + parseInt(p, 16);
  return v;
}

/** True for group (multicast or broadcast) MACs: the I/G bit of the first byte. */
export function macIsMulticast(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 1) === 1;
}

/** Docker's MAC for an IPv4 address: 02:42 followed by the four address bytes. */
export function dockerMacFor(ip: number): number {
  return 0x0242 * 0x100000000 + (ip >>> 0);
}

/** Reads a MAC at `off` in a byte array. */
export function readMac(b: Uint8Array, off: number): number {
  return (b[off]! << 8 | b[off + 1]!) * 0x100000000 + ((b[off + 2]! << 24) >>> 0) + (b[off + 3]! << 16 | b[off + 4]! << 8 | b[off + 5]!);
}

/** Writes a MAC at `off` in a byte array. */
export function writeMac(b: Uint8Array, off: number, mac: number): void {
  writeMacHalves(b, off, Math.floor(mac / 0x100000000), mac >>> 0);
}

/**
 * Writes the MAC given as its halves ({@link macHi}, {@link macLo}) at `off`: the packet path's
 * allocation-free form of {@link writeMac}.
 */
export function writeMacHalves(b: Uint8Array, off: number, hi: number, lo: number): void {
  b[off] = (hi >>> 8) & 255;
  b[off + 1] = hi & 255;
  b[off + 2] = lo >>> 24;
  b[off + 3] = (lo >>> 16) & 255;
  b[off + 4] = (lo >>> 8) & 255;
  b[off + 5] = lo & 255;
}

/**
 * The top 16 bits of the MAC at `off` (bytes 0–1) as a small integer. With {@link readMacLo} it
 * reads a MAC as two small integers, which the packet path compares and hashes without building
 * the 48-bit number (a 48-bit double that escapes is a heap allocation in V8).
 */
export function readMacHi(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

/**
 * The low 32 bits of the MAC at `off` (bytes 2–5) as a signed int32 (`| 0`), the 4 bytes Linux's
 * `br_mac_hash` hashes. Compare with {@link macLo} of a 48-bit MAC.
 */
export function readMacLo(b: Uint8Array, off: number): number {
  return (b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!;
}

/** The top 16 bits of a 48-bit MAC number (as {@link readMacHi} reads them). */
export function macHi(mac: number): number {
  return Math.floor(mac / 0x100000000) & 0xffff;
}

/** The low 32 bits of a 48-bit MAC number as a signed int32 (as {@link readMacLo} reads them). */
export function macLo(mac: number): number {
  return mac % 0x100000000 | 0;
}

/** The 48-bit MAC number of the halves {@link macHi} and {@link macLo} return. */
export function macFromHalves(hi: number, lo: number): number {
  return (hi & 0xffff) * 0x100000000 + (lo >>> 0);
}
