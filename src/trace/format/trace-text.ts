/**
 * `dockernet trace --format text`: the hops of each leg, numbered and indented, request first and
 * reply after, then one result line.
 *
 * @module
 */
import type { Hop, TraceLeg, TraceReport } from '../model.js';
import { PLAIN, type Style } from './style.js';

const LAYER_TAG: Record<string, string> = {
  dev: 'dev',
  bridge: 'bridge',
  netfilter: 'iptables',
  conntrack: 'conntrack',
  nat: 'nat',
  route: 'route',
  neigh: 'arp',
  local: 'deliver',
  drop: 'DROP',
};

function hopLine(h: Hop, nsWidth: number, st: Style): string {
  const num = String(h.n).padStart(3);
  const ns = h.ns.padEnd(nsWidth);
  const tag = (LAYER_TAG[h.layer] ?? h.layer).padEnd(9);
  let text = h.text;
  if (h.layer === 'netfilter' && (h.kind === 'rule' || h.kind === 'policy' || h.kind === 'return')) text = '  ' + text;
  let line = `${num}  ${st.dim(ns)}  ${tag}  ${text}`;
  if (h.layer === 'drop' || h.verdict === 'DROP' || h.verdict === 'REJECT') line = st.red(line);
  else if (h.layer === 'local') line = st.green(line);
  else if (h.layer === 'nat') line = st.yellow(line);
  else if (h.arp) line = st.dim(line);
  return line;
}

function legText(leg: TraceLeg, st: Style): string {
  const nsWidth = Math.max(4, ...leg.hops.map((h) => h.ns.length));
  const ports = (ip: string, p: number | null): string => (p === null ? ip : `${ip}:${p}`);
  const what = leg.proto === 'icmp' ? 'ICMP echo request' : leg.proto === 'tcp' ? 'TCP SYN' : 'UDP datagram';
  let out = st.bold(`${leg.title}`) + '\n';
  out += `  ${what} ${ports(leg.src || '?', leg.sport)} → ${ports(leg.dst, leg.dport)}\n`;
  let dir = '';
  for (const h of leg.hops) {
    if (h.dir !== dir) {
      dir = h.dir;
      out += `  ${st.cyan(dir === 'request' ? 'request:' : 'reply:')}\n`;
    }
    out += hopLine(h, nsWidth, st) + '\n';
  }
  if (!leg.hops.length) out += '  (no packet left the sender)\n';
  const o = leg.outcome;
  out += `  ${o.result === 'delivered' ? st.green('→ delivered') : st.red('→ dropped')}: ${o.reason}\n`;
  return out;
}

/** Renders a trace as text (plain unless `st` colours it). */
export function traceText(r: TraceReport, st: Style = PLAIN): string {
  const dst = r.to.port === null ? r.to.ip : `${r.to.ip}:${r.to.port}`;
  let out = `trace ${r.from.name} → ${r.to.name} (${r.to.label}, ${dst}/${r.proto})  scenario ${r.scenario}, seed ${r.seed}\n\n`;
  r.legs.forEach((leg, i) => {
    if (i) out += '\n';
    out += legText(leg, st);
  });
  const o = r.outcome;
  out += `\n${o.result === 'delivered' ? st.bold(st.green('RESULT: delivered')) : st.bold(st.red('RESULT: dropped'))} — ${o.reason}\n`;
  return out;
}
