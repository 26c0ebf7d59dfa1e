/**
 * The iptables control plane at scale (issue 9): `iptables-restore --noflush` of large filter chains
 * (one operation = one rule restored), in two shapes: plain `-A FORWARD -s ADDR -j ACCEPT` lines, and
 * a docker-like mix (port ACCEPTs with `-m tcp`, ctstate jumps into a user chain, udp/comment DROPs).
 * The runner's retained bytes per million operations is the heap per rule (divide by 10^6); the facts
 * check that every rule landed and that `iptables-save` prints one `-A` line per rule.
 */
import { Rng } from '../src/core/rng.js';
import { Sim } from '../src/core/scheduler.js';
import { Netfilter } from '../src/netfilter/netfilter.js';
import { saveLines } from '../src/netfilter/text.js';
import { NetNamespace } from '../src/netns/netns.js';
import { body, type Bench, type BenchCase } from './lib.js';

function quad(i: number): string {
  return `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

/** Rule line number `i` of a shape. */
function ruleLine(shape: 'plain' | 'mix', i: number): string {
  if (shape === 'plain') return `-A FORWARD -s ${quad(i)}/32 -j ACCEPT`;
  switch (i & 3) {
    case 0:
      return `-A FORWARD -s ${quad(i)}/32 -j ACCEPT`;
    case 1:
      return `-A FORWARD -d ${quad(i)}/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport ${(i % 65535) + 1} -j ACCEPT`;
    case 2:
      return '-A FORWARD -i br0 -m conntrack --ctstate RELATED,ESTABLISHED -j USER';
    default:
      return `-A USER -s ${quad(i)}/32 -p udp -m udp --sport 53 -m comment --comment "r${i & 15}" -j DROP`;
  }
}

function restoreCase(shape: 'plain' | 'mix', rules: number, large: boolean): BenchCase {
  return {
    label: `${rules.toLocaleString('en-US')} rules (${shape})`,
    params: { rules, shape },
    ops: rules,
    warmup: 0,
    large,
    expected: (done) => ({ rules: done, saveRuleLines: done }),
    setup() {
      const sim = new Sim();
      const host = new NetNamespace(sim, 'host', new Rng(1));
      const nf = new Netfilter({ sim, rng: new Rng(2), host });
      nf.restore('*filter\n:USER - [0:0]\nCOMMIT\n');
      let next = 0;
      return body(
        () => {
          throw new Error('batched');
        },
        () => {
          let lines = 0;
          saveLines(nf.rules, {}, (l) => {
            if (l.startsWith('-A ')) lines++;
          });
          let n = 0;
          for (const c of nf.rules.tables.filter.chains.values()) n += c.rules.length;
          return { rules: n, saveRuleLines: lines };
        },
        (n) => {
          const parts = ['*filter'];
          for (let k = 0; k < n; k++) parts.push(ruleLine(shape, next++));
          parts.push('COMMIT', '');
          nf.restore(parts.join('\n'), { noflush: true });
        },
      );
    },
  };
}

const bench: Bench = {
  name: 'iptables-scale',
  title: 'iptables-restore of large filter chains (rules/s, heap per rule), iptables-save line count',
  unit: 'rule',
  cases: [
    restoreCase('plain', 10_000, false),
    restoreCase('mix', 10_000, false),
    restoreCase('plain', 100_000, false),
    restoreCase('mix', 100_000, false),
    restoreCase('plain', 1_000_000, true),
    restoreCase('mix', 1_000_000, true),
  ],
};
export default bench;
