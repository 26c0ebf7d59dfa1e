/** dockernet trace on the example scenarios: outcomes, reasons, and the kinds of hops a trace shows. */
import { describe, expect, it } from 'vitest';
import { chooseProto, parseTarget, resolveSource, resolveTarget } from '../../src/trace/endpoint.js';
import { Lab } from '../../src/trace/lab.js';
import type { TraceReport } from '../../src/trace/model.js';
import { trace } from '../../src/trace/probe.js';
import { traceText } from '../../src/trace/format/trace-text.js';
import { stepsFromHops } from '../../src/trace/oracle-trace.js';

function t(lab: Lab, from: string, to: string, flags: { udp?: boolean } = {}): TraceReport {
  const src = resolveSource(lab, from);
  const spec = parseTarget(to);
  return trace(lab, src, resolveTarget(lab, src, spec), chooseProto(spec, flags));
}

describe('trace outcomes', () => {
  const webdb = Lab.load('examples/scenarios/web-db');
  const internal = Lab.load('examples/scenarios/internal-network');

  it('bridged delivery: FDB learned, br_netfilter chains, conntrack NEW then ESTABLISHED on the reply', () => {
    const r = t(webdb, 'web', 'db:5432');
    expect(r.outcome).toMatchObject({ result: 'delivered', client: 'connected', at: { ns: 'db' } });
    const hops = r.legs[0]!.hops;
    const req = hops.filter((h) => h.dir === 'request');
    const rep = hops.filter((h) => h.dir === 'reply');
    expect(req.some((h) => h.layer === 'bridge' && h.kind === 'fdb-forward' && /\(learned\)/.test(h.text))).toBe(true);
    expect(req.some((h) => h.layer === 'bridge' && h.kind === 'flood' && h.arp)).toBe(true);
    expect(req.find((h) => h.ns === 'host' && h.layer === 'conntrack')?.state).toBe('NEW');
    expect(rep.find((h) => h.ns === 'host' && h.layer === 'conntrack')?.state).toBe('ESTABLISHED');
    expect(rep.some((h) => h.kind === 'rule' && h.rule?.includes('--ctstate RELATED,ESTABLISHED -j ACCEPT'))).toBe(true);
    // the reply ends where it reached the client: no ACK of the handshake is followed
    expect(rep[rep.length - 1]).toMatchObject({ ns: 'web', layer: 'route', kind: 'local' });
    // positions are the rules' positions in their chains
    for (const h of hops.filter((x) => x.kind === 'rule')) expect(h.pos).toBeGreaterThan(0);
  });

  it('published port from the host via the gateway: DNAT in nat OUTPUT, before → after', () => {
    const r = t(webdb, 'host', '172.18.0.1:8080');
    expect(r.outcome.result).toBe('delivered');
    expect(r.legs).toHaveLength(1);
    const dnat = r.legs[0]!.hops.find((h) => h.layer === 'nat' && h.kind === 'dnat')!;
    expect(dnat.before).toMatch(/^172\.18\.0\.1:\d+ > 172\.18\.0\.1:8080$/);
    expect(dnat.after).toMatch(/^172\.18\.0\.1:\d+ > 172\.18\.0\.3:80$/);
    expect(r.legs[0]!.hops.some((h) => h.layer === 'route' && h.kind === 'reroute')).toBe(true);
  });

  it('published port on 127.0.0.1: docker-proxy, then its own connection as a second leg', () => {
    const r = t(webdb, 'host', 'host:8080');
    expect(r.legs.map((l) => l.from)).toEqual(['host', 'docker-proxy']);
    expect(r.legs[0]!.outcome.reason).toBe('delivered to docker-proxy listening on 0.0.0.0:8080/tcp (publishes web 80/tcp)');
    expect(r.legs[1]!).toMatchObject({ src: '172.18.0.1', dst: '172.18.0.3', dport: 80 });
    expect(r.outcome.result).toBe('delivered');
  });

  it('closed ports: TCP answered by RST, UDP by ICMP port unreachable', () => {
    const tcp = t(webdb, 'web', 'db:5433');
    expect(tcp.outcome).toMatchObject({ result: 'dropped', client: 'connection refused', reason: 'port closed: nothing listens on 172.18.0.2:5433/tcp in db' });
    expect(tcp.legs[0]!.hops.some((h) => h.dir === 'reply')).toBe(true);
    const udp = t(webdb, 'web', 'db:53', { udp: true });
    expect(udp.outcome).toMatchObject({ result: 'dropped', client: 'connection refused (ICMP port unreachable)' });
  });

  it('internal network: dropped by DOCKER-ISOLATION-STAGE-1 ! -d SUBNET', () => {
    const r = t(internal, 'vault', 'web:80');
    expect(r.outcome.result).toBe('dropped');
    expect(r.outcome.at).toMatchObject({ ns: 'host', table: 'filter', chain: 'DOCKER-ISOLATION-STAGE-1' });
    expect(r.outcome.at!.rule).toMatch(/^-A DOCKER-ISOLATION-STAGE-1 ! -d 172\.18\.0\.0\/16 -i br-[0-9a-f]{12} -j DROP$/);
    expect(r.outcome.reason).toMatch(/internal network: no traffic leaves it$/);
  });

  it('ARP failed and no route', () => {
    const arp = t(internal, 'vault', '172.18.0.99');
    expect(arp.outcome.reason).toBe('ARP failed: nobody answered who-has 172.18.0.99 on vault:eth0 (no interface on that link has the address)');
    const nr = t(internal, 'web', '10.1.2.3');
    expect(nr.outcome).toMatchObject({ result: 'dropped', reason: 'no route to 10.1.2.3 in host' });
    const vaultOut = t(internal, 'vault', '10.1.2.3');
    // real Docker gives containers of an --internal network no default route (sendto fails at once);
    // either way the probe dies for want of a route
    expect(vaultOut.outcome.result).toBe('dropped');
    expect(vaultOut.outcome.reason).toMatch(/^no route to 10\.1\.2\.3/);
  });

  it('is deterministic: the same seed gives the same text', () => {
    const a = traceText(t(Lab.load('examples/scenarios/web-db'), 'web', 'db:5432'));
    const b = traceText(t(Lab.load('examples/scenarios/web-db'), 'web', 'db:5432'));
    expect(a).toBe(b);
  });
});

