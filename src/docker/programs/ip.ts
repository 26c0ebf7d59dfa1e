/**
 * busybox `ip addr` / `ip route` / `ip link` inside containers, printed by the netns layer's
 * iproute text in busybox form.
 */
import type { Program } from '../../runtime/process.js';
import { ipAddr, ipLink, ipRoute } from '../../netns/iproute.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';

/** The `ip` applet (addr/route/link show). */
export function ipProgram(_e: Engine): Program {
  return (ctx, argv) => {
    const ns = netnsOf(ctx);
    if (!ns) return { stderr: "ip: can't find network namespace\n", exitCode: 1 };
    const obj = argv[1] ?? 'addr';
    if ('address'.startsWith(obj)) return { stdout: ipAddr(ns, { format: 'busybox' }), exitCode: 0 };
    if ('route'.startsWith(obj)) return { stdout: ipRoute(ns, { format: 'busybox' }), exitCode: 0 };
    if ('link'.startsWith(obj)) return { stdout: ipLink(ns, { format: 'busybox' }), exitCode: 0 };
    return { stderr: `ip: unknown object ${obj}\n`, exitCode: 1 };
  };
}
