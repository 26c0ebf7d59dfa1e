import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { argvOnly, dump, pair } from '../helpers/iptables-pair.js';
import { Iptables } from '../../src/docker/iptables/program.js';
import { slotted } from '../../src/netfilter/template.js';
import { removeBridgeNetworkRules, setupBridgeNetworkRules, setupIPChains, type BridgeRuleConfig } from '../../src/docker/iptables/bridge-rules.js';

describe('slotted: the shape of an iptables text', () => {
  it('takes out the values of address, interface, port and NAT-range options, in order', () => {
    const values: string[] = [];
    const shape = slotted(['-t', 'nat', '-A', 'POSTROUTING', '-s', '172.18.0.0/16', '!', '-o', 'br-0123456789ab', '-p', 'tcp', '--dport', '80', '-j', 'DNAT', '--to-destination', '172.18.0.2:80'], values);
    expect(shape).toEqual(['-t', 'nat', '-A', 'POSTROUTING', '-s', '$0', '!', '-o', '$1', '-p', 'tcp', '--dport', '$2', '-j', 'DNAT', '--to-destination', '$3']);
    expect(values).toEqual(['172.18.0.0/16', 'br-0123456789ab', '80', '172.18.0.2:80']);
  });

  it('leaves values that look like options, negations or nothing in the text', () => {
    const values: string[] = [];
    expect(slotted(['-A', 'FORWARD', '-i', '-j', 'ACCEPT', '-o', '!x', '-s', ''], values)).toEqual(['-A', 'FORWARD', '-i', '-j', 'ACCEPT', '-o', '!x', '-s', '']);
    expect(values).toEqual([]);
    // only the slot options' own names count (not names every object answers to)
    expect(slotted(['-A', 'FORWARD', 'constructor', 'x', 'toString', 'y'], values)).toEqual(['-A', 'FORWARD', 'constructor', 'x', 'toString', 'y']);
    expect(values).toEqual([]);
  });

  it('gives up on a text that holds a slot-like token elsewhere', () => {
    expect(slotted(['-A', 'FORWARD', '-m', 'comment', '--comment', '$0', '-j', 'ACCEPT'], [])).toBeNull();
  });
});

describe('iptables texts through their shapes give what the parser gives', () => {
  const hex = fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: 12, maxLength: 12 }).map((a) => a.join(''));
  const octet = fc.integer({ min: 0, max: 255 });
  const subnet = fc.tuple(octet, octet, fc.constantFrom(8, 12, 16, 20, 24, 28)).map(([a, b, len]) => {
    const v = ((172 << 24) | (a << 16) | (b << 8)) >>> 0;
    const m = (0xffffffff << (32 - len)) >>> 0;
    const n = (v & m) >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${len}`;
  });
  const network = fc.record({
    bridge: fc.oneof(hex.map((h) => `br-${h}`), fc.constantFrom('docker0', 'br+', 'x')),
    subnet,
    icc: fc.boolean(),
    masquerade: fc.boolean(),
    internal: fc.boolean(),
  });

  it('the rules of many bridge networks (one shape, each network its values) land as through `iptables ARGV`, and go again', () => {
    fc.assert(
      fc.property(fc.array(network, { minLength: 1, maxLength: 5 }), fc.nat(), (nets: BridgeRuleConfig[], k) => {
        const { fast, slow } = pair();
        const a = new Iptables(fast);
        const b = new Iptables(argvOnly(slow));
        setupIPChains(a);
        setupIPChains(b);
        for (const n of nets) {
          setupBridgeNetworkRules(a, n);
          setupBridgeNetworkRules(b, n);
        }
        const gone = nets[k % nets.length]!;
        removeBridgeNetworkRules(a, gone);
        removeBridgeNetworkRules(b, gone);
        expect(fast.save()).toBe(slow.save());
        expect(dump(fast)).toBe(dump(slow));
      }),
      { numRuns: 60 },
    );
  });

  // texts of the options a shape can slot, with values the parser accepts and values it refuses,
  // values that look like options, and a comment that holds option names or slot-like tokens
  const addr = fc.oneof(subnet, fc.constantFrom('10.0.0.1', '0/0', '1.2.3.4/255.255.0.0', 'x.y', '300.1.1.1', '-d', '!'));
  const iface = fc.oneof(hex.map((h) => `br-${h}`), fc.constantFrom('docker0', 'eth+', 'a-very-long-interface-name', '-j', '!', ''));
  const port = fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), fc.constantFrom('80:90', 'http', '5:', '-1'));
  const nat = fc.oneof(fc.constantFrom('10.0.0.2', '10.0.0.2:80', ':81', '10.0.0.2-10.0.0.9', 'bad', '10.0.0.2:0'));
  const opt = fc.oneof(
    fc.tuple(fc.constantFrom('-s', '-d', '--source', '--dst'), addr).map(([o, v]) => [o, v]),
    fc.tuple(fc.constantFrom('-s', '-d'), addr).map(([o, v]) => ['!', o, v]),
    fc.tuple(fc.constantFrom('-i', '-o', '--in-interface'), iface).map(([o, v]) => [o, v]),
    fc.tuple(fc.constantFrom('-i', '-o'), iface).map(([o, v]) => ['!', o, v]),
    fc.tuple(fc.constantFrom('tcp', 'udp'), port).map(([p, v]) => ['-p', p, '--dport', v]),
    fc.tuple(fc.constantFrom('tcp', 'udp'), port, port).map(([p, v, w]) => ['-p', p, '--sport', v, '--dport', w]),
    fc.constantFrom(['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'], ['-m', 'comment', '--comment', '-d'], ['-m', 'comment', '--comment', '$1'], ['-m', 'comment', '--comment', 'x -s 1.2.3.4']),
  );
  const target = fc.oneof(
    fc.constantFrom(['-j', 'ACCEPT'], ['-j', 'DROP'], ['-j', 'RETURN'], ['-j', 'MASQUERADE'], ['-j', 'NOSUCH'], []),
    nat.map((v) => ['-j', 'DNAT', '--to-destination', v]),
    nat.map((v) => ['-j', 'SNAT', '--to-source', v]),
  );
  const text = fc
    .tuple(
      fc.constantFrom(['-t', 'filter', '-A', 'FORWARD'], ['-t', 'nat', '-A', 'POSTROUTING'], ['-t', 'nat', '-I', 'PREROUTING'], ['-t', 'filter', '-C', 'FORWARD'], ['-t', 'nat', '-D', 'POSTROUTING'], ['-A', 'INPUT']),
      fc.array(opt, { maxLength: 4 }),
      target,
    )
    .map(([head, opts, t]) => [...head, ...opts.flat(), ...t]);

  it('any text: the same success and the same ruleset as through `iptables ARGV`, and again with other values of its shape', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 12 }), (texts) => {
        const { fast, slow } = pair();
        const a = new Iptables(fast);
        const b = new Iptables(argvOnly(slow));
        // each text twice: the second time its parse is copied, or its shape's template filled
        for (const argv of [...texts, ...texts]) expect(a.tryRaw(argv), argv.join(' ')).toBe(b.tryRaw(argv));
        expect(fast.save()).toBe(slow.save());
        expect(dump(fast)).toBe(dump(slow));
      }),
      { numRuns: 200 },
    );
  });
});
