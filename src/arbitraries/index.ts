/**
 * fast-check arbitraries for dockernet: addresses, packets (well-formed and malformed), iptables rule
 * sets, docker command sequences and whole topologies. Import from `dockernet/arbitraries`.
 * @packageDocumentation
 */
export * from './addresses.js';
export * from './packets.js';
