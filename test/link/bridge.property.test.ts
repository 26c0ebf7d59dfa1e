import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAC_BROADCAST } from '../../src/wire/addr.js';
import { BR_MAC, lab } from './bridge-setup.js';
import { frame, mac } from './helpers.js';

/** One frame of a random sequence: which port sends it, which source and which destination it carries. */
interface Step {
  from: number;
  /** -1: the sender's own MAC; k ≥ 0: roaming MAC number k (may appear behind any port). */
  src: number;
  /** 'ctr' k: container k's MAC; 'roam' k; 'bcast'; 'mcast'; 'unknown'; 'bridge'. */
  dst: { kind: 'ctr' | 'roam' | 'bcast' | 'mcast' | 'unknown' | 'bridge'; k: number };
}

const ROAMING = 3;
const roamMac = (k: number) => mac(0x5000 + k);

const stepArb = (n: number): fc.Arbitrary<Step> =>
  fc.record({
    from: fc.integer({ min: 0, max: n - 1 }),
    src: fc.integer({ min: -1, max: ROAMING - 1 }),
    dst: fc.oneof(
      fc.record({ kind: fc.constant('ctr' as const), k: fc.integer({ min: 0, max: n - 1 }) }),
      fc.record({ kind: fc.constant('roam' as const), k: fc.integer({ min: 0, max: ROAMING - 1 }) }),
      fc.record({ kind: fc.constantFrom('bcast' as const, 'mcast' as const, 'unknown' as const, 'bridge' as const), k: fc.constant(0) }),
    ),
  });

const scenario = fc.integer({ min: 2, max: 6 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    hairpin: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    steps: fc.array(stepArb(n), { minLength: 1, maxLength: 40 }),
  }),
);

/**
 * Runs a scenario and checks every delivery against a reference model of a learning bridge
 * (a plain Map MAC → port index, last seen wins, no ageing since virtual time does not move).
 */
function check(n: number, hairpin: boolean[], steps: Step[]): void {
  const { sim, c, up } = lab(n);
  hairpin.forEach((h, i) => (c[i]!.port.hairpin = h));
  const model = new Map<number, number>();
  // deliveries tagged with the frame id written in the payload
  const seen: number[][] = c.map(() => []);
  c.forEach((x, i) => (x.ctr.rxHandler = (_d, s) => seen[i]!.push(s.view.getUint32(14))));
  let upCount = 0;
  steps.forEach((st, id) => {
    const srcMac = st.src < 0 ? c[st.from]!.mac : roamMac(st.src);
    let dstMac: number;
    switch (st.dst.kind) {
      case 'ctr': dstMac = c[st.dst.k]!.mac; break;
      case 'roam': dstMac = roamMac(st.dst.k); break;
      case 'bcast': dstMac = MAC_BROADCAST; break;
      case 'mcast': dstMac = 0x01005e000001; break;
      case 'unknown': dstMac = mac(0x7777); break;
      case 'bridge': dstMac = BR_MAC; break;
    }
    const f = frame(dstMac, srcMac);
    f.view.setUint32(14, id);
    const before = seen.map((s) => s.length);
    c[st.from]!.ctr.xmit(f);
    sim.drain();
    model.set(srcMac, st.from);
    const got = seen.map((s, i) => s.slice(before[i]).filter((x) => x === id).length);
    // every copy is for this frame, and nothing else arrived
    expect(seen.map((s, i) => s.length - before[i]!)).toEqual(got);
    // expected receivers under the reference model
    const all = c.map((_x, i) => (i !== st.from || hairpin[i] ? 1 : 0));
    let want: number[];
    let passedUp = false;
    if (dstMac === MAC_BROADCAST || dstMac === 0x01005e000001) {
      want = all;
      passedUp = true;
    } else if (dstMac === BR_MAC) {
      want = c.map(() => 0);
      passedUp = true;
    } else if (model.has(dstMac)) {
      const to = model.get(dstMac)!;
      want = c.map((_x, i) => (i === to && (i !== st.from || hairpin[i]) ? 1 : 0));
    } else want = all;
    expect(got).toEqual(want);
    // the hairpin property itself, stated directly
    if (!hairpin[st.from]) expect(got[st.from]).toBe(0);
    if (passedUp) upCount++;
    expect(up.length).toBe(upCount);
  });
}

describe('bridge properties', () => {
  it('never delivers a frame back to its ingress port when hairpin is off (random sequences and port counts)', () => {
    fc.assert(
      fc.property(scenario, ({ n, steps }) => check(n, new Array(n).fill(false), steps)),
      { numRuns: 300 },
    );
  });

  it('matches a reference learning bridge, with random hairpin settings: a learned destination gets exactly one copy on exactly one port', () => {
    fc.assert(
      fc.property(scenario, ({ n, hairpin, steps }) => check(n, hairpin, steps)),
      { numRuns: 300 },
    );
  });
});
