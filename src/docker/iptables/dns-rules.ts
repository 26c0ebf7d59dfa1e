/**
 * The embedded DNS redirection inside a container's namespace (libnetwork resolver_unix.go
 * `setupIPTable`): DOCKER_OUTPUT / DOCKER_POSTROUTING in the container's nat table.
 */
import type { Iptables } from './program.js';

/** The resolver's address inside every container on a user-defined network. */
export const RESOLVER_IP = '127.0.0.11';

/** Installs the rules that send 127.0.0.11:53 to the resolver's real udp/tcp ports. */
export function setupResolverRules(ipt: Iptables, udpPort: number, tcpPort: number): void {
  const out = 'DOCKER_OUTPUT';
  const post = 'DOCKER_POSTROUTING';
  for (const [chain, hook, dir] of [[out, 'OUTPUT', '-d'], [post, 'POSTROUTING', '-d']] as const) {
    if (ipt.exists('nat', hook, [dir, RESOLVER_IP, '-j', chain])) {
      ipt.raw(['-t', 'nat', '-F', chain]);
    } else {
      ipt.tryRaw(['-t', 'nat', '-N', chain]);
      ipt.raw(['-t', 'nat', '-I', hook, dir, RESOLVER_IP, '-j', chain]);
    }
  }
  const rules: string[][] = [
    ['-t', 'nat', '-I', out, '-d', RESOLVER_IP, '-p', 'udp', '--dport', '53', '-j', 'DNAT', '--to-destination', `${RESOLVER_IP}:${udpPort}`],
    ['-t', 'nat', '-I', post, '-s', RESOLVER_IP, '-p', 'udp', '--sport', String(udpPort), '-j', 'SNAT', '--to-source', ':53'],
    ['-t', 'nat', '-I', out, '-d', RESOLVER_IP, '-p', 'tcp', '--dport', '53', '-j', 'DNAT', '--to-destination', `${RESOLVER_IP}:${tcpPort}`],
    ['-t', 'nat', '-I', post, '-s', RESOLVER_IP, '-p', 'tcp', '--sport', String(tcpPort), '-j', 'SNAT', '--to-source', ':53'],
  ];
  for (const r of rules) ipt.raw(r);
}