describe('trace: bridged drops', () => {
  it('enable_icc=false: dropped in the bridge by FORWARD -i br -o br -j DROP (br_netfilter)', () => {
    const lab = Lab.load('examples/scenarios/icc-disabled');
    const r = t(lab, 'client', 'server:80');
    expect(r.outcome.result).toBe('dropped');
    expect(r.outcome.at).toMatchObject({ ns: 'host', table: 'filter', chain: 'FORWARD' });
    expect(r.outcome.at!.rule).toMatch(/^-A FORWARD -i (br-[0-9a-f]{12}) -o \1 -j DROP$/);
    expect(r.outcome.reason).toMatch(/inter-container communication is disabled on network quiet \(com\.docker\.network\.bridge\.enable_icc=false\)$/);
    const last = r.legs[0]!.hops.find((h) => h.dir === 'request' && h.layer === 'bridge' && h.kind === 'drop');
    expect(last?.reason).toBe('nf-drop');
    expect(r.legs[0]!.hops.some((h) => h.dir === 'reply')).toBe(false);
  });
});

describe('implicit returns from user chains', () => {
  // The netfilter layer reports the end of a user chain reached without a verdict (kind `return`);
  // `xtables-monitor --trace` prints no such line, so the oracle comparison must not see it.
  it('are hops in the text (end of chain) but not steps compared with xtables-monitor', () => {
    const lab = Lab.load('examples/scenarios/web-db');
    const r = t(lab, 'web', 'db:5432');
    const hops = r.legs[0]!.hops;
    const returns = hops.filter((h) => h.layer === 'netfilter' && h.kind === 'return');
    // web → db is not published, so filter DOCKER ends without a match
    expect(returns.some((h) => h.table === 'filter' && h.chain === 'DOCKER')).toBe(true);
    for (const h of returns) expect(h).toMatchObject({ verdict: 'RETURN', text: `${h.table}:${h.chain} end of chain, no rule matched → return` });
    expect(traceText(r)).toContain('filter:DOCKER end of chain, no rule matched → return');
    const steps = stepsFromHops(hops);
    expect(steps.length).toBe(hops.filter((h) => h.ns === 'host' && h.layer === 'netfilter' && (h.kind === 'rule' || h.kind === 'policy')).length);
    expect(steps.some((s) => s.verdict === 'RETURN')).toBe(false);
    // the chain's caller continues after the jump: the next step is in the calling chain
    const jump = steps.findIndex((s) => s.verdict === 'JUMP:DOCKER' || / -j DOCKER$/.test(s.rule));
    expect(jump).toBeGreaterThanOrEqual(0);
    expect(steps[jump + 1]).toMatchObject({ table: 'filter', chain: 'FORWARD' });
  });
});

