import { describe, expect, it } from 'vitest';
import { Engine, iptablesSave } from '../../src/docker/engine.js';
import { runProbeScript } from '../../src/docker/oracle/probe.js';
import { normalizeXtablesTrace } from '../../src/docker/oracle/xt-trace.js';

function traceOf(e: Engine, line: string): Map<string, string> {
  const raw = new Map<string, string>();
  runProbeScript(e, line + '\n', raw);
  return raw;
}

describe('probe trace steps: xtables-monitor --trace', () => {
  it('prints the bridged ping and its reply through raw, nat and filter FORWARD (NOTES 35)', () => {
    const e = new Engine({ seed: 5 });
    e.exec('docker run -d --name ta mini:latest sleep 1000');
    e.exec('docker run -d --name tb mini:latest sleep 1000');
    e.exec(['docker', 'exec', 'ta', 'ping', '-c', '1', '-W', '1', '172.17.0.3']);
    const raw = traceOf(e, `trace a 'PREROUTING -p icmp' -- docker exec ta ping -c 1 -W 1 172.17.0.3`);
    expect(raw.get('trace-a.cmd.txt')).toMatch(/^\$ docker exec ta ping -c 1 -W 1 172\.17\.0\.3\n.*1 packets received.*\[exit 0\]\n$/s);
    const t = normalizeXtablesTrace(raw.get('trace-a.txt')!);
    const lines = t.split('\n');
    expect(lines[0]).toMatch(
      /^PACKET: 2 t1 IN=docker0 MACSRC=2:42:ac:11:0:2 MACDST=2:42:ac:11:0:3 MACPROTO=0800 SRC=172\.17\.0\.2 DST=172\.17\.0\.3 LEN=84 TOS=0x0 TTL=64 ID=<ipid> DF $/,
    );
    expect(lines[1]).toBe(' TRACE: 2 t1 raw:PREROUTING:rule:<h>:CONTINUE  -4 -t raw -A PREROUTING -p icmp -j TRACE');
    expect(lines[2]).toBe(' TRACE: 2 t1 raw:PREROUTING:policy:ACCEPT ');
    // the bridged packet's POSTROUTING shows the link-layer header as raw bytes (signed chars)
    expect(t).toContain('PACKET: 2 t1 OUT=docker0 LL=0x0 0242ffffffac1100030242ffffffac1100020800 SRC=172.17.0.2');
    expect(t).toContain(' TRACE: 2 t2 filter:FORWARD:rule:<h>:ACCEPT  -4 -t filter -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    // no filter INPUT/OUTPUT hook is registered (NOTES 39)
    expect(t).not.toContain('filter:INPUT');
    // the TRACE rules and the raw table are gone afterwards
    expect(iptablesSave(e, e.host)).not.toContain('*raw');
  });

  it('shows a blocked cross-network packet under a new id after routing (NOTES 37, 40)', () => {
    const e = new Engine({ seed: 6 });
    e.exec('docker network create n1');
    e.exec('docker network create n2');
    e.exec('docker run -d --name ca --network n1 mini:latest sleep 1000');
    e.exec('docker run -d --name cb --network n2 mini:latest sleep 1000');
    e.exec(['docker', 'exec', 'ca', 'ping', '-c', '1', '-W', '1', '172.18.0.1']);
    const raw = traceOf(e, `trace c 'PREROUTING -p icmp' -- docker exec ca ping -c 1 -W 1 172.19.0.2`);
    expect(raw.get('trace-c.cmd.txt'), [...raw].join('\n')).toContain('[exit 1]');
    const t = normalizeXtablesTrace(raw.get('trace-c.txt')!);
    expect(t).toMatch(/^PACKET: 2 t2 IN=br-\S+ OUT=br-\S+ MACSRC=2:42:ac:12:0:2 .* TTL=63 /m);
    expect(t.trimEnd().split('\n').pop()).toMatch(/^ TRACE: 2 t2 filter:DOCKER-ISOLATION-STAGE-2:rule:<h>:DROP  -4 -t filter -A DOCKER-ISOLATION-STAGE-2 -o br-\S+ -j DROP$/);
    // the echo never arrives, so no reply is traced
    expect(t).not.toContain('t3');
  });

  it('normalises ids, handles, IP ids and client ports as normalize.py does', () => {
    const txt =
      'PACKET: 2 8a1b2c3d OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=60 TOS=0x0 TTL=64 ID=4242 DF SPORT=40000 DPORT=8080 SYN \n' +
      ' TRACE: 2 8a1b2c3d raw:OUTPUT:rule:0x1f:CONTINUE  -4 -t raw -A OUTPUT -j TRACE\n' +
      'PACKET: 2 0000beef OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=60 TOS=0x0 TTL=64 ID=7 SPORT=8080 DPORT=40000 SYN ACK \n';
    expect(normalizeXtablesTrace(txt)).toBe(
      'PACKET: 2 t1 OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=60 TOS=0x0 TTL=64 ID=<ipid> DF SPORT=<cport> DPORT=8080 SYN \n' +
        ' TRACE: 2 t1 raw:OUTPUT:rule:<h>:CONTINUE  -4 -t raw -A OUTPUT -j TRACE\n' +
        'PACKET: 2 t2 OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=60 TOS=0x0 TTL=64 ID=<ipid> SPORT=8080 DPORT=<cport> SYN ACK \n',
    );
  });
});
