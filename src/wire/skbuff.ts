/**
 * A packet in flight, after Linux's `struct sk_buff`: one byte buffer holding the whole Ethernet
 * frame, a DataView over it, header offsets, and the metadata the stack attaches on the way
 * (ingress interface, conntrack entry, mark, trace flag). Forwarding rewrites the same buffer in
 * place; nothing on the hot path copies or reallocates it.
 */
import { SLAB_MAX, slabBuffer, slabTake } from '../core/slab.js';

export class SkBuff {
  // Field order is the object layout (the parameter properties `data`, `len` and `view` first, then
  // the initialized fields in declaration order): what a frame crossing a bridge reads or writes
  // (`len`, `view`, `traced`, `pktType`, `iif`, `inDev`) comes right after the object's header, in
  // its first 80 bytes (8-byte fields here: this Node's V8 has no pointer compression).
  /** Whether every layer reports this packet's walk to the installed tracer. */
  traced = false;
  /** Packet is addressed to this host at L2 (PACKET_HOST), broadcast, multicast or other host. */
  pktType: 0 | 1 | 2 | 3 = 0;
  /** ifindex of the device it arrived on (0 = locally generated). */
  iif = 0;
  /** Name of the device it arrived on ('' = locally generated); iptables `-i` matches this. */
  inDev = '';
  /** Offset of the L3 (IPv4/ARP) header; 14 for Ethernet II. */
  network = 14;
  /** Offset of the L4 header (TCP/UDP/ICMP); set once the IPv4 header is parsed. */
  transport = 34;
  /**
   * Conntrack entry (owned by the netfilter layer; opaque here but for its count of packets holding
   * it: see {@link SkbCt}). Set and cleared by netfilter's `ctSet`/`ctReset` (and copied by
   * {@link SkBuff.clone}), which keep that count.
   */
  ct: SkbCt | null = null;
  /** Conntrack info: 0 ESTABLISHED, 1 RELATED, 2 NEW, 3 ESTABLISHED_REPLY, 4 RELATED_REPLY, -1 untracked. */
  ctinfo = -1;
  /** Netfilter mark (`-j MARK`, `-m mark`). */
  mark = 0;
  /** Trace id (changes when a bridged packet is routed, as `xtables-monitor --trace` shows). */
  traceId = 0;
  /**
   * br_netfilter state (Linux `skb->nf_bridge`): 0 none; 1 the frame went through iptables
   * PREROUTING while being bridged, so the IP stack must not run PREROUTING again when the bridge
   * passes it up (`ip_sabotage_in`).
   */
  nfBridge = 0;
  /**
   * Checksum state (Linux `skb->ip_summed`): {@link CHECKSUM_NONE} (0) for a frame whose bytes
   * nobody vouches for — every frame built by hand or received from outside the stack — so local
   * delivery verifies its L4 checksum; {@link CHECKSUM_UNNECESSARY} (1) once a namespace's own
   * output path sent it (its checksums were computed by the stack and every later rewrite, NAT
   * included, updates them incrementally), so the receiver skips the L4 checksum, as Linux trusts
   * `CHECKSUM_PARTIAL`/`CHECKSUM_UNNECESSARY` on veth. The IPv4 header checksum is always checked.
   */
  ipSummed = 0;
  /**
   * The bytes are shared with a clone (Linux `skb->cloned`): both the original and its clones are
   * marked, and whoever writes to the bytes calls {@link SkBuff.ensureWritable} first, which gives
   * this packet a copy of its own. Nothing unmarks a packet whose clones are gone (Linux counts
   * them, `dataref`): a write then copies once more than needed, never less.
   */
  cloned = false;

  /**
   * @param data The frame bytes; `data[0]` is the first byte of the Ethernet header.
   * @param len Frame length in bytes (may be less than `data.length`).
   * @param view A DataView over `data` (big-endian accessors for header fields); made when not given.
   */
  constructor(
    public data: Uint8Array,
    public len = data.length,
    public view: DataView = new DataView(data.buffer, data.byteOffset, data.byteLength),
  ) {}

