/**
 * Memory footprint and allocation behaviour of the packet path (no timings: heap sizes only).
 */
import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Sim } from '../../src/core/scheduler.js';
import { Conntrack, CtEntry, IP_CT_ESTABLISHED } from '../../src/netfilter/conntrack.js';
import { buildTcp, ipv4Validate } from '../../src/wire/build.js';
import { NF_INET_FORWARD, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING, type NfHookState } from '../../src/netfilter/hook.js';
import { ip, makeNf } from './helpers.js';
import { lan } from '../netns/helpers.js';
import { parseIp } from '../../src/wire/addr.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('footprint', () => {
  it('a confirmed conntrack entry (with its two hash nodes and table slots) takes about 200 bytes', () => {
    const sim = new Sim();
    const ct = new Conntrack(sim);
    const N = 50_000;
    const before = heap();
    for (let i = 0; i < N; i++) {
      const e = new CtEntry(6, 0x0a000000 + i, 0x0a100001, 1024 + (i % 60000), 80, 0, ct);
      e.expires = 1e15;
      ct.confirm(e);
    }
    const per = (heap() - before) / N;
    expect(ct.count).toBe(N);
    // 15 small-integer fields + two Map slots (no per-entry nodes, no boxed numbers)
    expect(per).toBeLessThan(260);
    console.log(`conntrack: ${per.toFixed(0)} bytes per entry including table overhead`);
  });

  it('ESTABLISHED packets through conntrack, filter and NAT do not grow the heap', () => {
    const { nf } = makeNf();
    nf.restore(
      '*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -i eth0 -j ACCEPT\nCOMMIT\n*nat\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.2.0.2:80\nCOMMIT\n',
    );
    const st = (hook: NfHookState['hook']): NfHookState => ({ hook, inDev: 'eth0', outDev: 'eth1', bridged: false });
    const sts = [st(NF_INET_PRE_ROUTING), st(NF_INET_FORWARD), st(NF_INET_POST_ROUTING)];
    const syn = buildTcp({ srcMac: 1, dstMac: 2, src: ip('10.1.0.5'), dst: ip('10.1.0.1') }, { sport: 5555, dport: 8080, seq: 1, ack: 0, flags: 0x02, window: 1 });
    ipv4Validate(syn);
    for (const s of sts) nf.hook(syn, s);
    const synack = buildTcp({ srcMac: 2, dstMac: 1, src: ip('10.2.0.2'), dst: ip('10.1.0.5') }, { sport: 80, dport: 5555, seq: 9, ack: 2, flags: 0x12, window: 1 });
    ipv4Validate(synack);
    const back = [st(NF_INET_PRE_ROUTING), st(NF_INET_FORWARD), st(NF_INET_POST_ROUTING)].map((x) => ({ ...x, inDev: 'eth1', outDev: 'eth0' }));
    for (const s of back) expect(nf.hook(synack, s)).toBe(1);
    const mk = () => {
      const a = buildTcp({ srcMac: 1, dstMac: 2, src: ip('10.1.0.5'), dst: ip('10.1.0.1') }, { sport: 5555, dport: 8080, seq: 2, ack: 1, flags: 0x10, window: 1 });
      ipv4Validate(a);
      return a;
    };
    const pkts = Array.from({ length: 64 }, mk);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const p = pkts[i & 63]!;
        // undo the DNAT of the previous round so each packet arrives as sent
        p.view.setUint32(p.network + 16, ip('10.1.0.1'));
        p.view.setUint16(p.transport + 2, 8080);
        p.ct = null;
        p.ctinfo = -1;
        for (const s of sts) nf.hook(p, s);
        if (p.ctinfo !== IP_CT_ESTABLISHED) throw new Error(`not ESTABLISHED: ${p.ctinfo}`);
      }
    };
    run(20_000); // warm up (compile chains, JIT)
    const before = heap();
    run(200_000);
    const grown = heap() - before;
    expect(nf.conntrack.count).toBe(1);
    expect(grown).toBeLessThan(64 * 1024);
  });
});

describe('what a namespace keeps of its packets', () => {
  it('its netfilter does not keep the last packet alive once the packet has passed its last hook', async () => {
    const { sim, a, b } = lan();
    // a rule in each hook the packets pass, so that b's netfilter reads every datagram's headers
    b.nf.iptables(['-A', 'INPUT', '-p', 'udp', '-j', 'ACCEPT']);
    a.nf.iptables(['-A', 'OUTPUT', '-p', 'udp', '-j', 'ACCEPT']);
    const got: number[] = [];
    b.udp.bind(0, 7, (d) => got.push(d.length));
    const refs: Array<WeakRef<object>> = [];
    const tap = (_d: unknown, skb: object, dir: string): void => {
      if (dir === 'rx') refs.push(new WeakRef(skb));
    };
    b.mustDev('eth0').taps.push(tap);
    const sock = a.udp.bind(0, 4000, () => {});
    for (let i = 0; i < 3; i++) {
      sock.sendTo(parseIp('172.17.0.3'), 7, new Uint8Array(10 + i));
      sim.run();
    }
    b.mustDev('eth0').taps.length = 0;
    expect(got).toEqual([10, 11, 12]);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    // a WeakRef's target lives to the end of the job that made it: collect in a later one
    await new Promise((r) => setTimeout(r, 0));
    gc();
    gc();
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});
