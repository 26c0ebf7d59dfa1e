/**
 * The engine's event stream (`docker events`): messages with Type, Action, Actor and a virtual
 * timestamp, printed as the docker CLI prints them.
 */
import type { Nanos } from '../core/time.js';
import { rfc3339Nano } from './units.js';

/** One event, as the API's `events.Message`. */
export interface EngineEvent {
  Type: 'container' | 'network' | 'image' | 'volume' | 'daemon';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  /** Virtual instant. */
  time: Nanos;
}

/** Listener of new events. */
export type EventListener = (e: EngineEvent) => void;

/** Keeps every event and notifies listeners. */
export class EventLog {
  readonly events: EngineEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  constructor(private readonly now: () => Nanos) {}

  /** Records an event now. */
  emit(type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const e: EngineEvent = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, time: this.now() };
    this.events.push(e);
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Subscribes; returns an unsubscribe function. */
  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Events with since <= time <= until. */
  between(since: Nanos, until: Nanos): EngineEvent[] {
    return this.events.filter((e) => e.time >= since && e.time <= until);
  }
}

/** Go's RFC3339Nano with a fixed 9-digit fraction, as `docker events` prints times. */
export function fixedNano(t: Nanos): string {
  const s = rfc3339Nano(t);
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(s)!;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}

/** The docker CLI's default event line: `TIME TYPE ACTION ID (k=v, ...)`. */
export function formatEvent(e: EngineEvent): string {
  const attrs = Object.keys(e.Actor.Attributes)
    .sort()
    .map((k) => `${k}=${e.Actor.Attributes[k]}`);
  return `${fixedNano(e.time)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length ? ` (${attrs.join(', ')})` : ''}`;
}
