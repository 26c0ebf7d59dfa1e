/**
 * The link layer: network devices and what connects them.
 *
 * Contract:
 * - A device's {@link NetDevice.xmit} takes ownership of the frame. It never calls another device
 *   recursively: delivery goes through the simulator's transmit queue (`sim.post(dev, skb)`), and
 *   {@link NetDevice.receive} then counts the frame, sets `skb.pktType`, `skb.iif`, `skb.inDev`, and
 *   hands it to `portHandler` (bridge or macvlan port) or else to `rxHandler` (the namespace stack).
 * - Devices start administratively down with ifindex 0; the namespace that adopts a device sets
 *   `owner`, `ifindex` and `adminUp`.
 * - {@link VethDevice}: pairs from {@link createVethPair}; carrier only when both ends are up.
 * - {@link LoopbackDevice}: `lo`, frames come back to itself.
 * - {@link BridgeDevice}: a Linux bridge (STP off), itself the namespace's interface (`docker0`):
 *   frames it passes up reach `bridge.rxHandler`; frames the namespace sends on it are bridged.
 *   Ports via {@link BridgeDevice.addPort}; the FDB ages entries after 300 s of virtual time; the
 *   br_netfilter seam is {@link BridgeDevice.nfHook} ({@link BrNfHook}).
 * - {@link MacvlanDevice}: bridge-mode macvlans on a lower device ({@link createMacvlan}).
 * - Text: {@link bridgeFdbShow}, {@link bridgeLinkShow}, {@link linkFlags}, {@link deviceFlags}, {@link linkLabel},
 *   {@link operStateText} for the namespace's iproute2 output.
 *
 * Hot path: receiving, the FDB lookup and forwarding allocate nothing except flood clones (n − 1
 * for n ports) and the entry of a newly learned address; trace text is only built for traced
 * frames when a tracer is installed. MACs are read and compared as two small integers (top 16
 * bits, low 32 bits: `readMacHi`/`readMacLo`, `NetDevice.macHi`/`macLo`), never as 48-bit numbers;
 * the FDB is a hash table keyed that way ({@link FdbTable}); a bridge port's link state is cached
 * and invalidated through {@link linkGen} (every `adminUp` change bumps it).
 *
 * @module
 */
export { NetDevice, linkGen, linkChanged, type DevStats, type CaptureDir, type CaptureTap, type RxHandler } from './netdev.js';
export { VethDevice, createVethPair } from './veth.js';
export { LoopbackDevice, createLoopback } from './loopback.js';
export { MacvlanDevice, MacvlanPort, type MacvlanMode, createMacvlan, macvlanPortOf, macvlanHandleFrame } from './macvlan.js';
export { linkOf, linkLabel, linkFlags, deviceFlags, operStateText } from './text.js';
export { nsNameOf } from './trace.js';
export { BridgeDevice, BR_MAX_PORTS } from './bridge/bridge.js';
export {
  NetBridgePort,
  portState,
  portCost,
  BR_STATE_DISABLED,
  BR_STATE_LISTENING,
  BR_STATE_LEARNING,
  BR_STATE_FORWARDING,
  BR_STATE_BLOCKING,
  BR_STATE_NAMES,
  BR_PORT_DEFAULT_PRIORITY,
} from './bridge/port.js';
export {
  FdbEntry,
  FdbTable,
  BR_DEFAULT_AGEING_TIME,
  fdbFind,
  fdbFindHalves,
  fdbUpdate,
  fdbUpdateHalves,
  fdbCleanup,
  fdbDelete,
  fdbDeleteByPort,
  fdbAddPermanent,
  fdbAddDynamic,
  fdbHasExpired,
} from './bridge/fdb.js';
export { brHandleFrame, handleFrame, handleFrameFinish, brPassFrameUp } from './bridge/input.js';
export {
  brForward,
  brForwardOne,
  brFlood,
  brForwardPort,
  brDevQueuePushXmit,
  brDrop,
  shouldDeliver,
  isIpv4Frame,
  BR_PKT_UNICAST,
  BR_PKT_MULTICAST,
  BR_PKT_BROADCAST,
} from './bridge/forward.js';
export { type BrNfHook, type BrNfHookPoint, BR_NF_DROP, BR_NF_ACCEPT, BR_NF_STOLEN, BR_NF_LOCAL } from './bridge/nf.js';
export {
  bridgeFdbShow,
  bridgeLinkShow,
  defaultMcList,
  ucList,
  solicitedNodeMac,
  type FdbShowOptions,
  type BridgeLinkShowOptions,
  MC_IPV4_ALL_HOSTS,
  MC_IPV6_ALL_NODES,
  MC_IPV4_SNOOPERS,
  MC_IPV6_SNOOPERS,
} from './bridge/text.js';
