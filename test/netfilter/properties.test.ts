import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { filterRulesetArb, natRulesetArb, pktInfoArb, rulesetText } from '../../src/arbitraries/rules.js';
import { CompiledTable, interpretChain, PktInfo, setChainCodegen } from '../../src/netfilter/engine.js';
import { Ruleset } from '../../src/netfilter/table.js';
import { runRestore } from '../../src/netfilter/commands.js';
import { DockernetError } from '../../src/core/errors.js';
import { FakeHost, ip, makeNf, sideEffectTargets } from './helpers.js';
import { buildTcp, buildUdp, ipv4Validate, l4Validate } from '../../src/wire/build.js';
import { NF_ACCEPT, NF_INET_FORWARD, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING, type NfHookState } from '../../src/netfilter/hook.js';
import { SECOND } from '../../src/core/time.js';
import { SkBuff as SkBuffCtor } from '../../src/wire/skbuff.js';

const runner = sideEffectTargets;

function clonePkt(p: PktInfo): PktInfo {
  return Object.assign(new PktInfo(), p);
}

function counters(rs: Ruleset): number[] {
  const out: number[] = [];
  for (const t of Object.values(rs.tables))
    for (const c of t.orderedChains()) {
      out.push(c.pkts, c.bytes);
      for (const r of c.rules) out.push(r.pkts, r.bytes);
    }
  return out;
}

