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

/** Runs of more hops than this of one flooded frame (see `sameFrameEnd`) are folded. */
const FOLD_MIN = 8;
/** Hops of a folded run shown before the count (the last one is shown after it). */
const FOLD_SHOWN = 3;

/**
 * Where the run of hops starting at `i` ends (exclusive): consecutive `tx` (or `rx`) hops of one
 * frame whose text is the same but for the device: a bridge's flood going out of its ports (one
 * namespace), or arriving in the namespaces behind them.
 */
function sameFrameEnd(hops: readonly Hop[], i: number): number {
  const h = hops[i]!;
  if (h.layer !== 'dev' || (h.kind !== 'tx' && h.kind !== 'rx') || !h.dev) return i + 1;
  const key = h.text.replace(h.dev, '');
  let j = i + 1;
  while (j < hops.length) {
    const x = hops[j]!;
    if (x.layer !== 'dev' || x.kind !== h.kind || !x.dev || x.dir !== h.dir || (h.kind === 'tx' && x.ns !== h.ns) || x.text.replace(x.dev, '') !== key) break;
    j++;
  }
  return j;
}

function legText(leg: TraceLeg, st: Style): string {
  const nsWidth = Math.max(4, ...leg.hops.map((h) => h.ns.length));
  const ports = (ip: string, p: number | null): string => (p === null ? ip : `${ip}:${p}`);
  const what = leg.proto === 'icmp' ? 'ICMP echo request' : leg.proto === 'tcp' ? 'TCP SYN' : 'UDP datagram';
  let out = st.bold(`${leg.title}`) + '\n';
  out += `  ${what} ${ports(leg.src || '?', leg.sport)} → ${ports(leg.dst, leg.dport)}\n`;
  let dir = '';
  const hops = leg.hops;
  for (let i = 0; i < hops.length; i++) {
    const h = hops[i]!;
    if (h.dir !== dir) {
      dir = h.dir;
      out += `  ${st.cyan(dir === 'request' ? 'request:' : 'reply:')}\n`;
    }
    out += hopLine(h, nsWidth, st) + '\n';
    // a flood's copies leaving port after port, or arriving namespace after namespace: the first
    // few, a count, the last one
    const end = sameFrameEnd(hops, i);
    if (end - i > FOLD_MIN) {
      for (let k = i + 1; k < i + FOLD_SHOWN; k++) out += hopLine(hops[k]!, nsWidth, st) + '\n';
      const hidden = end - 1 - (i + FOLD_SHOWN);
      const what = h.kind === 'tx' ? 'out of as many more ports' : 'into as many more namespaces';
      out += st.dim(`${' '.repeat(5 + nsWidth + 2)}…  ${hidden} more hops (${hops[i + FOLD_SHOWN]!.n}–${hops[end - 2]!.n}): the same frame ${what}`) + '\n';
      out += hopLine(hops[end - 1]!, nsWidth, st) + '\n';
      i = end - 1;
    }
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
