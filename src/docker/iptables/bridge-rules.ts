/**
 * The bridge driver's iptables policy (libnetwork drivers/bridge/setup_ip_tables.go, 20.10):
 * driver init (chains), per-network rules (NAT, skip-DNAT, ICC, outgoing accept, DOCKER links,
 * isolation), the DOCKER-USER arrangement, and their removal. Order of calls = libnetwork's order,
 * which is what makes `iptables-save` match.
 */
import type { Iptables } from './program.js';

/** Chain names libnetwork uses. */
export const DOCKER_CHAIN = 'DOCKER';
/** First isolation stage. */
export const ISOLATION_1 = 'DOCKER-ISOLATION-STAGE-1';
/** Second isolation stage. */
export const ISOLATION_2 = 'DOCKER-ISOLATION-STAGE-2';
/** The user's chain, jumped to first from FORWARD. */
export const USER_CHAIN = 'DOCKER-USER';

/** What the rules of one bridge network depend on. */
export interface BridgeRuleConfig {
  /** Linux bridge name (`docker0`, `br-<id12>`). */
  bridge: string;
  /** The subnet as `a.b.c.d/n` (host bits zero). */
  subnet: string;
  /** `com.docker.network.bridge.enable_icc`. */
  icc: boolean;
  /** `com.docker.network.bridge.enable_ip_masquerade`. */
  masquerade: boolean;
  /** `--internal`. */
  internal: boolean;
  /** Hairpin mode (`--userland-proxy=false`); always false in the captured engine. */
  hairpin?: boolean;
}

/** `setupIPChains` (bridge driver configuration): DOCKER chains and the isolation chains' RETURNs. */
export function setupIPChains(ipt: Iptables): void {
  ipt.newChain('nat', DOCKER_CHAIN);
  ipt.newChain('filter', DOCKER_CHAIN);
  ipt.newChain('filter', ISOLATION_1);
  ipt.newChain('filter', ISOLATION_2);
  ipt.addReturnRule(ISOLATION_1);
  ipt.addReturnRule(ISOLATION_2);
}

/** `arrangeUserFilterRule` (controller, after each network creation): DOCKER-USER first in FORWARD. */
export function arrangeUserFilterRule(ipt: Iptables): void {
  ipt.newChain('filter', USER_CHAIN);
  ipt.addReturnRule(USER_CHAIN);
  ipt.ensureJumpRule('FORWARD', USER_CHAIN);
}

/** `setIcc`: ACCEPT inserted when icc is on, DROP appended when off; the other one deleted. */
export function setIcc(ipt: Iptables, bridge: string, icc: boolean, insert: boolean): void {
  const args = ['-i', bridge, '-o', bridge, '-j'];
  const accept = [...args, 'ACCEPT'];
  const drop = [...args, 'DROP'];
  if (insert) {
    if (!icc) {
      ipt.tryRaw(['-t', 'filter', '-D', 'FORWARD', ...accept]);
      if (!ipt.exists('filter', 'FORWARD', drop)) ipt.raw(['-t', 'filter', '-A', 'FORWARD', ...drop]);
    } else {
      ipt.tryRaw(['-t', 'filter', '-D', 'FORWARD', ...drop]);
      if (!ipt.exists('filter', 'FORWARD', accept)) ipt.raw(['-t', 'filter', '-I', 'FORWARD', ...accept]);
    }
  } else {
    ipt.programRule('filter', 'FORWARD', '-D', icc ? accept : drop);
  }
}

