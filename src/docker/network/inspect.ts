/**
 * `docker network inspect` documents (20.10 key order) and `docker network ls` rows.
 */
import { ipToString, macToString, prefixMask } from '../../wire/addr.js';
import type { Network } from './model.js';

/** What a container contributes to a network's `Containers` map. */
export interface NetworkContainerEntry {
  id: string;
  name: string;
  endpointId: string;
  mac: number;
  ip: number;
}

/** Builds the inspect object of a network (Go struct field order). */
export function networkInspectDoc(n: Network, created: string, containers: NetworkContainerEntry[]): Record<string, unknown> {
  const conts: Record<string, unknown> = {};
  const prefix = n.pool?.subnet.len ?? 0;
  for (const c of [...containers].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    conts[c.id] = {
      Name: c.name,
      EndpointID: c.endpointId,
      MacAddress: c.mac ? macToString(c.mac) : '',
      IPv4Address: c.ip ? `${ipToString(c.ip)}/${prefix}` : '',
      IPv6Address: '',
    };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: n.ipamOptions, Config: n.ipamConfig.map((c) => ({ ...c })) },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: conts,
    Options: { ...n.options },
    Labels: { ...n.labels },
  };
}

/** Netmask text helper for tests. */
export function maskOf(len: number): string {
  return ipToString(prefixMask(len));
}
