/**
 * Per-binding rules of a published port (libnetwork iptables `ChainInfo.Forward`): nat DOCKER
 * DNAT, filter DOCKER ACCEPT, nat POSTROUTING hairpin MASQUERADE.
 */
import { DOCKER_CHAIN } from './bridge-rules.js';
import type { Action, Iptables } from './program.js';

/** One IPv4 port mapping as the bridge driver programs it. */
export interface PortForward {
  proto: string;
  /** Host IP of the binding (`0.0.0.0` for all). */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  bridge: string;
  hairpin?: boolean;
}

/** Programs (`-A`) or removes (`-D`) the three rules of one forward. */
export function forward(ipt: Iptables, action: Action, f: PortForward): void {
  const daddr = f.hostIp === '0.0.0.0' ? '0/0' : f.hostIp;
  const dnat = ['-p', f.proto, '-d', daddr, '--dport', String(f.hostPort), '-j', 'DNAT', '--to-destination', `${f.containerIp}:${f.containerPort}`];
  if (!f.hairpin) dnat.push('!', '-i', f.bridge);
  ipt.programRule('nat', DOCKER_CHAIN, action, dnat);
  ipt.programRule('filter', DOCKER_CHAIN, action, ['!', '-i', f.bridge, '-o', f.bridge, '-p', f.proto, '-d', f.containerIp, '--dport', String(f.containerPort), '-j', 'ACCEPT']);
  ipt.programRule('nat', 'POSTROUTING', action, ['-p', f.proto, '-s', f.containerIp, '-d', f.containerIp, '--dport', String(f.containerPort), '-j', 'MASQUERADE']);
  // libnetwork fills SCTP checksums that veth offload leaves partial (its iptables.Forward)
  if (f.proto === 'sctp') ipt.programRule('mangle', 'POSTROUTING', action, ['-p', f.proto, '--sport', String(f.containerPort), '-j', 'CHECKSUM', '--checksum-fill']);
}
