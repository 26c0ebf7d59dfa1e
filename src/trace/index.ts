/**
 * The trace layer: a lab (an engine with a scenario replayed), packet traces hop by hop, the
 * reachability matrix, topology graphs, pcapng capture, and the Compose loader.
 *
 * @module
 */
export * from './lab.js';
export * from './endpoint.js';
export * from './model.js';
export { trace, toHops, verdictText, GatedTracer, type TraceOptions } from './probe.js';
export * from './reach.js';
export * from './graph.js';
export * from './pcap.js';
export * from './oracle-trace.js';
export { traceText } from './format/trace-text.js';
export { traceMermaid, mermaidId, mermaidText } from './format/trace-mermaid.js';
export { makeStyle, PLAIN, type Style } from './format/style.js';
export * from './compose/index.js';