  /**
   * A new SkBuff of `len` zeroed bytes. Frames up to {@link SLAB_MAX_FRAME} bytes are cut from a
   * shared slab of 32 KiB (views of one `ArrayBuffer`: much cheaper to make than a buffer per packet,
   * see `core/slab.ts`), larger ones get a buffer of their own.
   */
  static alloc(len: number): SkBuff {
    if (len > SLAB_MAX_FRAME) return new SkBuff(new Uint8Array(len), len);
    const off = slabTake(len);
    const slab = slabBuffer();
    return new SkBuff(new Uint8Array(slab, off, len), len, new DataView(slab, off, len));
  }

  /**
   * A deep copy: bytes and metadata (Linux `skb_copy`). The copy's bytes are its own, to write at
   * will; see {@link SkBuff.cloneShared} for a copy that shares them.
   */
  clone(): SkBuff {
    const c = SkBuff.alloc(this.len);
    c.data.set(this.data.subarray(0, this.len));
    return this.copyMeta(c);
  }

  /**
   * A copy of the metadata sharing the bytes (Linux `skb_clone`), for a bridge flooding a frame to
   * several ports: both packets are then {@link SkBuff.cloned}, so the first write to either goes
   * to a copy ({@link SkBuff.ensureWritable}). A flood of an ARP request over 1,000 ports used to
   * copy its bytes 999 times.
   */
  cloneShared(): SkBuff {
    this.cloned = true;
    const c = this.copyMeta(new SkBuff(this.data, this.len, this.view));
    c.cloned = true;
    return c;
  }

  /** Copies the metadata to `c` (a new packet with the same length); returns `c`. */
  private copyMeta(c: SkBuff): SkBuff {
    c.network = this.network;
    c.transport = this.transport;
    c.iif = this.iif;
    c.inDev = this.inDev;
    const ct = this.ct;
    // the copy holds the entry too (Linux skb_clone: nf_conntrack_get)
    if (ct !== null && ct.use >= 0) ct.use++;
    c.ct = ct;
    c.ctinfo = this.ctinfo;
    c.mark = this.mark;
    c.traced = this.traced;
    c.traceId = this.traceId;
    c.pktType = this.pktType;
    c.nfBridge = this.nfBridge;
    c.ipSummed = this.ipSummed;
    return c;
  }

  /**
   * Makes the bytes this packet's own before it writes to them (Linux `skb_ensure_writable`,
   * `skb_cow`): a packet sharing them with a clone gets a copy; any other packet is left as it is.
   * Every writer of a packet that may have been cloned calls it: NAT, forwarding (the TTL), the
   * link layer's header, the bridge's rewrite of a DNATed frame's destination.
   */
  ensureWritable(): void {
    if (this.cloned !== true) return;
    const own = SkBuff.alloc(this.data.length);
    own.data.set(this.data);
    this.data = own.data;
    this.view = own.view;
    this.cloned = false;
  }

  /** The frame bytes (a view, not a copy). */
  bytes(): Uint8Array {
    return this.data.subarray(0, this.len);
  }
}

/** Frames up to this many bytes are cut from a slab (an Ethernet frame of a 1,500-byte MTU is 1,514). */
export const SLAB_MAX_FRAME = SLAB_MAX;

/**
 * What {@link SkBuff.ct} refers to, seen from this layer: the netfilter layer's conntrack entry, which
 * counts the packets holding it in `use` (Linux `nf_conntrack_get`/`nf_conntrack_put`) so that the
 * table may reuse an entry no packet refers to any more; -1 = not counted (never reused).
 */
export interface SkbCt {
  /** Packets holding the entry, or -1 when the entry is not counted. */
  use: number;
}

/** `pktType` values, as Linux's PACKET_* constants. */
export const PACKET_HOST = 0;
/** `pktType`: link-layer broadcast. */
export const PACKET_BROADCAST = 1;
/** `pktType`: link-layer multicast. */
export const PACKET_MULTICAST = 2;
/** `pktType`: addressed to another host (seen in promiscuous mode). */
export const PACKET_OTHERHOST = 3;

/** `ipSummed`: no checksum guarantee; local delivery verifies the L4 checksum (Linux CHECKSUM_NONE). */
export const CHECKSUM_NONE = 0;
/** `ipSummed`: the stack computed the checksums; the receiver need not verify L4 (Linux CHECKSUM_UNNECESSARY). */
export const CHECKSUM_UNNECESSARY = 1;
