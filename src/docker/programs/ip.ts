/**
 * busybox `ip addr` / `ip route` / `ip link` inside containers, printed by the netns layer's
 * iproute text in busybox form.
 */
import type { Program } from '../../runtime/process.js';
import { ipAddr, ipLink, ipRoute } from '../../netns/iproute.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';
import { IP_USAGE } from './usage.js';

/** The `ip` applet (addr/route/link show). */
export function ipProgram(_e: Engine): Program {
  return (ctx, argv) => {
    const ns = netnsOf(ctx);
    if (!ns) return { stderr: "ip: can't find network namespace\n", exitCode: 1 };
    // OPTIONS: -4 (-f inet) drops the link/ether lines of `ip addr`; -6/-o are not modelled
    let i = 1;
    let inet = false;
    for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
      if (argv[i] === '-4') inet = true;
      else if (argv[i] === '-f' || argv[i] === '-family') inet = argv[++i] === 'inet';
    }
    const obj = argv[i];
    if (obj === undefined) return { stderr: IP_USAGE, exitCode: 1 };
    if ('address'.startsWith(obj)) {
      const text = ipAddr(ns, { format: 'busybox' });
      return { stdout: inet ? text.replace(/^ {4}link\/.*\n/gm, '') : text, exitCode: 0 };
    }
    if ('route'.startsWith(obj)) return { stdout: ipRoute(ns, { format: 'busybox' }), exitCode: 0 };
    if ('link'.startsWith(obj)) return { stdout: ipLink(ns, { format: 'busybox' }), exitCode: 0 };
    return { stderr: `ip: unknown object ${obj}\n`, exitCode: 1 };
  };
}
