/**
 * The FORWARD walk cached per conntrack entry for bridged established flows (src/netfilter/flow-cache.ts)
 * against walking the chains for every packet: two identical worlds, one with `nf.flowCache` on and
 * one with it off, get the same random rule sets, packets (UDP, TCP, ICMP between containers on a
 * br_netfilter bridge, both directions) and rule changes mid-stream; deliveries, every counter
 * (`iptables-save -c`), the filter's own counters, conntrack entries and traces must be identical.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { SECOND } from '../../src/core/time.js';
import { RecordingTracer } from '../../src/core/trace.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import type { NetDevice } from '../../src/link/netdev.js';
import { connect, createNetns } from '../../src/netns/index.js';
import type { NetNamespace } from '../../src/netns/index.js';
import { ipLocalOutRaw } from '../../src/netns/ip-output.js';
import { filterRulesetArb, ruleArb, rulesetText, type GeneratedTable } from '../../src/arbitraries/rules.js';
import { ruleSpec, type Rule } from '../../src/netfilter/rule.js';
import { buildIcmpEcho, buildTcp, buildUdp } from '../../src/wire/build.js';
import { dockerMacFor, parseIp, parseMac } from '../../src/wire/addr.js';

/** Containers: three on docker0's subnet (bridged between each other), one on another subnet of the same bridge (routed by the host). */
const IPS = ['172.17.0.2', '172.17.0.3', '172.17.0.4', '172.18.0.2'].map(parseIp);
const PORTS = [53, 80, 8080];

interface World {
  sim: Sim;
  host: NetNamespace;
  ctrs: NetNamespace[];
  hostVeths: NetDevice[];
  received: number[];
  tracer: RecordingTracer | null;
}

function world(flowCache: boolean, traced: boolean): World {
  const sim = new Sim();
  const rng = new Rng(42);
  const host = createNetns(sim, 'host', rng.fork('host'));
  host.setSysctl('ip_forward', 1);
  host.setSysctl('bridge_nf_call_iptables', 1);
  host.nf.flowCache = flowCache;
  const br = new BridgeDevice(sim, 'docker0', parseMac('02:42:11:11:11:11'));
  host.addDevice(br);
  host.setLinkUp(br, true);
  host.addAddress('docker0', '172.17.0.1/16');
  host.addAddress('docker0', '172.18.0.1/16');
  const ctrs: NetNamespace[] = [];
  const hostVeths: NetDevice[] = [];
  const received = IPS.map(() => 0);
  // replies leave the stack from whatever address it picks: the host answers on each subnet
  IPS.forEach((ip, i) => {
    const ns = createNetns(sim, `c${i}`, rng.fork(`c${i}`));
    ns.ipv6 = false;
    const [h] = connect(host, `veth${i}`, ns, 'eth0', { macB: dockerMacFor(ip) });
    br.addPort(h);
    hostVeths.push(h);
    const net = (ip >>> 16) & 255;
    ns.addAddress('eth0', `172.${net}.0.${ip & 255}/16`);
    ns.addRoute({ dst: 'default', via: `172.${net}.0.1` });
    // a datagram to a port without a socket is answered with port unreachable (RELATED traffic)
    // (port 53 echoes, so DNATed flows see replies from their real destination)
    ns.udp.bind(0, 53, (data, src, sport, sock) => {
      received[i]!++;
      if (sport !== 53) sock.sendTo(src, sport, data);
    });
    ns.udp.bind(0, 80, () => received[i]!++);
    ctrs.push(ns);
  });
  let tracer: RecordingTracer | null = null;
  if (traced) {
    tracer = new RecordingTracer();
    sim.tracer = tracer;
  }
  return { sim, host, ctrs, hostVeths, received, tracer };
}

/** What the worlds do, step by step. */
type Step =
  | { k: 'udp'; from: number; to: number; sport: number; dport: number; len: number }
  | { k: 'tcp'; from: number; to: number; sport: number; dport: number; flags: number }
  | { k: 'ping'; from: number; to: number; type: 0 | 8; id: number }
  | { k: 'rule'; chain: string; rule: Rule; pos: number }
  | { k: 'del'; chain: string; pos: number }
  | { k: 'policy'; drop: boolean }
  | { k: 'zero' }
  | { k: 'mark'; from: number; value: number; how: number }
  | { k: 'time'; s: number };

