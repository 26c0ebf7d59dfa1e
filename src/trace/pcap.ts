/**
 * `--pcap FILE`: every frame on every interface of the lab (host, containers, setup namespaces)
 * into one pcapng file, one Interface Description Block per emulated interface, named
 * `NAMESPACE/IFNAME` so Wireshark shows where each frame was seen.
 *
 * @module
 */
import type { CaptureTap, NetDevice } from '../link/netdev.js';
import type { NetNamespace } from '../netns/netns.js';
import { PcapngWriter } from '../wire/pcapng.js';
import type { Lab } from './lab.js';

/** A running capture; {@link LabCapture.stop} removes the taps. */
export class LabCapture {
  /** The pcapng being built. */
  readonly writer = new PcapngWriter({ application: 'dockernet' });
  private readonly ids = new Map<NetDevice, number>();
  private readonly tapped: Array<{ dev: NetDevice; tap: CaptureTap }> = [];

  constructor(private readonly lab: Lab) {
    this.attach();
  }

  /** Namespaces of the lab: the host first, then running containers by name. */
  private namespaces(): Array<{ label: string; ns: NetNamespace }> {
    const out: Array<{ label: string; ns: NetNamespace }> = [{ label: 'host', ns: this.lab.engine.host }];
    const seen = new Set<NetNamespace>([this.lab.engine.host]);
    const names = this.lab.namer();
    for (const c of this.lab.containers()) {
      if (!c.ns || seen.has(c.ns)) continue;
      seen.add(c.ns);
      out.push({ label: names.nsLabel(c.ns.name), ns: c.ns });
    }
    return out;
  }

  /** Taps every device of every namespace (call again after the topology changed). */
  attach(): void {
    const sim = this.lab.engine.sim;
    for (const { label, ns } of this.namespaces()) {
      for (const dev of ns.devices()) {
        if (this.ids.has(dev)) continue;
        const id = this.writer.addInterface({ name: `${label}/${dev.name}`, description: `${dev.kind} ${dev.name} in ${label === 'host' ? 'the host namespace' : `container ${label}`}` });
        this.ids.set(dev, id);
        const tap: CaptureTap = (d, skb, dir) => this.writer.addFrame(id, sim.now, skb.bytes(), dir === 'rx' ? 'in' : 'out');
        dev.taps.push(tap);
        this.tapped.push({ dev, tap });
      }
    }
  }

  /** Frames captured so far. */
  get frames(): number {
    return this.writer.frameCount;
  }

  /** Removes the taps. */
  stop(): void {
    for (const { dev, tap } of this.tapped) {
      const i = dev.taps.indexOf(tap);
      if (i >= 0) dev.taps.splice(i, 1);
    }
    this.tapped.length = 0;
  }

  /** The pcapng file. */
  bytes(): Uint8Array {
    return this.writer.toBytes();
  }
}
