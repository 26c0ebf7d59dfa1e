/**
 * A container's namespace is configured on first use (src/docker/sandbox-state.ts). Nothing may tell
 * the difference: an engine that defers and one that configures at start (an explicit iptables
 * front-end turns deferral off) answer every command alike, carry the same traffic, and show the
 * same namespaces, whichever containers were used first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/arbitraries/commands.js';
import { engineFromSeed, engineSeed } from '../../src/arbitraries/engine.js';
import { SECOND } from '../../src/core/time.js';
import { Engine, iptablesSave, tryNetfilterOf } from '../../src/docker/engine.js';
import { ipAddr, ipLink, ipNeigh, ipRoute } from '../../src/netns/iproute.js';
import type { NetNamespace } from '../../src/netns/netns.js';
import { ncTcp, ping } from '../../src/netns/tools.js';
import { ipToString } from '../../src/wire/addr.js';
import { runs } from '../properties/runs.js';
import { chooseProto, parseTarget, resolveSource, resolveTarget } from '../../src/trace/endpoint.js';
import { traceText } from '../../src/trace/format/trace-text.js';
import { Lab } from '../../src/trace/lab.js';
import { trace } from '../../src/trace/probe.js';

function nsOf(e: Engine, name: string): NetNamespace | null {
  return (e.runtime.store.find(name)?.namespaces?.net.handle as NetNamespace | null) ?? null;
}

/** What one namespace shows: links, addresses, routes, neighbours, rules, counters, sockets. */
function view(e: Engine, ns: NetNamespace): string {
  return [
    ipLink(ns),
    ipAddr(ns),
    ipRoute(ns),
    ipNeigh(ns),
    iptablesSave(e, ns),
    JSON.stringify(ns.stats()),
    JSON.stringify(ns.udp.list().map((u) => [u.laddr, u.lport])),
    JSON.stringify(ns.tcp.listening().map((l) => [l.laddr, l.lport])),
  ].join('\n--\n');
}

function isDeferred(e: Engine, name: string): boolean {
  const c = e.runtime.store.find(name);
  const sb = c ? e.sandboxes.of(c).sb : null;
  return sb !== null && !sb.configured;
}

