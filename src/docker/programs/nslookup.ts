/**
 * busybox `nslookup [-type=a] NAME [SERVER]`: one UDP query from the container's namespace to the
 * server (default: the first nameserver of /etc/resolv.conf), busybox's output, and
 * ";; connection timed out; no servers could be reached" after 5 s without an answer.
 */
import type { Program, ProgramRun } from '../../runtime/process.js';
import { SECOND } from '../../core/time.js';
import { ipToString, tryParseIp } from '../../wire/addr.js';
import { DnsRcode, DnsType, dnsQuery, encodeDns, parseDns, type DnsRepr } from '../../wire/dns.js';
import { parseResolvConf } from '../etc/resolv.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';

const STEP = SECOND / 100;

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
    const serverText = pos[1] ?? parseResolvConf(ctx.container.etc.get('/etc/resolv.conf') ?? '').nameservers[0] ?? '127.0.0.1';
    const server = tryParseIp(serverText);
    const ns = netnsOf(ctx);
    return (function* (): ProgramRun {
      let answer: DnsRepr | null = null;
      if (ns && server >= 0) {
        const id = ns.rng.int(0x10000);
        const sock = ns.udp.bind(0, 0, (data) => {
          try {
            const r = parseDns(data);
            if (r.id === id) answer = r;
          } catch {
            /* ignore */
          }
        });
        const query = encodeDns(dnsQuery(id, name, type));
        const send = (): void => {
          try {
            sock.sendTo(server, 53, query);
          } catch {
            /* no route: times out like busybox */
          }
        };
        // busybox sends the query, and once more halfway through its 5 s budget
        send();
        for (let t = 0; t < 5 * SECOND && !answer; t += STEP) {
          if (t === 2 * SECOND) send();
          yield { sleep: STEP };
        }
        sock.close();
      } else {
        yield { sleep: 5 * SECOND };
      }
      const r = answer as DnsRepr | null;
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
