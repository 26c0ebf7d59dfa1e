/**
 * The br_netfilter seam: how the bridge reaches iptables without importing the layers above it.
 * The namespace installs a {@link BrNfHook} on a bridge (`bridge.nfHook = …`) when
 * `net.bridge.bridge-nf-call-iptables = 1`; the bridge then calls it for IPv4 frames at the points
 * where Linux's `br_netfilter` hands bridged packets to the IPv4 hooks.
 *
 * ```text
 *  port rx ─► PRE_ROUTING ─► learn ─► fdb ─┬─► FORWARD ─► POST_ROUTING ─► port tx   (once per egress port)
 *                                          └─► LOCAL_IN ─► bridge device rx (the namespace stack)
 * ```
 *
 * Frames the namespace itself transmits on the bridge device are not hooked here: they have already
 * been through the IPv4 OUTPUT and POSTROUTING hooks of the stack.
 *
 * @module
 */
import type { SkBuff } from '../../wire/skbuff.js';
import type { NetDevice } from '../netdev.js';

/** The bridge hook points at which {@link BrNfHook} is called. */
export type BrNfHookPoint = 'PRE_ROUTING' | 'FORWARD' | 'POST_ROUTING' | 'LOCAL_IN';

/** Verdict: drop the frame (Linux `NF_DROP`). */
export const BR_NF_DROP = 0;
/** Verdict: continue (Linux `NF_ACCEPT`). */
export const BR_NF_ACCEPT = 1;
/** Verdict: the hook took ownership of the frame; the bridge forgets it (Linux `NF_STOLEN`). */
export const BR_NF_STOLEN = 2;
/**
 * PRE_ROUTING only: the destination was rewritten (DNAT) to an address the bridge must not bridge
 * to; the bridge rewrites the destination MAC to its own and passes the frame up to the bridge
 * device, as `br_nf_pre_routing_finish` does.
 */
export const BR_NF_LOCAL = 3;

/**
 * The br_netfilter callback. Called only for IPv4 frames (EtherType 0x0800), with the frame's
 * ingress port device (`inPort`, null for none) and egress port device (`outPort`: set at FORWARD
 * and POST_ROUTING, null at PRE_ROUTING and LOCAL_IN). Returns {@link BR_NF_DROP},
 * {@link BR_NF_ACCEPT}, {@link BR_NF_STOLEN} or (PRE_ROUTING only) {@link BR_NF_LOCAL}. It may
 * rewrite the frame in place (NAT, or the destination MAC after a bridged DNAT); the bridge reads
 * the destination MAC again after PRE_ROUTING.
 *
 * @see Linux `br_nf_pre_routing`, `br_nf_forward_ip`, `br_nf_post_routing`
 */
export type BrNfHook = (point: BrNfHookPoint, skb: SkBuff, inPort: NetDevice | null, outPort: NetDevice | null) => number;
