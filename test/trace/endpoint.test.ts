/** --from/--to parsing and resolution, the hop formatters, verdict words. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { chooseProto, parseTarget, resolveSource, resolveTarget } from '../../src/trace/endpoint.js';
import { Lab } from '../../src/trace/lab.js';
import { verdictText } from '../../src/trace/probe.js';
import { mermaidId, mermaidText } from '../../src/trace/format/trace-mermaid.js';
import { makeStyle } from '../../src/trace/format/style.js';

describe('parseTarget / chooseProto', () => {
  it('reads NAME, NAME:PORT, NAME:PORT/PROTO, IPs', () => {
    expect(parseTarget('db')).toEqual({ name: 'db', port: null, proto: null });
    expect(parseTarget('db:5432')).toEqual({ name: 'db', port: 5432, proto: null });
    expect(parseTarget('db:53/udp')).toEqual({ name: 'db', port: 53, proto: 'udp' });
    expect(parseTarget('172.18.0.3:80/TCP')).toEqual({ name: '172.18.0.3', port: 80, proto: 'tcp' });
    for (const bad of ['', 'db:', 'db:x', 'a b', 'db:80/sctp', 'db:0', 'db:65536', 'db:80:81']) expect(() => parseTarget(bad), bad).toThrow(UsageError);
  });

  it('picks icmp without a port, tcp with one, and refuses contradictions', () => {
    expect(chooseProto(parseTarget('db'), {})).toBe('icmp');
    expect(chooseProto(parseTarget('db:80'), {})).toBe('tcp');
    expect(chooseProto(parseTarget('db:53'), { udp: true })).toBe('udp');
    expect(chooseProto(parseTarget('db:53/udp'), {})).toBe('udp');
    expect(() => chooseProto(parseTarget('db:80'), { icmp: true })).toThrow('--icmp takes no port (got :80)');
    expect(() => chooseProto(parseTarget('db'), { udp: true })).toThrow('--udp needs a port: --to db:PORT');
    expect(() => chooseProto(parseTarget('db:53/udp'), { tcp: true })).toThrow("--tcp contradicts '/udp' in --to");
    expect(() => chooseProto(parseTarget('db:53'), { tcp: true, udp: true })).toThrow('choose one of --icmp, --udp, --tcp');
  });
});

describe('resolution against a lab', () => {
  const lab = Lab.load('examples/scenarios/cross-network');

  it('host, container names, addresses, host:PORT', () => {
    const host = resolveSource(lab, 'host');
    expect(host.ns).toBe(lab.engine.host);
    const web = resolveSource(lab, 'web');
    expect(web.container?.name).toBe('web');
    expect(resolveTarget(lab, web, parseTarget('db:5432'))).toMatchObject({ ip: '172.19.0.2', port: 5432, label: 'db@backend', container: 'db' });
    expect(resolveTarget(lab, web, parseTarget('host:8080'))).toMatchObject({ ip: '172.18.0.1', label: 'host (gateway of frontend)' });
    expect(resolveTarget(lab, host, parseTarget('host:8080'))).toMatchObject({ ip: '127.0.0.1' });
    expect(resolveTarget(lab, host, parseTarget('172.19.0.1'))).toMatchObject({ label: 'gateway@backend (host)', container: null });
    expect(resolveTarget(lab, host, parseTarget('172.18.0.2'))).toMatchObject({ label: 'web@frontend', container: 'web' });
  });

  it('unknown names are one-line usage errors listing what exists', () => {
    expect(() => resolveSource(lab, 'nope')).toThrow("unknown container 'nope' (containers: host, db, web)");
    expect(() => resolveTarget(lab, resolveSource(lab, 'web'), parseTarget('nope'))).toThrow("unknown target 'nope' (containers: host, db, web)");
  });
});

describe('formatting helpers', () => {
  it('verdict words', () => {
    expect(verdictText('0xfffffffb')).toBe('RETURN');
    expect(verdictText('JUMP:DOCKER')).toBe('JUMP DOCKER');
    expect(verdictText('ACCEPT')).toBe('ACCEPT');
  });

  it('mermaid ids and text are safe', () => {
    expect(mermaidId('t-a')).toBe('t_a');
    expect(mermaidId('1web')).toBe('n_1web');
    expect(mermaidText('a;b #1 <x> -->y')).toBe('a,b no. 1 ‹x› →y');
  });

  it('styles are the identity without colour', () => {
    expect(makeStyle(false).red('x')).toBe('x');
    expect(makeStyle(true).red('x')).toBe('\x1b[31mx\x1b[39m');
  });
});