function apply(w: World, s: Step): void {
  const nf = w.host.nf;
  const ctr = (i: number): NetNamespace => w.ctrs[i % IPS.length]!;
  const ip = (i: number): number => IPS[i % IPS.length]!;
  switch (s.k) {
    case 'udp':
      ipLocalOutRaw(ctr(s.from), buildUdp({ srcMac: 0, dstMac: 0, src: ip(s.from), dst: ip(s.to) }, s.sport, s.dport, new Uint8Array(s.len)));
      break;
    case 'tcp':
      ipLocalOutRaw(ctr(s.from), buildTcp({ srcMac: 0, dstMac: 0, src: ip(s.from), dst: ip(s.to) }, { sport: s.sport, dport: s.dport, seq: 1000, ack: 2000, flags: s.flags, window: 512 }));
      break;
    case 'ping':
      ipLocalOutRaw(ctr(s.from), buildIcmpEcho(s.type, { srcMac: 0, dstMac: 0, src: ip(s.from), dst: ip(s.to) }, s.id, 1));
      break;
    case 'rule': {
      const spec = ruleSpec(s.rule);
      const n = nf.rules.tables.filter.chains.get(s.chain)?.rules.length ?? 0;
      nf.restore(`*filter\n-I ${s.chain} ${1 + (s.pos % (n + 1))}${spec ? ` ${spec}` : ''}\nCOMMIT\n`, { noflush: true });
      break;
    }
    case 'del': {
      const n = nf.rules.tables.filter.chains.get(s.chain)?.rules.length ?? 0;
      if (n > 0) expect(nf.iptables(['-D', s.chain, String(1 + (s.pos % n))]).exitCode).toBe(0);
      break;
    }
    case 'policy':
      expect(nf.iptables(['-P', 'FORWARD', s.drop ? 'DROP' : 'ACCEPT']).exitCode).toBe(0);
      break;
    case 'zero':
      expect(nf.iptables(['-Z']).exitCode).toBe(0);
      break;
    case 'mark': {
      // marks set in mangle PREROUTING (before the bridged FORWARD), by source or by TCP flags (then
      // they change within a flow: the mark is part of the cache key), and FORWARD rules that test them
      const src = IPS[s.from % IPS.length]!;
      const text = [
        `*mangle\n-A PREROUTING -s ${src >>> 24}.${(src >>> 16) & 255}.0.${src & 255}/32 -j MARK --set-xmark ${s.value}/0xffffffff\nCOMMIT\n`,
        `*mangle\n-A PREROUTING -p tcp -m tcp --tcp-flags SYN,ACK ACK -j MARK --set-xmark ${s.value}/0xffffffff\nCOMMIT\n`,
        `*filter\n-I FORWARD -m mark --mark ${s.value}/0x${s.value} -j DROP\nCOMMIT\n`,
        `*filter\n-I USER-0 -m mark ! --mark 0x1/0x1 -j ACCEPT\nCOMMIT\n`,
      ][s.how];
      nf.restore(text!, { noflush: true });
      break;
    }
    case 'time':
      w.sim.advance(s.s * SECOND);
      break;
  }
  w.sim.drain();
}

function devStats(d: NetDevice): number[] {
  const s = d.stats;
  return [s.rxPackets, s.rxBytes, s.rxDropped, s.txPackets, s.txBytes, s.txDropped];
}

function observe(w: World): unknown {
  const nf = w.host.nf;
  return {
    received: [...w.received],
    save: nf.save({ counters: true }),
    counters: { ...nf.counters },
    conntrack: nf.conntrackTool(['-L']).stdout,
    stats: { ...nf.conntrack.stats },
    devs: w.hostVeths.map(devStats),
    ctrs: w.ctrs.map((c) => c.devices().map(devStats)),
    trace: w.tracer?.events.length ?? 0,
  };
}

const pair = fc.tuple(fc.constantFrom(0, 1, 2, 0, 1, 2, 3), fc.constantFrom(0, 1, 2, 0, 1, 2, 3)).filter(([a, b]) => a !== b);
const port = fc.constantFrom(...PORTS, 40000, 40001);
/** A flow: protocol, endpoints and ports (ICMP: the echo id in sport). */
interface Flow {
  proto: 'udp' | 'tcp' | 'icmp';
  from: number;
  to: number;
  sport: number;
  dport: number;
}
const flowArb: fc.Arbitrary<Flow> = fc
  .tuple(fc.constantFrom<Flow['proto']>('udp', 'udp', 'udp', 'tcp', 'icmp'), pair, port, port)
  .map(([proto, [from, to], sport, dport]) => ({ proto, from, to, sport: proto === 'icmp' ? sport & 3 : sport, dport }));
