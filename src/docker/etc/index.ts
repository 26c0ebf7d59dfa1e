/** The files Docker writes into containers: /etc/hosts, /etc/resolv.conf. */
export { DEFAULT_HOSTS, ownHostsNames, renderHosts, extraHostRecords, linkRecord, type HostsRecord } from './hosts.js';
export {
  parseResolvConf, buildResolvConf, filterResolvDns, resolvConfWithoutResolver, resolvConfWithResolver, externalResolvers,
  type ResolvConf, type DnsSettings,
} from './resolv.js';
