import { Rng } from '../../src/core/rng.js';
import { Sim } from '../../src/core/scheduler.js';
import { Netfilter } from '../../src/netfilter/netfilter.js';
import type { NfHost } from '../../src/netfilter/hook.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { parseIp } from '../../src/wire/addr.js';
import { V_ACCEPT, V_CONTINUE, V_DROP, type PktInfo, type TargetRunner } from '../../src/netfilter/engine.js';
import type { Rule } from '../../src/netfilter/rule.js';

/** A namespace stand-in: local addresses, a masquerade source per device, and a capture of sent packets. */
export class FakeHost implements NfHost {
  readonly sent: SkBuff[] = [];
  constructor(
    readonly name: string,
    readonly local: Set<number> = new Set(),
    readonly devAddr: Record<string, number> = {},
  ) {}
  addrType(ip: number) {
    if (this.local.has(ip) || ip >>> 24 === 127) return 'LOCAL' as const;
    if (ip === 0xffffffff) return 'BROADCAST' as const;
    if (ip >>> 28 === 14) return 'MULTICAST' as const;
    return 'UNICAST' as const;
  }
  masqueradeSource(outDev: string): number {
    return this.devAddr[outDev] ?? 0;
  }
  sendLocal(skb: SkBuff): void {
    this.sent.push(skb);
  }
}

export function makeNf(host?: FakeHost, seed = 1): { nf: Netfilter; sim: Sim; host: FakeHost } {
  const sim = new Sim();
  const h = host ?? new FakeHost('host');
  const nf = new Netfilter({ sim, rng: new Rng(seed), host: h });
  return { nf, sim, host: h };
}

/**
 * Makes `nf` track connections the way a real namespace starts to: with a rule whose match takes a
 * conntrack reference (`nf_ct_netns_get`). The rule has no target and sits in FORWARD, so it only counts.
 */
export function trackConnections(nf: Netfilter): void {
  const r = nf.iptables(['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'INVALID']);
  if (r.exitCode !== 0) throw new Error(r.stderr);
}

export const ip = parseIp;

/** Replaces the oracle's normalisation placeholders with concrete values iptables would print. */
export function concretize(text: string): string {
  return text
    .replace(/\[<pkts>:<bytes>\]/g, '[0:0]')
    .replace(/<eport:\+(\d+)>/g, (_, n) => String(32768 + Number(n)))
    .replace(/<dns-tcp-port>/g, '41235')
    .replace(/<dns-udp-port>/g, '52117')
    .replace(/<nid:([^>]+)>/g, (_, name: string) => nidOf(name));
}

/** A stable 12-hex-digit network id for a network name. */
export function nidOf(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return (h.toString(16).padStart(8, '0') + 'abcd').slice(0, 12);
}

/**
 * Deterministic side-effect targets for comparing compiled chains with the interpreter: REJECT
 * drops, LOG bumps the packet's mark (a visible side effect, to check ordering), anything else accepts.
 */
export const sideEffectTargets: TargetRunner = {
  run(rule: Rule, p: PktInfo): number {
    switch (rule.target.kind) {
      case 'REJECT':
        return V_DROP;
      case 'LOG':
        p.mark = (p.mark + 1) >>> 0;
        return V_CONTINUE;
      default:
        return V_ACCEPT;
    }
  },
};
