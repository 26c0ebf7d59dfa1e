/** Published ports: the host-port allocator and Docker's binding order. */
export { PortAllocator, type PortRange } from './allocator.js';
export { sortPortMap, type HostBinding, type SortedBinding } from './sort.js';
