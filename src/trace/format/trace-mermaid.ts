/**
 * `dockernet trace --format mermaid`: the packet's path as a Mermaid sequence diagram. Namespaces
 * are participants; a frame crossing a veth or a bridge is an arrow; netfilter verdicts, NAT
 * rewrites, the ARP exchange and the outcome are notes.
 *
 * @module
 */
import type { Hop, TraceReport } from '../model.js';
import { verdictText } from '../probe.js';

/** A Mermaid-safe participant id for a namespace label. */
export function mermaidId(label: string): string {
  const id = label.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(id) ? id : `n_${id}`;
}

/** Text that is safe inside a Mermaid message or note (no `;`, `#`, `:` confusion, no arrows). */
export function mermaidText(s: string): string {
  return s
    .replace(/#/g, 'no. ')
    .replace(/;/g, ',')
    .replace(/-->/g, '→')
    .replace(/->>/g, '→')
    .replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'))
    .replace(/\s+/g, ' ')
    .trim();
}

function noteFor(h: Hop): string | null {
  if (h.layer === 'netfilter' && h.kind === 'rule') return `${h.table} ${h.chain} rule ${h.pos}: ${h.rule} → ${verdictText(h.verdict ?? '')}`;
  if (h.layer === 'netfilter' && h.kind === 'policy') return `${h.table} ${h.chain} policy ${h.verdict}`;
  if (h.layer === 'nat') return `${h.kind.toUpperCase()} ${h.before} → ${h.after}`;
  if (h.layer === 'drop') return `DROP: ${h.reason ?? h.text}`;
  if (h.layer === 'local') return `delivered: ${h.text}`;
  if (h.layer === 'route' && (h.kind === 'forward' || h.kind === 'reroute')) return `route: ${h.text}`;
  return null;
}

/** Renders a trace as a Mermaid sequence diagram. */
export function traceMermaid(r: TraceReport): string {
  const order: string[] = [];
  for (const leg of r.legs) for (const h of leg.hops) if (!order.includes(h.ns)) order.push(h.ns);
  if (!order.length) order.push(r.from.kind === 'host' ? 'host' : r.from.name);
  const lines: string[] = ['sequenceDiagram'];
  for (const p of order) lines.push(`  participant ${mermaidId(p)} as ${mermaidText(p)}`);
  for (const leg of r.legs) {
    lines.push(`  Note over ${mermaidId(leg.hops[0]?.ns ?? order[0]!)}: ${mermaidText(leg.title)}`);
    let cur = leg.hops.find((h) => !h.arp)?.ns ?? leg.hops[0]?.ns ?? order[0]!;
    let lastDev = '';
    let dir = 'request';
    for (const h of leg.hops) {
      if (h.arp) {
        if (h.layer === 'neigh' && h.kind === 'solicit') lines.push(`  Note over ${mermaidId(h.ns)}: ARP ${mermaidText(h.text)}`);
        continue;
      }
      if (h.dir !== dir) dir = h.dir;
      if (h.layer === 'dev' && h.kind === 'tx') lastDev = h.dev ?? '';
      if (h.ns !== cur) {
        const arrow = dir === 'request' ? '->>' : '-->>';
        const via = lastDev && h.dev ? `${lastDev} → ${h.dev}` : h.dev ?? '';
        lines.push(`  ${mermaidId(cur)}${arrow}${mermaidId(h.ns)}: ${mermaidText(`${dir === 'request' ? 'packet' : 'reply'}${via ? ` (${via})` : ''}`)}`);
        cur = h.ns;
      }
      const note = noteFor(h);
      if (note) lines.push(`  Note over ${mermaidId(h.ns)}: ${mermaidText(note)}`);
    }
    const o = leg.outcome;
    lines.push(`  Note over ${mermaidId(cur)}: ${mermaidText(`${o.result.toUpperCase()}: ${o.reason}`)}`);
  }
  return lines.join('\n') + '\n';
}