describe('a container namespace configured on first use', () => {
  it('is indistinguishable from one configured at start (commands, traffic, every namespace)', () => {
    fc.assert(
      fc.property(
        commands({ maxContainers: 5, maxChurn: 4 }),
        engineSeed(),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('ping', 'tcp')), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (sc, seed, traffic, lookOrder) => {
          const lazy = engineFromSeed(seed);
          const eager = engineFromSeed(seed, { iptablesFor: tryNetfilterOf });
          for (const line of sc.commands) {
            const a = lazy.exec(line);
            const b = eager.exec(line);
            expect(a, line).toEqual(b);
          }
          const running = lazy.runtime.store.list().filter((c) => c.running).map((c) => c.name.slice(1));
          expect(eager.runtime.store.list().filter((c) => c.running).map((c) => c.name.slice(1))).toEqual(running);
          // traffic between some containers: the others stay as they are in the lazy engine
          for (const [i, j, kind] of traffic) {
            if (running.length === 0) break;
            const src = running[i % running.length]!;
            const dst = running[j % running.length]!;
            const out: string[] = [];
            for (const e of [lazy, eager]) {
              const c = e.runtime.store.find(dst)!;
              const ip = e.sandboxes.of(e.netOwner(c)).sb?.endpoints.find((x) => x.ip)?.ip;
              const from = nsOf(e, src);
              if (!ip || !from) {
                out.push('none');
                continue;
              }
              const r = kind === 'ping' ? ping(from, ipToString(ip), { count: 1, timeoutNs: SECOND }) : ncTcp(from, ipToString(ip), 80, 'GET / HTTP/1.0\r\n\r\n', SECOND);
              out.push(JSON.stringify(r));
            }
            expect(out[0], `${kind} ${src} -> ${dst}`).toBe(out[1]);
          }
          // look inside the namespaces in some order (each look configures one in the lazy engine)
          const order = [...running];
          for (let k = 0; k < lookOrder.length && order.length > 1; k++) {
            const x = order.splice(lookOrder[k]! % order.length, 1)[0]!;
            order.push(x);
          }
          expect(view(lazy, lazy.host)).toBe(view(eager, eager.host));
          for (const name of order) {
            const a = nsOf(lazy, name);
            const b = nsOf(eager, name);
            expect(a === null, name).toBe(b === null);
            if (a && b) expect(view(lazy, a), name).toBe(view(eager, b));
          }
          expect(view(lazy, lazy.host)).toBe(view(eager, eager.host));
        },
      ),
      { numRuns: runs(40) },
    );
  });

  it('leaves containers nobody talks to unconfigured, across the ARP flood of others; a look configures', () => {
    const e = new Engine({ seed: 7 });
    e.exec('docker network create n1');
    for (let i = 0; i < 5; i++) expect(e.exec(`docker run -d --name c${i} --network n1 -p ${8000 + i}:80 mini:latest sleep 1000`).exitCode).toBe(0);
    for (let i = 0; i < 5; i++) expect(isDeferred(e, `c${i}`)).toBe(true);
    // nobody has looked inside: not even lo is made yet
    const nsObject = (n: string): NetNamespace => e.sandboxes.of(e.runtime.store.find(n)!).sb!.nsObject;
    for (let i = 0; i < 5; i++) expect(nsObject(`c${i}`).hasLoopback).toBe(false);
    // the host's view is complete without them: link-netnsid, bridge ports, DNAT rules
    expect(ipLink(e.host)).toMatch(/link-netnsid 4/);
    expect(iptablesSave(e, e.host)).toContain('--to-destination 172.18.0.6:80');
    // c0 pings c1: the who-has for 172.18.0.3 is flooded to every port, only c1 answers
    const r = ping(nsOf(e, 'c0')!, '172.18.0.3', { count: 1 });
    expect(r.received).toBe(1);
    expect(isDeferred(e, 'c1')).toBe(false);
    for (const n of ['c2', 'c3', 'c4']) expect(isDeferred(e, n)).toBe(true);
    // a connection through a published port reaches c4 (DNAT from the host), which configures it
    // and refuses it (nothing listens on its port 80)
    expect(ncTcp(e.host, '172.18.0.1', 8004, 'GET / HTTP/1.0\r\n\r\n', SECOND).error).toBe('Connection refused');
    expect(isDeferred(e, 'c4')).toBe(false);
    // docker exec looks inside
    expect(e.exec('docker exec c2 ip -4 addr show eth0').stdout).toContain('inet 172.18.0.4/16');
    expect(isDeferred(e, 'c2')).toBe(false);
    for (const n of ['c0', 'c1', 'c2', 'c4']) expect(nsObject(n).lo.ifindex).toBe(1);
    // stopping an unconfigured container removes its end of the veth like any other
    expect(e.exec('docker stop -t 0 c3').exitCode).toBe(0);
    expect(ipLink(e.host).match(/master br-/g)?.length).toBe(4);
  });

  it('leaves an httpd container unconfigured until its first connection, which is answered as if configured at start', () => {
    const lazy = new Engine({ seed: 3 });
    const eager = new Engine({ seed: 3, iptablesFor: tryNetfilterOf });
    const script = ['docker network create web', ...[0, 1, 2].map((i) => `docker run -d --name w${i} --network web -p ${9000 + i}:80 mini:latest httpd -f -p 80 -h /www`)];
    for (const line of script) expect(lazy.exec(line)).toEqual(eager.exec(line));
    // httpd listens on 0.0.0.0: starting it needs no address or route, so nothing is configured yet
    for (const n of ['w0', 'w1', 'w2']) expect(isDeferred(lazy, n)).toBe(true);
    // through a published port (DNAT from the host) and from another container: the same answers
    const asks = (e: Engine): string[] => [
      JSON.stringify(ncTcp(e.host, '172.18.0.1', 9001, 'GET / HTTP/1.0\r\n\r\n', SECOND)),
      JSON.stringify(ncTcp(nsOf(e, 'w2')!, '172.18.0.2', 80, 'GET / HTTP/1.0\r\n\r\n', SECOND)),
    ];
    const got = asks(lazy);
    expect(got).toEqual(asks(eager));
    expect(got[0]).toContain('200 OK');
    expect(isDeferred(lazy, 'w0')).toBe(false);
    expect(isDeferred(lazy, 'w1')).toBe(false);
    for (const n of ['w0', 'w1', 'w2']) expect(view(lazy, nsOf(lazy, n)!), n).toBe(view(eager, nsOf(eager, n)!));
    expect(view(lazy, lazy.host)).toBe(view(eager, eager.host));
  });

  it('a traced ARP flood for another address leaves the containers it reaches unconfigured, and traces as with configured ones', () => {
    const engines = [new Engine({ seed: 5 }), new Engine({ seed: 5, iptablesFor: tryNetfilterOf })];
    const texts = engines.map((e) => {
      e.exec('docker network create web');
      for (let i = 0; i < 6; i++) e.exec(`docker run -d --name w${i} --network web mini:latest httpd -f -p 80 -h /www`);
      const lab = new Lab(e);
      const spec = parseTarget('w4:80');
      const src = resolveSource(lab, 'w1');
      return traceText(trace(lab, src, resolveTarget(lab, src, spec), chooseProto(spec, {})));
    });
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).toContain('who-has 172.18.0.6');
    // the lazy engine configured the two ends only; the flood's other receivers wait for a frame of their own
    expect(['w0', 'w1', 'w2', 'w3', 'w4', 'w5'].filter((n) => isDeferred(engines[0]!, n))).toEqual(['w0', 'w2', 'w3', 'w5']);
  });
});
