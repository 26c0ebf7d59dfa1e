/**
 * Routing invariants over random chains of namespace routers (each link a veth pair or a bridged
 * segment), with a capture tap on every device:
 * - every emitted IPv4 frame has valid header and ICMP/UDP/TCP checksums;
 * - the TTL of one datagram (same src, dst, proto, IP id) drops by exactly one per routed hop and
 *   not at all across a bridge;
 * - a TTL smaller than the path is answered with ICMP time exceeded by the router where it hits 0;
 * - ping, UDP and TCP get through end to end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { SECOND } from '../../src/core/time.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import type { NetDevice } from '../../src/link/netdev.js';
import { connect, createNetns, httpServer, ncTcp, ping, udpEcho, udpRequest, type NetNamespace } from '../../src/netns/index.js';
import { ICMP_TIME_EXCEEDED } from '../../src/wire/build.js';
import { checksumError, ipv4Fields, tapAll, type Captured } from './frames.js';
import { runs } from './runs.js';

interface Chain {
  sim: Sim;
  nodes: NetNamespace[];
  /** Link index of every device (bridged segments share one index). */
  linkOf: Map<NetDevice, number>;
  /** Address of the last node. */
  dst: string;
}

/** hosts A — R1 — … — Rk — B, link i on 10.(i+1).0.0/24; a link is a veth or a bridge in the left node. */
function buildChain(seed: number, bridged: boolean[]): Chain {
  const sim = new Sim();
  const n = bridged.length + 1; // nodes
  const nodes: NetNamespace[] = [];
  for (let i = 0; i < n; i++) {
    const ns = createNetns(sim, i === 0 ? 'A' : i === n - 1 ? 'B' : `R${i}`, new Rng(seed * 31 + i));
    ns.ipv6 = false;
    if (i > 0 && i < n - 1) ns.setSysctl('ip_forward', 1);
    nodes.push(ns);
  }
  const linkOf = new Map<NetDevice, number>();
  bridged.forEach((useBridge, i) => {
    const left = nodes[i]!;
    const right = nodes[i + 1]!;
    const net = `10.${i + 1}.0`;
    if (useBridge) {
      // the left node owns a bridge with the address; the right node hangs off it by a veth
      const br = new BridgeDevice(sim, `br${i}`, 0x020000000100 + i);
      left.addDevice(br);
      left.setLinkUp(br, true);
      const [a, b] = connect(left, `vp${i}`, right, `l${i}`);
      br.addPort(a);
      left.addAddress(`br${i}`, `${net}.1/24`);
      for (const d of [br, a, b]) linkOf.set(d, i);
    } else {
      const [a, b] = connect(left, `r${i}`, right, `l${i}`);
      left.addAddress(`r${i}`, `${net}.1/24`);
      for (const d of [a, b]) linkOf.set(d, i);
    }
    right.addAddress(`l${i}`, `${net}.2/24`);
  });
  // default routes: left of the chain towards the right, right side back
  for (let i = 0; i < n; i++) {
    if (i < n - 1 && i > 0) {
      // routers: default via the next hop, the networks behind them via the previous hop
      nodes[i]!.addRoute({ dst: 'default', via: `10.${i + 1}.0.2` });
      for (let j = 1; j < i; j++) nodes[i]!.addRoute({ dst: `10.${j}.0.0/24`, via: `10.${i}.0.1` });
    }
  }
  if (n > 1) {
    nodes[0]!.addRoute({ dst: 'default', via: '10.1.0.2' });
    nodes[n - 1]!.addRoute({ dst: 'default', via: `10.${n - 1}.0.1` });
  }
  return { sim, nodes, linkOf, dst: `10.${n - 1}.0.2` };
}

describe('routed chains of namespaces', () => {
  it('valid checksums on every frame, TTL −1 per routed hop, 0 per bridge; traffic gets through', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 12 }),
        (seed, bridged, ttl) => {
          const c = buildChain(seed, bridged);
          const frames: Captured[] = [];
          tapAll(c.linkOf.keys(), frames);
          const a = c.nodes[0]!;
          const b = c.nodes.at(-1)!;
          const routers = c.nodes.length - 2;
          udpEcho(b, 7);
          httpServer(b, 80, 'hello');
          const p = ping(a, c.dst, { count: 1, ttl, timeoutNs: SECOND });
          if (ttl > routers) expect(p.received).toBe(1);
          else {
            // the router where the TTL reaches 0 answers time exceeded
            expect(p.received).toBe(0);
            expect(p.icmpErrors.map((x) => [x.type, x.from])).toEqual([[ICMP_TIME_EXCEEDED, `10.${ttl}.0.2`]]);
          }
          const u = udpRequest(a, c.dst, 7, 'ping');
          expect(u.error).toBeNull();
          expect(new TextDecoder().decode(u.reply!)).toBe('ping');
          expect(ncTcp(a, c.dst, 80, 'GET / HTTP/1.0\r\n\r\n').response).toContain('hello');
          c.sim.advance(10 * SECOND);

          expect(frames.length).toBeGreaterThan(0);
          const byDatagram = new Map<string, Array<{ link: number; ttl: number }>>();
          for (const f of frames) {
            const err = checksumError(f.bytes);
            expect(err, `${f.dev.name} ${f.dir}`).toBeNull();
            const ip = ipv4Fields(f.bytes);
            if (!ip) continue;
            const key = `${ip.src}>${ip.dst}/${ip.proto}#${ip.id}`;
            let l = byDatagram.get(key);
            if (!l) byDatagram.set(key, (l = []));
            l.push({ link: c.linkOf.get(f.dev)!, ttl: ip.ttl });
          }
          // not vacuous: the end-to-end datagrams were seen on every link of the path
          const widest = Math.max(...[...byDatagram.values()].map((l) => new Set(l.map((x) => x.link)).size));
          expect(widest).toBe(bridged.length);
          for (const [key, seen] of byDatagram) {
            // TTL + link index is constant along the path (direction decides the sign)
            const fwd = new Set(seen.map((s) => s.ttl + s.link));
            const back = new Set(seen.map((s) => s.ttl - s.link));
            expect(fwd.size === 1 || back.size === 1, `${key}: ${JSON.stringify(seen)}`).toBe(true);
          }
        },
      ),
      { numRuns: runs(60) },
    );
  });
});
