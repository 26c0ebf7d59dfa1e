/**
 * Memory footprints, measured with V8 heap snapshots around the timed run (the runner diffs them by
 * constructor and divides by the operations): one conntrack entry (UDP, confirmed in the table, as the
 * packet path creates them); one conntrack entry of a flow between two containers of docker0 that
 * has gone both ways and been forwarded again (what an established flow holds: the entry and its
 * cached FORWARD walks, see src/netfilter/flow-cache.ts); and one container's network sandbox at the
 * stack layers (namespace, veth pair, bridge port, address, default route, one UDP socket) without
 * the engine and runtime on top.
 */
import { Rng } from '../src/core/rng.js';
import { SECOND } from '../src/core/time.js';
import { Sim } from '../src/core/scheduler.js';
import { BridgeDevice } from '../src/link/bridge/bridge.js';
import { CtEntry } from '../src/netfilter/conntrack.js';
import { Netfilter } from '../src/netfilter/netfilter.js';
import { connect } from '../src/netns/create.js';
import { NetNamespace } from '../src/netns/netns.js';
import { dockerMacFor, ipToString } from '../src/wire/addr.js';
import { body, type Bench } from './lib.js';
import { TupleSender } from './traffic.js';
import { CPORT, dockerWorld } from './world.js';

/** Containers of the forwarded-flow case (flows go between neighbours). */
const FLOW_CTRS = 10;

const bench: Bench = {
  name: 'footprint',
  title: 'heap per conntrack entry and per network sandbox (heap snapshots)',
  unit: 'object',
  heapSnapshot: true,
  cases: [
    {
      label: 'conntrack entry (UDP, confirmed)',
      params: {},
      ops: 200_000,
      warmup: 1000,
      expected: (done) => ({ entries: done }),
      setup() {
        const sim = new Sim();
        const host = new NetNamespace(sim, 'host', new Rng(1));
        const nf = new Netfilter({ sim, rng: new Rng(2), host });
        const ct = nf.conntrack;
        ct.max = 10_000_000;
        let i = 0;
        return body(
          () => {
            const e = new CtEntry(17, (0x0b000000 + (i >>> 10)) >>> 0, (0xac110002 + (i % 1000)) >>> 0, 1024 + (i & 1023), 9000, sim.now, ct);
            e.expires = sim.now + 3600 * SECOND;
            ct.confirm(e);
            i++;
          },
          () => ({ entries: ct.count }),
        );
      },
    },
    {
      label: 'conntrack entry of a forwarded flow (docker0, request, reply, request)',
      params: { containers: FLOW_CTRS },
      ops: 20_000,
      warmup: 500,
      expected: (done) => ({ entries: done, refused: 0 }),
      setup() {
        const w = dockerWorld({ containers: FLOW_CTRS, published: 0 });
        const ct = w.nf!.conntrack;
        const tx = new TupleSender(8, 16);
        let flows = 0;
        return body(
          (i) => {
            // container a's port 10000+ (a new one per flow) to container b's socket, b's answer,
            // and a's second datagram: the entry is ESTABLISHED and each direction's FORWARD walk
            // is recorded on it (a bridged flow records at its first established packet)
            const a = i % FLOW_CTRS;
            const b = (a + 1) % FLOW_CTRS;
            const sport = 10000 + i; // (ops + warmup stay below 55,536)
            const ipa = w.ctrIp(a);
            const ipb = w.ctrIp(b);
            tx.send(w.ctrs[a]!, ipa, ipb, sport, CPORT);
            tx.send(w.ctrs[b]!, ipb, ipa, CPORT, sport);
            tx.send(w.ctrs[a]!, ipa, ipb, sport, CPORT);
            w.sim.drain();
            flows++;
          },
          () => ({ entries: ct.count, refused: tx.refused, flows }),
        );
      },
    },
    {
      label: 'network sandbox (netns + veth + port + addr + route + socket)',
      params: {},
      ops: 1000,
      warmup: 2,
      expected: (done) => ({ sandboxes: done }),
      setup() {
        const sim = new Sim();
        const rng = new Rng(1);
        const host = new NetNamespace(sim, 'host', rng.fork('host'));
        const br = new BridgeDevice(sim, 'docker0', 0x024200000001);
        host.addDevice(br);
        host.setLinkUp(br, true);
        host.addAddress('docker0', '172.17.0.1/16');
        const ctrs: NetNamespace[] = [];
        return body(
          (i) => {
            const ns = new NetNamespace(sim, `c${i}`, rng.fork(`c${i}`));
            const ip = (0xac110002 + i) >>> 0;
            const [hv] = connect(host, `veth${i}`, ns, 'eth0', { macB: dockerMacFor(ip) });
            br.addPort(hv);
            ns.addAddress('eth0', `${ipToString(ip)}/16`);
            ns.addRoute({ dst: 'default', via: '172.17.0.1' });
            ns.udp.bind(0, 80, () => {});
            ctrs.push(ns);
          },
          () => ({ sandboxes: ctrs.length }),
        );
      },
    },
  ],
};
export default bench;
