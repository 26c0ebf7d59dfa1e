/**
 * fast-check arbitraries for dockernet: addresses, packets (well-formed and malformed), iptables rule
 * sets, docker command sequences and whole topologies, plus a deterministic engine from a seed.
 * Import from `dockernet/arbitraries`.
 * @packageDocumentation
 */
export * from './addresses.js';
export * from './packets.js';
export * from './topology.js';
export * from './commands.js';
export * from './engine.js';
export * from './rules.js';
