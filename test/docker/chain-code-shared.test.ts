// The rule compiler writes each chain as JavaScript source (netfilter/engine.ts). What differs between
// two engines of the same scenario (the bridge's random `br-<12 hex>` name, the embedded DNS's random
// ports) is passed to the generated function as constants, not written into the source, so every engine
// generates the same text, and the function made from a text is kept: the second engine compiles
// nothing (and its chains run the code V8 optimized for the first one's, from their first packet).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/index.js';

const RealFunction = globalThis.Function;
let sources: string[] = [];

beforeEach(() => {
  sources = [];
  globalThis.Function = new Proxy(RealFunction, {
    construct(target, args: unknown[]) {
      sources.push(args.map(String).join('\u0001'));
      return Reflect.construct(target, args) as object;
    },
  });
});

afterEach(() => {
  globalThis.Function = RealFunction;
});

function scenario(seed: number): { sources: string[]; bridge: string; pinged: boolean } {
  sources = [];
  const e = new Engine({ seed });
  const net = e.exec('docker network create benchnet');
  expect(net.exitCode).toBe(0);
  expect(e.exec('docker run -d --name web --network benchnet -p 8080:80 mini:latest sleep 100000').exitCode).toBe(0);
  expect(e.exec('docker run -d --name db --network benchnet mini:latest sleep 100000').exitCode).toBe(0);
  const ping = e.exec('docker exec web ping -c 1 db');
  const bridge = `br-${net.stdout.trim().slice(0, 12)}`;
  return { sources: [...sources], bridge, pinged: ping.exitCode === 0 && ping.stdout.includes('1 packets received') };
}

describe('generated chain code', () => {
  it('is made once for two engines whose bridges and DNS ports differ', () => {
    const a = scenario(1);
    const b = scenario(2);
    expect(a.pinged && b.pinged).toBe(true);
    expect(a.bridge).not.toBe(b.bridge);
    expect(a.sources.length).toBeGreaterThan(0);
    // the bridge's name was compared by the chains (isolation, FORWARD), yet is in no source
    expect(a.sources.some((s) => s.includes(a.bridge))).toBe(false);
    // every chain of the second engine came from a function the first one made
    expect(b.sources).toEqual([]);
  });
});
