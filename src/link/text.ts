/**
 * iproute2-style text for devices: the `<FLAGS>` list, the `name@peer` label and the operational
 * state word, as `ip link` and `bridge link` print them. The namespace layer builds whole `ip link`
 * / `ip addr` lines from these.
 *
 * @module
 */
import type { NetDevice } from './netdev.js';

/**
 * The device a link points at (Linux `dev_get_iflink`): a veth's peer, a macvlan's lower device;
 * `null` for devices without one (bridge, loopback).
 */
export function linkOf(dev: NetDevice): NetDevice | null {
  if (dev.peer !== null) return dev.peer;
  const d = dev as NetDevice & { lower?: NetDevice };
  if (dev.kind === 'macvlan' && d.lower) return d.lower;
  return null;
}

/**
 * `NAME` or `NAME@LINK`, as iproute2 prints a device's name: `@ifN` (the link's ifindex) when the
 * linked device is in another namespace (`owner` differs), `@NAME` when it is in the same one.
 */
export function linkLabel(dev: NetDevice): string {
  const l = linkOf(dev);
  if (l === null) return dev.name;
  return l.owner === dev.owner ? `${dev.name}@${l.name}` : `${dev.name}@if${l.ifindex}`;
}

/**
 * The flags iproute2 derives from the device alone, in print order: `NO-CARRIER` (admin-up without
 * carrier), `LOOPBACK` or `BROADCAST`,`MULTICAST`, `UP`, `LOWER_UP`. `M-DOWN`, which depends on
 * where the linked device is seen from, is the caller's to append.
 */
export function deviceFlags(dev: NetDevice): string[] {
  const f: string[] = [];
  const up = dev.adminUp;
  const carrier = dev.operUp;
  if (up && !carrier) f.push('NO-CARRIER');
  if (dev.kind === 'loopback') f.push('LOOPBACK');
  else f.push('BROADCAST', 'MULTICAST');
  if (up) f.push('UP');
  if (up && carrier) f.push('LOWER_UP');
  return f;
}

/**
 * The flag list iproute2 prints, e.g. `<BROADCAST,MULTICAST,UP,LOWER_UP>`,
 * `<NO-CARRIER,BROADCAST,MULTICAST,UP>` (admin-up without carrier), `<LOOPBACK,UP,LOWER_UP>`;
 * `M-DOWN` is appended when the linked device is in the same namespace and administratively down.
 *
 * @see iproute2 `print_link_flags`
 */
export function linkFlags(dev: NetDevice): string {
  const f = deviceFlags(dev);
  const l = linkOf(dev);
  if (l !== null && l.owner === dev.owner && !l.adminUp) f.push('M-DOWN');
  return `<${f.join(',')}>`;
}

/**
 * The RFC 2863 operational state word of `ip link` (`state …`): `UNKNOWN` for loopback, `DOWN`
 * when administratively down (or a bridge without carrier), `LOWERLAYERDOWN` for a veth or macvlan
 * without carrier, `UP` otherwise.
 *
 * @see Linux `rfc2863_policy`
 */
export function operStateText(dev: NetDevice): string {
  if (dev.kind === 'loopback') return 'UNKNOWN';
  if (!dev.adminUp) return 'DOWN';
  if (dev.operUp) return 'UP';
  return linkOf(dev) !== null ? 'LOWERLAYERDOWN' : 'DOWN';
}
