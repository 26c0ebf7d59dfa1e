/**
 * The Docker engine layer: `Engine` (docker CLI on top of the packet core), IPAM, port
 * allocation, libnetwork's iptables programming, the files Docker writes into containers, and the
 * oracle fidelity harness.
 */
export { Engine, LAB_RESOLV_CONF, LAB_ETC_HOSTS, iptablesSave, netfilterOf, tryNetfilterOf, type EngineOptions } from './engine.js';
export { Sandboxes, type Sandbox, type ContainerNet } from './sandbox.js';
export type { DeferredOp } from './sandbox-state.js';
export type { Network, Endpoint, AttachmentConfig, MappedPort, IpamConfigEntry, DriverName } from './network/model.js';
export { networkInspectDoc, type NetworkContainerEntry } from './network/inspect.js';
export * from './ipam/index.js';
export * from './ports/index.js';
export * from './etc/index.js';
export * from './iptables/index.js';
export { EmbeddedDns, RESOLVER_ADDR } from './dns/resolver.js';
export { newId, vethName, dockerRandomMac, kernelRandomMac } from './ids.js';
export * from './oracle/index.js';
