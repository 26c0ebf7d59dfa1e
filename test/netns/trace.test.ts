import { describe, expect, it } from 'vitest';
import { SECOND } from '../../src/core/time.js';
import { RecordingTracer } from '../../src/core/trace.js';
import { ping, udpRequest } from '../../src/netns/index.js';
import { lan } from './helpers.js';

describe('trace events of the stack', () => {
  it('a traced ping: route, ARP, device rx/tx in each namespace, local answers', () => {
    const { sim, a } = lan();
    const t = new RecordingTracer();
    sim.tracer = t;
    expect(ping(a, '172.17.0.3', { traced: true }).received).toBe(1);
    const mine = new Set(['route', 'neigh', 'local', 'drop']);
    const seq = t.events.filter((e) => mine.has(e.layer)).map((e) => `${e.ns}:${e.layer}:${e.kind}`);
    expect(seq).toEqual([
      'a:route:output',
      'a:neigh:solicit',
      'b:neigh:arp-reply',
      'a:neigh:resolved',
      'b:route:local',
      'b:local:echo-reply',
      'b:route:output',
      'a:route:local',
      'a:local:deliver',
    ]);
    // devices report their own rx/tx: the request crosses eth0 → vetha → vethb → eth0
    const devs = t.events.filter((e) => e.layer === 'dev' && e.kind === 'tx').map((e) => `${e.ns}:${e.data?.dev ?? e.detail.split(' ')[0]}`);
    expect(devs.length).toBeGreaterThanOrEqual(6);
    // the reply is a packet of its own: a new trace id
    const ids = new Set(t.events.filter((e) => e.layer === 'local').map((e) => e.data?.traceId));
    expect(ids.size).toBe(2);
  });

  it('drop reasons', () => {
    const { sim, a, b, host } = lan();
    const t = new RecordingTracer();
    sim.tracer = t;
    const reasons = (): string[] => t.events.filter((e) => e.layer === 'drop').map((e) => `${e.ns}:${e.detail}`);
    ping(a, '172.17.0.99', { traced: true, timeoutNs: 4 * SECOND });
    expect(reasons()).toEqual(['a:ARP failed']);
    t.events.length = 0;
    const s = a.udp.bind(0, 0, () => {});
    s.traced = true;
    s.sendTo(0xac110003, 4444, new Uint8Array(1));
    sim.advance(SECOND);
    expect(reasons()).toEqual(['b:port closed']);
    t.events.length = 0;
    ping(a, '10.9.9.9', { traced: true }); // default route → docker0 → host: forwarding disabled
    expect(reasons()).toEqual(['host:forwarding disabled']);
    t.events.length = 0;
    host.setSysctl('ip_forward', 1);
    ping(a, '10.9.9.9', { traced: true });
    expect(reasons()).toEqual(['host:no route']);
    t.events.length = 0;
    host.addRoute({ dst: '10.9.0.0/16', via: '172.17.0.3' });
    ping(a, '10.9.9.9', { traced: true, ttl: 1 });
    expect(reasons()).toEqual(['host:TTL exceeded']);
    void b;
    void udpRequest;
  });
});

describe('determinism', () => {
  it('same seeds, same bytes on the wire (ARP, ping, TCP with random ISNs, ports and IP IDs)', async () => {
    const { capture, hex } = await import('./helpers.js');
    const { httpServer, ncTcp, ping: p } = await import('../../src/netns/index.js');
    const run = (): string[] => {
      const { a, b } = lan(5);
      const seen = capture([a.mustDev('eth0')]);
      httpServer(b, 80, 'x');
      p(a, '172.17.0.3');
      ncTcp(a, '172.17.0.3', 80, 'GET / HTTP/1.0\r\n\r\n');
      return seen.map((f) => `${f.t} ${f.dir} ${hex(f.bytes)}`);
    };
    const first = run();
    expect(first.length).toBeGreaterThan(10);
    expect(run()).toEqual(first);
  });
});