/** `setupIPTablesInternal`: masquerade, skip-DNAT, ICC, and the outgoing ACCEPT. */
function setupIPTablesInternal(ipt: Iptables, c: BridgeRuleConfig, enable: boolean): void {
  const hairpin = c.hairpin ?? false;
  if (c.masquerade) ipt.programChainRule('nat', 'POSTROUTING', ['-s', c.subnet, '!', '-o', c.bridge, '-j', 'MASQUERADE'], enable);
  if (c.masquerade && !hairpin) ipt.programChainRule('nat', DOCKER_CHAIN, ['-i', c.bridge, '-j', 'RETURN'], enable);
  if (hairpin) ipt.programChainRule('nat', 'POSTROUTING', ['-m', 'addrtype', '--src-type', 'LOCAL', '-o', c.bridge, '-j', 'MASQUERADE'], enable);
  setIcc(ipt, c.bridge, c.icc, enable);
  ipt.programChainRule('filter', 'FORWARD', ['-i', c.bridge, '!', '-o', c.bridge, '-j', 'ACCEPT'], enable);
}

/** `setupInternalNetworkRules`: the two isolation DROPs of an --internal network and ICC. */
function setupInternalNetworkRules(ipt: Iptables, c: BridgeRuleConfig, insert: boolean): void {
  ipt.programChainRule('filter', ISOLATION_1, ['-i', c.bridge, '!', '-d', c.subnet, '-j', 'DROP'], insert);
  ipt.programChainRule('filter', ISOLATION_1, ['-o', c.bridge, '!', '-s', c.subnet, '-j', 'DROP'], insert);
  setIcc(ipt, c.bridge, c.icc, insert);
}

/** `ProgramChain` for the nat DOCKER chain: the PREROUTING/OUTPUT jumps (appended once). */
function programNatChain(ipt: Iptables, hairpin: boolean): void {
  const pre = ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', DOCKER_CHAIN];
  if (!ipt.exists('nat', 'PREROUTING', pre)) ipt.raw(['-t', 'nat', '-A', 'PREROUTING', ...pre]);
  const out = ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', DOCKER_CHAIN];
  if (!hairpin) out.push('!', '--dst', '127.0.0.0/8');
  if (!ipt.exists('nat', 'OUTPUT', out)) ipt.raw(['-t', 'nat', '-A', 'OUTPUT', ...out]);
}

/** `ProgramChain` for the filter DOCKER chain: the FORWARD jump and the conntrack ACCEPT. */
function programFilterChain(ipt: Iptables, bridge: string, enable: boolean): void {
  const link = ['-o', bridge, '-j', DOCKER_CHAIN];
  const established = ['-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'];
  ipt.programChainRule('filter', 'FORWARD', link, enable);
  ipt.programChainRule('filter', 'FORWARD', established, enable);
}

/** `setINC`: the isolation rules of a non-internal network (inserted at the top). */
function setINC(ipt: Iptables, bridge: string, enable: boolean): void {
  ipt.programRule('filter', ISOLATION_1, enable ? '-I' : '-D', ['-i', bridge, '!', '-o', bridge, '-j', ISOLATION_2]);
  ipt.programRule('filter', ISOLATION_2, enable ? '-I' : '-D', ['-o', bridge, '-j', 'DROP']);
}

/** Everything `createNetwork` programs for one bridge network, followed by the DOCKER-USER arrangement. */
export function setupBridgeNetworkRules(ipt: Iptables, c: BridgeRuleConfig): void {
  const hairpin = c.hairpin ?? false;
  if (c.internal) {
    setupInternalNetworkRules(ipt, c, true);
  } else {
    setupIPTablesInternal(ipt, c, true);
    programNatChain(ipt, hairpin);
    programFilterChain(ipt, c.bridge, true);
  }
  ipt.ensureJumpRule('FORWARD', ISOLATION_1);
  if (!c.internal) setINC(ipt, c.bridge, true);
  arrangeUserFilterRule(ipt);
}

/** What `deleteNetwork` removes (the clean functions registered at creation, in reverse). */
export function removeBridgeNetworkRules(ipt: Iptables, c: BridgeRuleConfig): void {
  if (!c.internal) setINC(ipt, c.bridge, false);
  if (c.internal) {
    setupInternalNetworkRules(ipt, c, false);
  } else {
    programFilterChain(ipt, c.bridge, false);
    setupIPTablesInternal(ipt, c, false);
  }
}
