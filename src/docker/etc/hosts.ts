/**
 * /etc/hosts as libnetwork writes it (etchosts.Build + sandbox updateHostsFile): the default
 * block, `--add-host` and legacy-link records, then one record per connected endpoint address.
 */

/** One hosts record: `IP<TAB>names`. */
export interface HostsRecord {
  ip: string;
  hosts: string;
}

/** The fixed block every container file starts with. */
export const DEFAULT_HOSTS: readonly HostsRecord[] = [
  { ip: '127.0.0.1', hosts: 'localhost' },
  { ip: '::1', hosts: 'localhost ip6-localhost ip6-loopback' },
  { ip: 'fe00::0', hosts: 'ip6-localnet' },
  { ip: 'ff00::0', hosts: 'ip6-mcastprefix' },
  { ip: 'ff02::1', hosts: 'ip6-allnodes' },
  { ip: 'ff02::2', hosts: 'ip6-allrouters' },
];

/** The names of a container's own record: `fqdn short` when there is a domain, else the hostname. */
export function ownHostsNames(hostname: string, domainname: string): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname;
  const dot = fqdn.indexOf('.');
  return dot >= 0 ? `${fqdn} ${fqdn.slice(0, dot)}` : fqdn;
}

/** Renders records as the file text. */
export function renderHosts(records: readonly HostsRecord[]): string {
  return records.map((r) => `${r.ip}\t${r.hosts}\n`).join('');
}

/** Parses `--add-host name:ip` values into records (split at the first colon, as the daemon does). */
export function extraHostRecords(extraHosts: readonly string[] | null, hostGatewayIp = ''): HostsRecord[] {
  const out: HostsRecord[] = [];
  for (const e of extraHosts ?? []) {
    const i = e.indexOf(':');
    if (i < 0) continue;
    // the special address host-gateway is the daemon's --host-gateway-ip (default: docker0's address)
    const ip = e.slice(i + 1);
    out.push({ ip: ip === 'host-gateway' && hostGatewayIp ? hostGatewayIp : ip, hosts: e.slice(0, i) });
  }
  return out;
}

/** The record of a legacy link: `alias hostname [name]` (the name only when it differs from the alias). */
export function linkRecord(alias: string, childName: string, childHostname: string, childIp: string): HostsRecord {
  let names = `${alias} ${childHostname}`;
  if (alias !== childName) names += ` ${childName}`;
  return { ip: childIp, hosts: names };
}
