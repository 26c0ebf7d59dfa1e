/**
 * The oracle's normalisation (shared/oracle/tools/normalize.py) applied to the emulator's raw
 * output, with the mapping taken from the model (container/network ids, veth names, random MACs,
 * docker-chosen host ports), so that observed files compare byte for byte.
 */

/** The token mapping, as the capture tool's mapping.json. */
export interface NormalizeMapping {
  /** full container id → name. */
  containers: Record<string, string>;
  /** full network id → name. */
  networks: Record<string, string>;
  /** host veth name → token (`<veth:NAME>`). */
  veths: Record<string, string>;
  /** MAC text → label (`docker0`, `br:net1`, `veth:NAME`). */
  macs: Record<string, string>;
  /** host port → `<eport:+K>`. */
  eports: Record<string, string>;
}

import { linkLocal6 } from '../../netns/iproute.js';
import { parseMac } from '../../wire/addr.js';
import { normalizeXtablesTrace } from './xt-trace.js';

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function macVariants(mac: string): [string, string, string] {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const colon = b.map((x) => x.toString(16).padStart(2, '0')).join(':');
  const compressed = b.map((x) => x.toString(16)).join(':');
  const llhex = b.map((x) => (x >= 0x80 ? 'ffffff' + x.toString(16).padStart(2, '0') : x.toString(16).padStart(2, '0'))).join('');
  return [colon, compressed, llhex];
}

/** EUI-64 link-local IPv6 address of a MAC, compressed as Python's ipaddress prints it. */
export function ll6(mac: string): string {
  return linkLocal6(parseMac(mac));
}

/** Applies normalize.py's rules for one file. */
export class Normalizer {
  private readonly subs: Array<[RegExp, string]> = [];
  private readonly eports: Array<[number, string]>;

  constructor(m: NormalizeMapping) {
    const ids: Array<[string, string]> = [];
    for (const [kind, tag] of [['containers', 'cid'], ['networks', 'nid']] as const) {
      for (const [full, name] of Object.entries(m[kind])) {
        ids.push([full, `<${tag}:${name}>`]);
        ids.push([full.slice(0, 12), `<${tag}:${name}>`]);
      }
    }
    ids.sort((a, b) => b[0].length - a[0].length);
    for (const [s, r] of ids) this.subs.push([new RegExp(`(?<![0-9a-f])${esc(s)}(?![0-9a-f])`, 'g'), r]);
    for (const [v, tok] of Object.entries(m.veths).sort((a, b) => b[0].length - a[0].length))
      this.subs.push([new RegExp(`(?<![\\w])${esc(v)}(?![\\w])`, 'g'), tok]);
    for (const [mac, label] of Object.entries(m.macs)) {
      const [colon, compressed, llhex] = macVariants(mac);
      this.subs.push([new RegExp(esc(colon), 'gi'), `<mac:${label}>`]);
      this.subs.push([new RegExp(`(?<![0-9a-f:])${esc(compressed)}(?![0-9a-f:])`, 'gi'), `<mac:${label}>`]);
      this.subs.push([new RegExp(esc(llhex), 'gi'), `<mac:${label}>`]);
      this.subs.push([new RegExp(`(?<![0-9a-f:])${esc(ll6(mac))}(?![0-9a-f:])`, 'g'), `<ll6:${label}>`]);
      this.subs.push([new RegExp(esc('33:33:ff:' + colon.slice(9)), 'gi'), `<mac6snm:${label}>`]);
    }
    this.eports = Object.entries(m.eports).map(([k, v]) => [Number(k), v] as [number, string]).sort((a, b) => b[0] - a[0]);
  }

  /** Normalises the text of file `fname` (its base name selects the file-specific rules). */
  text(txt: string, fname = ''): string {
    const base = fname.slice(fname.lastIndexOf('/') + 1);
    // Python reads the raw files with universal newlines
    txt = txt.replace(/\r\n?/g, '\n');
    for (const [rx, r] of this.subs) txt = txt.replace(rx, () => r);
    txt = txt.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?/g, '<time>');
    txt = txt.replace(/^Date: .*$/gm, 'Date: <time>');
    txt = txt.replace(/time=\d+(\.\d+)? ms/g, 'time=<ms> ms');
    txt = txt.replace(/min\/avg\/max = [\d./]+ ms/g, 'min/avg/max = <ms> ms');
    // a failed endpoint's id in libnetwork's error (the endpoint is gone: nothing maps it)
    txt = txt.replace(/(on endpoint \S+ \()[0-9a-f]{64}(\))/g, '$1<eid>$2');
    if (base.startsWith('trace')) txt = normalizeXtablesTrace(txt);
    for (const [p, tok] of this.eports) txt = txt.replace(new RegExp(`(?<![\\d.<])${p}(?![\\d])`, 'g'), tok);
    txt = txt.replace(/^(\s*)1: lo([:@])/gm, '$1<lo1>: lo$2');
    txt = txt.replace(/^(\s*)\d+: (?=[\w<.-]+[@:])/gm, '$1<idx>: ');
    txt = txt.split('<lo1>: lo').join('1: lo');
    txt = txt.replace(/@if\d+\b/g, '@<idx>');
    txt = txt.replace(/link-netnsid \d+/g, 'link-netnsid <nsid>');
    txt = txt.replace(/\b(\w+_timer)\s+[\d.]+/g, '$1 <timer>');
    txt = dnsPorts(txt);
    if (base.includes('iptables-save')) txt = txt.replace(/^(:\S+ \S+) \[\d+:\d+\]$/gm, '$1 [<pkts>:<bytes>]');
    if (base.includes('conntrack')) txt = conntrackText(txt);
    if (base.includes('fdb')) txt = txt.split('\n').filter((l) => l.trim()).sort().join('\n') + '\n';
    return txt;
  }
}

/** normalize.py `_conntrack`: drop the timeout column, client ports and ICMP ids as tokens, sort. */
function conntrackText(txt: string): string {
  const out: string[] = [];
  for (let l of txt.split('\n')) {
    if (!l.trim() || l.includes('flow entries have been shown')) continue;
    l = l.replace(/^(\w+)\s+(\d+)\s+\d+\s+/, '$1 $2 ');
    l = l.replace(/\b(sport|dport)=(\d+)/g, (_m, k: string, v: string) => `${k}=${Number(v) >= 32768 && Number(v) <= 60999 ? '<cport>' : v}`);
    l = l.replace(/\bid=\d+/g, 'id=<icmpid>');
    l = l.replace(/\s+/g, ' ').trim();
    out.push(l);
  }
  return out.sort().join('\n') + (out.length ? '\n' : '');
}

function dnsPorts(txt: string): string {
  const ports = new Map<string, string>();
  for (const m of txt.matchAll(/-p (tcp|udp) .*?--to-destination 127\.0\.0\.11:(\d+)/g)) ports.set(m[2]!, `<dns-${m[1]}-port>`);
  for (const [port, tok] of ports) txt = txt.replace(new RegExp(`(?<![\\d])${port}(?![\\d])`, 'g'), tok);
  return txt;
}
