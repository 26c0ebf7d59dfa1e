/**
 * The FORWARD walk of an established flow, bridged (br_netfilter) or routed, cached on its conntrack
 * entry (one per direction), in the spirit of Linux's `nf_flowtable` but without its loss of fidelity: a later
 * packet of the same entry and direction, on the same ports, replays the walk's effects instead of
 * walking the chains again — every rule counter (packets and bytes) and policy counter the walk
 * bumped is bumped again, and the verdict is the same.
 *
 * That is exact only because of what is cached and when:
 *
 * - Only walks whose outcome cannot differ between packets of one conntrack entry and direction:
 *   every rule reachable from the hooked FORWARD base chains (mangle and filter) tests only fields
 *   that are the same for every such packet (addresses, protocol, ports and ICMP type/code — parts
 *   of the conntrack tuple —, interfaces, fragment bit, ctstate, mark) and has a target that is only
 *   a verdict (ACCEPT, DROP, RETURN, a jump or goto, or none). A TCP flags test, `addrtype` (it
 *   reads the namespace's addresses, which change without the rules changing) or any other target
 *   (LOG, MARK, REJECT, TRACE…) makes the whole hook uncacheable ({@link forwardCacheable}).
 * - The key is the ruleset generation (any change of rules, chains or policies), the devices
 *   (`-i`/`-o` and the bridge ports), the mark, and the entry's ctstate bits (ESTABLISHED, with its
 *   SNAT/DNAT bits); the conntrack entry and direction are where it is stored. Routes, neighbours and
 *   the FDB decide which port a frame takes, and the ports are in the key.
 * - Conntrack itself is not skipped: PRE_ROUTING still finds the entry and refreshes its timeout.
 * - Traced packets, packets of another namespace's entry, and the first packet of a direction (it
 *   records the walk, through the interpreter) take the full path. A routed flow records at its
 *   second packet in a direction (its first only marks the entry, `CtEntry.forwardSeen`): a new
 *   flow of one datagram each way, the published-port and MASQUERADE benchmarks' new flows, would
 *   otherwise pay for a recording it never replays.
 *
 * @module
 */
import type { Rule } from './rule.js';
import type { Chain, Table } from './table.js';

/** One direction's cached FORWARD walk (see the module comment). */
export class FlowVerdict {
  /** Conntrack direction (0 original, 1 reply). */
  dir = 0;
  /** The other direction's cached walk of the same entry, if any. */
  other: FlowVerdict | null = null;
  /** Ruleset generation the walk was recorded at. */
  gen = -1;
  /** `-i`, `-o`, `--physdev-in`, `--physdev-out` of the recorded packet. */
  inDev = '';
  outDev = '';
  physIn: string | undefined = undefined;
  physOut: string | undefined = undefined;
  /** Packet mark of the recorded packet. */
  mark = 0;
  /** ctstate bits of the recorded packet. */
  ctState = 0;
  /** Rules whose counters the walk bumped, in walk order (a rule twice if it matched twice). */
  rules: Rule[] = [];
  /** Base chains whose policy counters the walk bumped. */
  policies: Chain[] = [];
  /** The hook's verdict (NF_ACCEPT or NF_DROP). */
  verdict = 0;
}

/**
 * Whether every rule reachable from `base` (a base chain of `table`) tests only flow-invariant
 * fields and has a verdict-only target (see the module comment). Null `base` (table not hooked) is
 * cacheable.
 */
export function forwardCacheable(table: Table, base: Chain | null): boolean {
  if (base === null) return true;
  const seen = new Set<Chain>();
  const todo: Chain[] = [base];
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const r of c.rules) {
      if (!ruleCacheable(r)) return false;
      if (r.target.kind === 'jump') {
        const next = table.chains.get(r.target.chain);
        if (next !== undefined) todo.push(next);
      }
    }
  }
  return true;
}

function ruleCacheable(r: Rule): boolean {
  switch (r.target.kind) {
    case 'none':
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
    case 'jump':
      break;
    default:
      return false;
  }
  for (const m of r.matches) {
    switch (m.kind) {
      case 'tcp':
      case 'udp':
      case 'sctp':
        // ports are in the conntrack tuple; TCP flags change from packet to packet
        if (m.flagsMask >= 0) return false;
        break;
      case 'icmp': // type and code are in the tuple of an ICMP entry
      case 'conntrack':
      case 'state':
      case 'multiport':
      case 'comment':
      case 'mark':
        break;
      default:
        return false;
    }
  }
  return true;
}
