/**
 * The engine's use of the kernel model (libnetwork's netlink calls): bridges, veth pairs moved
 * into sandboxes, addresses, routes. Thin wrappers over link/ and netns/ so the drivers read like
 * libnetwork's `setupDevice`, `addToBridge`, `osl.AddInterface`.
 */
import { BridgeDevice } from '../link/bridge/bridge.js';
import { createVethPair, type VethDevice } from '../link/veth.js';
import type { NetNamespace } from '../netns/netns.js';
import { setDevDisplay } from '../netns/iproute.js';

/** `ip link add NAME type bridge` with Docker's MAC, in `ns`. */
export function createBridge(ns: NetNamespace, name: string, mac: number): BridgeDevice {
  const br = new BridgeDevice(ns.sim, name, mac);
  ns.addDevice(br);
  // a new bridge has the legacy GSO/TSO limit until its first port raises it
  setDevDisplay(br, { tsoMaxSize: 65536 });
  return br;
}

/** Deletes a link (its bridge ports are released first). */
export function deleteLink(ns: NetNamespace, name: string): void {
  const dev = ns.dev(name);
  if (!dev) return;
  if (dev.master instanceof BridgeDevice) dev.master.removePort(dev);
  ns.removeDevice(dev);
}

/**
 * Creates a veth pair, keeps `hostName` in `host` enslaved to `bridge` and up, and moves the peer
 * into `sandbox` as `ifname` with `mac` (libnetwork: CreateEndpoint + Join + osl.AddInterface).
 */
export function plugVeth(host: NetNamespace, bridge: string | null, hostName: string, hostMac: number, sandbox: NetNamespace, ifname: string, mac: number, mtu = 1500): VethDevice {
  const [h, c] = createVethPair(host.sim, hostName, hostMac, ifname, mac);
  // the container end's name in the host, until the move below renames it: not internalized
  // (a new name costs V8 a string-table insert, ~6 µs in a cold process, for a name used once)
  c.name = hostName + '-c';
  // libnetwork creates the pair with the network's MTU; the bridge then follows its smallest port
  h.mtu = mtu;
  c.mtu = mtu;
  // veth_newlink registers the peer first: the container end gets the lower ifindex (eth0@if4 is 3)
  host.addDevice(c);
  host.addDevice(h);
  const br = bridge ? host.mustDev(bridge) : null;
  if (br instanceof BridgeDevice) {
    br.addPort(h);
    setDevDisplay(br, { tsoMaxSize: undefined });
  }
  host.setLinkUp(h, true);
  host.moveDevice(c, sandbox, ifname);
  sandbox.setLinkUp(ifname, true);
  // both ends up: the bridge has carrier, and addrconf gives it its IPv6 link-local address, which
  // stays when the last port leaves (only an admin down removes it; net-21's bridge after the disconnect)
  if (br && host.ipv6 && br.operUp) setDevDisplay(br, { ll6: true });
  return c;
}

/** Removes a sandbox interface (and so its host-side peer). */
export function unplug(sandbox: NetNamespace, ifname: string): void {
  const dev = sandbox.dev(ifname);
  if (!dev) return;
  const peer = dev.peer;
  if (peer !== null && peer.master instanceof BridgeDevice) peer.master.removePort(peer);
  sandbox.removeDevice(dev);
}
