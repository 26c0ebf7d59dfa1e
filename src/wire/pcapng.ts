/**
 * pcapng capture files (the format of `tshark -w`, draft-ietf-opsawg-pcapng): one Section Header
 * Block, one Interface Description Block per interface (with `if_name`, `if_description` and
 * `if_tsresol` = 9, i.e. nanosecond timestamps), and one Enhanced Packet Block per frame (with the
 * interface id and an `epb_flags` direction: inbound or outbound). Little-endian.
 *
 * ```text
 * every block:  type(4) total_length(4) body… options… total_length(4)
 * option:       code(2) length(2) value padded to 4 bytes; list ends with opt_endofopt (0,0)
 * SHB 0x0A0D0D0A: byte-order magic 1A2B3C4D, version 1.0, section length −1
 * IDB 0x00000001: linktype(2) reserved(2) snaplen(4)
 * EPB 0x00000006: interface id(4) ts high(4) ts low(4) captured len(4) original len(4) data (padded)
 * ```
 *
 * @module
 */
import type { Nanos } from '../core/time.js';
import { DockernetError } from '../core/errors.js';
import { LINKTYPE_ETHERNET, PCAP_SNAPLEN } from './pcap.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_TSRESOL = 9;
const OPT_EPB_FLAGS = 2;

/** Packet direction recorded in `epb_flags`. */
export type PcapngDirection = 'in' | 'out' | 'unknown';

/** Options for {@link PcapngWriter}. */
export interface PcapngWriterOptions {
  /** Wall-clock time of virtual time 0, in whole seconds since the Unix epoch (default 0). */
  epochSeconds?: number;
  /** `shb_userappl` string (default `dockernet`). */
  application?: string;
}

interface Opt {
  code: number;
  value: Uint8Array;
}

const utf8 = new TextEncoder();

function optsLen(opts: Opt[]): number {
  if (opts.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of opts) n += 4 + ((o.value.length + 3) & ~3);
  return n;
}

function writeOpts(v: DataView, b: Uint8Array, p: number, opts: Opt[]): number {
  if (opts.length === 0) return p;
  for (const o of opts) {
    v.setUint16(p, o.code, true);
    v.setUint16(p + 2, o.value.length, true);
    b.set(o.value, p + 4);
    p += 4 + ((o.value.length + 3) & ~3);
  }
  v.setUint16(p, OPT_ENDOFOPT, true);
  v.setUint16(p + 2, 0, true);
  return p + 4;
}

/** Builds one block: `body` bytes (already padded to 4) then options. */
function block(type: number, bodyLen: number, opts: Opt[], fill: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const total = 12 + bodyLen + optsLen(opts);
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  fill(v, b);
  writeOpts(v, b, 8 + bodyLen, opts);
  v.setUint32(total - 4, total, true);
  return b;
}

/** One interface of a {@link PcapngWriter}. */
export interface PcapngInterface {
  /** `if_name`, e.g. `docker0` or `vethab12cd3`. */
  name: string;
  /** `if_description`, e.g. `bridge docker0 (host)`. */
  description?: string;
  /** Link type (default 1, Ethernet). */
  linktype?: number;
  /** Snapshot length (default 262144). */
  snaplen?: number;
}

/**
 * Accumulates frames from several interfaces and renders a pcapng file (nanosecond timestamps).
 *
 * @example
 * ```ts
 * const w = new PcapngWriter();
 * const eth0 = w.addInterface({ name: 'eth0', description: 'container web' });
 * w.addFrame(eth0, sim.now, skb.bytes(), 'out');
 * fs.writeFileSync('out.pcapng', w.toBytes());
 * ```
 */
export class PcapngWriter {
  /** Wall-clock seconds of virtual time 0. */
  readonly epochSeconds: number;
  /** `shb_userappl`. */
  readonly application: string;
  private readonly ifaces: PcapngInterface[] = [];
  private readonly packets: Uint8Array[] = [];

  constructor(opts: PcapngWriterOptions = {}) {
    this.epochSeconds = Math.floor(opts.epochSeconds ?? 0);
    this.application = opts.application ?? 'dockernet';
  }

  /** Declares an interface; returns its id (0, 1, …) for {@link PcapngWriter.addFrame}. */
  addInterface(iface: PcapngInterface): number {
    this.ifaces.push({ ...iface });
    return this.ifaces.length - 1;
  }

  /** Number of interfaces declared. */
  get interfaceCount(): number {
    return this.ifaces.length;
  }

  /** Number of frames added. */
  get frameCount(): number {
    return this.packets.length;
  }

  /**
   * Adds a frame seen on interface `ifId` at virtual time `time`, with its direction.
   * The bytes are copied (truncated to the interface's snaplen).
   */
  addFrame(ifId: number, time: Nanos, frame: Uint8Array, direction: PcapngDirection = 'unknown'): void {
    const iface = this.ifaces[ifId];
    if (!iface) throw new DockernetError('EINVAL', `pcapng: no interface ${ifId}`);
    const incl = Math.min(frame.length, iface.snaplen ?? PCAP_SNAPLEN);
    const padded = (incl + 3) & ~3;
    const opts: Opt[] = [];
    if (direction !== 'unknown') {
      const f = new Uint8Array(4);
      new DataView(f.buffer).setUint32(0, direction === 'in' ? 1 : 2, true);
      opts.push({ code: OPT_EPB_FLAGS, value: f });
    }
    // wall-clock ns exceed 2^53: compute the 64-bit stamp exactly with BigInt (tracing only)
    const t = BigInt(this.epochSeconds) * 1_000_000_000n + BigInt(Math.floor(time));
    const hi = Number(t >> 32n);
    const lo = Number(t & 0xffffffffn);
    this.packets.push(
      block(EPB, 20 + padded, opts, (v, b) => {
        v.setUint32(8, ifId, true);
        v.setUint32(12, hi >>> 0, true);
        v.setUint32(16, lo >>> 0, true);
        v.setUint32(20, incl, true);
        v.setUint32(24, frame.length, true);
        b.set(frame.subarray(0, incl), 28);
      }),
    );
  }

  /** The whole file: SHB, all IDBs, then the EPBs in the order added. */
  toBytes(): Uint8Array {
    const blocks: Uint8Array[] = [];
    blocks.push(
      block(SHB, 16, [{ code: OPT_SHB_USERAPPL, value: utf8.encode(this.application) }], (v) => {
        v.setUint32(8, BYTE_ORDER_MAGIC, true);
        v.setUint16(12, 1, true);
        v.setUint16(14, 0, true);
        v.setInt32(16, -1, true);
        v.setInt32(20, -1, true);
      }),
    );
    for (const i of this.ifaces) {
      const opts: Opt[] = [{ code: OPT_IF_NAME, value: utf8.encode(i.name) }];
      if (i.description !== undefined) opts.push({ code: OPT_IF_DESCRIPTION, value: utf8.encode(i.description) });
      opts.push({ code: OPT_IF_TSRESOL, value: Uint8Array.of(9) });
      blocks.push(
        block(IDB, 8, opts, (v) => {
          v.setUint16(8, i.linktype ?? LINKTYPE_ETHERNET, true);
          v.setUint16(10, 0, true);
          v.setUint32(12, i.snaplen ?? PCAP_SNAPLEN, true);
        }),
      );
    }
    for (const p of this.packets) blocks.push(p);
    let n = 0;
    for (const b of blocks) n += b.length;
    const out = new Uint8Array(n);
    let p = 0;
    for (const b of blocks) {
      out.set(b, p);
      p += b.length;
    }
    return out;
  }
}
