/**
 * resolv.conf as libnetwork writes it (resolvconf.Build, sandbox setupDNS / rebuildDNS): the
 * host's file filtered of localhost nameservers on networks without embedded DNS, or
 * `nameserver 127.0.0.11` + `options ndots:0` once the sandbox has the embedded resolver.
 */

/** What a resolv.conf holds. */
export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

/** Parses the lines docker reads (`nameserver`, `search`/`domain`, `options`). */
export function parseResolvConf(text: string): ResolvConf {
  const rc: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const f = line.split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) rc.nameservers.push(f[1]);
    else if ((f[0] === 'search' || f[0] === 'domain') && f.length > 1) rc.search = f.slice(1);
    else if (f[0] === 'options' && f.length > 1) rc.options.push(...f.slice(1));
  }
  return rc;
}

/** `resolvconf.Build`: search, nameservers, options. */
export function buildResolvConf(nameservers: readonly string[], search: readonly string[], options: readonly string[]): string {
  let s = '';
  if (search.length && search.join(' ').trim() !== '.') s += `search ${search.join(' ')}\n`;
  for (const ns of nameservers) s += `nameserver ${ns}\n`;
  if (options.length && options.join(' ').trim() !== '') s += `options ${options.join(' ')}\n`;
  return s;
}

/**
 * A one-entry memo of a pure text function: every container of an engine derives its files from the
 * same host resolv.conf, so they get the very same string (computed once, stored once).
 */
function memo1<T>(f: (text: string) => T): (text: string) => T {
  let key: string | null = null;
  let val: T;
  return (text) => {
    if (text !== key) {
      val = f(text);
      key = text;
    }
    return val;
  };
}

/** `resolvconf.FilterResolvDNS` for IPv4: drop 127.x nameservers; fall back to Google DNS when none is left. */
export const filterResolvDns: (hostText: string) => string = memo1(filterResolvDnsText);

function filterResolvDnsText(hostText: string): string {
  const kept = hostText.split('\n').filter((l) => !/^\s*nameserver\s*127\./.test(l));
  let out = kept.join('\n');
  if (!parseResolvConf(out).nameservers.length) out = out.replace(/\n*$/, '\n') + 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n';
  return out.replace(/^\n+/, '');
}

/** The user's DNS settings of a container (`--dns`, `--dns-search`, `--dns-option`). */
export interface DnsSettings {
  dns: readonly string[];
  dnsSearch: readonly string[];
  dnsOptions: readonly string[];
}

/** The file of a container without embedded DNS (default bridge, none): `setupDNS`. */
export function resolvConfWithoutResolver(hostText: string, s: DnsSettings): string {
  if (s.dns.length || s.dnsSearch.length || s.dnsOptions.length) {
    const host = parseResolvConf(filterResolvDns(hostText));
    return buildResolvConf(s.dns.length ? s.dns : host.nameservers, s.dnsSearch.length ? s.dnsSearch : host.search, s.dnsOptions.length ? s.dnsOptions : host.options);
  }
  return filterResolvDns(hostText);
}

/** The file once the embedded resolver is in front (`rebuildDNS`). `current` is the file before. */
export const resolvConfWithResolver: (current: string) => string = memo1(resolvConfWithResolverText);

function resolvConfWithResolverText(current: string): string {
  const rc = parseResolvConf(current);
  const opts = [...rc.options];
  const userNdots = opts.some((o) => {
    if (!o.includes('ndots')) return false;
    const n = Number(o.split(':')[1]);
    return Number.isInteger(n) && n >= 0;
  });
  if (!userNdots) opts.push('ndots:0');
  return buildResolvConf(['127.0.0.11', ...rc.nameservers.filter((n) => n.includes(':'))], rc.search, opts);
}

/** External resolvers the embedded DNS forwards to: `--dns` or the host file's nameservers. */
export function externalResolvers(hostText: string, s: DnsSettings): string[] {
  if (s.dns.length) return [...s.dns];
  return [...hostNameservers(hostText)];
}

const hostNameservers = memo1((hostText: string): readonly string[] => parseResolvConf(filterResolvDns(hostText)).nameservers);
