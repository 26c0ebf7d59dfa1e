/**
 * Classic libpcap capture files (the format of `tcpdump -w`): a 24-byte global header (magic
 * `a1b2c3d4` in little-endian byte order, version 2.4, link type 1 = Ethernet) followed by one
 * record per frame (seconds, microseconds, captured length, original length).
 *
 * ```text
 * global header:  magic(4) major(2)=2 minor(2)=4 thiszone(4)=0 sigfigs(4)=0 snaplen(4) linktype(4)=1
 * record header:  ts_sec(4) ts_usec(4) incl_len(4) orig_len(4)   then incl_len bytes of frame
 * ```
 *
 * Timestamps are virtual nanoseconds ({@link Nanos}) plus an optional epoch offset in seconds; the classic
 * format keeps microseconds (truncated).
 *
 * @module
 */
import type { Nanos } from '../core/time.js';

/** The classic pcap magic number (microsecond timestamps). */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** Link type Ethernet (LINKTYPE_ETHERNET). */
export const LINKTYPE_ETHERNET = 1;
/** Default snapshot length (as tcpdump). */
export const PCAP_SNAPLEN = 262144;

/** Options for {@link PcapWriter}. */
export interface PcapWriterOptions {
  /** Snapshot length: frames are truncated to it (default 262144). */
  snaplen?: number;
  /** Link type (default 1, Ethernet). */
  linktype?: number;
  /** Wall-clock time of virtual time 0, in whole seconds since the Unix epoch (default 0). */
  epochSeconds?: number;
}

/**
 * Accumulates frames and renders a classic pcap file.
 *
 * @example
 * ```ts
 * const w = new PcapWriter();
 * w.addFrame(sim.now, skb.bytes());
 * fs.writeFileSync('out.pcap', w.toBytes());
 * ```
 */
export class PcapWriter {
  /** Snapshot length. */
  readonly snaplen: number;
  /** Link type. */
  readonly linktype: number;
  /** Wall-clock seconds of virtual time 0. */
  readonly epochSeconds: number;
  private readonly chunks: Uint8Array[] = [];
  private size = 24;

  constructor(opts: PcapWriterOptions = {}) {
    this.snaplen = opts.snaplen ?? PCAP_SNAPLEN;
    this.linktype = opts.linktype ?? LINKTYPE_ETHERNET;
    this.epochSeconds = Math.floor(opts.epochSeconds ?? 0);
  }

  /** Number of frames added. */
  get frameCount(): number {
    return this.chunks.length;
  }

  /** Adds one frame seen at virtual time `time` (the bytes are copied, truncated to the snaplen). */
  addFrame(time: Nanos, frame: Uint8Array): void {
    const incl = Math.min(frame.length, this.snaplen);
    const rec = new Uint8Array(16 + incl);
    const v = new DataView(rec.buffer);
    const vsec = Math.floor(time / 1e9);
    const sec = this.epochSeconds + vsec;
    const usec = Math.floor((time - vsec * 1e9) / 1e3);
    v.setUint32(0, sec >>> 0, true);
    v.setUint32(4, usec, true);
    v.setUint32(8, incl, true);
    v.setUint32(12, frame.length, true);
    rec.set(frame.subarray(0, incl), 16);
    this.chunks.push(rec);
    this.size += rec.length;
  }

  /** The whole file. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    const v = new DataView(out.buffer);
    v.setUint32(0, PCAP_MAGIC, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, this.snaplen, true);
    v.setUint32(20, this.linktype, true);
    let p = 24;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}
