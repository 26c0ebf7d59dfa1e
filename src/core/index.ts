export * from './time.js';
export * from './scheduler.js';
export * from './rng.js';
export * from './errors.js';
export * from './counters.js';
export * from './trace.js';
export * from './arrays.js';
export * from './intern.js';
