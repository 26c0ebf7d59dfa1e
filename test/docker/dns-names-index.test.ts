import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/docker/engine.js';
import type { Network } from '../../src/docker/network/model.js';

/**
 * The definition the index must agree with: the scan the resolver did before it had one. Every
 * endpoint of the network with an address, in join order, whose container's name or one of whose
 * aliases on the network is `q` or `q2` once lowercased.
 */
function scan(e: Engine, n: Network, q: string, q2: string): number[] {
  const hits: number[] = [];
  for (const ep of n.endpoints.values()) {
    if (!ep.ip) continue;
    const c = e.runtime.store.find(ep.containerId);
    if (!c) continue;
    const names = [c.name.slice(1), ...(e.sandboxes.of(c).attachments.get(n.id)?.aliases ?? [])].map((s) => s.toLowerCase());
    if (names.includes(q) || names.includes(q2)) hits.push(ep.ip);
  }
  return hits;
}

/** Every name worth asking on `n`: each container's name and aliases in two cases, NAME.NETWORK, near-misses. */
function questions(e: Engine, n: Network): string[] {
  const qs = new Set<string>(['nosuch', `nosuch.${n.name}`]);
  for (const c of e.runtime.store.list()) {
    const names = [c.name.slice(1), c.id.slice(0, 12), ...[...e.sandboxes.of(c).attachments.values()].flatMap((a) => a.aliases)];
    for (const s of names) for (const v of [s, s.toUpperCase(), `${s}.${n.name}`, s.slice(1)]) qs.add(v);
  }
  return [...qs];
}

/** Answers that named at least one endpoint, over the whole property (so that it is known to have asked something). */
let hitsSeen = 0;

function agree(e: Engine): void {
  for (const n of e.networks.values()) {
    if (n.predefined) continue;
    for (const name of questions(e, n)) {
      const q = name.toLowerCase();
      const q2 = q.replace(`.${n.name.toLowerCase()}`, '');
      const want = scan(e, n, q, q2);
      expect(e.sandboxes.dnsNames.lookup(n, q, q2), `${name} on ${n.name}`).toEqual(want);
      if (want.length !== 0) hitsSeen++;
    }
  }
}

const NAMES = ['aa', 'bb', 'Cc', 'dd', 'shared', 'ee'];
const NETS = ['n1', 'n2'];

/** A command of the property: a kind and numbers that pick its names, networks and aliases when it runs. */
type Step = { kind: 'run' | 'rename' | 'connect' | 'disconnect' | 'stop' | 'start' | 'rm' | 'ask'; a: number; b: number; c: number };

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('run', 'run', 'rename', 'connect', 'disconnect', 'stop', 'start', 'rm', 'ask', 'ask'),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
});

const ALIASES = ['', '--network-alias shared ', '--network-alias api --network-alias API ', '--network-alias bb ', '--network-alias x --hostname hx '];

/**
 * The Docker command of `s`, naming an existing container (most of the time: the commands are
 * meant to succeed) picked by its numbers. `ask` checks every name instead.
 */
function commandOf(e: Engine, s: Step): string | null {
  const have = e.runtime.store.list().map((c) => c.name.slice(1));
  const ctr = have.length !== 0 && s.a % 5 !== 0 ? have[s.a % have.length]! : NAMES[s.a % NAMES.length]!;
  const net = NETS[s.b % NETS.length]!;
  switch (s.kind) {
    case 'run':
      return `docker run -d --name ${NAMES[s.a % NAMES.length]}${s.c % 3 === 0 ? s.c % 7 : ''} --network ${net} ${ALIASES[s.c % ALIASES.length]}mini:latest sleep 100000`;
    case 'rename':
      return `docker rename ${ctr} ${NAMES[s.c % NAMES.length]}${s.b % 4}`;
    case 'connect':
      return `docker network connect ${['', '--alias shared ', '--alias z '][s.c % 3]}${net} ${ctr}`;
    case 'disconnect':
      return `docker network disconnect ${net} ${ctr}`;
    case 'stop':
      return `docker stop -t 0 ${ctr}`;
    case 'start':
      return `docker start ${ctr}`;
    case 'rm':
      return `docker rm -f ${ctr}`;
    case 'ask':
      return null;
  }
}

describe('embedded DNS name index', () => {
  it('answers what a scan of the endpoints answers, in the same order, through runs, renames, connects, disconnects, stops and removals', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const e = new Engine({ seed: 5 });
        for (const n of NETS) e.exec(`docker network create ${n}`);
        for (const s of steps) {
          const cmd = commandOf(e, s);
          if (cmd === null) agree(e);
          else e.exec(cmd);
        }
        agree(e);
      }),
      { numRuns: 80 },
    );
    expect(hitsSeen).toBeGreaterThan(100);
  });

  it('a container renamed after the index was built is found by its new name only', () => {
    const e = new Engine({ seed: 5 });
    for (const l of ['docker network create app', 'docker run -d --name old --network app mini:latest sleep 100000', 'docker run -d --name client --network app mini:latest sleep 100000'])
      expect(e.exec(l).exitCode).toBe(0);
    const found = (q: string): boolean => e.exec(`docker exec client nslookup -type=a ${q} 127.0.0.11`).stdout.includes('Address: 172.');
    expect(found('old')).toBe(true);
    expect(e.exec('docker rename old new').exitCode).toBe(0);
    expect([found('old'), found('new')]).toEqual([false, true]);
    expect(e.exec('docker network disconnect app new').exitCode).toBe(0);
    expect(found('new')).toBe(false);
    expect(e.exec('docker run -d --name late --network app mini:latest sleep 100000').exitCode).toBe(0);
    expect(found('late')).toBe(true);
  });
});
