/**
 * NAT and conntrack invariants, packet by packet, on a router that MASQUERADEs a LAN behind one
 * address and DNATs port forwards to LAN hosts (what Docker programs for a bridge network):
 * - NAT is reversible: every reply reaches exactly the socket that sent the request, from exactly
 *   the address and port that socket sent to — whatever port the NAPT search picked outside, and
 *   even when many clients use the same source port;
 * - the outside only ever sees the router's address; a port forward keeps the client's source
 *   address (and its port, unless it clashes: Linux's implicit source NAT then remaps it);
 * - conntrack entries expire in virtual time and never leak: after every timeout has passed the
 *   table is empty, the bridge's FDB holds no learned entries and no timer is left pending.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { SECOND } from '../../src/core/time.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import { connect, createNetns, httpServer, ncTcp, runUntil, type NetNamespace } from '../../src/netns/index.js';
import { ipToString, parseIp } from '../../src/wire/addr.js';
import { runs } from './runs.js';

const ROUTER_WAN = '192.0.2.1';
const SERVER = '192.0.2.2';

interface Lab {
  sim: Sim;
  router: NetNamespace;
  server: NetNamespace;
  clients: NetNamespace[];
  lan: BridgeDevice;
}

function lab(seed: number, nClients: number, forwards: number[]): Lab {
  const sim = new Sim();
  const mk = (name: string, i: number): NetNamespace => {
    const ns = createNetns(sim, name, new Rng(seed * 17 + i));
    ns.ipv6 = false;
    return ns;
  };
  const router = mk('router', 0);
  const server = mk('server', 1);
  const lan = new BridgeDevice(sim, 'lan0', 0x020000000001);
  router.addDevice(lan);
  router.setLinkUp(lan, true);
  router.addAddress('lan0', '10.0.0.1/24');
  connect(router, 'wan0', server, 'eth0');
  router.addAddress('wan0', `${ROUTER_WAN}/24`);
  server.addAddress('eth0', `${SERVER}/24`);
  router.setSysctl('ip_forward', 1);
  const clients: NetNamespace[] = [];
  for (let i = 0; i < nClients; i++) {
    const ns = mk(`c${i}`, i + 2);
    const [h] = connect(router, `veth${i}`, ns, 'eth0');
    lan.addPort(h);
    ns.addAddress('eth0', `10.0.0.${i + 2}/24`);
    ns.addRoute({ dst: 'default', via: '10.0.0.1' });
    clients.push(ns);
  }
  const ipt = (...a: string[]) => expect(router.nf.iptables(a).exitCode).toBe(0);
  ipt('-t', 'nat', '-A', 'POSTROUTING', '-s', '10.0.0.0/24', '-o', 'wan0', '-j', 'MASQUERADE');
  forwards.forEach((c, j) => {
    ipt('-t', 'nat', '-A', 'PREROUTING', '-i', 'wan0', '-p', 'udp', '--dport', String(1000 + j), '-j', 'DNAT', '--to-destination', `10.0.0.${(c % nClients) + 2}:7`);
  });
  return { sim, router, server, clients, lan };
}

type Flow =
  | { kind: 'out-udp'; client: number; sport: number }
  | { kind: 'out-tcp'; client: number }
  | { kind: 'in-udp'; forward: number; sport: number };

const flowArb: fc.Arbitrary<Flow> = fc.oneof(
  fc.record({ kind: fc.constant('out-udp' as const), client: fc.nat(7), sport: fc.constantFrom(5000, 5001, 40000) }),
  fc.record({ kind: fc.constant('out-tcp' as const), client: fc.nat(7) }),
  fc.record({ kind: fc.constant('in-udp' as const), forward: fc.nat(7), sport: fc.constantFrom(53, 6000) }),
);

/** Echo server on `port` that records who it saw. */
function echo(ns: NetNamespace, port: number, seen: string[]): void {
  ns.udp.bind(0, port, (data, src, sport, sock) => {
    seen.push(`${ipToString(src)}:${sport}`);
    sock.sendTo(src, sport, data);
  });
}

