/**
 * The subset of the Compose specification dockernet reads, after validation.
 *
 * @module
 */

/** One `ports:` entry, normalised. */
export interface ComposePort {
  /** Host address ('' = all). */
  hostIp: string;
  /** Host port (null = Docker chooses). */
  published: number | null;
  /** Container port. */
  target: number;
  protocol: 'tcp' | 'udp';
}

/** A service's attachment to one network. */
export interface ComposeServiceNetwork {
  /** Key of the network in the file's `networks:`. */
  network: string;
  aliases: string[];
  ipv4Address: string | null;
}

/** A validated service. */
export interface ComposeService {
  name: string;
  image: string;
  /** argv of `command:` (null = the image's default). */
  command: string[] | null;
  containerName: string | null;
  hostname: string | null;
  ports: ComposePort[];
  /** `expose:` ports as `PORT[/PROTO]`. */
  expose: string[];
  /** Networks in declaration order (empty with `network_mode`). */
  networks: ComposeServiceNetwork[];
  /** `network_mode:` as written (`host`, `none`, `service:NAME`, `container:NAME`), or null. */
  networkMode: string | null;
  dependsOn: string[];
  labels: Record<string, string>;
}

/** A validated top-level network. */
export interface ComposeNetwork {
  /** Key in the file. */
  key: string;
  /** Docker name (`PROJECT_KEY`, or `name:`, or the external name). */
  name: string;
  driver: string;
  external: boolean;
  internal: boolean;
  subnets: Array<{ subnet: string; gateway: string | null; ipRange: string | null }>;
  labels: Record<string, string>;
  driverOpts: Record<string, string>;
}

/** A validated Compose project. */
export interface ComposeProject {
  /** Project name (lower-case, `[a-z0-9_-]`). */
  name: string;
  services: ComposeService[];
  networks: ComposeNetwork[];
}
