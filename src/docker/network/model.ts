/**
 * The engine's records of networks and endpoints (libnetwork's network / endpoint objects reduced
 * to what the CLI and the kernel model need).
 */
import type { AddressPool } from '../ipam/pool.js';

/** Network drivers the engine implements. */
export type DriverName = 'bridge' | 'host' | 'null' | 'macvlan';

/** `IPAM.Config[]` entry as the user gave it (or as libnetwork filled it for default pools). */
export interface IpamConfigEntry {
  Subnet: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** One published binding as the bridge driver programmed it. */
export interface MappedPort {
  proto: string;
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

/** A network. */
export interface Network {
  id: string;
  name: string;
  driver: DriverName;
  /** Creation instant (virtual ns). */
  created: number;
  internal: boolean;
  attachable: boolean;
  /** `-o` options exactly as given (what inspect shows under Options). */
  options: Record<string, string>;
  labels: Record<string, string>;
  /** IPAM.Config as inspect shows it; null for host/none. */
  ipamConfig: IpamConfigEntry[];
  /** IPAM.Options: null for the predefined networks, {} for user networks. */
  ipamOptions: Record<string, string> | null;
  /** The address pool (bridge/macvlan). */
  pool: AddressPool | null;
  /** Gateway address (uint32), 0 when none. */
  gateway: number;
  /** Linux bridge name (bridge driver). */
  bridgeName: string;
  /** macvlan parent interface. */
  parent: string;
  icc: boolean;
  masquerade: boolean;
  /** Created with `--subnet` (a static `--ip` needs it). */
  userSubnet?: boolean;
  /** `com.docker.network.driver.mtu`: the MTU of the network's veth pairs (absent: 1500). */
  mtu?: number;
  /**
   * `com.docker.network.bridge.host_binding_ipv4`: the host address of a binding that names none
   * (absent: 0.0.0.0, plus the `::` proxy); another address gets no `::` binding.
   */
  hostBindingIpv4?: string;
  /** The default bridge (`bridge`), the predefined `host`/`none`. */
  predefined: boolean;
  /** Endpoint by container id, in join order. */
  endpoints: Map<string, Endpoint>;
}

/** A container's attachment to a network. */
export interface Endpoint {
  id: string;
  network: Network;
  containerId: string;
  /** Address (uint32), 0 when none (host/none). */
  ip: number;
  mac: number;
  /** Interface name inside the sandbox (`eth0`, `eth1`...). */
  ifname: string;
  /** Host side veth name (bridge driver). */
  hostVeth: string;
  /** Port bindings programmed for this endpoint. */
  ports: MappedPort[];
}

/** A container's attachment config (survives stop/start): NetworkSettings.Networks[name]. */
export interface AttachmentConfig {
  networkId: string;
  aliases: string[];
  /** `--ip` / `--ip6` (IPAMConfig). */
  ipv4: string;
  ipv6: string;
  links: string[];
  driverOpts: Record<string, string> | null;
  /** Added by `docker network connect` (the CLI then sends an empty IPAMConfig). */
  fromConnect?: boolean;
  /**
   * An endpoint was created on the network once: NetworkID stays in inspect after the endpoint goes
   * (stop, a failed port mapping: net-14 o-e); an address that was never allocated leaves it "".
   */
  joined?: boolean;
  /**
   * The network was removed while the container kept this configuration: its name, under which
   * inspect still lists it (NetworkID "", net-22).
   */
  removedNetwork?: string;
}