// both compiled forms: chains generated as JavaScript functions (the default) and the closure form
// (chains longer than CODEGEN_MAX_RULES)
describe.each([true, false])('compiled chains (generated code: %s) agree with the interpreter', (codegen) => {
  let old = true;
  beforeAll(() => {
    old = setChainCodegen(codegen);
  });
  afterAll(() => {
    setChainCodegen(old);
  });

  it('same verdict, same side effects, same counters for random rule sets and packets', () => {
    fc.assert(
      fc.property(filterRulesetArb({ maxUserChains: 4, maxRules: 8 }), fc.array(pktInfoArb(), { minLength: 1, maxLength: 12 }), fc.constantFrom('INPUT', 'FORWARD', 'OUTPUT'), (gen, pkts, chainName) => {
        const text = rulesetText([gen]);
        const a = new Ruleset();
        const b = new Ruleset();
        runRestore(a, text);
        runRestore(b, text);
        const ct = new CompiledTable(b.tables.filter, runner);
        for (const p of pkts) {
          const pa = clonePkt(p);
          const pb = clonePkt(p);
          const va = interpretChain(a.tables.filter, a.tables.filter.chains.get(chainName)!, pa, runner, null);
          const vb = ct.runBase(b.tables.filter.chains.get(chainName)!, pb);
          expect(vb).toBe(va);
          expect(pb.mark).toBe(pa.mark);
        }
        expect(counters(b)).toEqual(counters(a));
      }),
      { numRuns: 400 },
    );
  });

  it('the dport index (published ports) gives the interpreter\'s answers for long DNAT chains', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 2000 }), { minLength: 4, maxLength: 60 }),
        fc.array(fc.tuple(fc.constantFrom(6, 17), fc.nat(), fc.boolean(), fc.constantFrom('docker0', 'eth0'), fc.integer({ min: 2, max: 9 })), { maxLength: 30 }),
        fc.constantFrom('none', 'all', 'some'),
        (ports, probes, withDst) => {
          let text = '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n-A PREROUTING -j DOCKER\n-A DOCKER -i docker0 -j RETURN\n';
          ports.forEach((port, i) => {
            const proto = i % 3 === 0 ? 'udp' : 'tcp';
            const d = withDst === 'all' || (withDst === 'some' && i % 2 === 0) ? `-d 172.17.0.${2 + (i % 8)}/32 ` : '';
            text += `-A DOCKER ${d}! -i docker0 -p ${proto} -m ${proto} --dport ${port} -j DNAT --to-destination 172.17.0.${2 + (i % 200)}:80\n`;
            // the same port again for another destination (Docker's filter chain: one rule per container)
            if (d && i % 5 === 0) text += `-A DOCKER -d 172.17.0.${3 + (i % 8)}/32 ! -i docker0 -p ${proto} -m ${proto} --dport ${port} -j ACCEPT\n`;
          });
          text += '-A DOCKER -p tcp -j RETURN\nCOMMIT\n';
          const a = new Ruleset();
          const b = new Ruleset();
          runRestore(a, text);
          runRestore(b, text);
          const ct = new CompiledTable(b.tables.nat, runner);
          for (const [proto, n, published, dev, host] of probes) {
            // mostly probe published ports (with the right or a wrong protocol/address), sometimes any port
            const dport = published ? ports[n % ports.length]! : 1 + (n % 2000);
            const p = new PktInfo();
            p.daddr = ip(`172.17.0.${host}`);
            p.proto = proto;
            p.sport = 1234;
            p.dport = dport;
            p.inDev = dev;
            p.len = 60;
            const pa = clonePkt(p);
            expect(ct.runBase(b.tables.nat.chains.get('PREROUTING')!, p)).toBe(
              interpretChain(a.tables.nat, a.tables.nat.chains.get('PREROUTING')!, pa, runner, null),
            );
          }
          expect(counters(b)).toEqual(counters(a));
          const nrules = b.tables.nat.chains.get('DOCKER')!.rules.length;
          expect(ct.indexedRuns('DOCKER')).toEqual([[1, nrules - 1]]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe.each([true, false])('port-indexed runs of mixed rules (generated code: %s) agree with the interpreter', (codegen) => {
  let old = true;
  beforeAll(() => {
    old = setChainCodegen(codegen);
  });
  afterAll(() => {
    setChainCodegen(old);
  });

  // a run of `--dport` rules whose shapes differ (targets, interfaces, conntrack, mark, address),
  // with repeated ports and addresses, entered through a jump: the generated run's shape table, its
  // key table and the rule order within one key against the interpreter
  const ruleArb = fc.record({
    proto: fc.constantFrom('tcp', 'udp'),
    port: fc.integer({ min: 1, max: 6 }),
    dst: fc.integer({ min: 2, max: 4 }),
    iface: fc.constantFrom('', '-i eth0 ', '! -i docker0 ', '-i veth+ ', '-o docker0 ', '! -i br-1 -o br-1 '),
    extra: fc.constantFrom('', '', '-m conntrack --ctstate NEW ', '-m conntrack ! --ctstate ESTABLISHED,RELATED ', '-m mark --mark 0x1/0x1 ', '-m udp --sport 1000:2000 '),
    target: fc.constantFrom('-j ACCEPT', '-j DROP', '-j RETURN', '-j LOG', '-j Y', '-g Y', '', '-j REJECT'),
  });
  it('same verdicts, side effects and counters', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArb, { minLength: 4, maxLength: 40 }),
        fc.constantFrom('all', 'some', 'none'),
        fc.array(
          fc.record({
            proto: fc.constantFrom(6, 17, 1),
            port: fc.integer({ min: 0, max: 7 }),
            dst: fc.integer({ min: 1, max: 5 }),
            inDev: fc.constantFrom('eth0', 'docker0', 'veth12', 'br-1'),
            outDev: fc.constantFrom('docker0', 'br-1', 'eth0'),
            ct: fc.constantFrom(2, 8, 2 | 64),
            mark: fc.integer({ min: 0, max: 3 }),
            sport: fc.constantFrom(999, 1000, 1500, 2001),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (rs, withDst, pkts) => {
          let text = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n:Y - [0:0]\n';
          text += '-A FORWARD -j X\n-A FORWARD -p udp -j ACCEPT\n-A X -i docker0 -j RETURN\n';
          rs.forEach((r, i) => {
            const d = withDst === 'all' || (withDst === 'some' && i % 3 !== 0) ? `-d 172.17.0.${r.dst}/32 ` : '';
            const extra = r.extra.startsWith('-m udp') && r.proto !== 'udp' ? '' : r.extra;
            const pm = extra.startsWith('-m udp') ? `${extra.slice(0, -1)} --dport ${r.port}` : `-m ${r.proto} --dport ${r.port} ${extra}`.trimEnd();
            text += `-A X ${d}${r.iface}-p ${r.proto} ${pm} ${r.target}`.trimEnd() + '\n';
          });
          text += '-A X -p tcp -j RETURN\n-A Y -p udp -m mark --mark 0x2/0x2 -j ACCEPT\n-A Y -j LOG\nCOMMIT\n';
          const a = new Ruleset();
          const b = new Ruleset();
          runRestore(a, text);
          runRestore(b, text);
          const ct = new CompiledTable(b.tables.filter, runner);
          for (const q of pkts) {
            const p = new PktInfo();
            p.daddr = ip(`172.17.0.${q.dst}`);
            p.saddr = ip('10.0.0.9');
            p.proto = q.proto;
            if (q.proto !== 1) {
              p.sport = q.sport;
              p.dport = q.port;
            }
            p.inDev = q.inDev;
            p.outDev = q.outDev;
            p.ctState = q.ct;
            p.mark = q.mark;
            p.len = 60;
            const pa = clonePkt(p);
            expect(ct.runBase(b.tables.filter.chains.get('FORWARD')!, p)).toBe(
              interpretChain(a.tables.filter, a.tables.filter.chains.get('FORWARD')!, pa, runner, null),
            );
            expect(p.mark).toBe(pa.mark);
          }
          expect(counters(b)).toEqual(counters(a));
          expect(ct.indexedRuns('X')).toEqual(rs.length >= 4 ? [[1, 1 + rs.length]] : []);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('iptables-save / iptables-restore', () => {
  it('generated rule sets round-trip byte for byte', () => {
    fc.assert(
      fc.property(filterRulesetArb(), natRulesetArb(), (f, n) => {
        const text = rulesetText([f, n]);
        const { nf } = makeNf();
        nf.restore(text);
        expect(nf.save()).toBe(text);
        // and through the iptables command: -S of each table lists the same rules
        const rules = text.split('\n').filter((l) => l.startsWith('-A '));
        const listed = ['filter', 'nat'].flatMap((t) => nf.iptables(['-t', t, '-S']).stdout.split('\n').filter((l) => l.startsWith('-A ')));
        expect(listed).toEqual(rules);
      }),
      { numRuns: 300 },
    );
  });
});

describe('iptables-restore never throws anything but DockernetError', () => {
  const piece = fc.oneof(
    fc.constantFrom('*filter', '*nat', '*raw', '*mangle', '*bogus', 'COMMIT', ':INPUT ACCEPT [0:0]', ':X - [0:0]', ':FORWARD DROP', '-A INPUT', '-A X', '-N', '-j', 'ACCEPT', 'X', '-p', 'tcp', '--dport', '80', '-s', '10.0.0.0/8', '!', '-m', 'conntrack', '--ctstate', 'NEW', '"', '# c', '[1:2]', '-D INPUT 1', '-I X 3', '-X X', '-F', '-P INPUT DROP', 'DNAT', '--to-destination', '1.2.3.4:80', '-g'),
    fc.string({ maxLength: 8 }),
  );
  const line = fc.array(piece, { maxLength: 8 }).map((a) => a.join(' '));
  it('random text', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.boolean(), (lines, noflush) => {
        const { nf } = makeNf();
        const before = nf.save();
        try {
          nf.restore(lines.join('\n') + '\n', { noflush });
        } catch (e) {
          expect(e).toBeInstanceOf(DockernetError);
          expect(nf.save()).toBe(before); // atomic: nothing applied
        }
        // whatever was accepted saves and restores to a fixed point
        const saved = nf.save();
        const { nf: nf2 } = makeNf();
        nf2.restore(saved);
        expect(nf2.save()).toBe(saved);
      }),
      { numRuns: 1500 },
    );
  });

  it('the iptables command never throws either', () => {
    fc.assert(
      fc.property(fc.array(fc.array(piece, { maxLength: 10 }), { maxLength: 6 }), (cmds) => {
        const { nf } = makeNf();
        for (const c of cmds) {
          const argv = c.flatMap((x) => x.split(' ')).filter((x) => x !== '');
          const r = nf.iptables(argv);
          expect([0, 1, 2, 3, 4]).toContain(r.exitCode);
          if (r.exitCode !== 0) expect(r.stderr).not.toBe('');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('NAT', () => {
  const HOST = ip('10.99.0.1');
  const st = (hook: NfHookState['hook'], inDev: string, outDev: string): NfHookState => ({ hook, inDev, outDev, bridged: false });
  const fwd = (nf: ReturnType<typeof makeNf>['nf'], s: Parameters<ReturnType<typeof makeNf>['nf']['hook']>[0], i: string, o: string) => {
    for (const h of [NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING] as const) {
      const v = nf.hook(s, st(h, i, h === NF_INET_PRE_ROUTING ? '' : o));
      if (v !== NF_ACCEPT) return v;
    }
    return NF_ACCEPT;
  };

  it('reply tuples map back exactly to the original endpoints (MASQUERADE + DNAT, random flows)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(6, 17), fc.integer({ min: 2, max: 6 }), fc.constantFrom(1000, 5000, 40000, 40001, 500), fc.constantFrom(80, 53, 8080), fc.boolean()), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 1000 }),
        (flows, seed) => {
          const host = new FakeHost('host', new Set([HOST]), { ext0: HOST, docker0: ip('172.17.0.1') });
          const { nf } = makeNf(host, seed);
          nf.restore(
            '*nat\n:DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n' +
              '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n-A DOCKER ! -i docker0 -p udp -m udp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n',
          );
          const seen = new Set<string>();
          for (const [proto, c, sport, dport, inbound] of flows) {
            const src = inbound ? ip('10.99.0.50') + c : ip('172.17.0.0') + c;
            const dst = inbound ? HOST : ip('10.99.0.50');
            const dp = inbound ? 8080 : dport;
            const key = `${proto}/${src}/${sport}/${dst}/${dp}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const mk = (s: number, d: number, sp: number, dpp: number, flags: number) => {
              const o = { srcMac: 1, dstMac: 2, src: s, dst: d };
              const k = proto === 6 ? buildTcp(o, { sport: sp, dport: dpp, seq: 1, ack: 0, flags, window: 100 }) : buildUdp(o, sp, dpp, new Uint8Array(3));
              ipv4Validate(k);
              return k;
            };
            const out = mk(src, dst, sport, dp, 0x02);
            expect(fwd(nf, out, inbound ? 'ext0' : 'docker0', inbound ? 'docker0' : 'ext0')).toBe(NF_ACCEPT);
            expect(l4Validate(out)).toBe(0);
            const v = out.view;
            const t = out.transport;
            // the peer answers the translated packet
            const reply = mk(v.getUint32(out.network + 16), v.getUint32(out.network + 12), v.getUint16(t + 2), v.getUint16(t), 0x12);
            expect(fwd(nf, reply, inbound ? 'docker0' : 'ext0', inbound ? 'ext0' : 'docker0')).toBe(NF_ACCEPT);
            expect(l4Validate(reply)).toBe(0);
            const rv = reply.view;
            expect([rv.getUint32(reply.network + 12), rv.getUint32(reply.network + 16), rv.getUint16(reply.transport), rv.getUint16(reply.transport + 2)]).toEqual([
              dst,
              src,
              dp,
              sport,
            ]);
          }
          expect(nf.conntrack.count).toBe(seen.size);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('conntrack never leaks', () => {
  it('after the longest timeout every entry and timer is gone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(6, 17), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 200 }), fc.constantFrom(0x02, 0x12, 0x10, 0x04, 0x11)), { maxLength: 40 }),
        (ops) => {
          const { nf, sim } = makeNf();
          for (const [proto, c, gap, flags] of ops) {
            sim.advance(gap * SECOND);
            const o = { srcMac: 1, dstMac: 2, src: ip('10.0.0.0') + c, dst: ip('10.1.0.1') };
            const s = proto === 6 ? buildTcp(o, { sport: 1000 + c, dport: 80, seq: 1, ack: 0, flags, window: 1 }) : buildUdp(o, 1000 + c, 53, new Uint8Array(1));
            ipv4Validate(s);
            for (const h of [NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING] as const) nf.hook(s, st(h));
          }
          sim.run();
          expect(nf.conntrack.count).toBe(0);
          expect(sim.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
    function st(hook: NfHookState['hook']): NfHookState {
      return { hook, inDev: 'eth0', outDev: 'eth1', bridged: false };
    }
  });
});

describe('the packet path never throws', () => {
  it('random and truncated frames through every hook, with NAT and REJECT rules', () => {
    const host = new FakeHost('h', new Set([ip('10.0.0.1')]), { eth0: ip('10.0.0.1'), eth1: ip('10.1.0.1') });
    const { nf } = makeNf(host);
    nf.restore(
      '*filter\n-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n-A INPUT -j REJECT\n-A FORWARD -j LOG\nCOMMIT\n' +
        '*nat\n-A PREROUTING -p tcp -j DNAT --to-destination 10.1.0.5:80\n-A PREROUTING -p udp -j DNAT --to-destination 10.1.0.5\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n',
    );
    const frame = fc.tuple(
      fc.constantFrom(1, 6, 17, 47),
      fc.uint8Array({ minLength: 0, maxLength: 80 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 5, max: 15 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(frame, fc.constantFrom(0, 1, 2, 3, 4), ([proto, body, cut, ihl, frag], hook) => {
        // a syntactically plausible IPv4 header followed by random bytes, then truncated
        const len = 14 + ihl * 4 + body.length;
        const b = new Uint8Array(len);
        b[12] = 8;
        b[14] = 0x40 | ihl;
        b[16] = (len - 14) >> 8;
        b[17] = (len - 14) & 255;
        b[20] = frag ? 0x20 : 0;
        b[22] = 64;
        b[23] = proto;
        b.set([10, 0, 0, 9, 10, 0, 0, 1], 26);
        b.set(body, 14 + ihl * 4);
        const t = 14 + ihl * 4;
        if (proto === 1 && body.length >= 28) {
          // make ICMP errors with a plausible quoted header likely
          b[t] = [0, 3, 8, 11][body[0]! % 4]!;
          b[t + 8] = 0x45;
          b[t + 17] = [6, 17, 1][body[1]! % 3]!;
          b.set([10, 0, 0, 1, 10, 1, 0, 5], t + 20);
        }
        const skb = new SkBuffCtor(b, Math.max(0, len - cut));
        skb.transport = 14 + ihl * 4;
        const v = nf.hook(skb, { hook: hook as 0, inDev: 'eth0', outDev: hook === 0 || hook === 1 ? '' : 'eth1', bridged: false });
        expect([0, 1, 2]).toContain(v);
      }),
      { numRuns: 5000 },
    );
  });
});
