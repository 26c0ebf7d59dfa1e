import { Sim } from '../../src/core/scheduler.js';
import { BridgeDevice } from '../../src/link/bridge/bridge.js';
import type { NetBridgePort } from '../../src/link/bridge/port.js';
import { createVethPair, type VethDevice } from '../../src/link/veth.js';
import type { SkBuff } from '../../src/wire/skbuff.js';
import { mac } from './helpers.js';

/** One container attached to the bridge: host-side veth (the port), container end, what it received. */
export interface Attached {
  host: VethDevice;
  ctr: VethDevice;
  port: NetBridgePort;
  mac: number;
  got: SkBuff[];
}

/** The bridge MAC used by the tests. */
export const BR_MAC = 0x0242aabbcc01;

/** A bridge with `n` containers attached by veth pairs, all up; `up` collects what the bridge passes up. */
export function lab(n: number, sim = new Sim()) {
  const br = new BridgeDevice(sim, 'docker0', BR_MAC);
  br.adminUp = true;
  br.ifindex = 3;
  const up: SkBuff[] = [];
  br.rxHandler = (_d, s) => up.push(s);
  const c: Attached[] = [];
  for (let i = 0; i < n; i++) c.push(attach(br, i));
  return { sim, br, c, up };
}

/** Attaches container number `i` (container MAC 02:00:00:00:01:0i, host-side MAC 02:00:00:00:02:0i). */
export function attach(br: BridgeDevice, i: number): Attached {
  const cm = mac(0x100 + i);
  const [host, ctr] = createVethPair(br.sim, `veth${i}`, mac(0x200 + i), 'eth0', cm);
  host.ifindex = 10 + 2 * i;
  ctr.ifindex = 11 + 2 * i;
  host.adminUp = ctr.adminUp = true;
  const got: SkBuff[] = [];
  ctr.rxHandler = (_d, s) => got.push(s);
  const port = br.addPort(host);
  return { host, ctr, port, mac: cm, got };
}
