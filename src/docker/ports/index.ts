/** Published ports: the host-port allocator, Docker's binding order, publishing and docker-proxy. */
export { PortAllocator, type PortRange } from './allocator.js';
export { sortPortMap, type HostBinding, type SortedBinding } from './sort.js';
export { goSort } from './go-sort.js';
export { publishPorts, unpublishPorts, type Published } from './publish.js';
export { startProxy, openProxy, DockerProxy, proxies, proxiesOf, type ProxyInfo } from './proxy.js';
