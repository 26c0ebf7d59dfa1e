import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import type { NetDevice } from '../../src/link/netdev.js';
import { createNetns, connect } from '../../src/netns/index.js';
import type { NetNamespace } from '../../src/netns/index.js';
import { parseMac } from '../../src/wire/addr.js';

/** A frame seen on a device. */
export interface Seen {
  dev: string;
  dir: 'rx' | 'tx';
  bytes: Uint8Array;
  /** Virtual time when seen. */
  t: number;
}

/** Records every frame crossing `devs`. */
export function capture(devs: NetDevice[]): Seen[] {
  const out: Seen[] = [];
  for (const d of devs) d.taps.push((dev, skb, dir) => out.push({ dev: dev.name, dir, bytes: skb.bytes().slice(), t: dev.sim.now }));
  return out;
}

export const MAC_A = parseMac('02:42:ac:11:00:02');
export const MAC_B = parseMac('02:42:ac:11:00:03');
export const MAC_BR = parseMac('02:42:5e:00:00:01');

/** host (docker0 172.17.0.1/16) + containers a (.2) and b (.3), like docker0 with two containers. */
export function lan(seed = 1): { sim: Sim; host: NetNamespace; a: NetNamespace; b: NetNamespace; br: BridgeDevice; vethA: NetDevice; vethB: NetDevice } {
  const sim = new Sim();
  const host = createNetns(sim, 'host', new Rng(seed));
  const a = createNetns(sim, 'a', new Rng(seed + 1));
  const b = createNetns(sim, 'b', new Rng(seed + 2));
  a.ipv6 = false;
  b.ipv6 = false;
  const br = new BridgeDevice(sim, 'docker0', MAC_BR);
  host.addDevice(br);
  host.setLinkUp(br, true);
  const [vethA] = connect(host, 'vetha', a, 'eth0', { macB: MAC_A });
  const [vethB] = connect(host, 'vethb', b, 'eth0', { macB: MAC_B });
  br.addPort(vethA);
  br.addPort(vethB);
  host.addAddress('docker0', '172.17.0.1/16');
  a.addAddress('eth0', '172.17.0.2/16');
  b.addAddress('eth0', '172.17.0.3/16');
  a.addRoute({ dst: 'default', via: '172.17.0.1' });
  b.addRoute({ dst: 'default', via: '172.17.0.1' });
  return { sim, host, a, b, br, vethA, vethB };
}

export function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export function fromHex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}