/** A packet of one of the run's flows, either direction (TCP: flags of the packet; UDP: payload length). */
const trafficArb = (flows: Flow[]): fc.Arbitrary<Step> =>
  fc.tuple(fc.nat(flows.length - 1), fc.boolean(), fc.constantFrom(0x10, 0x18, 0x10, 0x02, 0x12, 0x11, 0x04), fc.constantFrom(8, 100, 900)).map(([i, rev, flags, len]): Step => {
    const f = flows[i]!;
    const from = rev ? f.to : f.from;
    const to = rev ? f.from : f.to;
    const sport = rev ? f.dport : f.sport;
    const dport = rev ? f.sport : f.dport;
    if (f.proto === 'udp') return { k: 'udp', from, to, sport, dport, len };
    if (f.proto === 'tcp') return { k: 'tcp', from, to, sport, dport, flags };
    return { k: 'ping', from, to, type: rev ? 0 : 8, id: f.sport };
  });
const changeArb = (users: string[]): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.tuple(fc.constantFrom('FORWARD', ...users), fc.nat(8)).chain(([chain, pos]) =>
      ruleArb({ table: 'filter', hook: chain === 'FORWARD' ? 2 : -1, jumpTargets: [] }).map((rule): Step => ({ k: 'rule', chain, rule, pos })),
    ),
    fc.tuple(fc.constantFrom('FORWARD', ...users), fc.nat(8)).map(([chain, pos]): Step => ({ k: 'del', chain, pos })),
    fc.boolean().map((drop): Step => ({ k: 'policy', drop })),
    fc.constant<Step>({ k: 'zero' }),
    fc.tuple(fc.nat(3), fc.constantFrom(1, 2), fc.nat(3)).map(([from, value, how]): Step => ({ k: 'mark', from, value, how })),
    fc.constantFrom(1, 31, 200).map((s): Step => ({ k: 'time', s })),
  );

/** Rules of a generated table made cacheable (no LOG/REJECT targets, no addrtype or TCP flags), most of the time. */
function tame(t: GeneratedTable, on: boolean): GeneratedTable {
  if (!on) return t;
  return {
    ...t,
    chains: t.chains.map((c) => ({
      name: c.name,
      rules: c.rules.map((r) => ({
        ...r,
        matches: r.matches.filter((m) => m.kind !== 'addrtype' && !((m.kind === 'tcp' || m.kind === 'udp') && m.flagsMask >= 0)),
        target: r.target.kind === 'LOG' || r.target.kind === 'REJECT' ? { kind: 'ACCEPT' as const } : r.target,
      })),
    })),
  };
}

/** Docker's docker0 rules: conntrack on, established traffic accepted early. */
const DOCKER = `*filter
:FORWARD DROP [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p udp -m udp --dport 53 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
COMMIT
*nat
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
COMMIT
`;

