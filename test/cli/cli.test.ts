/**
 * The CLI as a user runs it: `node dist/cli/main.js …` in a child process, for every command and
 * format, checking stdout, stderr and the exit status (0 ok/delivered, 1 dropped/failed, 2 bad
 * input). Build first with `npx tsup`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_SHARED_ORACLE, SHARED_ORACLE } from '../helpers/paths.js';

const CLI = 'dist/cli/main.js';
const built = existsSync(CLI);
const WEBDB = 'examples/scenarios/web-db';
const CROSS = 'examples/scenarios/cross-network';
const COMPOSE = 'examples/compose/docker-compose.yml';

function run(...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '' }, timeout: 120_000 });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

describe.skipIf(!built)('dockernet CLI (child process)', () => {
  describe('trace', () => {
    it('text: delivered, exit 0, every kind of hop in order', () => {
      const r = run('trace', WEBDB, '--from', 'web', '--to', 'db:5432');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^trace web → db \(db@app, 172\.18\.0\.2:5432\/tcp\)/);
      expect(r.out).toContain('request:');
      expect(r.out).toContain('reply:');
      expect(r.out).toMatch(/filter:FORWARD #\d+ {2}-A FORWARD -i br-[0-9a-f]{12} -o br-[0-9a-f]{12} -j ACCEPT {2}→ ACCEPT/);
      expect(r.out).toMatch(/FDB 02:42:ac:12:00:02 is at veth[0-9a-f]{7} \(learned\)/);
      expect(r.out).toContain('conntrack NEW');
      expect(r.out).not.toContain('\x1b[');
      expect(r.out.trimEnd().split('\n').pop()).toBe('RESULT: delivered — db accepted the connection on 172.18.0.2:5432/tcp (SYN-ACK came back)');
    });

    it('text: dropped by isolation, exit 1, the rule named', () => {
      const r = run('trace', CROSS, '--from', 'web', '--to', 'db:5432');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/RESULT: dropped — dropped by filter DOCKER-ISOLATION-STAGE-2 rule 1: -A DOCKER-ISOLATION-STAGE-2 -o br-[0-9a-f]{12} -j DROP — network isolation/);
    });

    it('json: stable document with version, legs, hops and outcome', () => {
      const r = run('trace', CROSS, '--from', 'web', '--to', 'db', '--format', 'json');
      expect(r.code).toBe(1);
      const j = JSON.parse(r.out);
      expect(j.version).toBe(1);
      expect(j.proto).toBe('icmp');
      expect(j.to).toMatchObject({ name: 'db', ip: '172.19.0.2', port: null, container: 'db' });
      expect(j.outcome).toMatchObject({ result: 'dropped', at: { ns: 'host', table: 'filter', chain: 'DOCKER-ISOLATION-STAGE-2', pos: 1 } });
      const rules = j.legs[0].hops.filter((h: { kind: string }) => h.kind === 'rule').map((h: { chain: string; verdict: string }) => `${h.chain}:${h.verdict}`);
      expect(rules).toEqual(['FORWARD:JUMP:DOCKER-USER', 'DOCKER-USER:0xfffffffb', 'FORWARD:JUMP:DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-1:JUMP:DOCKER-ISOLATION-STAGE-2', 'DOCKER-ISOLATION-STAGE-2:DROP']);
      for (const h of j.legs[0].hops) expect(Object.keys(h)).toEqual(expect.arrayContaining(['n', 'dir', 'ns', 'layer', 'kind', 'text']));
    });

    it('mermaid: a sequence diagram of the path', () => {
      const r = run('trace', WEBDB, '--from', 'host', '--to', 'host:8080', '--format', 'mermaid');
      expect(r.code).toBe(0);
      const lines = r.out.trimEnd().split('\n');
      expect(lines[0]).toBe('sequenceDiagram');
      for (const l of lines.slice(1)) expect(l).toMatch(/^ {2}(participant [A-Za-z_][A-Za-z0-9_]* as [^;#]+|[A-Za-z_][A-Za-z0-9_]*(->>|-->>)[A-Za-z_][A-Za-z0-9_]*: [^;#]+|Note over [A-Za-z_][A-Za-z0-9_]*: [^;#]+)$/);
      expect(r.out).toContain('participant web as web');
      expect(r.out).toContain('Note over host: docker-proxy → web 172.18.0.3:80/tcp');
    });

    it('host:PORT from a container goes through docker-proxy (two legs), --udp to a closed port is dropped', () => {
      const r = run('trace', WEBDB, '--from', 'db', '--to', 'host:8080', '--format', 'json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.legs.map((l: { title: string }) => l.title)).toEqual(['db → host:8080/tcp', 'docker-proxy → web 172.18.0.3:80/tcp']);
      const u = run('trace', WEBDB, '--from', 'web', '--to', 'db:53', '--udp');
      expect(u.code).toBe(1);
      expect(u.out).toContain('RESULT: dropped — port closed: nothing listens on 172.18.0.2:53/udp in db');
      const ip = run('trace', WEBDB, '--from', 'host', '--to', '172.18.0.3', '--icmp');
      expect(ip.code).toBe(0);
    });

    it('--pcap writes a pcapng', () => {
      const dir = mkdtempSync(join(tmpdir(), 'dockernet-cli-'));
      const f = join(dir, 'x.pcapng');
      const r = run('trace', WEBDB, '--from', 'web', '--to', 'db:5432', '--pcap', f);
      expect(r.code).toBe(0);
      expect(readFileSync(f).readUInt32LE(0)).toBe(0x0a0d0d0a);
    });

    it('bad input: one line, exit 2, no stack trace', () => {
      const cases: Array<[string[], RegExp]> = [
        [['trace', WEBDB, '--from', 'nope', '--to', 'db'], /^dockernet: unknown container 'nope' \(containers: host, db, web\)\n$/],
        [['trace', WEBDB, '--from', 'web', '--to', 'db:99999'], /^dockernet: bad port in --to 'db:99999': must be 1-65535\n$/],
        [['trace', WEBDB, '--from', 'web', '--to', 'db:80', '--icmp'], /^dockernet: --icmp takes no port \(got :80\)\n$/],
        [['trace', WEBDB, '--from', 'web', '--to', 'db', '--format', 'xml'], /^dockernet: option '--format <format>' argument 'xml' is invalid\. Allowed choices are text, json, mermaid\.\n/],
        [['trace', 'no/such/dir', '--from', 'web', '--to', 'db'], /^dockernet: scenario not found: no\/such\/dir\n$/],
        [['trace', WEBDB, '--to', 'db'], /^dockernet: required option '--from <name>' not specified\n/],
        [['frobnicate'], /^dockernet: unknown command 'frobnicate'\n/],
        [['trace', WEBDB, '--from', 'web', '--to', 'db', '--bogus'], /^dockernet: unknown option '--bogus'\n/],
      ];
      for (const [args, re] of cases) {
        const r = run(...args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.err, args.join(' ')).toMatch(re);
        expect(r.err).not.toMatch(/\n\s+at /);
        expect(r.out).toBe('');
      }
    });
  });

  describe('reach', () => {
    it('table, tsv and json; exit 1 when something is unreachable, 0 when all is', () => {
      const t = run('reach', CROSS);
      expect(t.code).toBe(1);
      expect(t.out.split('\n')[0]).toMatch(/^FROM +TO +PROTO +RESULT +TARGET +REASON$/);
      expect(t.out).toMatch(/\d+\/\d+ reachable\n$/);
      const tsv = run('reach', CROSS, '--format', 'tsv');
      expect(tsv.out.split('\n')[0]).toBe('#from\tto\tproto\tresult\ttarget\tdetail\treason');
      expect(tsv.out).toMatch(/\nweb\t172\.19\.0\.2:5432\ttcp\tfail\tdb@backend\ttimed out\tdropped by filter DOCKER-ISOLATION-STAGE-2/);
      const j = JSON.parse(run('reach', CROSS, '--format', 'json', '--no-explain').out);
      expect(j.version).toBe(1);
      expect(j.rows.length).toBe(tsv.out.trim().split('\n').length - 1);
      expect(run('reach', WEBDB, '--format', 'tsv').code).toBe(0);
    });
  });

  describe('graph', () => {
    it('mermaid flowchart and dot digraph', () => {
      const m = run('graph', WEBDB);
      expect(m.code).toBe(0);
      expect(m.out.split('\n')[0]).toBe('flowchart LR');
      expect(m.out).toMatch(/subgraph ns_web\["container web"\]/);
      expect(m.out).toMatch(/p_0_0_0_0_8080_tcp\(\["0\.0\.0\.0:8080\/tcp"\]\)/);
      expect(m.out).toContain('-->|"DNAT → 172.18.0.3:80"| c_web_eth0');
      const d = run('graph', WEBDB, '--format', 'dot');
      expect(d.code).toBe(0);
      expect(d.out.startsWith('digraph dockernet {')).toBe(true);
      expect(d.out.trimEnd().endsWith('}')).toBe(true);
      const dot = spawnSync('dot', ['-Tsvg'], { input: d.out, encoding: 'utf8' });
      if (dot.status !== null && !dot.error) expect(dot.status).toBe(0);
    });
  });

  describe('replay and exec', () => {
    it('replay prints $ cmd, output and [exit N]', () => {
      const r = run('replay', WEBDB);
      expect(r.code).toBe(0);
      expect(r.out.split('\n').slice(0, 3)).toEqual(['$ docker network create app', expect.stringMatching(/^[0-9a-f]{64}$/), '[exit 0]']);
    });

    it('exec in a container and on the host', () => {
      const a = run('exec', WEBDB, 'web', '--', 'ip', 'route');
      expect(a.code).toBe(0);
      expect(a.out).toBe('default via 172.18.0.1 dev eth0 \n172.18.0.0/16 dev eth0 scope link  src 172.18.0.3 \n');
      const h = run('exec', WEBDB, 'host', '--', 'iptables-save');
      expect(h.code).toBe(0);
      expect(h.out).toContain('-A DOCKER ! -i br-');
      expect(run('exec', WEBDB, 'nope', '--', 'ip', 'addr').code).toBe(2);
    });

    it('exec -i passes standard input (docker exec -i), -w sets the working directory', () => {
      const r = spawnSync(process.execPath, [CLI, 'exec', '-i', WEBDB, 'web', '--', 'nc', 'db', '5432'], { encoding: 'utf8', input: 'GET / HTTP/1.0\r\n\r\n', timeout: 120_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello\n$/);
      const w = run('exec', '-w', '/www', WEBDB, 'web', '--', 'sh', '-c', 'pwd; cat index.html');
      expect(w.out).toBe('/www\nhello\n');
    });
  });

  describe('compose', () => {
    it('config, up, trace, reach, graph', () => {
      const c = run('compose', COMPOSE);
      expect(c.code).toBe(0);
      expect(c.out).toContain('docker network create --label com.docker.compose.network=front');
      expect(run('compose', COMPOSE, 'up').out).toContain('$ docker start shop-web-1\nshop-web-1\n[exit 0]');
      const t = run('compose', COMPOSE, 'trace', '--from', 'admin', '--to', 'db:5432');
      expect(t.code).toBe(1);
      expect(t.out).toContain('DOCKER-ISOLATION-STAGE-2');
      expect(run('compose', COMPOSE, 'trace', '--from', 'web', '--to', 'database:5432', '--format', 'json').code).toBe(0);
      expect(run('compose', COMPOSE, 'graph', '--format', 'dot').out).toContain('network shop_back');
      expect(run('compose', COMPOSE, 'reach', '--format', 'tsv', '--no-explain').code).toBe(1);
    });

    it('bad files: one line, exit 2', () => {
      const dir = mkdtempSync(join(tmpdir(), 'dockernet-compose-'));
      const f = join(dir, 'docker-compose.yml');
      writeFileSync(f, 'services:\n  web:\n    image: x\n    ports: [80:abc]\n');
      const r = run('compose', f);
      expect(r.code).toBe(2);
      expect(r.err).toBe('dockernet: services.web.ports[0]: invalid port "80:abc": expected [[HOST_IP:]HOST_PORT:]CONTAINER_PORT[/PROTOCOL]\n');
      expect(run('compose', join(dir, 'missing.yml')).err).toBe(`dockernet: no such file: ${join(dir, 'missing.yml')}\n`);
    });
  });

  describe('observe and oracle', () => {
    it.skipIf(!HAVE_SHARED_ORACLE)('observe writes the observed/ files of a scenario', () => {
      const dir = mkdtempSync(join(tmpdir(), 'dockernet-observe-'));
      const r = run('observe', join(SHARED_ORACLE, 'scenarios/net-01-default-bridge'), '--out', dir);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^wrote \d+ files to /);
      expect(readdirSync(dir)).toContain('replay.txt');
      expect(readFileSync(join(dir, 'replay.txt'), 'utf8')).toBe(readFileSync(join(SHARED_ORACLE, 'scenarios/net-01-default-bridge/observed/replay.txt'), 'utf8'));
    });

    it.skipIf(!HAVE_SHARED_ORACLE)('oracle prints the table; --json; --strict exits 1 on mismatches', () => {
      const t = run('oracle', SHARED_ORACLE, '--filter', 'net-01');
      expect(t.code).toBe(0);
      expect(t.out).toMatch(/\ntotal: \d+\/\d+ files match/);
      const j = JSON.parse(run('oracle', SHARED_ORACLE, '--filter', 'net-01', '--json').out);
      expect(j.totals.files).toBeGreaterThan(0);
      const s = run('oracle', SHARED_ORACLE, '--filter', 'net-01', '--strict');
      expect(s.code).toBe(j.totals.mismatch || j.totals.missing ? 1 : 0);
      expect(run('oracle', '/nonexistent').code).toBe(2);
      const rt = run('oracle', SHARED_ORACLE, '--filter', 'rt-03');
      expect(rt.out).toMatch(/^runtime scenarios \(transcript steps\):\nrt-03-freezer: \d+\/\d+ steps match\n$/);
      expect(JSON.parse(run('oracle', SHARED_ORACLE, '--filter', 'rt-03', '--json').out).runtime[0].scenario).toBe('rt-03-freezer');
    });
  });

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('colour on a terminal only, never with --no-color or NO_COLOR', () => {
    const tty = (cmd: string, env: Record<string, string> = {}): string =>
      spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', TERM: 'xterm', ...env } }).stdout;
    const base = `${process.execPath} ${CLI}`;
    const args = `trace ${CROSS} --from web --to db`;
    expect(tty(`${base} ${args}`)).toContain('\x1b[31m');
    expect(tty(`${base} --no-color ${args}`)).not.toContain('\x1b[');
    expect(tty(`${base} ${args}`, { NO_COLOR: '1' })).not.toContain('\x1b[');
    expect(run(...args.split(' ')).out).not.toContain('\x1b[');
  });

  it('help for every command, version', () => {
    for (const c of ['trace', 'reach', 'graph', 'replay', 'exec', 'observe', 'oracle', 'compose']) {
      const r = run(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(new RegExp(`^Usage: dockernet ${c} `));
    }
    const top = run('--help');
    expect(top.code).toBe(0);
    expect(top.out).toContain('Examples:');
    expect(run('--version').out).toBe('0.1.0\n');
  });
});
