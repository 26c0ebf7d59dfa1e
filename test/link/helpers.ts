import { SkBuff } from '../../src/wire/skbuff.js';
import { readMac, writeMac } from '../../src/wire/addr.js';

/** Builds an Ethernet frame by hand: dst, src, EtherType, total length (zero payload). */
export function frame(dst: number, src: number, ethertype = 0x0800, len = 60): SkBuff {
  const skb = SkBuff.alloc(len);
  writeMac(skb.data, 0, dst);
  writeMac(skb.data, 6, src);
  skb.data[12] = ethertype >>> 8;
  skb.data[13] = ethertype & 255;
  return skb;
}

/** Destination MAC of a frame. */
export function dstOf(skb: SkBuff): number {
  return readMac(skb.data, 0);
}

/** Source MAC of a frame. */
export function srcOf(skb: SkBuff): number {
  return readMac(skb.data, 6);
}

/** A locally administered unicast MAC from a small number. */
export function mac(n: number): number {
  return 0x020000000000 + n;
}
