/**
 * Per-binding rules of a published port (libnetwork iptables `ChainInfo.Forward`): nat DOCKER
 * DNAT, filter DOCKER ACCEPT, nat POSTROUTING hairpin MASQUERADE.
 */
import { DOCKER_CHAIN } from './bridge-rules.js';
import { XtTemplate } from '../../netfilter/index.js';
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

/** The rule shapes of a forward, prepared once per protocol and hairpin mode (slots: addresses, ports, bridge). */
interface ForwardShapes {
  dnat: XtTemplate;
  accept: XtTemplate;
  masq: XtTemplate;
  checksum: XtTemplate | null;
}

const shapes = new Map<string, ForwardShapes>();

function shapesFor(proto: string, hairpin: boolean): ForwardShapes {
  const key = `${proto}/${hairpin}`;
  let s = shapes.get(key);
  if (s === undefined) {
    // $0 host address, $1 host port, $2 container address, $3 container port, $4 bridge, $5 CONTAINER:PORT
    const dnat = ['-t', 'nat', '-C', DOCKER_CHAIN, '-p', proto, '-d', '$0', '--dport', '$1', '-j', 'DNAT', '--to-destination', '$5'];
    if (!hairpin) dnat.push('!', '-i', '$4');
    s = {
      dnat: new XtTemplate(dnat),
      accept: new XtTemplate(['-t', 'filter', '-C', DOCKER_CHAIN, '!', '-i', '$4', '-o', '$4', '-p', proto, '-d', '$2', '--dport', '$3', '-j', 'ACCEPT']),
      masq: new XtTemplate(['-t', 'nat', '-C', 'POSTROUTING', '-p', proto, '-s', '$2', '-d', '$2', '--dport', '$3', '-j', 'MASQUERADE']),
      // libnetwork fills SCTP checksums that veth offload leaves partial (its iptables.Forward)
      checksum: proto === 'sctp' ? new XtTemplate(['-t', 'mangle', '-C', 'POSTROUTING', '-p', proto, '--sport', '$3', '-j', 'CHECKSUM', '--checksum-fill']) : null,
    };
    shapes.set(key, s);
  }
  return s;
}

/** Programs (`-A`) or removes (`-D`) the three rules of one forward. */
export function forward(ipt: Iptables, action: Action, f: PortForward): void {
  const s = shapesFor(f.proto, f.hairpin === true);
  const cport = String(f.containerPort);
  const values = [f.hostIp === '0.0.0.0' ? '0/0' : f.hostIp, String(f.hostPort), f.containerIp, cport, f.bridge, `${f.containerIp}:${cport}`];
  ipt.programTemplate(s.dnat, values, action);
  ipt.programTemplate(s.accept, values, action);
  ipt.programTemplate(s.masq, values, action);
  if (s.checksum) ipt.programTemplate(s.checksum, values, action);
}
