/**
 * The netns layer: the IPv4 stack of one network namespace.
 *
 * Contract: a {@link NetNamespace} owns its devices (it installs itself as their `rxHandler`),
 * addresses, routes (`local` + `main` tables, longest-prefix match), neighbour table, sysctls,
 * sockets and one netfilter instance (through {@link NetfilterHook}; `null` accepts everything).
 * Frames enter through `netifReceive` and leave through `dev.xmit`; the forwarding path
 * (`ipRcv` → fib → `ipForward` → `ipOutput` → neighbour → `xmit`) allocates nothing per packet.
 * Malformed input is counted in `ns.counters` (Linux SNMP names) and dropped, never thrown.
 * With `bridge_nf_call_iptables = 1`, bridges in the namespace send bridged IPv4 frames through
 * iptables (br_netfilter).
 *
 * @module
 */
export * from './netns.js';
export * from './route.js';
export * from './neigh.js';
export * from './create.js';
export * from './tools.js';
export * from './iproute.js';
export { netifReceive, arpRcv, ipRcv, ipRcvFinish, ipLocalDeliver } from './ip-input.js';
export { ipForward, ipForwardFinish } from './ip-forward.js';
export { dstCheck, ipRouteOutput, ipLocalOut, ipLocalOutRaw, ipOutput, ipFinishOutput2 } from './ip-output.js';
export type { OutputRoute, CachedOutputRoute } from './ip-output.js';
export { icmpSend, nextIpId } from './icmp.js';
export { installBridgeHook, brNfHook, NF_BRIDGE_NONE, NF_BRIDGE_PREROUTED, NF_BRIDGE_PASSED_UP } from './br-netfilter.js';
export type { BrNfPoint, BridgeNfHook } from './br-netfilter.js';
export * from './socket/udp.js';
export * from './socket/tcp.js';
export { TcpTimeWait, TIME_WAIT_LEN, type TimeWaitFields } from './socket/tcp-timewait.js';
export * from './socket/ping.js';
