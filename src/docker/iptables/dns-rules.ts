/**
 * The embedded DNS redirection inside a container's namespace (libnetwork resolver_unix.go
 * `setupIPTable`): DOCKER_OUTPUT / DOCKER_POSTROUTING in the container's nat table.
 *
 * The probes and chain creations are the same in every container, so they are parsed once and
 * shared ({@link Iptables.runPrepared}); each rule that a chain keeps is parsed for its namespace.
 */
import { XtTemplate, type XtInvocation } from '../../netfilter/index.js';
import { prepareInvocation, type Iptables } from './program.js';

/** The resolver's address inside every container on a user-defined network. */
export const RESOLVER_IP = '127.0.0.11';

const OUT = 'DOCKER_OUTPUT';
const POST = 'DOCKER_POSTROUTING';
const HOOKS = [
  [OUT, 'OUTPUT', '-d'],
  [POST, 'POSTROUTING', '-d'],
] as const;

const probeArgv = (k: number): string[] => ['-t', 'nat', '-C', HOOKS[k]![1], HOOKS[k]![2], RESOLVER_IP, '-j', HOOKS[k]![0]];
const newChainArgv = (k: number): string[] => ['-t', 'nat', '-N', HOOKS[k]![0]];

/** `-C HOOK -d 127.0.0.11 -j CHAIN` and `-N CHAIN` per hook, parsed on first use. */
let prepared: { probes: XtInvocation[]; chains: XtInvocation[] } | null = null;

/** The four redirections, prepared once: only the resolver's ports differ between containers. */
const RULES = [
  new XtTemplate(['-t', 'nat', '-I', OUT, '-d', RESOLVER_IP, '-p', 'udp', '--dport', '53', '-j', 'DNAT', '--to-destination', '$0']),
  new XtTemplate(['-t', 'nat', '-I', POST, '-s', RESOLVER_IP, '-p', 'udp', '--sport', '$0', '-j', 'SNAT', '--to-source', ':53']),
  new XtTemplate(['-t', 'nat', '-I', OUT, '-d', RESOLVER_IP, '-p', 'tcp', '--dport', '53', '-j', 'DNAT', '--to-destination', '$0']),
  new XtTemplate(['-t', 'nat', '-I', POST, '-s', RESOLVER_IP, '-p', 'tcp', '--sport', '$0', '-j', 'SNAT', '--to-source', ':53']),
] as const;
/** `-I HOOK -d 127.0.0.11 -j CHAIN` per hook. */
const JUMPS = HOOKS.map(([chain, hook, dir]) => new XtTemplate(['-t', 'nat', '-I', hook, dir, RESOLVER_IP, '-j', chain]));

/** Installs the rules that send 127.0.0.11:53 to the resolver's real udp/tcp ports. */
export function setupResolverRules(ipt: Iptables, udpPort: number, tcpPort: number): void {
  const p = (prepared ??= {
    probes: HOOKS.map((_, k) => prepareInvocation(probeArgv(k))),
    chains: HOOKS.map((_, k) => prepareInvocation(newChainArgv(k))),
  });
  for (let k = 0; k < HOOKS.length; k++) {
    const chain = HOOKS[k]![0];
    if (ipt.runPrepared(p.probes[k]!, () => probeArgv(k))) {
      ipt.run(['-t', 'nat', '-F', chain]);
    } else {
      ipt.runPrepared(p.chains[k]!, () => newChainArgv(k));
      ipt.runTemplate(JUMPS[k]!, []);
    }
  }
  const u = String(udpPort);
  const t = String(tcpPort);
  ipt.runTemplate(RULES[0], [`${RESOLVER_IP}:${u}`]);
  ipt.runTemplate(RULES[1], [u]);
  ipt.runTemplate(RULES[2], [`${RESOLVER_IP}:${t}`]);
  ipt.runTemplate(RULES[3], [t]);
}
