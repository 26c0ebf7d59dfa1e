import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { argvOnly, dump, pair } from '../helpers/iptables-pair.js';
import { Iptables } from '../../src/docker/iptables/program.js';
import { setupResolverRules } from '../../src/docker/iptables/dns-rules.js';
import { forward, type PortForward } from '../../src/docker/iptables/port-rules.js';
import { setupIPChains } from '../../src/docker/iptables/bridge-rules.js';

describe('iptables programming without argv text (prepared rules, one parse per ProgramRule)', () => {
  it('the embedded DNS rules land exactly as through `iptables ARGV`, first time and on a re-run (flush)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), fc.boolean(), (udp, tcp, twice) => {
        const { fast, slow } = pair();
        const a = new Iptables(fast);
        const b = new Iptables(argvOnly(slow));
        setupResolverRules(a, udp, tcp);
        setupResolverRules(b, udp, tcp);
        if (twice) {
          setupResolverRules(a, tcp, udp);
          setupResolverRules(b, tcp, udp);
        }
        expect(fast.save()).toBe(slow.save());
        expect(dump(fast)).toBe(dump(slow));
        expect(fast.save()).toContain(`--to-destination 127.0.0.11:${twice ? tcp : udp}`);
      }),
      { numRuns: 40 },
    );
  });

  it('published-port rules (-A, then -D) match the argv path, and a second -A adds nothing', () => {
    const ip = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 })).map(([x, y]) => `172.18.${x}.${y}`);
    const fwd = fc.record({
      proto: fc.constantFrom('tcp', 'udp'),
      hostIp: fc.constantFrom('0.0.0.0', '127.0.0.1', '10.1.2.3'),
      hostPort: fc.integer({ min: 1, max: 65535 }),
      containerIp: ip,
      containerPort: fc.integer({ min: 1, max: 65535 }),
      bridge: fc.constantFrom('docker0', 'br-0123456789ab'),
      hairpin: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fwd, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 5 }), (fs: PortForward[], del) => {
        const { fast, slow } = pair();
        const a = new Iptables(fast);
        const b = new Iptables(argvOnly(slow));
        setupIPChains(a);
        setupIPChains(b);
        for (const f of fs) {
          forward(a, '-A', f);
          forward(b, '-A', f);
        }
        forward(a, '-A', fs[0]!);
        forward(b, '-A', fs[0]!);
        const gone = fs[del % fs.length]!;
        forward(a, '-D', gone);
        forward(b, '-D', gone);
        expect(fast.save()).toBe(slow.save());
        expect(dump(fast)).toBe(dump(slow));
      }),
      { numRuns: 60 },
    );
  });

  it('a refused rule fails with iptables\' own error text on both paths', () => {
    const { fast, slow } = pair();
    const msgs = [new Iptables(fast), new Iptables(argvOnly(slow))].map((ipt) => {
      try {
        ipt.programRule('nat', 'NOSUCH', '-A', ['-p', 'tcp', '-j', 'ACCEPT']);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(msgs[0]).toBe(msgs[1]);
    expect(msgs[0]).toMatch(/^iptables failed: iptables -t nat -A NOSUCH/);
  });

  it('-D of a rule that is not there fails without changing anything, on both paths, and the error text is iptables\' own', () => {
    const { fast, slow } = pair();
    const a = new Iptables(fast);
    const b = new Iptables(argvOnly(slow));
    setupIPChains(a);
    setupIPChains(b);
    const gone = ['-t', 'filter', '-D', 'FORWARD', '-i', 'docker0', '-j', 'ACCEPT'];
    expect(a.tryRaw(gone)).toBe(false);
    expect(b.tryRaw(gone)).toBe(false);
    expect(() => a.raw(gone)).toThrow('Bad rule (does a matching rule exist in that chain?)');
    expect(fast.save()).toBe(slow.save());
    // a rule that is there is still deleted
    a.raw(['-t', 'filter', '-A', 'FORWARD', '-i', 'docker0', '-j', 'ACCEPT']);
    expect(a.tryRaw(gone)).toBe(true);
    expect(fast.save()).toBe(slow.save());
  });
});
