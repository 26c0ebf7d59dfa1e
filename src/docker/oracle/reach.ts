/**
 * reach.tsv: the oracle's reachability matrix (tools/oracle.py `reach`), measured by sending real
 * packets in the emulator. Placeholder until the TCP/UDP/ICMP probes are wired (see report).
 */
import type { Container } from '../../runtime/container.js';
import type { Engine } from '../engine.js';

/** The rows of reach.tsv (header included). */
export function reachMatrix(_e: Engine, _conts: Container[]): string {
  return '#from\tto\tproto\tresult\ttarget\tdetail\n';
}