describe('NAT on a Docker-like router', () => {
  it('is reversible, hides the LAN, keeps forwarded sources; conntrack drains in virtual time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(7), { maxLength: 3 }),
        fc.array(flowArb, { minLength: 1, maxLength: 12 }),
        (seed, nClients, forwards, flows) => {
          const l = lab(seed, nClients, forwards);
          const serverSaw: string[] = [];
          echo(l.server, 7, serverSaw);
          httpServer(l.server, 80, 'hello');
          const clientSaw: string[][] = l.clients.map(() => []);
          l.clients.forEach((c, i) => echo(c, 7, clientSaw[i]!));
          // one socket per (client, sport), kept open: later flows reuse it (same 5-tuple)
          const socks = new Map<string, { got: string[]; send: (dst: string, port: number) => void }>();
          const sockFor = (ns: NetNamespace, sport: number) => {
            const key = `${ns.name}:${sport}`;
            let s = socks.get(key);
            if (!s) {
              const got: string[] = [];
              const sock = ns.udp.bind(0, sport, (_d, src, sp) => got.push(`${ipToString(src)}:${sp}`));
              s = { got, send: (dst, port) => sock.sendTo(parseIp(dst), port, new Uint8Array([1, 2, 3])) };
              socks.set(key, s);
            }
            return s;
          };
          let sent = 0;
          for (const f of flows) {
            if (f.kind !== 'in-udp' || forwards.length) sent++;
            if (f.kind === 'out-udp') {
              const s = sockFor(l.clients[f.client % nClients]!, f.sport);
              const before = s.got.length;
              s.send(SERVER, 7);
              l.sim.advance(SECOND);
              // the reply came back to this very socket, from where it was sent
              expect(s.got.slice(before)).toEqual([`${SERVER}:7`]);
            } else if (f.kind === 'out-tcp') {
              const r = ncTcp(l.clients[f.client % nClients]!, SERVER, 80, 'GET / HTTP/1.0\r\n\r\n');
              expect(r.error).toBeNull();
              expect(r.response).toContain('hello');
            } else if (forwards.length) {
              const j = f.forward % forwards.length;
              const target = forwards[j]! % nClients;
              const s = sockFor(l.server, f.sport);
              const before = s.got.length;
              const saw = clientSaw[target]!.length;
              s.send(ROUTER_WAN, 1000 + j);
              l.sim.advance(SECOND);
              // DNAT keeps the source address (the port too, unless two forwards to one target
              // would clash: then Linux's implicit source NAT picks another, 1-511 for ports < 512)
              const got = clientSaw[target]!.slice(saw);
              expect(got.length).toBe(1);
              expect(got[0]!.startsWith(`${SERVER}:`)).toBe(true);
              const p = Number(got[0]!.split(':')[1]);
              if (p !== f.sport) expect(f.sport < 512 ? p >= 1 && p <= 511 : p >= 1024).toBe(true);
              expect(s.got.slice(before)).toEqual([`${ROUTER_WAN}:${1000 + j}`]);
            }
          }
          // the outside only saw the router's address
          for (const who of serverSaw) expect(who.startsWith(`${ROUTER_WAN}:`)).toBe(true);
          if (sent) expect(l.router.nf.conntrack.count).toBeGreaterThan(0);

          // let every timeout pass: TCP ESTABLISHED lives 5 days, the longest
          runUntil(l.sim, () => false);
          for (const ns of [l.router, l.server, ...l.clients]) expect(ns.nf.conntrack.count, ns.name).toBe(0);
          expect(l.lan.fdbDynamic).toBe(0);
          expect(l.sim.pendingTimers).toBe(0);
        },
      ),
      { numRuns: runs(50) },
    );
  });
});
