/**
 * `bridge fdb show` and `bridge -d link` text, as iproute2 prints them.
 *
 * Both take the devices of one namespace (any order, any kinds) and return lines; names come from
 * the devices, nothing is docker-specific. Real `bridge fdb show` output order follows the kernel's
 * dump; compare sorted lines, as the oracle does.
 *
 * @module
 */
import { macToString } from '../../wire/addr.js';
import { macvlanPortOf } from '../macvlan.js';
import type { NetDevice } from '../netdev.js';
import { linkFlags, linkLabel } from '../text.js';
import { BridgeDevice } from './bridge.js';
import { type FdbEntry, fdbHasExpired } from './fdb.js';
import { BR_STATE_NAMES, portState } from './port.js';

/** 01:00:5e:00:00:01, the IPv4 all-hosts group every IPv4-enabled device joins. */
export const MC_IPV4_ALL_HOSTS = 0x01005e000001;
/** 33:33:00:00:00:01, the IPv6 all-nodes group. */
export const MC_IPV6_ALL_NODES = 0x333300000001;
/** 01:00:5e:00:00:6a (224.0.0.106), joined by a bridge with multicast snooping (router discovery). */
export const MC_IPV4_SNOOPERS = 0x01005e00006a;
/** 33:33:00:00:00:6a (ff02::6a), the IPv6 counterpart. */
export const MC_IPV6_SNOOPERS = 0x33330000006a;

/** The solicited-node multicast MAC (33:33:ff:xx:xx:xx) of a device's EUI-64 link-local address. */
export function solicitedNodeMac(mac: number): number {
  return 0x3333ff000000 + (mac % 0x1000000);
}

/** Options of {@link bridgeFdbShow}. */
export interface FdbShowOptions {
  /**
   * The multicast addresses a device has joined (its `mc` list, shown as `self permanent`).
   * Default: {@link defaultMcList}.
   */
  mcList?: (dev: NetDevice) => readonly number[];
  /** Whether IPv6 is enabled on the devices (used by the default `mcList`). Default true. */
  ipv6?: boolean;
}

/**
 * The multicast list Linux gives a device by default: nothing for loopback or a device that is
 * down; otherwise the IPv4 all-hosts group, and with IPv6 the all-nodes group plus, once the
 * device has carrier (and so an EUI-64 link-local address), that address's solicited-node group; a
 * bridge with multicast snooping also joins the 224.0.0.106 / ff02::6a snooper groups.
 */
export function defaultMcList(dev: NetDevice, ipv6 = true): number[] {
  if (dev.kind === 'loopback' || !dev.adminUp) return [];
  const l = [MC_IPV4_ALL_HOSTS];
  const snoop = dev instanceof BridgeDevice && dev.mcastSnooping;
  if (snoop) l.push(MC_IPV4_SNOOPERS);
  if (ipv6) {
    l.push(MC_IPV6_ALL_NODES);
    if (snoop) l.push(MC_IPV6_SNOOPERS);
    if (dev.operUp) l.push(solicitedNodeMac(dev.mac));
  }
  return l;
}

/** The unicast list of a device (`uc`): the MACs of its macvlans that are up and differ from its own. */
export function ucList(dev: NetDevice): number[] {
  const port = macvlanPortOf(dev);
  if (port === undefined) return [];
  return port.vlans.filter((v) => v.adminUp && v.mac !== dev.mac).map((v) => v.mac);
}

/** One `bridge fdb show` line for a bridge entry shown on device `dev`. */
function masterLine(f: FdbEntry, dev: NetDevice, br: BridgeDevice): string {
  const head = `${macToString(f.mac)} dev ${dev.name} master ${br.name} `;
  if (f.isLocal) return `${head}permanent`;
  if (f.isStatic) return `${head}static`;
  return head;
}

function selfLines(dev: NetDevice, out: string[], mc: readonly number[]): void {
  for (const m of ucList(dev)) out.push(`${macToString(m)} dev ${dev.name} self permanent`);
  for (const m of mc) out.push(`${macToString(m)} dev ${dev.name} self permanent`);
}

/** Bridge entries in the kernel's list order (newest first), skipping expired ones. */
function entries(br: BridgeDevice): FdbEntry[] {
  return [...br.fdb.values()].filter((f) => !fdbHasExpired(br, f)).reverse();
}

/**
 * `bridge fdb show` for the devices of one namespace:
 * - `MAC dev PORT master BR ` for a learned entry (note the trailing space),
 * - `MAC dev PORT master BR permanent` for a local one (`MAC dev BR master BR permanent` for the
 *   bridge's own address), `… static` for a static one,
 * - `MAC dev DEV self permanent` for each address in a device's own unicast/multicast lists.
 *
 * Devices are visited in ifindex order; loopback is skipped (it has no multicast list).
 *
 * @see Linux `rtnl_fdb_dump`, `br_fdb_dump`, `ndo_dflt_fdb_dump`
 */
export function bridgeFdbShow(devices: readonly NetDevice[], opts: FdbShowOptions = {}): string[] {
  const ipv6 = opts.ipv6 ?? true;
  const mcList = opts.mcList ?? ((d: NetDevice) => defaultMcList(d, ipv6));
  const out: string[] = [];
  for (const dev of [...devices].sort((a, b) => a.ifindex - b.ifindex)) {
    if (dev.kind === 'loopback') continue;
    const br = dev.master;
    if (br instanceof BridgeDevice) for (const f of entries(br)) if (f.port !== null && f.port.dev === dev) out.push(masterLine(f, dev, br));
    selfLines(dev, out, mcList(dev));
    if (dev instanceof BridgeDevice) for (const f of entries(dev)) if (f.port === null) out.push(masterLine(f, dev, dev));
  }
  return out;
}

/** Options of {@link bridgeLinkShow}. */
export interface BridgeLinkShowOptions {
  /** `bridge -d link`: add the per-port flags line. Default false. */
  details?: boolean;
}

const onOff = (b: boolean): string => (b ? 'on' : 'off');

/**
 * `bridge link` (`bridge -d link` with `details`) for the devices of one namespace: one line per
 * bridge port, in ifindex order, e.g.
 * `12: veth1a2b3c4@if11: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master docker0 state forwarding priority 32 cost 2 `
 * and with details a second line
 * `    hairpin off guard off root_block off fastleave off learning on flood on mcast_flood on bcast_flood on mcast_router 1 mcast_to_unicast off neigh_suppress off vlan_tunnel off isolated off locked off `.
 */
export function bridgeLinkShow(devices: readonly NetDevice[], opts: BridgeLinkShowOptions = {}): string[] {
  const out: string[] = [];
  for (const dev of [...devices].sort((a, b) => a.ifindex - b.ifindex)) {
    const br = dev.master;
    if (!(br instanceof BridgeDevice)) continue;
    const p = br.portOf(dev);
    if (p === undefined) continue;
    out.push(
      `${dev.ifindex}: ${linkLabel(dev)}: ${linkFlags(dev)} mtu ${dev.mtu} master ${br.name} state ${BR_STATE_NAMES[portState(p)]} priority ${p.priority} cost ${p.pathCost} `,
    );
    if (opts.details)
      out.push(
        `    hairpin ${onOff(p.hairpin)} guard off root_block off fastleave off learning ${onOff(p.learning)} flood ${onOff(p.flood)} ` +
          `mcast_flood ${onOff(p.mcastFlood)} bcast_flood ${onOff(p.bcastFlood)} mcast_router 1 mcast_to_unicast off neigh_suppress off ` +
          `vlan_tunnel off isolated ${onOff(p.isolated)} locked off `,
      );
  }
  return out;
}
