/**
 * br_netfilter glue: with `net.bridge.bridge-nf-call-iptables = 1`, IPv4 frames that a bridge in
 * this namespace forwards between its ports traverse iptables PREROUTING, FORWARD and POSTROUTING
 * with `-i`/`-o` set to the bridge's name and `--physdev-in/out` to the ports.
 *
 * ```
 *  port ──► bridge PRE_ROUTING ──► iptables PREROUTING (IN=br0, physIn=port)   nfBridge = 1
 *              │ fdb: to another port                   │ fdb: to the bridge itself (pass up)
 *              ▼                                        ▼
 *        bridge FORWARD ──► iptables FORWARD      ipRcv on br0: PREROUTING skipped
 *        (IN=br0 OUT=br0)                         (ip_sabotage_in), then routed as usual
 *              ▼
 *        bridge POST_ROUTING ──► iptables POSTROUTING (OUT=br0)
 * ```
 *
 * A DNAT in the bridged PREROUTING that sends the packet elsewhere than this bridge answers
 * {@link BR_NF_LOCAL}: the bridge turns the frame into one for itself (destination MAC := bridge
 * MAC) and passes it up, and the IP stack routes it, as Linux `br_nf_pre_routing_finish` does.
 *
 * @module
 */
import type { NetDevice } from '../link/netdev.js';
import { NF_ACCEPT, NF_DROP, NF_INET_FORWARD, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING } from '../netfilter/hook.js';
import { ctReset } from '../netfilter/conntrack.js';
import type { SkBuff } from '../wire/skbuff.js';
import { ETH_P_IP, ipv4Dst, ipv4Validate, ethSetDst } from '../wire/build.js';
import type { NetNamespace } from './netns.js';
import { BR_NF_LOCAL } from '../link/bridge/nf.js';
import { Netfilter } from '../netfilter/netfilter.js';

/** The hook points a bridge reports (names as in the bridge's contract). */
export type BrNfPoint = 'PRE_ROUTING' | 'FORWARD' | 'POST_ROUTING' | 'LOCAL_IN';

/** The br_netfilter seam of a bridge device. */
export type BridgeNfHook = (point: BrNfPoint, skb: SkBuff, inPort: NetDevice | null, outPort: NetDevice | null) => number;


/** `skb.nfBridge` values. */
export const NF_BRIDGE_NONE = 0;
/** Went through iptables PREROUTING as a bridged frame. */
export const NF_BRIDGE_PREROUTED = 1;
/** Passed up to the IP stack after the bridged PREROUTING (ip_sabotage_in done). */
export const NF_BRIDGE_PASSED_UP = 2;

/**
 * Installs (or removes, when the sysctl is 0) the br_netfilter hook on bridge `br` of `ns`.
 *
 * @see Linux `br_nf_pre_routing`, `br_nf_forward_ip`, `br_nf_post_routing`
 */
export function installBridgeHook(ns: NetNamespace, br: NetDevice): void {
  const b = br as unknown as { nfHook: BridgeNfHook | null };
  if (!ns.sysctl.bridge_nf_call_iptables) {
    b.nfHook = null;
    return;
  }
  // a local first, then stored: V8 allocates a function literal assigned straight to a property in the old
  // generation, and its closure would keep the namespace and its engine alive through every scavenge
  // (docs/performance.md)
  const hook: BridgeNfHook = (point, skb, inPort, outPort) => brNfHook(ns, br, point, skb, inPort, outPort);
  b.nfHook = hook;
}

/** The hook body: runs iptables for bridged IPv4 frames. Never throws. */
export function brNfHook(ns: NetNamespace, br: NetDevice, point: BrNfPoint, skb: SkBuff, inPort: NetDevice | null, outPort: NetDevice | null): number {
  if (!ns.sysctl.bridge_nf_call_iptables || ns.netfilter === null) return NF_ACCEPT;
  switch (point) {
    case 'PRE_ROUTING': {
      // FORWARD and POST_ROUTING act only on what this hook marked (nfBridge), an IPv4 frame
      if (skb.len < 14 || skb.view.getUint16(12) !== ETH_P_IP) return NF_ACCEPT;
      if (inPort === null) return NF_ACCEPT;
      skb.network = 14;
      // the frame arrived through a veth: its conntrack state belongs to another namespace
      ctReset(skb);
      skb.mark = 0;
      if (ipv4Validate(skb) !== 0) {
        ns.counters.inc('InHdrErrors');
        return NF_DROP; // br_validate_ipv4 failed
      }
      skb.nfBridge = NF_BRIDGE_PREROUTED;
      const dst = ipv4Dst(skb);
      const nf = ns.netfilter;
      let v = nf instanceof Netfilter ? nf.bridgedPreRouting(skb, br.name, inPort.name) : -1;
      if (v < 0) v = ns.nfHook(NF_INET_PRE_ROUTING, skb, br.name, '', true, inPort.name, undefined);
      if (v !== NF_ACCEPT) return v;
      const nd = ipv4Dst(skb);
      if (nd !== dst) {
        // DNAT took place (br_nf_pre_routing_finish)
        const r = ns.routeLookup(nd);
        const e = r.type === 'unicast' && r.dev === br ? ns.neigh.get(br, r.nexthop) : undefined;
        if (e && e.mac !== 0) ethSetDst(skb, e.mac);
        else return BR_NF_LOCAL; // the bridge rewrites the destination MAC to its own and passes it up
      }
      return NF_ACCEPT;
    }
    case 'FORWARD': {
      if (skb.nfBridge !== NF_BRIDGE_PREROUTED) return NF_ACCEPT;
      // (a later packet of an established flow replays the walk cached on its entry: nfHook)
      return ns.nfHook(NF_INET_FORWARD, skb, br.name, br.name, true, inPort?.name, outPort?.name);
    }
    case 'POST_ROUTING': {
      if (skb.nfBridge !== NF_BRIDGE_PREROUTED) return NF_ACCEPT;
      // nothing to run for an established un-NATed packet (what nfHook would find out after setting up the hook state)
      const nf = ns.netfilter;
      if (nf instanceof Netfilter && nf.passesUntouched(skb, NF_INET_POST_ROUTING)) return NF_ACCEPT;
      return ns.nfHook(NF_INET_POST_ROUTING, skb, '', br.name, true, inPort?.name, outPort?.name);
    }
    default:
      return NF_ACCEPT;
  }
}
