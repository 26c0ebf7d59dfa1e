/** Two namespaces' netfilters for comparing the engine's iptables programming with the argv path. */
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { NetNamespace } from '../../src/netns/netns.js';
import type { Netfilter } from '../../src/netfilter/netfilter.js';
import type { IptablesRunner } from '../../src/docker/iptables/program.js';

/** A namespace's netfilter behind a plain argv front-end (not a Netfilter: the engine then sends argv text). */
export function argvOnly(nf: Netfilter): IptablesRunner {
  return { iptables: (argv) => nf.iptables(argv) };
}

/** Two fresh namespaces' netfilters: `fast` to program directly, `slow` to program through {@link argvOnly}. */
export function pair(): { fast: Netfilter; slow: Netfilter } {
  const sim = new Sim();
  const mk = (name: string): Netfilter => new NetNamespace(sim, name, new Rng(1)).netfilter as unknown as Netfilter;
  return { fast: mk('a'), slow: mk('b') };
}

/** Everything a rule holds, chain by chain, table by table (counters included). */
export function dump(nf: Netfilter): string {
  return JSON.stringify(Object.values(nf.rules.tables).map((t) => [t.name, t.exists, [...t.chains.values()].map((c) => [c.name, c.policy, c.rules])]));
}
