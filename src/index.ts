/**
 * dockernet: a packet-level emulator of Docker networking and the Linux mechanisms under it.
 * @packageDocumentation
 */
export * from './core/index.js';
export * from './wire/index.js';
export * from './link/index.js';
export * from './netfilter/hook.js';
export * from './netns/index.js';
export { BR_NF_LOCAL } from './link/index.js';
