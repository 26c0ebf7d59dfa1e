/**
 * The netfilter layer: iptables tables and chains, the iptables/iptables-save/iptables-restore
 * text interfaces, interpreter and compiled chains, conntrack and NAT.
 *
 * @module
 */
export * from './hook.js';
export * from './rule.js';
export * from './errors.js';
export { parseIptablesArgs, parseAddrMask, parsePort, checkChainName, BUILTIN_TARGETS, type XtCommand, type XtInvocation } from './parse.js';
export * from './table.js';
export { XtTemplate } from './template.js';
export * from './text.js';
export * from './commands.js';
export * from './conntrack.js';
export * from './conntrack-cli.js';
export * from './engine.js';
export * from './nat.js';
export { Netfilter, type NfCounters, type NfRestoreOptions } from './netfilter.js';
