/**
 * TCP segmentation and acknowledgement as Linux does them: Nagle (Minshall's variant) holds a
 * short write while an earlier short segment is unacknowledged, TCP_NODELAY does not; a FIN rides
 * on data still held; the first data of a connection is acknowledged at once (quick-ACK mode),
 * later ones after the 40 ms delayed-ACK timeout; a FIN received makes the connection interactive
 * (ping-pong), so its ACK waits for a reply or the timer.
 */
import { describe, expect, it } from 'vitest';
import { MS } from '../../src/core/time.js';
import type { TcpSocket } from '../../src/netns/index.js';
import { ncTcp } from '../../src/netns/index.js';
import { parseIp } from '../../src/wire/addr.js';
import { capture, lan } from './helpers.js';
import type { Seen } from './helpers.js';

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

interface Seg {
  dir: 'rx' | 'tx';
  flags: number;
  len: number;
  t: number;
}

/** The TCP segments of `frames` (IPv4 over Ethernet): direction, flags, payload length, time. */
function segs(frames: Seen[]): Seg[] {
  const out: Seg[] = [];
  for (const f of frames) {
    const b = f.bytes;
    if (b[12] !== 8 || b[13] !== 0 || b[23] !== 6) continue;
    const ihl = (b[14]! & 15) * 4;
    const tot = (b[16]! << 8) | b[17]!;
    const t = 14 + ihl;
    const doff = (b[t + 12]! >>> 4) * 4;
    out.push({ dir: f.dir, flags: b[t + 13]!, len: tot - ihl - doff, t: f.t });
  }
  return out;
}

const show = (s: Seg[]): string[] =>
  s.map((x) => {
    const f = [x.flags & TCP_SYN ? 'S' : '', x.flags & TCP_PSH ? 'P' : '', x.flags & TCP_FIN ? 'F' : '', x.flags & TCP_ACK ? '.' : ''].join('');
    return `${x.dir} ${f}${x.len ? ` ${x.len}` : ''}`;
  });

/**
 * a connects to b:80; `onServer` runs with b's accepted socket once established (after the
 * handshake has drained). Returns the segments seen on b's eth0 from then on.
 */
function setup(onServer: (s: TcpSocket, client: TcpSocket) => void): { segs: () => Seg[]; client: TcpSocket; advance: (ms: number) => void } {
  const { sim, a, b } = lan();
  let server: TcpSocket | null = null;
  b.tcp.listen(0, 80, (s) => (server = s));
  const client = a.tcp.connect(parseIp('172.17.0.3'), 80, {});
  sim.run(1000);
  expect(client.state).toBe('ESTABLISHED');
  expect(server).not.toBeNull();
  const frames = capture([b.mustDev('eth0')]);
  onServer(server!, client);
  sim.advance(0);
  return { segs: () => segs(frames), client, advance: (ms) => sim.advance(ms * MS) };
}

describe('TCP: Nagle', () => {
  it('a short second write waits for the ACK of the first (two writes, two segments, ACK between)', () => {
    const r = setup((s) => {
      s.send('x'.repeat(207));
      s.send('hello\n');
    });
    expect(show(r.segs())).toEqual(['tx P. 207', 'rx .', 'tx P. 6', 'rx .']);
  });

  it('writes held meanwhile go out together, in one segment', () => {
    const r = setup((s) => {
      s.send('x'.repeat(100));
      s.send('abc');
      s.send('def');
    });
    expect(show(r.segs())).toEqual(['tx P. 100', 'rx .', 'tx P. 6', 'rx .']);
  });

  it('TCP_NODELAY: both writes go out at once', () => {
    const r = setup((s) => {
      s.nodelay = true;
      s.send('x'.repeat(207));
      s.send('hello\n');
    });
    const seen = show(r.segs());
    expect(seen.slice(0, 2)).toEqual(['tx P. 207', 'tx P. 6']);
    expect(seen.slice(2).every((x) => x === 'rx .')).toBe(true);
  });

  it('full-sized segments are not held: 3000 bytes leave as 1448 + 1448 + 104 at once', () => {
    const r = setup((s) => s.send('y'.repeat(3000)));
    const tx = r.segs().filter((x) => x.dir === 'tx');
    expect(tx.map((x) => x.len)).toEqual([1448, 1448, 104]);
    expect(tx[2]!.flags & TCP_PSH).toBe(TCP_PSH);
  });

  it('close() sends held data at once, with the FIN on it', () => {
    const r = setup((s) => {
      s.send('x'.repeat(100));
      s.send('tail');
      s.close();
    });
    const seen = show(r.segs());
    // the second segment leaves before any ACK came back, carrying the FIN
    expect(seen.slice(0, 2)).toEqual(['tx P. 100', 'tx PF. 4']);
  });
});

