/**
 * The contract between the packet path and whoever watches it (the `trace` layer, tests, pcap).
 * Layers emit events only for packets whose `traced` flag is set and only when a tracer is
 * installed on the {@link Sim}, so the untraced hot path pays a single branch.
 */

/** Which part of the stack speaks. */
export type TraceLayer =
  | 'dev' // a device received or transmitted (veth, loopback, macvlan)
  | 'bridge' // FDB decision: forward to a learned port, flood, deliver locally, drop
  | 'netfilter' // a table/chain entered, a rule matched, a policy or RETURN applied
  | 'conntrack' // lookup/insert; state NEW/ESTABLISHED/RELATED/INVALID
  | 'nat' // a rewrite, before → after
  | 'route' // routing decision
  | 'neigh' // ARP resolution
  | 'local' // delivered to a socket, or answered by the stack (ICMP echo reply)
  | 'drop'; // dropped, with a reason

/** One step of a packet's walk through the emulator. */
export interface TraceEvent {
  layer: TraceLayer;
  /** Namespace the event happened in (e.g. `host`, or a container name). */
  ns: string;
  /** Short machine-readable kind, e.g. `rx`, `tx`, `fdb-forward`, `flood`, `rule`, `policy`, `dnat`. */
  kind: string;
  /** Human-readable one-line description. */
  detail: string;
  /** Structured data for the JSON output (device names, table, chain, rule text, position, verdict…). */
  data?: Record<string, unknown>;
}

/** Receives trace events. */
export interface Tracer {
  event(e: TraceEvent): void;
}

/** A tracer that keeps every event in an array. */
export class RecordingTracer implements Tracer {
  readonly events: TraceEvent[] = [];
  event(e: TraceEvent): void {
    this.events.push(e);
  }
}
