/**
 * Reuse of dead conntrack entries (Conntrack.alloc, counted holders): whatever packets do — held in
 * flight while their entry expires, is deleted or flushed, cloned, dropped without a release — a
 * table that reuses entries behaves exactly as one that allocates every entry afresh: the same
 * verdicts, the same bytes on the wire, the same `conntrack -L`, `-S` and counters, step by step. And
 * no entry a packet or a caller still holds is ever handed to another connection.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECOND } from '../../src/core/time.js';
import { ctReset, type CtEntry } from '../../src/netfilter/conntrack.js';
import { NF_ACCEPT, NF_DROP, NF_INET_FORWARD, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING, type NfHookState } from '../../src/netfilter/hook.js';
import { buildTcp, buildUdp, ipv4Validate } from '../../src/wire/build.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { FakeHost, ip, makeNf } from './helpers.js';

const HOST = ip('10.99.0.1');
const RULES =
  '*nat\n:DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n' +
  // one source port for every UDP flow of 172.17.0.5: NAT keeps a single-port range even when its
  // tuple is taken (nothing to choose from), and the insertion at confirm fails, as in Linux
  '-A POSTROUTING -s 172.17.0.5/32 -p udp -j MASQUERADE --to-ports 5000\n' +
  '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n' +
  '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n' +
  '-A DOCKER ! -i docker0 -p udp -m udp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n' +
  '*filter\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\n-A FORWARD -p tcp -m tcp --dport 9 -j REJECT --reject-with tcp-reset\n' +
  '-A FORWARD -p udp -m udp --dport 9 -j REJECT\nCOMMIT\n';

type Op =
  | { k: 'new'; proto: 6 | 17; c: number; sport: number; dport: number; inbound: boolean; hold: boolean; flags: number }
  | { k: 'resume' | 'reply' | 'clone' | 'lose'; i: number }
  | { k: 'time'; s: number }
  | { k: 'flush' | 'delete' | 'pin' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant('new' as const),
      proto: fc.constantFrom(6 as const, 17 as const),
      c: fc.integer({ min: 2, max: 5 }),
      sport: fc.constantFrom(1000, 1001, 40000),
      dport: fc.constantFrom(80, 9, 8080),
      inbound: fc.boolean(),
      hold: fc.boolean(),
      flags: fc.constantFrom(0x02, 0x02, 0x10, 0x04, 0x11),
    }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constantFrom('resume' as const, 'reply' as const, 'clone' as const, 'lose' as const), i: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('time' as const), s: fc.constantFrom(0, 1, 5, 11, 31, 31, 121) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('flush' as const, 'delete' as const, 'pin' as const) }) },
);

const st = (hook: NfHookState['hook'], inDev: string, outDev: string): NfHookState => ({ hook, inDev, outDev, bridged: false });

interface Held {
  skb: SkBuff;
  inDev: string;
  outDev: string;
  // the entry's original tuple when the packet was put aside (it must not change while held)
  tuple: string;
}

const tupleOf = (e: CtEntry | null): string => (e === null ? '-' : `${e.proto} ${e.oSrc}:${e.oSport} > ${e.oDst}:${e.oDport}`);

/** One table under the operations; returns what an observer sees at each step. */
function world(reuse: boolean, seed: number, recheck = false) {
  const host = new FakeHost('host', new Set([HOST]), { ext0: HOST, docker0: ip('172.17.0.1') });
  const { nf, sim } = makeNf(host, seed);
  nf.conntrack.reuse = reuse;
  nf.conntrack.recheck = recheck;
  nf.restore(RULES);
  const held: Held[] = [];
  const delivered: Array<{ proto: number; src: number; dst: number; sport: number; dport: number; inDev: string; outDev: string }> = [];
  const pinned: Array<{ e: CtEntry; text: string }> = [];
  // entries handed out for new connections so far: one handed out again was reused
  const seen = new WeakSet<object>();
  let reused = 0;
  const alloc = nf.conntrack.alloc.bind(nf.conntrack);
  nf.conntrack.alloc = (...a) => {
    const e = alloc(...a);
    if (seen.has(e)) reused++;
    seen.add(e);
    return e;
  };
  const mk = (proto: number, s: number, d: number, sp: number, dp: number, flags: number): SkBuff => {
    const o = { srcMac: 1, dstMac: 2, src: s, dst: d };
    const k = proto === 6 ? buildTcp(o, { sport: sp, dport: dp, seq: 1, ack: 0, flags, window: 100 }) : buildUdp(o, sp, dp, new Uint8Array(3));
    ipv4Validate(k);
    return k;
  };
  const hex = (s: SkBuff): string => Buffer.from(s.data.subarray(0, s.len)).toString('hex');
  // FORWARD + POST_ROUTING, then the packet leaves for another namespace (its entry released)
  const finish = (h: Held): string => {
    let v = nf.hook(h.skb, st(NF_INET_FORWARD, h.inDev, h.outDev));
    if (v === NF_ACCEPT) v = nf.hook(h.skb, st(NF_INET_POST_ROUTING, h.inDev, h.outDev));
    const out = `${v} ${hex(h.skb)}`;
    if (v === NF_ACCEPT) {
      const x = h.skb.view;
      const t = h.skb.transport;
      delivered.push({ proto: x.getUint8(h.skb.network + 9), src: x.getUint32(h.skb.network + 12), dst: x.getUint32(h.skb.network + 16), sport: x.getUint16(t), dport: x.getUint16(t + 2), inDev: h.inDev, outDev: h.outDev });
    }
    ctReset(h.skb);
    return out;
  };
  const step = (o: Op): string => {
    switch (o.k) {
      case 'new': {
        const src = o.inbound ? ip('10.99.0.50') + o.c : ip('172.17.0.0') + o.c;
        const dst = o.inbound ? HOST : ip('10.99.0.50');
        const h: Held = { skb: mk(o.proto, src, dst, o.sport, o.inbound ? 8080 : o.dport, o.proto === 6 ? o.flags : 0), inDev: o.inbound ? 'ext0' : 'docker0', outDev: o.inbound ? 'docker0' : 'ext0', tuple: '' };
        const v = nf.hook(h.skb, st(NF_INET_PRE_ROUTING, h.inDev, ''));
        const ct = h.skb.ct as CtEntry | null;
        if (v !== NF_ACCEPT) return `pre ${v}`;
        if (!o.hold) return `pre ${hex(h.skb)} ${finish(h)}`;
        h.tuple = tupleOf(ct);
        held.push(h);
        return `held ${hex(h.skb)}`;
      }
      case 'resume':
      case 'lose':
      case 'clone': {
        if (held.length === 0) return 'none';
        const i = o.i % held.length;
        const h = held[i]!;
        if (o.k === 'clone') {
          held.push({ ...h, skb: h.skb.clone() });
          return 'cloned';
        }
        held.splice(i, 1);
        // a lost packet keeps its entry (never released): that entry is simply never reused
        return o.k === 'lose' ? 'lost' : finish(h);
      }
      case 'reply': {
        if (delivered.length === 0) return 'none';
        const d = delivered[o.i % delivered.length]!;
        const h: Held = { skb: mk(d.proto, d.dst, d.src, d.dport, d.sport, d.proto === 6 ? 0x12 : 0), inDev: d.outDev, outDev: d.inDev, tuple: '' };
        const v = nf.hook(h.skb, st(NF_INET_PRE_ROUTING, h.inDev, ''));
        if (v !== NF_ACCEPT) return `reply pre ${v}`;
        return `reply ${finish(h)}`;
      }
      case 'time':
        sim.advance(o.s * SECOND);
        return 'time';
      case 'flush':
        return nf.conntrackTool(['-F']).stderr;
      case 'delete':
        return nf.conntrackTool(['-D', '-p', 'udp']).stderr;
      case 'pin':
        for (const e of nf.conntrack.entries()) pinned.push({ e, text: tupleOf(e) + ' ' + e.rSrc + ':' + e.rSport });
        return 'pinned';
    }
  };
  return {
    run(o: Op): string {
      const r = step(o);
      const l = nf.conntrackTool(['-L']);
      return `${r}\n${l.stdout}${l.stderr}${nf.conntrackTool(['-S']).stdout}${JSON.stringify(nf.counters)} sent=${host.sent.map(hex).join(',')}`;
    },
    /** Every held packet still holds the entry it held; every pinned entry still reads as it did. */
    check(): void {
      for (const h of held) expect(tupleOf(h.skb.ct as CtEntry | null)).toBe(h.tuple);
      for (const p of pinned) expect(tupleOf(p.e) + ' ' + p.e.rSrc + ':' + p.e.rSport).toBe(p.text);
    },
    get reused() {
      return reused;
    },
    get skipped() {
      return nf.conntrack.recheckSkipped;
    },
  };
}