describe('trace text on a bridge of many containers', () => {
  it('a flood names its first ports and counts the rest; its copies out of the ports and into the namespaces are folded, the JSON keeps every port', async () => {
    const { Engine } = await import('../../src/docker/engine.js');
    const lab = new Lab(new Engine({ seed: 1 }));
    const n = 14;
    lab.replay(['docker network create app', ...Array.from({ length: n }, (_, i) => `docker run -d --name c${i} --network app mini:latest httpd -f -p 80 -h /www`)].join('\n'));
    const r = t(lab, 'c1', `c${n - 1}:80`);
    expect(r.outcome.result).toBe('delivered');
    const flood = r.legs[0]!.hops.find((h) => h.layer === 'bridge' && h.kind === 'flood')!;
    expect(flood.ports).toHaveLength(n - 1); // every port but c1's own
    expect(flood.text).toMatch(new RegExp(`flood to (veth\\w+, ){7}veth\\w+ and ${n - 1 - 8} more \\(${n - 1} ports\\)$`));
    const text = traceText(r);
    const hopsOut = r.legs[0]!.hops.filter((h) => h.layer === 'dev' && h.kind === 'tx' && h.ns === 'host' && h.text.includes('> ff:ff:ff:ff:ff:ff')).length;
    expect(hopsOut).toBe(n - 1);
    // 3 shown, a count, the last one: out of the ports, then into the namespaces behind them
    expect(text).toMatch(new RegExp(`… {2}${n - 1 - 4} more hops \\(\\d+–\\d+\\): the same frame out of as many more ports\\n`));
    expect(text).toMatch(/… {2}\d+ more hops \(\d+–\d+\): the same frame into as many more namespaces\n/);
    // nothing else is folded, and the hops after a fold keep their numbers
    const numbered = text.split('\n').filter((l) => /^\s*\d+ {2}/.test(l)).map((l) => Number(l.trim().split(' ')[0]));
    const all = r.legs.flatMap((leg) => leg.hops).length;
    expect(numbered.at(-1)).toBe(r.legs.at(-1)!.hops.at(-1)!.n);
    expect(numbered.length).toBeLessThan(all);
  });

  it('a flood over a few ports is listed whole, as before', () => {
    const webdb = Lab.load('examples/scenarios/web-db');
    const r = t(webdb, 'web', 'db:5432');
    const flood = r.legs[0]!.hops.find((h) => h.layer === 'bridge' && h.kind === 'flood')!;
    expect(flood.text).toBe(`${flood.bridge ?? flood.text.split(':')[0]}: broadcast destination → flood to ${flood.ports!.join(', ')}`);
    expect(traceText(r)).not.toContain('more hops');
  });
});