describe('bridged FORWARD walks cached per conntrack entry', () => {
  /** Packets the cached walks answered, over all runs (the property must exercise them). */
  let hits = 0;
  let runs = 0;
  afterAll(() => {
    console.log(`flow cache: ${hits} cached FORWARD verdicts over ${runs} runs`);
    if (runs >= 200) expect(hits).toBeGreaterThan(2000);
  });

  it('give the same deliveries, counters, conntrack state and traces as walking the chains, over random rule sets, traffic and rule changes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 1, arbitrary: fc.constant<GeneratedTable | null>(null) },
          {
            weight: 3,
            arbitrary: fc
              .tuple(filterRulesetArb({ maxUserChains: 3, maxRules: 5 }), fc.constantFrom(true, true, true, false), fc.constantFrom(true, true, false))
              .map(([t, on, accept]) => tame({ ...t, policies: accept ? { ...t.policies, FORWARD: 'ACCEPT' } : t.policies }, on)),
          },
        ),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 }),
        fc
          .array(flowArb, { minLength: 1, maxLength: 3 })
          .chain((flows) =>
            fc.array(
              fc.oneof(
                // a packet sent 1-4 times in a row
                { weight: 12, arbitrary: fc.tuple(trafficArb(flows), fc.constantFrom(1, 1, 2, 4)) },
                { weight: 1, arbitrary: fc.tuple(changeArb(['USER-0', 'USER-1']), fc.constant(1)) },
              ),
              { minLength: 1, maxLength: 60, size: 'medium' },
            ),
          ),
        (gen, traced, marks, dnat, extra, steps) => {
          const a = world(true, traced);
          const b = world(false, traced);
          runs++;
          const nf = a.host.nf;
          const cached = nf.forwardCached.bind(nf);
          nf.forwardCached = (...args) => {
            const v = cached(...args);
            if (v >= 0) hits++;
            return v;
          };
          for (const w of [a, b]) {
            // a state match in the generated rules or the nat rule turns conntrack on
            w.host.nf.restore(gen === null ? DOCKER : rulesetText([gen]) + '*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n');
            for (const u of ['USER-0', 'USER-1']) if (!w.host.nf.rules.tables.filter.chains.has(u)) w.host.nf.iptables(['-N', u]);
            if (gen === null) w.host.nf.iptables(['-I', 'DOCKER-USER', '-j', 'USER-0']);
            // DNAT in the bridged PREROUTING: to a container on the bridge (bridged on) and to one on the
            // other subnet (passed up and routed)
            if (dnat)
              w.host.nf.restore(
                '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 172.17.0.4/32 -p udp -m udp --dport 8080 -j DNAT --to-destination 172.17.0.3:53\n-A PREROUTING -d 172.17.0.2/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80\n-A PREROUTING -d 172.17.0.3/32 -p udp -m udp --dport 40000 -j DNAT --to-destination 172.18.0.2:53\nCOMMIT\n',
                { noflush: true },
              );
            // TCP packets marked by their flags: packets of one flow and direction with different marks
            if (marks) w.host.nf.restore('*mangle\n-A PREROUTING -p tcp -m tcp --tcp-flags SYN,ACK ACK -j MARK --set-xmark 0x1/0xffffffff\nCOMMIT\n*filter\n-I FORWARD -m mark --mark 0x1/0x1\nCOMMIT\n', { noflush: true });
            if (traced) w.host.nf.restore(`*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp --dport ${PORTS[extra]} -j TRACE\nCOMMIT\n`, { noflush: true });
          }
          for (const [s, n] of steps) {
            for (let i = 0; i < n; i++) {
              apply(a, s);
              apply(b, s);
            }
            expect(observe(a)).toEqual(observe(b));
          }
          if (traced) expect(a.tracer!.events).toEqual(b.tracer!.events);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('replays Docker rules for established flows (the cache is used), and a rule change mid-flow is seen at once', () => {
    const a = world(true, false);
    a.host.nf.restore(DOCKER);
    const send = (from: number, to: number): void => apply(a, { k: 'udp', from, to, sport: 40000, dport: 80, len: 10 });
    send(0, 1); // NEW
    apply(a, { k: 'udp', from: 1, to: 0, sport: 80, dport: 40000, len: 10 }); // reply: ESTABLISHED (no socket: port unreachable, RELATED)
    for (let i = 0; i < 5; i++) send(0, 1);
    expect(a.received).toEqual([0, 6, 0, 0]);
    const est = a.host.nf.rules.tables.filter.chains.get('FORWARD')!.rules[2]!;
    // the reply, the port unreachable it caused (RELATED) and 5 established datagrams
    expect(est.pkts).toBe(7);
    // the cached walk is on the entry
    const ct = [...a.host.nf.conntrack.entries()][0]!;
    expect(ct.flow?.orig).toBeTruthy();
    // drop established traffic in DOCKER-USER: the next packet obeys
    a.host.nf.iptables(['-I', 'DOCKER-USER', '-p', 'udp', '-j', 'DROP']);
    send(0, 1);
    expect(a.received).toEqual([0, 6, 0, 0]);
    expect(a.host.nf.counters.dropped).toBe(1);
    expect(est.pkts).toBe(7);
    a.host.nf.iptables(['-D', 'DOCKER-USER', '1']);
    send(0, 1);
    send(0, 1);
    expect(a.received).toEqual([0, 8, 0, 0]);
    expect(est.pkts).toBe(9);
  });

  it('routed flows (another subnet, through the host): replayed from their second packet in a direction, with the counters of walking every packet', () => {
    const a = world(true, false);
    const b = world(false, false);
    let routedHits = 0;
    const nf = a.host.nf;
    const cached = nf.forwardCached.bind(nf);
    nf.forwardCached = (skb, inDev, outDev) => {
      const v = cached(skb, inDev, outDev);
      // a frame the bridge forwards is marked prerouted (nfBridge 1); one it passed up to be routed is not
      if (v >= 0 && skb.nfBridge !== 1) routedHits++;
      return v;
    };
    for (const w of [a, b]) w.host.nf.restore(DOCKER);
    // 172.17.0.2 <-> 172.18.0.2: routed by the host between its two subnets of docker0
    const steps: Step[] = [];
    for (let i = 0; i < 6; i++) steps.push({ k: 'udp', from: 0, to: 3, sport: 40000, dport: 53, len: 10 + i });
    for (const s of steps) {
      apply(a, s);
      apply(b, s);
    }
    // 172.18.0.2 echoes: 6 requests and 6 replies. The first request is NEW, the first reply and the
    // second request walk without recording (first of their direction), the second reply and the
    // third request record: requests 4-6 and replies 3-6 replay
    expect(a.received).toEqual([0, 0, 0, 6]);
    expect(routedHits).toBe(7);
    expect(observe(a)).toEqual(observe(b));
    // a rule change is seen by the next packet
    for (const w of [a, b]) w.host.nf.iptables(['-I', 'DOCKER-USER', '-p', 'udp', '-j', 'DROP']);
    apply(a, steps[0]!);
    apply(b, steps[0]!);
    expect(a.received).toEqual([0, 0, 0, 6]);
    expect(observe(a)).toEqual(observe(b));
  });

  it('a conntrack entry reused for another connection has no cached walk of the old one', () => {
    const a = world(true, false);
    a.host.nf.restore(DOCKER);
    const udp = (from: number, to: number, sport: number, dport: number): void => apply(a, { k: 'udp', from, to, sport, dport, len: 10 });
    udp(0, 1, 40000, 80);
    udp(1, 0, 80, 40000);
    udp(0, 1, 40000, 80);
    const old = a.host.nf.conntrack.live().find((e) => e.oSport === 40000 && e.proto === 17)!;
    expect(old.flow?.orig).toBeTruthy();
    // (live(): a look that does not keep the entry from reuse, as entries() would)
    // it expires and is removed; the next new connection takes its object
    apply(a, { k: 'time', s: 200 });
    expect(a.host.nf.conntrack.count).toBe(0);
    udp(0, 1, 40001, 80);
    const fresh = a.host.nf.conntrack.live().find((e) => e.oSport === 40001)!;
    expect(fresh).toBe(old);
    expect(fresh.flow).toBeNull();
  });

  it('flows that walk the same rules share one recorded walk per direction, and a rule change records new ones', () => {
    const a = world(true, false);
    const nf = a.host.nf;
    nf.restore(DOCKER);
    const udp = (from: number, to: number, sport: number, dport: number): void => apply(a, { k: 'udp', from, to, sport, dport, len: 10 });
    // six flows between three containers of docker0, each answered, then one more datagram each way
    const flows: Array<[number, number, number]> = [];
    for (let i = 0; i < 6; i++) flows.push([i % 3, (i + 1) % 3, 41000 + i]);
    for (let round = 0; round < 2; round++)
      for (const [x, y, sport] of flows) {
        udp(x, y, sport, 80);
        udp(y, x, 80, sport);
      }
    const entries = nf.conntrack.live().filter((e) => e.proto === 17 && e.oSport >= 41000);
    expect(entries.length).toBe(6);
    // the entries share one pair of walks
    expect(new Set(entries.map((e) => e.flow)).size).toBe(1);
    const orig = new Set(entries.map((e) => e.flow!.orig));
    const reply = new Set(entries.map((e) => e.flow!.reply));
    expect(orig.size).toBe(1);
    expect(reply.size).toBe(1);
    expect([...orig][0]).not.toBeNull();
    expect([...reply][0]).not.toBeNull();
    // both directions bump the same rules (DOCKER-USER's RETURN, the isolation stage, FORWARD's
    // `-o docker0 --ctstate RELATED,ESTABLISHED -j ACCEPT`) with the same ctstate: one walk for all twelve
    expect([...orig][0]).toBe([...reply][0]);
    expect([...orig][0]!.rules.length).toBeGreaterThan(0);
    const before = [...orig][0]!;
    // a rule change: the next packet of a flow records again, into a walk of the new generation
    nf.iptables(['-I', 'DOCKER-USER', '-p', 'tcp', '-j', 'DROP']);
    udp(0, 1, 41000, 80);
    const e0 = entries.find((e) => e.oSport === 41000)!;
    const now = e0.flow!.orig!;
    expect(now).not.toBe(before);
    expect(now.gen).toBeGreaterThan(before.gen);
    // DOCKER-USER's new rule does not match UDP: the same rule objects bumped as before, in order
    expect(now.rules.length).toBe(before.rules.length);
    now.rules.forEach((r, i) => expect(r).toBe(before.rules[i]));
    // the reply direction's walk (of the old generation) is kept beside it until its next packet
    expect(e0.flow!.reply).toBe(before);
  });
});
