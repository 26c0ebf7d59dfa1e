/**
 * Compares our netfilter hops with a real kernel trace: `xtables-monitor --trace` text (the
 * oracle's `observed/trace-*.txt`) and our hops reduce to the same sequence of steps
 * `table:chain:rule|policy:verdict  -A CHAIN …`. Implicit returns (end of a user chain) are left
 * out: nft traces do not print them.
 *
 * @module
 */
import type { Hop } from './model.js';
import type { Lab } from './lab.js';

/** One netfilter step of a trace. */
export interface NfStep {
  table: string;
  chain: string;
  type: 'rule' | 'policy';
  /** `ACCEPT`, `DROP`, `CONTINUE`, `JUMP:DOCKER`, `0xfffffffb`… */
  verdict: string;
  /** The rule in iptables-save syntax (`-A FORWARD -j DOCKER-USER`), '' for a policy. */
  rule: string;
}

/** One step as a line: `filter:FORWARD:rule:ACCEPT  -A FORWARD -i docker0 -o docker0 -j ACCEPT`. */
export function stepText(s: NfStep): string {
  return `${s.table}:${s.chain}:${s.type}:${s.verdict}${s.rule ? `  ${s.rule}` : ''}`;
}

/** The steps of an `xtables-monitor --trace` capture (PACKET lines skipped). */
export function parseXtablesTrace(text: string): NfStep[] {
  const out: NfStep[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*TRACE: \S+ \S+ ([^:\s]+):([^:\s]+):(rule|policy):(.*)$/.exec(line);
    if (!m) continue;
    const [, table, chain, type, rest] = m as unknown as [string, string, string, 'rule' | 'policy', string];
    if (type === 'policy') {
      out.push({ table, chain, type, verdict: rest.trim(), rule: '' });
      continue;
    }
    // rule:<handle>:VERDICT  -4 -t TABLE -A CHAIN ...
    const r = /^[^:]+:(\S+)\s+-4 -t \S+ (-A .*?)\s*$/.exec(rest);
    if (!r) continue;
    out.push({ table, chain, type, verdict: r[1]!, rule: r[2]! });
  }
  return out;
}

/** The netfilter steps of our hops in namespace `ns` (default the host). */
export function stepsFromHops(hops: readonly Hop[], ns = 'host'): NfStep[] {
  const out: NfStep[] = [];
  for (const h of hops) {
    if (h.ns !== ns || h.layer !== 'netfilter') continue;
    if (h.kind === 'rule') out.push({ table: h.table!, chain: h.chain!, type: 'rule', verdict: h.verdict!, rule: h.rule! });
    else if (h.kind === 'policy') out.push({ table: h.table!, chain: h.chain!, type: 'policy', verdict: h.verdict!, rule: '' });
  }
  return out;
}

/** Rewrites our bridge names to the oracle's placeholders (`br-<nid:NAME>`). */
export function oracleNames(lab: Lab, text: string): string {
  let t = text;
  for (const n of lab.networks()) if (n.bridge && n.bridge.startsWith('br-')) t = t.split(n.bridge).join(`br-<nid:${n.name}>`);
  return t;
}
