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
    const isAddr = 'address'.startsWith(obj);
    const isLink = 'link'.startsWith(obj);
    if (isAddr || isLink) {
      // [show|list|lst] [dev] NAME (measured in the kernel lab); changes need CAP_NET_ADMIN
      let rest = argv.slice(i + 1);
      const verb = rest[0];
      if (verb !== undefined && isAddr && 'flush'.startsWith(verb) && verb.length > 0) return { stderr: "ip: can't send flush request: Operation not permitted\n", exitCode: 1 };
      if (verb !== undefined && isLink && verb === 'set') return { stderr: 'ip: SIOCSIFFLAGS: Operation not permitted\n', exitCode: 2 };
      if (verb !== undefined && ['show', 'list', 'lst'].some((w) => w.startsWith(verb))) rest = rest.slice(1);
      let dev: string | undefined;
      if (rest[0] === 'dev') {
        if (rest[1] === undefined) return { stderr: 'ip: command line is not complete, try "help"\n', exitCode: 1 };
        dev = rest[1];
      } else dev = rest[0];
      if (dev !== undefined && !ns.devices().some((d) => d.name === dev)) return { stderr: `ip: can't find device '${dev}'\n`, exitCode: 1 };
      if (isAddr) {
        const text = ipAddr(ns, { format: 'busybox', dev });
        return { stdout: inet ? text.replace(/^ {4}link\/.*\n/gm, '') : text, exitCode: 0 };
      }
      return { stdout: ipLink(ns, { format: 'busybox', dev }), exitCode: 0 };
    }
    if ('route'.startsWith(obj)) return { stdout: ipRoute(ns, { format: 'busybox' }), exitCode: 0 };
    return { stderr: `ip: unknown object ${obj}\n`, exitCode: 1 };
  };
}
