import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIptablesArgs, type XtInvocation } from '../../src/netfilter/parse.js';
import { XtTemplate } from '../../src/netfilter/template.js';
import { XtError } from '../../src/netfilter/errors.js';

/** Rule shapes libnetwork programs, and a few with the harder slots. */
const SHAPES: string[][] = [
  ['-t', 'nat', '-C', 'DOCKER', '-p', 'tcp', '-d', '$0', '--dport', '$1', '-j', 'DNAT', '--to-destination', '$2', '!', '-i', '$3'],
  ['-t', 'filter', '-C', 'DOCKER', '!', '-i', '$0', '-o', '$0', '-p', 'udp', '-d', '$1', '--dport', '$2', '-j', 'ACCEPT'],
  ['-t', 'nat', '-A', 'POSTROUTING', '-p', 'tcp', '-s', '$0', '-d', '$0', '--dport', '$1', '-j', 'MASQUERADE'],
  ['-t', 'nat', '-I', 'DOCKER_POSTROUTING', '-s', '127.0.0.11', '-p', 'udp', '--sport', '$0', '-j', 'SNAT', '--to-source', '$1'],
  ['-t', 'nat', '-I', 'OUTPUT', '-d', '$0', '-j', 'DOCKER_OUTPUT'],
  ['-t', 'nat', '-C', 'PREROUTING', '-i', '$0', '-j', 'DNAT', '--to-destination', '$1'],
  ['-A', 'INPUT', '-p', 'tcp', '-m', 'tcp', '--sport', '$0', '-m', 'udp', '--dport', '$1', '-j', 'DROP'],
  ['-t', 'nat', '-N', 'DOCKER_OUTPUT'],
];

const octet = fc.integer({ min: 0, max: 255 });
const quad = fc.tuple(octet, octet, octet, octet).map((q) => q.join('.'));
const addr = fc.oneof(quad, fc.tuple(quad, fc.integer({ min: 0, max: 40 })).map(([q, l]) => `${q}/${l}`), fc.constantFrom('0/0', '0', '10.1', 'x.y', '1.2.3.4/255.255.0.0'));
const port = fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })).map(([a, b]) => `${a}:${b}`), fc.constantFrom('http', 'nope', ':99', '5:'));
const nat = fc.oneof(
  fc.tuple(quad, fc.integer({ min: 0, max: 65535 })).map(([q, p]) => `${q}:${p}`),
  quad,
  fc.integer({ min: 1, max: 65535 }).map((p) => `:${p}`),
  fc.tuple(quad, quad).map(([a, b]) => `${a}-${b}`),
  fc.constantFrom('1.2.3.4:0', 'bad', '1.2.3.4:5-2'),
);
const iface = fc.oneof(fc.constantFrom('eth0', 'br-0123456789ab', 'docker0', 'a+'), fc.string({ minLength: 1, maxLength: 17 }).filter((s) => !s.startsWith('-') && s !== '!'));

function valueArb(argv: string[], k: number): fc.Arbitrary<string> {
  const opt = argv[argv.indexOf(`$${k}`) - 1];
  if (opt === '-d' || opt === '-s') return addr;
  if (opt === '--dport' || opt === '--sport') return port;
  if (opt === '--to-destination' || opt === '--to-source') return nat;
  return iface;
}

type Outcome = { ok: XtInvocation } | { err: string };
function outcome(f: () => XtInvocation): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (e instanceof XtError) return { err: e.message };
    throw e;
  }
}

describe('XtTemplate: a filled template is what the parser gives for the filled-in text', () => {
  for (const shape of SHAPES) {
    const nSlots = shape.filter((a) => /^\$\d+$/.test(a)).reduce((m, a) => Math.max(m, Number(a.slice(1)) + 1), 0);
    it(shape.join(' '), () => {
      const valuesArb = fc.tuple(...Array.from({ length: nSlots }, (_, k) => valueArb(shape, k)));
      fc.assert(
        fc.property(fc.array(valuesArb as fc.Arbitrary<string[]>, { minLength: 1, maxLength: 8 }), fc.boolean(), (uses, chainGone) => {
          const t = new XtTemplate(shape);
          uses.forEach((values, n) => {
            // the jump's chain disappears after the first use in some runs
            const exists = (_t: string, _c: string): boolean => !(chainGone && n > 0);
            const want = outcome(() => parseIptablesArgs(t.fill(values), exists));
            const got = outcome(() => t.instantiate(values, exists));
            expect(got).toEqual(want);
          });
        }),
        { numRuns: 300 },
      );
    });
  }

  it('XtTemplate.exact: any argument list, used again and again, gives what parsing it gives', () => {
    const token = fc.constantFrom('-t', 'nat', 'filter', 'raw', '-A', '-I', '-C', '-D', '-N', '-F', 'DOCKER', 'FORWARD', 'OUTPUT', 'POSTROUTING', '-j', 'ACCEPT', 'DROP', 'MASQUERADE', 'DNAT', '--to-destination', '1.2.3.4:80', '-p', 'tcp', 'udp', '--dport', '80', '-s', '10.0.0.0/8', '!', '-i', '-o', 'docker0', '-m', 'conntrack', '--ctstate', 'NEW', '1', 'x');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }), (argv, existsSeq) => {
        const t = XtTemplate.exact(argv);
        for (const ex of existsSeq) {
          const exists = (_t: string, c: string): boolean => ex || c !== 'DOCKER';
          expect(outcome(() => t.instantiate([], exists))).toEqual(outcome(() => parseIptablesArgs(argv, exists)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('an instance is a rule of its own (counters are not shared with the first use)', () => {
    const t = new XtTemplate(SHAPES[2]!);
    const a = t.instantiate(['172.18.0.2', '80'], () => true);
    a.rule!.pkts = 5;
    const b = t.instantiate(['172.18.0.3', '81'], () => true);
    expect(b.rule).not.toBe(a.rule);
    expect(b.rule!.pkts).toBe(0);
    expect(b.rule!.dst).toBe(0xac120003 | 0);
  });

  it('addresses and masks are int32 in parsed and filled rules (a boxed double per rule otherwise)', () => {
    const r = parseIptablesArgs(['-A', 'FORWARD', '-s', '172.17.0.0/16', '!', '-d', '192.168.1.7', '-j', 'ACCEPT'], () => true).rule!;
    expect([r.src, r.srcMask, r.dst, r.dstMask]).toEqual([0xac110000 | 0, 0xffff0000 | 0, 0xc0a80107 | 0, -1]);
    const t = new XtTemplate(SHAPES[2]!);
    for (const ip of ['172.18.0.2', '10.0.0.9', '255.255.255.255']) {
      const f = t.instantiate([ip, '80'], () => true).rule!;
      for (const v of [f.src, f.srcMask, f.dst, f.dstMask]) expect(v).toBe(v | 0);
      expect(f.srcMask).toBe(-1);
    }
  });

  it('refuses a slot that is not the value of a slot option', () => {
    expect(() => new XtTemplate(['-A', 'INPUT', '-p', '$0'])).toThrow(/not the value/);
    expect(() => new XtTemplate(['-A', 'INPUT', 'constructor', '$0'])).toThrow(/not the value/);
  });
});
