import { describe, expect, it } from 'vitest';
import { DEFAULT_HOSTS, extraHostRecords, linkRecord, ownHostsNames, renderHosts, resolvConfWithResolver, resolvConfWithoutResolver } from '../../src/docker/etc/index.js';

const HOST_RESOLV = 'nameserver 10.255.255.53\n';

describe('/etc/hosts', () => {
  it('renders the s-e file of net-08 (extra hosts, link, own record)', () => {
    const recs = [...DEFAULT_HOSTS, linkRecord('webalias', 's-d', 'dhost', '172.17.0.3'), { ip: '172.17.0.4', hosts: ownHostsNames('abc', '') }];
    expect(renderHosts(recs)).toBe(
      '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n172.17.0.3\twebalias dhost s-d\n172.17.0.4\tabc\n',
    );
  });
  it('names with a domain give fqdn and short name', () => {
    expect(ownHostsNames('dhost', 'example.test')).toBe('dhost.example.test dhost');
    expect(extraHostRecords(['gw.example.test:172.17.0.1'])).toEqual([{ ip: '172.17.0.1', hosts: 'gw.example.test' }]);
  });
});

describe('resolv.conf', () => {
  it('docker0 without options copies the host file', () => {
    expect(resolvConfWithoutResolver(HOST_RESOLV, { dns: [], dnsSearch: [], dnsOptions: [] })).toBe(HOST_RESOLV);
  });
  it('docker0 with --dns/--dns-search (s-d of net-08)', () => {
    expect(resolvConfWithoutResolver(HOST_RESOLV, { dns: ['172.17.0.53'], dnsSearch: ['example.test'], dnsOptions: [] })).toBe('search example.test\nnameserver 172.17.0.53\n');
  });
  it('user network: 127.0.0.11 and ndots:0, user ndots wins (s-b of net-08)', () => {
    expect(resolvConfWithResolver(HOST_RESOLV)).toBe('nameserver 127.0.0.11\noptions ndots:0\n');
    const before = resolvConfWithoutResolver(HOST_RESOLV, { dns: ['10.10.0.53'], dnsSearch: ['example.test'], dnsOptions: ['ndots:2'] });
    expect(resolvConfWithResolver(before)).toBe('search example.test\nnameserver 127.0.0.11\noptions ndots:2\n');
  });
});
