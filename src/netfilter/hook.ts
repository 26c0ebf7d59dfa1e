import type { SkBuff } from '../wire/skbuff.js';

/** Netfilter hook points (Linux `enum nf_inet_hooks`). */
export const NF_INET_PRE_ROUTING = 0;
export const NF_INET_LOCAL_IN = 1;
export const NF_INET_FORWARD = 2;
export const NF_INET_LOCAL_OUT = 3;
export const NF_INET_POST_ROUTING = 4;
export type NfHookNum = 0 | 1 | 2 | 3 | 4;

/** Hook verdicts (Linux `NF_DROP`, `NF_ACCEPT`, `NF_STOLEN`). */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_STOLEN = 2;
export type NfVerdict = 0 | 1 | 2;

/**
 * What netfilter needs to know about the namespace it runs in. The namespace stack (a higher
 * layer) implements this, so netfilter never imports it.
 */
export interface NfHost {
  /** Namespace name, for traces. */
  readonly name: string;
  /** addrtype of `ip` in this namespace: LOCAL, UNICAST, BROADCAST, MULTICAST, UNSPEC… */
  addrType(ip: number): 'UNSPEC' | 'UNICAST' | 'LOCAL' | 'BROADCAST' | 'ANYCAST' | 'MULTICAST' | 'BLACKHOLE' | 'UNREACHABLE' | 'PROHIBIT';
  /** Source address MASQUERADE uses for a packet leaving `outDev` towards `dst` (0 if none). */
  masqueradeSource(outDev: string, dst: number): number;
  /** Sends a locally generated IPv4 packet (a REJECT's ICMP error or TCP RST) through the stack. */
  sendLocal(skb: SkBuff): void;
  /**
   * Primary IPv4 address of device `dev` (REDIRECT sends packets there). Optional: when absent,
   * `masqueradeSource(dev, src)` is used.
   */
  primaryAddress?(dev: string): number;
}

/**
 * Where a packet is when a hook runs: which hook, and the in/out interface names iptables matches
 * (`-i`/`-o`). For frames bridged through br_netfilter both are the bridge's name and `physIn`/
 * `physOut` name the bridge ports.
 */
export interface NfHookState {
  hook: NfHookNum;
  inDev: string;
  outDev: string;
  bridged: boolean;
  physIn?: string;
  physOut?: string;
}
