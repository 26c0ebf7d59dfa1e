import { Rng } from '../../src/core/rng.js';
import { Sim } from '../../src/core/scheduler.js';
import { Netfilter } from '../../src/netfilter/netfilter.js';
import type { NfHost } from '../../src/netfilter/hook.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { parseIp } from '../../src/wire/addr.js';

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

export const ip = parseIp;
