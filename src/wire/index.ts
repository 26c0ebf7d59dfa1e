/**
 * The wire layer: packets as bytes.
 *
 * Contract — **validated once, then no throw**: a frame arriving from a device is checked once at
 * the boundary ({@link ipv4Validate}, {@link arpValidate}); after that, the hot-path getters and
 * in-place patchers read and write the one buffer of the {@link SkBuff} without allocating and
 * never throw. The allocating `parse*` functions are for the control plane, tests and tracing; they
 * throw `ParseError` (from `core/errors`, and nothing else) on malformed input. Malformed packets on
 * the packet path are counted and dropped by the caller, never thrown through it.
 *
 * @module
 */
export * from './skbuff.js';
export * from './addr.js';
export * from './checksum.js';
export * from './build.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './icmp.js';
export * from './udp.js';
export * from './tcp.js';
export * from './dns.js';
export * from './pcap.js';
export * from './pcapng.js';
export * from './describe.js';
export * from './icmp-inner.js';
