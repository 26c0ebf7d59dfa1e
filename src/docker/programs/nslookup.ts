/**
 * busybox `nslookup [-type=a] NAME [SERVER]`: one UDP query from the container's namespace to the
 * server (default: the first nameserver of /etc/resolv.conf), busybox's output, and
 * ";; connection timed out; no servers could be reached" after 5 s without an answer.
 */
import type { Program, ProgramContext, ProgramRun } from '../../runtime/process.js';
import type { NetNamespace } from '../../netns/netns.js';
import { ipv6Compress } from '../../netns/iproute.js';
import { ipToString, tryParseIp } from '../../wire/addr.js';
import { DnsRcode, DnsType } from '../../wire/dns.js';
import { dnsExchange, nameserverOf } from './resolver.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';
import { NSLOOKUP_USAGE } from './usage.js';

/** An IPv6 address as inet_ntop writes it (longest zero run as ::). */
function ip6Text(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  return ipv6Compress(g);
}

/** The nslookup applet. */
export function nslookupProgram(_e: Engine): Program {
  return (ctx, argv) => {
    let type: number = DnsType.A;
    let typed = false;
    const pos: string[] = [];
    for (const a of argv.slice(1)) {
      if (a.startsWith('-type=') || a.startsWith('-query=')) {
        type = a.endsWith('=aaaa') ? DnsType.AAAA : DnsType.A;
        typed = true;
      }
      else if (!a.startsWith('-')) pos.push(a);
    }
    const name = pos[0];
    if (!name) return { stderr: NSLOOKUP_USAGE, exitCode: 1 };
    const serverText = pos[1] ?? nameserverOf(ctx);
    const ns = netnsOf(ctx);
    return nslookupRun(ctx, ns, serverText, name, type, typed);
  };
}

/** The run of one `nslookup`, declared once (not a generator function per call: see `sleepFor` in runtime/programs/builtins.ts). */
function* nslookupRun(ctx: ProgramContext, ns: NetNamespace | null, serverText: string, name: string, type: number, typed: boolean): ProgramRun {
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
  // an empty NOERROR reply prints the heading alone (kernel lab, net-19: AAAA of a name with only
  // an IPv4 address, or the resolver's empty answer when ndots is set), exit 0
  const as = r.answers.filter((x) => x.rdata.kind === 'a');
  out += 'Non-authoritative answer:\n';
  for (const a of as) out += `Name:\t${a.name}\nAddress: ${ipToString((a.rdata as { address: number }).address)}\n`;
  ctx.stdout(out + '\n');
  // without -type busybox also asks for AAAA and prints that reply's block (NOTES 23: in arrival
  // order; here A first). Docker networks have no IPv6 here: an empty answer block.
  if (!typed) {
    const r6 = yield* dnsExchange(ns, tryParseIp(serverText), name, DnsType.AAAA);
    if (r6 && r6.rcode === DnsRcode.NoError) {
      const six = r6.answers.filter((x) => x.rdata.kind === 'aaaa');
      let block = 'Non-authoritative answer:\n';
      for (const a of six) block += `Name:\t${a.name}\nAddress: ${ip6Text((a.rdata as { address: Uint8Array }).address)}\n`;
      ctx.stdout(block + '\n');
    }
  }
  return 0;
}
