/**
 * The stub resolvers busybox applets use: nslookup's own (one query to the server, repeated once
 * after 2 s, giving up after 5 s), and glibc's getaddrinfo for ping/nc/wget (the static busybox
 * links glibc): /etc/hosts first, then the first nameserver of /etc/resolv.conf, `timeout:5
 * attempts:2` — a name nobody answers for fails after 10 s, as measured in the kernel lab.
 */
import type { ProgramContext, ProgramWait } from '../../runtime/process.js';
import type { NetNamespace } from '../../netns/netns.js';
import { SECOND } from '../../core/time.js';
import { tryParseIp } from '../../wire/addr.js';
import { DnsType, dnsQuery, encodeDns, parseDns, type DnsRepr } from '../../wire/dns.js';
import { parseResolvConf } from '../etc/resolv.js';
import { hostsLookup, netnsOf } from './netns-of.js';

const STEP = SECOND / 100;

/** The first nameserver of the container's resolv.conf, as text. */
export function nameserverOf(ctx: ProgramContext): string {
  return parseResolvConf(ctx.container.etc.get('/etc/resolv.conf') ?? '').nameservers[0] ?? '127.0.0.1';
}

/** When a resolver asks again and when it gives up. */
export interface DnsBudget {
  /** Resend the query at this time after the first one. */
  retryAt: number;
  /** Give up at this time. */
  giveUpAt: number;
}

/** busybox nslookup: again after 2 s, give up after 5 s. */
export const NSLOOKUP_BUDGET: DnsBudget = { retryAt: 2 * SECOND, giveUpAt: 5 * SECOND };
/** glibc's stub resolver (resolv.conf defaults timeout:5 attempts:2). */
export const GLIBC_BUDGET: DnsBudget = { retryAt: 5 * SECOND, giveUpAt: 10 * SECOND };

/**
 * Sends one DNS query for `name` to `server` (again at `budget.retryAt`) and waits until
 * `budget.giveUpAt` of virtual time for the answer with the same id. Returns the answer, or null
 * on timeout.
 */
export function* dnsExchange(ns: NetNamespace | null, server: number, name: string, type: number = DnsType.A, budget: DnsBudget = NSLOOKUP_BUDGET): Generator<ProgramWait, DnsRepr | null, void> {
  if (!ns || server < 0) {
    yield { sleep: budget.giveUpAt };
    return null;
  }
  let answer: DnsRepr | null = null;
  const id = ns.rng.int(0x10000);
  const sock = ns.udp.bind(0, 0, (data) => {
    try {
      const r = parseDns(data);
      if (r.id === id) answer = r;
    } catch {
      /* a malformed answer is ignored, as the resolver does */
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
  send();
  for (let t = 0; t < budget.giveUpAt && !answer; t += STEP) {
    if (t === budget.retryAt) send();
    yield { sleep: STEP };
  }
  sock.close();
  return answer;
}

/** Resolves `host` to an IPv4 address: a literal, /etc/hosts, then DNS. -1 when it does not resolve. */
export function* resolveHost(ctx: ProgramContext, host: string): Generator<ProgramWait, number, void> {
  const lit = tryParseIp(host);
  if (lit >= 0) return lit;
  const fromHosts = hostsLookup(ctx.container.etc.get('/etc/hosts') ?? '', host);
  if (fromHosts !== null) return fromHosts;
  const r = yield* dnsExchange(netnsOf(ctx), tryParseIp(nameserverOf(ctx)), host, DnsType.A, GLIBC_BUDGET);
  const a = r?.answers.find((x) => x.rdata.kind === 'a');
  return a ? (a.rdata as { address: number }).address : -1;
}
