/**
 * dockernet: a packet-level emulator of Docker networking and the Linux mechanisms under it.
 *
 * Layers, bottom up: core (virtual time, Sim, seeded Rng) → wire (codecs over one buffer per
 * packet) → link (veth, bridge, macvlan) → netfilter (iptables, conntrack, NAT) → netns (the IPv4
 * stack of one namespace) → runtime (containers, cgroups, images) → docker (the Engine) → trace.
 * @packageDocumentation
 */
export * from './core/index.js';
export * from './wire/index.js';
export * from './link/index.js';
export * from './netfilter/index.js';
export * from './netns/index.js';
export * from './runtime/index.js';
export * from './docker/index.js';
export * from './trace/index.js';
// names two layers both export: the lower layer's wins, the other is renamed
export { BR_NF_LOCAL } from './link/index.js';
export { Normalizer } from './docker/index.js';
export { Normalizer as RuntimeNormalizer } from './runtime/index.js';
