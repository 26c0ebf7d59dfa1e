import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENTS_LIMIT, EventLog, type EngineEvent } from '../../src/runtime/events.js';

describe('EventLog keeps the last EVENTS_LIMIT events, as dockerd does', () => {
  it('matches a plain array that drops its oldest event, for any number of events and queries in between', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 300 }), since: fc.nat(900), span: fc.nat(900) }), { minLength: 1, maxLength: 5 }),
        (steps) => {
          let t = 0;
          const log = new EventLog(() => t);
          const model: EngineEvent[] = [];
          const seen: EngineEvent[] = [];
          log.subscribe((e) => seen.push(e));
          let emitted = 0;
          for (const s of steps) {
            for (let i = 0; i < s.n; i++) {
              t++;
              const e = log.emit('container', 'start', `c${emitted++}`);
              model.push(e);
              if (model.length > EVENTS_LIMIT) model.shift();
            }
            expect(log.events).toEqual(model);
            expect(log.between(s.since, s.since + s.span)).toEqual(model.filter((e) => e.time >= s.since && e.time <= s.since + s.span));
          }
          expect(log.total).toBe(emitted);
          expect(seen.length).toBe(emitted);
          expect(log.events.length).toBe(Math.min(emitted, EVENTS_LIMIT));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('hands out a copy: changing it changes nothing kept', () => {
    const log = new EventLog(() => 0);
    log.emit('network', 'create', 'n1');
    (log.events as EngineEvent[]).length = 0;
    expect(log.events.map((e) => e.Actor.ID)).toEqual(['n1']);
  });
});
