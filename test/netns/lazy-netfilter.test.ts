/**
 * A namespace creates its netfilter (`ns.nf`: tables, conntrack, NAT state) and its socket tables
 * on first use. Whether that happens when the namespace is created or only when a rule is added or
 * a socket opened must not be observable: same packets, same counters, same iptables-save and
 * conntrack output, same random draws.
 */
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { SECOND } from '../../src/core/time.js';
import { connect, createNetns, httpServer, ncTcp, ping } from '../../src/netns/index.js';

/** Two namespaces on a veth pair, pinged, then a MASQUERADE --random rule and a TCP connection. */
function world(touchEarly: boolean): string[] {
  const sim = new Sim();
  const rng = new Rng(42);
  const a = createNetns(sim, 'a', rng.fork('a'));
  const b = createNetns(sim, 'b', rng.fork('b'));
  const out: string[] = [];
  if (touchEarly) {
    out.push(a.nf.save(), b.nf.save({ counters: true }));
    // the socket tables too (also made on first use)
    expect([a.udp.list().length, b.tcp.listening().length, b.tcp.connections().length]).toEqual([0, 0, 0]);
    expect(a.ping).toBeDefined();
  } else out.push('', '*nothing\n');
  connect(a, 'eth0', b, 'eth0');
  a.addAddress('eth0', '10.0.0.1/24');
  b.addAddress('eth0', '10.0.0.2/24');
  const p = ping(a, '10.0.0.2', { count: 3 });
  out.push(JSON.stringify(p));
  // b's netfilter is still untouched in the lazy world: created by the first rule
  a.nf.restore('*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -j MASQUERADE --random\nCOMMIT\n');
  b.nf.iptables(['-A', 'INPUT', '-p', 'tcp', '-j', 'ACCEPT']);
  httpServer(b, 80, 'hello');
  for (let i = 0; i < 4; i++) out.push(JSON.stringify(ncTcp(a, '10.0.0.2', 80, 'GET / HTTP/1.0\r\n\r\n')));
  sim.advance(SECOND);
  out.push(a.nf.save({ counters: true }), b.nf.save({ counters: true }));
  out.push(a.nf.conntrackTool(['-L']).stdout, b.nf.conntrackTool(['-L']).stdout);
  out.push(JSON.stringify(a.stats()), JSON.stringify(b.stats()), String(a.rng.nextU32()), String(b.rng.nextU32()));
  return out;
}

describe('netfilter and socket tables created on first use', () => {
  it('a namespace whose netfilter and socket tables were created early or only on first use behaves and prints the same', () => {
    const early = world(true);
    const lazy = world(false);
    // the early world's first two entries are the empty rulesets it printed
    expect(early[0]).toBe('');
    expect(lazy.slice(2)).toEqual(early.slice(2));
    // the MASQUERADE --random source ports came from the netfilter's own seeded randomness
    expect(lazy[lazy.length - 8]).toMatch(/MASQUERADE --random/);
    expect(lazy[lazy.length - 6]).toMatch(/TIME_WAIT src=10.0.0.1/);
  });

  it('a never-used namespace prints the same empty iptables-save as a fresh one whose netfilter exists', () => {
    const sim = new Sim();
    const a = createNetns(sim, 'a', new Rng(1));
    const b = createNetns(sim, 'b', new Rng(1));
    const fresh = a.nf.save({ counters: true });
    connect(a, 'x0', b, 'x1');
    ping(b, '127.0.0.1', { count: 2 });
    expect(b.nf.save({ counters: true })).toBe(fresh);
    expect(b.nf.iptables(['-S']).stdout).toBe(a.nf.iptables(['-S']).stdout);
    expect(b.nf.conntrackTool(['-L']).stdout).toBe('');
  });

  it('netfilter set to null accepts everything, and setting it back to nf restores the rules', () => {
    const sim = new Sim();
    const a = createNetns(sim, 'a', new Rng(3));
    a.nf.iptables(['-A', 'OUTPUT', '-j', 'DROP']);
    expect(ping(a, '127.0.0.1').received).toBe(0);
    a.netfilter = null;
    expect(ping(a, '127.0.0.1').received).toBe(1);
    a.netfilter = a.nf;
    expect(a.netfilter).toBe(a.nf);
    expect(ping(a, '127.0.0.1').received).toBe(0);
  });
});
