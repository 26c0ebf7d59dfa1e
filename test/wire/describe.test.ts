import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as w from '../../src/wire/index.js';
import { ethernetFrame, arpPacket, icmpPacket, udpDatagram, tcpSegment, malformedFrame } from '../../src/arbitraries/packets.js';

const hasTcpdump = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;

const A = 0xac110002, B = 0xac110003, MA = 0x0242ac110002, MB = 0x0242ac110003;
const ip = { srcMac: MA, dstMac: MB, src: A, dst: B };
const back = { srcMac: MB, dstMac: MA, src: B, dst: A };

function corpus(): w.SkBuff[] {
  const udp = w.buildUdp(ip, 40000, 9999, new Uint8Array(5));
  const q = w.encodeDns(w.dnsQuery(6699, 'web'));
  const r = w.encodeDns(w.dnsResponse(w.dnsQuery(6699, 'web'), 0, [w.dnsCnameRecord('web', 'web.mynet'), w.dnsARecord('web.mynet', 0xac120002)]));
  const nx = w.encodeDns(w.dnsResponse(w.dnsQuery(6700, 'nope'), w.DnsRcode.NxDomain));
  const refused = w.encodeDns(w.dnsResponse(w.dnsQuery(6701, 'x.example'), w.DnsRcode.Refused));
  const unreach = Array.from({ length: 16 }, (_, code) => w.buildIcmpError(3, code, back, udp, { info: code === 4 ? 1400 : 0 }));
  return [
    w.buildArp(1, MA, A, 0, B),
    w.buildArp(2, MB, B, MA, A),
    w.buildIcmpEcho(8, ip, 1, 1, new Uint8Array(56)),
    w.buildIcmpEcho(0, back, 1, 1, new Uint8Array(56)),
    udp,
    ...unreach,
    w.buildIcmpError(11, 0, back, udp),
    w.buildIcmpError(11, 1, back, udp),
    w.buildUdp(ip, 40000, 53, q),
    w.buildUdp(back, 53, 40000, r),
    w.buildUdp(back, 53, 40000, nx),
    w.buildUdp(back, 53, 40000, refused),
    w.buildTcp(ip, { sport: 40000, dport: 5555, seq: 1000, ack: 0, flags: w.TCP_SYN, window: 64240, options: [{ kind: 'mss', mss: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', tsval: 1, tsecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }] }),
    w.buildTcp(back, { sport: 5555, dport: 40000, seq: 5000, ack: 1001, flags: w.TCP_SYN | w.TCP_ACK, window: 65160, options: [{ kind: 'mss', mss: 1460 }] }),
    w.buildTcp(ip, { sport: 40000, dport: 5555, seq: 1001, ack: 5001, flags: w.TCP_ACK | w.TCP_PSH, window: 502 }, new Uint8Array(10)),
    w.buildTcp(ip, { sport: 40000, dport: 5555, seq: 1011, ack: 5001, flags: w.TCP_ACK | w.TCP_FIN, window: 502 }),
    w.buildTcp(ip, { sport: 40000, dport: 5555, seq: 1011, ack: 0, flags: w.TCP_RST, window: 0 }),
    w.buildTcp(ip, { sport: 40000, dport: 5555, seq: 7, ack: 9, flags: w.TCP_ACK | w.TCP_URG | w.TCP_ECE | w.TCP_CWR, window: 1, urgent: 3 }),
  ];
}

describe('describeFrame', () => {
  it('prints the examples of the brief', () => {
    expect(w.describeFrame(w.buildArp(1, MA, A, 0, B).bytes())).toBe(
      '02:42:ac:11:00:02 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 172.17.0.3 tell 172.17.0.2',
    );
    expect(w.describeFrame(w.buildIcmpEcho(8, ip, 1, 1, new Uint8Array(56)).bytes())).toBe(
      '172.17.0.2 > 172.17.0.3: ICMP echo request, id 1, seq 1, length 64',
    );
    expect(w.describeFrame(w.buildTcp(ip, { sport: 40000, dport: 80, seq: 1, ack: 0, flags: w.TCP_SYN, window: 10 }).bytes())).toBe(
      '172.17.0.2.40000 > 172.17.0.3.80: Flags [S], seq 1, win 10, length 0',
    );
  });
  it('marks malformed parts instead of throwing', () => {
    expect(w.describeFrame(new Uint8Array(3))).toMatch(/^\[\|ether: /);
    const bad = w.buildUdp(ip, 1, 2, new Uint8Array(4)).bytes().slice();
    bad[40] ^= 0xff; // UDP checksum
    expect(w.describeFrame(bad)).toMatch(/\[\|udp: .*checksum/);
    const v6 = new Uint8Array(60);
    v6[12] = 0x86; v6[13] = 0xdd;
    expect(w.describeFrame(v6)).toBe('00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype 0x86dd, length 60');
  });
  it('never throws, on well-formed, malformed and random frames', () => {
    const any = fc.oneof(
      ethernetFrame().map((f) => f.bytes), arpPacket().map((f) => f.bytes), icmpPacket().map((f) => f.bytes),
      udpDatagram().map((f) => f.bytes), tcpSegment().map((f) => f.bytes), malformedFrame().map((m) => m.bytes),
      fc.uint8Array({ maxLength: 80, size: 'max' }),
    );
    fc.assert(fc.property(any, (b) => { expect(typeof w.describeFrame(b)).toBe('string'); }));
  });
  it.skipIf(!hasTcpdump)('matches `tcpdump -nn -S -t` line by line', () => {
    const frames = corpus();
    const p = new w.PcapWriter();
    frames.forEach((f, i) => p.addFrame(i, f.bytes()));
    const dir = mkdtempSync(join(tmpdir(), 'dockernet-desc-'));
    const file = join(dir, 'c.pcap');
    writeFileSync(file, p.toBytes());
    const r = spawnSync('tcpdump', ['-nn', '-S', '-t', '-r', file], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(frames.length);
    frames.forEach((f, i) => {
      const ours = w.describeFrame(f.bytes());
      const theirs = lines[i]!;
      if (w.ethType(f) === w.ETH_P_ARP) expect(`ARP, ${ours.split(', ARP, ')[1]}, length 28`).toBe(theirs);
      else expect(`IP ${ours}`).toBe(theirs);
    });
  });
});
