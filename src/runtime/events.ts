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

/** Events the daemon keeps for `docker events --since` (moby daemon/events: `eventsLimit`). */
export const EVENTS_LIMIT = 256;

/**
 * Keeps the last {@link EVENTS_LIMIT} events, as dockerd does (the oldest is discarded when full), and
 * notifies listeners of every event: a subscriber sees the whole stream, a `--since` query only what
 * is kept. An engine that runs for long therefore holds a bounded history.
 */
export class EventLog {
  /**
   * The kept events in a ring of {@link EVENTS_LIMIT} slots: `Array.prototype.shift` on a full
   * 256-element array copied it on every event (V8 cannot always move an array's start), which
   * was ~6 % of a `docker run`.
   */
  private readonly ring: EngineEvent[] = [];
  /** Slot of the oldest kept event once the ring is full. */
  private head = 0;
  /** Events emitted since the log was made (kept or discarded). */
  total = 0;
  private readonly listeners = new Set<EventListener>();
  constructor(private readonly now: () => Nanos) {}

  /** The kept events, oldest first (at most {@link EVENTS_LIMIT}); a copy. */
  get events(): readonly EngineEvent[] {
    const r = this.ring;
    return this.head === 0 ? r.slice() : r.slice(this.head).concat(r.slice(0, this.head));
  }

  /** Records an event now. */
  emit(type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const e: EngineEvent = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, time: this.now() };
    const r = this.ring;
    if (r.length < EVENTS_LIMIT) r.push(e);
    else {
      r[this.head] = e;
      this.head = (this.head + 1) % EVENTS_LIMIT;
    }
    this.total++;
    if (this.listeners.size !== 0) for (const l of this.listeners) l(e);
    return e;
  }

  /** Subscribes; returns an unsubscribe function. */
  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Kept events with since <= time <= until. */
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
