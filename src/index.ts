/**
 * dockernet: a packet-level emulator of Docker networking and the Linux mechanisms under it.
 * @packageDocumentation
 */
export * from './core/index.js';
export * from './wire/addr.js';
export * from './wire/checksum.js';
export * from './wire/skbuff.js';
export * from './link/netdev.js';
export * from './netfilter/hook.js';
