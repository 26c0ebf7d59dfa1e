/**
 * busybox `nslookup [-type=a] NAME [SERVER]`: one UDP query from the container's namespace to the
 * server (default: the first nameserver of /etc/resolv.conf), busybox's output, and
 * ";; connection timed out; no servers could be reached" after 5 s without an answer.
 */
import type { Program, ProgramRun } from '../../runtime/process.js';
import { ipToString, tryParseIp } from '../../wire/addr.js';
import { DnsRcode, DnsType } from '../../wire/dns.js';
import { dnsExchange, nameserverOf } from './resolver.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';

/** The nslookup applet. */
export function nslookupProgram(_e: Engine): Program {
  return (ctx, argv) => {
    let type: number = DnsType.A;
    const pos: string[] = [];
    for (const a of argv.slice(1)) {
      if (a.startsWith('-type=') || a.startsWith('-query=')) type = a.endsWith('=aaaa') ? DnsType.AAAA : DnsType.A;
      else if (!a.startsWith('-')) pos.push(a);
    }
    const name = pos[0];
    if (!name) return { stderr: 'BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n', exitCode: 1 };
    const serverText = pos[1] ?? nameserverOf(ctx);
    const ns = netnsOf(ctx);
    return (function* (): ProgramRun {
      const r = yield* dnsExchange(ns, tryParseIp(serverText), name, type);
      if (!r) {
        ctx.stdout(';; connection timed out; no servers could be reached\n\n');
        return 1;
      }
      let out = `Server:\t\t${serverText}\nAddress:\t${serverText}:53\n\n`;
      if (r.rcode === DnsRcode.NxDomain) {
        ctx.stdout(out + `** server can't find ${name}: NXDOMAIN\n\n`);
        return 1;
      }
      const as = r.answers.filter((x) => x.rdata.kind === 'a');
      if (!as.length) {
        ctx.stdout(out + `*** Can't find ${name}: No answer\n\n`);
        return 1;
      }
      out += 'Non-authoritative answer:\n';
      for (const a of as) out += `Name:\t${a.name}\nAddress: ${ipToString((a.rdata as { address: number }).address)}\n`;
      ctx.stdout(out + '\n');
      return 0;
    })();
  };
}