describe('TCP: delayed ACK', () => {
  it('quick ACK at connection start: the first data is acknowledged at once', () => {
    const r = setup((_s, c) => c.send('GET / HTTP/1.0\r\n\r\n'));
    const seen = r.segs();
    expect(show(seen)).toEqual(['rx P. 18', 'tx .']);
    expect(seen[1]!.t).toBe(seen[0]!.t);
  });

  it('a FIN received makes the connection interactive: its ACK waits 40 ms (or rides on a reply)', () => {
    const r = setup((_s, c) => {
      c.send('GET / HTTP/1.0\r\n\r\n');
    });
    r.client.close();
    r.advance(0);
    const before = r.segs();
    expect(show(before)).toEqual(['rx P. 18', 'tx .', 'rx F.']);
    r.advance(39);
    expect(r.segs().length).toBe(3);
    r.advance(1);
    const after = r.segs();
    expect(show(after)).toEqual(['rx P. 18', 'tx .', 'rx F.', 'tx .']);
    expect(after[3]!.t - after[2]!.t).toBe(40 * MS);
  });

  it('the ACK of a FIN rides on the reply sent before the timer', () => {
    let server: TcpSocket | null = null;
    const r = setup((s, c) => {
      server = s;
      c.send('GET / HTTP/1.0\r\n\r\n');
    });
    r.client.close();
    r.advance(1);
    server!.send('reply');
    r.advance(100);
    expect(show(r.segs())).toEqual(['rx P. 18', 'tx .', 'rx F.', 'tx P. 5', 'rx .']);
  });

  it('after the quick ACKs (16) are spent, data is acknowledged after the delayed-ACK timeout', () => {
    const r = setup(() => {});
    for (let i = 0; i < 17; i++) {
      r.client.send('z');
      r.advance(50);
    }
    const seen = r.segs();
    const acks = seen.filter((x) => x.dir === 'tx');
    const data = seen.filter((x) => x.dir === 'rx');
    expect(data.length).toBe(17);
    expect(acks.length).toBe(17);
    for (let i = 0; i < 16; i++) expect(acks[i]!.t).toBe(data[i]!.t);
    expect(acks[16]!.t - data[16]!.t).toBe(40 * MS);
  });

  it('busybox nc: request, the server kernel ACK, then the half-close FIN', () => {
    const { sim, a, b } = lan();
    let server: TcpSocket | null = null;
    b.tcp.listen(0, 80, (s) => (server = s), {
      onData(s) {
        // the application answers later (it is scheduled after the kernel's work)
        sim.schedule(1 * MS, () => {
          s.send('HTTP/1.0 200 OK\r\n\r\n');
          s.close();
        });
      },
    });
    const frames = capture([b.mustDev('eth0')]);
    const res = ncTcp(a, '172.17.0.3', 80, 'GET / HTTP/1.0\r\n\r\n');
    expect(server).not.toBeNull();
    expect(res.response).toBe('HTTP/1.0 200 OK\r\n\r\n');
    expect(show(segs(frames))).toEqual([
      'rx S',
      'tx S.',
      'rx .',
      'rx P. 18',
      'tx .', // quick ACK of the request
      'rx F.', // nc's shutdown(SHUT_WR)
      'tx P. 19', // the answer carries the (delayed) ACK of the FIN
      'tx F.', // close() after the data went out: a FIN segment of its own
      'rx .',
      'rx .',
    ]);
  });
});

describe('TCP: duplicate FIN', () => {
  it('a retransmitted FIN (its ACK lost) is answered with an ACK at once', async () => {
    const { SkBuff } = await import('../../src/wire/skbuff.js');
    const { sim, a, b } = lan();
    let server: TcpSocket | null = null;
    b.tcp.listen(0, 80, (s) => (server = s));
    const client = a.tcp.connect(parseIp('172.17.0.3'), 80, {});
    sim.run(1000);
    let fin: Uint8Array | null = null;
    a.mustDev('eth0').taps.push((_d, skb, dir) => {
      const x = skb.data;
      if (dir === 'tx' && x[23] === 6 && x[14 + (x[14]! & 15) * 4 + 13]! & TCP_FIN) fin = skb.bytes().slice();
    });
    client.close();
    sim.advance(100 * MS); // the server's delayed ACK went out at 40 ms
    expect(server!.state).toBe('CLOSE_WAIT');
    const frames = capture([b.mustDev('eth0')]);
    sim.post(b.mustDev('eth0'), new SkBuff(fin!.slice()));
    sim.advance(0);
    expect(show(segs(frames))).toEqual(['rx F.', 'tx .']);
  });
});