/** Runs `ops` on two worlds in step: the same observation after every step, and each world's invariants. */
function lockstep(ops: readonly Op[], a: ReturnType<typeof world>, b: ReturnType<typeof world>): void {
  for (const o of ops) {
    expect(a.run(o)).toBe(b.run(o));
    a.check();
    b.check();
  }
}

describe('conntrack entry reuse', () => {
  it('a table reusing dead entries behaves exactly as one allocating every entry, and never reuses a held entry', () => {
    let reusedTotal = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 1000 }), (ops, seed) => {
        const a = world(true, seed);
        const b = world(false, seed);
        lockstep(ops, a, b);
        reusedTotal += a.reused;
        expect(b.reused).toBe(0);
      }),
      { numRuns: 300 },
    );
    // the property is not vacuous: entries were reused along the way
    expect(reusedTotal).toBeGreaterThan(10);
  });

  it('confirm without looking up again the tuples found free since the last insertion behaves exactly as Linux\'s re-check', () => {
    // held packets keep entries unconfirmed while other flows are inserted, NAT picks ports under
    // contention, flows clash: the skip must never let a clash through nor change anything seen
    let skipped = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 1000 }), (ops, seed) => {
        const a = world(true, seed);
        const c = world(true, seed, true);
        lockstep(ops, a, c);
        skipped += a.skipped;
        expect(c.skipped).toBe(0);
      }),
      { numRuns: 300 },
    );
    expect(skipped).toBeGreaterThan(100);
  });

  it('a clash NAT could not avoid (a single-port MASQUERADE) is still refused at confirm, with or without the re-check', () => {
    for (const recheck of [false, true]) {
      const { nf } = makeNf(new FakeHost('host', new Set([HOST]), { ext0: HOST, docker0: ip('172.17.0.1') }), 1);
      nf.conntrack.recheck = recheck;
      nf.restore('*nat\n-A POSTROUTING -s 172.17.0.5/32 -p udp -j MASQUERADE --to-ports 5000\nCOMMIT\n');
      const verdicts = [1000, 1001, 1002].map((sport) => {
        const s = buildUdp({ srcMac: 1, dstMac: 2, src: ip('172.17.0.5'), dst: ip('10.99.0.50') }, sport, 80, new Uint8Array(3));
        ipv4Validate(s);
        let v = nf.hook(s, st(NF_INET_PRE_ROUTING, 'docker0', ''));
        if (v === NF_ACCEPT) v = nf.hook(s, st(NF_INET_FORWARD, 'docker0', 'ext0'));
        if (v === NF_ACCEPT) v = nf.hook(s, st(NF_INET_POST_ROUTING, 'docker0', 'ext0'));
        ctReset(s);
        return v;
      });
      // the first takes source port 5000; the others find its reply tuple taken and are dropped
      expect(verdicts).toEqual([NF_ACCEPT, NF_DROP, NF_DROP]);
      expect(nf.conntrack.count).toBe(1);
      expect(nf.conntrack.stats.insert_failed).toBe(2);
      // the first flow's confirm skipped its re-lookups (both tuples found free), unless told not to
      expect(nf.conntrack.recheckSkipped).toBe(recheck ? 0 : 1);
    }
  });

  it('a steady rate of new flows reuses the entries of expired ones; a held or listed entry is never reused', () => {
    const { nf, sim } = makeNf(new FakeHost('host', new Set([HOST]), { ext0: HOST, docker0: ip('172.17.0.1') }));
    nf.restore(RULES);
    const flow = (sport: number, release = true): SkBuff => {
      const s = buildUdp({ srcMac: 1, dstMac: 2, src: ip('10.99.0.7'), dst: HOST }, sport, 8080, new Uint8Array(3));
      ipv4Validate(s);
      for (const h of [NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING] as const) expect(nf.hook(s, st(h, 'ext0', h === NF_INET_PRE_ROUTING ? '' : 'docker0'))).toBe(NF_ACCEPT);
      if (release) ctReset(s);
      return s;
    };
    const first = flow(1000);
    const e1 = nf.conntrack.live()[0]!;
    expect(first.ct).toBe(null);
    // a packet still holds this one
    const holder = flow(1001, false);
    const e2 = holder.ct as CtEntry;
    // and this one was looked up by a caller
    flow(1002);
    const e3 = nf.conntrack.find(ip('10.99.0.7'), HOST, 1002, 8080, 17)!;
    expect(e3.oSport).toBe(1002);
    sim.advance(31 * SECOND);
    expect(nf.conntrack.count).toBe(0);
    const next = [flow(2000, false), flow(2001, false), flow(2002, false)].map((s) => s.ct as CtEntry);
    // the expired entry nothing holds is reused …
    expect(next).toContain(e1);
    expect(e1.oSport).toBeGreaterThanOrEqual(2000);
    // … the held one and the one a caller has are not, and still read as their connection
    expect(next).not.toContain(e2);
    expect(next).not.toContain(e3);
    expect([e2.oSport, e2.rSrc, e2.rSport]).toEqual([1001, ip('172.17.0.2'), 80]);
    expect(e3.oSport).toBe(1002);
    // once its packet lets go, the held one is reused too (it expired meanwhile)
    ctReset(holder);
    expect(holder.ct).toBe(null);
    const later = flow(3000, false).ct as CtEntry;
    expect(later).toBe(e2);
    expect(later.oSport).toBe(3000);
  });

  it('a clone holds the entry too: it outlives the original packet and its expiry', () => {
    const { nf, sim } = makeNf(new FakeHost('host', new Set([HOST]), { ext0: HOST, docker0: ip('172.17.0.1') }));
    nf.restore(RULES);
    const pkt = (sport: number): SkBuff => {
      const s = buildUdp({ srcMac: 1, dstMac: 2, src: ip('10.99.0.7'), dst: HOST }, sport, 8080, new Uint8Array(3));
      ipv4Validate(s);
      return s;
    };
    const through = (s: SkBuff): void => {
      for (const h of [NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING] as const) expect(nf.hook(s, st(h, 'ext0', h === NF_INET_PRE_ROUTING ? '' : 'docker0'))).toBe(NF_ACCEPT);
    };
    const a = pkt(1000);
    through(a);
    const e = a.ct as CtEntry;
    // a bridge flood's copy, still in flight when the original has left
    const copy = a.clone();
    expect(copy.ct).toBe(e);
    ctReset(a);
    sim.advance(31 * SECOND);
    expect(nf.conntrack.count).toBe(0);
    for (let i = 0; i < 4; i++) {
      const b = pkt(2000 + i);
      through(b);
      expect(b.ct).not.toBe(e);
    }
    expect([e.oSport, e.rSrc, e.rSport]).toEqual([1000, ip('172.17.0.2'), 80]);
    // the copy lets go: now it is reused
    ctReset(copy);
    const c = pkt(3000);
    through(c);
    expect(c.ct).toBe(e);
  });
});
