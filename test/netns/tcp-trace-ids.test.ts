/**
 * Trace ids of TCP segments follow the kernel's fclone memory: a SYN, data or FIN segment's pair
 * is freed when the original is acknowledged and the receiver has consumed the clone (a SYN at
 * once, data once the application read it), and the next segment takes the most recently freed
 * pair; the id also depends on the socket. Pure ACKs get a new id every time.
 */
import { describe, expect, it } from 'vitest';
import { MS } from '../../src/core/time.js';
import type { TcpSocket } from '../../src/netns/index.js';
import { rerouteTraceId } from '../../src/netns/trace.js';
import { parseIp } from '../../src/wire/addr.js';
import { lan } from './helpers.js';

interface Seg {
  dir: 'rx' | 'tx';
  flags: number;
  len: number;
  id: number;
}

const SYN = 0x02;
const FIN = 0x01;

function label(s: Seg): string {
  const f = s.flags & SYN ? 'S' : s.flags & FIN ? 'F' : s.len ? 'D' : 'A';
  return `${s.dir === 'rx' ? 'c' : 's'}${f}${s.len ? s.len : ''}`;
}

describe('TCP trace ids (fclone reuse)', () => {
  it('request reuses the SYN id; a FIN sent while the request is unread does not; the server FIN reuses its last data id once read', () => {
    const { sim, a, b } = lan();
    const seen: Seg[] = [];
    b.mustDev('eth0').taps.push((_d, skb, dir) => {
      const x = skb.data;
      if (x[23] !== 6) return;
      const t = 14 + (x[14]! & 15) * 4;
      const tot = (x[16]! << 8) | x[17]!;
      seen.push({ dir, flags: x[t + 13]!, len: tot - (t - 14) - (x[t + 12]! >>> 4) * 4, id: skb.traceId });
    });
    let server: TcpSocket | null = null;
    const l = b.tcp.listen(0, 80, (s) => {
      server = s;
      s.manualRead = true;
    });
    l.traced = true;
    const client = a.tcp.connect(parseIp('172.17.0.3'), 80, {}, { traced: true });
    client.manualRead = true;
    sim.run(1000);
    client.send('GET / HTTP/1.0\r\n\r\n');
    sim.advance(0);
    client.close(); // shutdown(SHUT_WR) while the server has not read the request
    sim.advance(1 * MS);
    server!.consume(); // the server reads the request
    server!.send('x'.repeat(207));
    sim.advance(0);
    server!.send('hello\n');
    sim.advance(0);
    client.consume(); // the client reads both segments
    server!.close();
    sim.advance(100 * MS);

    expect(seen.map(label)).toEqual(['cS', 'sS', 'cA', 'cD18', 'sA', 'cF', 'sD207', 'cA', 'sD6', 'cA', 'sF', 'cA']);
    const id = (l: string, n = 0): number => seen.filter((s) => label(s) === l)[n]!.id;
    expect(id('cD18')).toBe(id('cS'));
    expect(id('cF')).not.toBe(id('cD18'));
    expect(id('sF')).toBe(id('sD6'));
    expect(id('sD6')).not.toBe(id('sD207'));
    // pure ACKs: a new id each
    const acks = seen.filter((s) => label(s).endsWith('A')).map((s) => s.id);
    expect(new Set(acks).size).toBe(acks.length);
    // the server's segments never show a client id (the id depends on the socket's flow hash)
    const clientIds = new Set(seen.filter((s) => s.dir === 'rx').map((s) => s.id));
    for (const s of seen.filter((x) => x.dir === 'tx')) expect(clientIds.has(s.id)).toBe(false);
  });

  it('without the read, the FIN takes a new pair: unread data keeps its pair busy', () => {
    const { sim, a, b } = lan();
    const ids: Array<{ f: number; len: number; id: number }> = [];
    b.mustDev('eth0').taps.push((_d, skb, dir) => {
      const x = skb.data;
      if (dir !== 'tx' || x[23] !== 6) return;
      const t = 14 + (x[14]! & 15) * 4;
      const tot = (x[16]! << 8) | x[17]!;
      ids.push({ f: x[t + 13]!, len: tot - (t - 14) - (x[t + 12]! >>> 4) * 4, id: skb.traceId });
    });
    let server: TcpSocket | null = null;
    b.tcp.listen(0, 80, (s) => (server = s));
    const client = a.tcp.connect(parseIp('172.17.0.3'), 80, {});
    client.manualRead = true;
    sim.run(1000);
    server!.send('hello\n');
    sim.advance(0);
    server!.close();
    sim.advance(100 * MS);
    const data = ids.find((s) => s.len === 6)!;
    const fin = ids.find((s) => s.f & FIN)!;
    expect(fin.id).not.toBe(data.id);
  });

  it('a routed copy keeps a stable id per skb and input interface', () => {
    expect(rerouteTraceId(0x1234, 3)).toBe(rerouteTraceId(0x1234, 3));
    expect(rerouteTraceId(0x1234, 3)).not.toBe(rerouteTraceId(0x1234, 4));
    expect(rerouteTraceId(0x1234, 3)).not.toBe(rerouteTraceId(0x1235, 3));
  });
});
