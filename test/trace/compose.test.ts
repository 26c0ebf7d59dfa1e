/** The Compose loader: validation with key paths, Compose v2 translation, and fuzzing (typed errors only). */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ComposeError, COMPOSE_MAX_BYTES, composeCommands, loadCompose, validate } from '../../src/trace/compose/index.js';
import { Lab } from '../../src/trace/lab.js';
import { Engine } from '../../src/docker/engine.js';
import { resolveSource, resolveTarget, parseTarget } from '../../src/trace/endpoint.js';
import { trace } from '../../src/trace/probe.js';

const EXAMPLE = readFileSync('examples/compose/docker-compose.yml', 'utf8');

function errorOf(f: () => unknown): ComposeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ComposeError);
    return e as ComposeError;
  }
  throw new Error('no error');
}

describe('compose: validation', () => {
  it('names the bad key', () => {
    expect(errorOf(() => loadCompose('services:\n  web:\n    image: x\n    ports: ["80:abc"]\n')).message).toBe(
      'services.web.ports[0]: invalid port "80:abc": expected [[HOST_IP:]HOST_PORT:]CONTAINER_PORT[/PROTOCOL]',
    );
    expect(errorOf(() => loadCompose('services:\n  web:\n    image: x\n    networks: [nope]\n')).path).toBe('services.web.networks');
    expect(errorOf(() => loadCompose('services:\n  web: {}\n')).message).toBe('services.web: has neither an image nor a build context specified');
    expect(errorOf(() => loadCompose('servics: {}\n')).message).toBe('servics: additional property not allowed');
    expect(errorOf(() => loadCompose('services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n')).message).toMatch(/dependency cycle: a -> b -> a/);
    expect(errorOf(() => loadCompose('services:\n  web:\n    image: x\n    networks:\n      n:\n        ipv4_address: 300.1.1.1\nnetworks:\n  n: {}\n')).path).toBe('services.web.networks.n.ipv4_address');
    expect(errorOf(() => loadCompose('services: [\n')).message).toMatch(/^invalid YAML at line \d+, column \d+: /);
    expect(errorOf(() => loadCompose('')).message).toBe('empty compose file');
  });

  it('refuses a 10 MB file with a clear error', () => {
    const big = 'services:\n  web:\n    image: x\n' + '# padding\n'.repeat(1_000_000);
    expect(big.length).toBeGreaterThan(COMPOSE_MAX_BYTES);
    expect(errorOf(() => loadCompose(big)).message).toBe(`compose file too large (${big.length} bytes; the limit is ${COMPOSE_MAX_BYTES})`);
  });

  it('survives alias bombs (billion laughs) with a typed error', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`);
    expect(() => loadCompose(bomb.join('\n') + '\n')).toThrow(ComposeError);
  });
});

describe('compose: fuzz', () => {
  it('random YAML text never crashes the loader (ComposeError only)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        try {
          loadCompose(s);
        } catch (e) {
          if (!(e instanceof ComposeError)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('random objects shaped like Compose files never crash validation (ComposeError only)', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('80:80', '8080:80/udp', '127.0.0.1::80', 'host', 'service:db', '10.0.0.0/24'));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('image', 'ports', 'networks', 'aliases', 'ipv4_address', 'network_mode', 'expose', 'depends_on', 'ipam', 'config', 'subnet', 'x'), tie('v'), { maxKeys: 4 })),
    })).v;
    const doc = fc.record({ services: fc.dictionary(fc.constantFrom('web', 'db', 'a b', ''), value, { maxKeys: 3 }), networks: value }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(doc, value), (d) => {
        try {
          validate(d);
          validate(JSON.parse(JSON.stringify(d ?? null)));
          loadCompose(stringify(d));
        } catch (e) {
          if (!(e instanceof ComposeError)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('compose: translation (Compose v2)', () => {
  const p = loadCompose(EXAMPLE);

  it('orders services by depends_on and names things as Compose v2', () => {
    expect(p.name).toBe('shop');
    expect(p.services.map((s) => s.name)).toEqual(['db', 'web', 'admin']);
    const lines = composeCommands(p).map((s) => s.line);
    expect(lines[0]).toBe('docker network create --label com.docker.compose.network=front --label com.docker.compose.project=shop --label com.docker.compose.version=2.20.2 shop_front');
    expect(lines[1]).toContain('--subnet 10.20.0.0/24 shop_back');
    expect(lines).toContain('docker network connect --alias web shop_back shop-web-1');
    const db = lines.find((l) => l.includes('--name shop-db-1'))!;
    expect(db).toContain('--network shop_back --network-alias db --network-alias database --ip 10.20.0.10 --expose 5432');
    // postgres is not in the emulator: busybox httpd stands in on the exposed port
    expect(db.endsWith('mini:latest httpd -f -p 5432 -h /www')).toBe(true);
  });

  it('builds the topology: shop-web-1 reaches the db by its alias, admin is isolated from it', () => {
    const lab = new Lab(new Engine({ seed: 1 }));
    lab.replay(composeCommands(p).map((s) => s.line).join('\n'));
    expect(lab.replayed.every((r) => r.exitCode === 0)).toBe(true);
    expect(lab.networks().map((n) => n.name)).toEqual(expect.arrayContaining(['shop_front', 'shop_back']));
    const web = resolveSource(lab, 'web');
    const t = resolveTarget(lab, web, parseTarget('database:5432'));
    expect(t.ip).toBe('10.20.0.10');
    expect(trace(lab, web, t, 'tcp').outcome.result).toBe('delivered');
    const admin = resolveSource(lab, 'admin');
    const r = trace(lab, admin, resolveTarget(lab, admin, parseTarget('db:5432')), 'tcp');
    expect(r.outcome.result).toBe('dropped');
    expect(r.outcome.at?.chain).toBe('DOCKER-ISOLATION-STAGE-2');
  });
});

describe('compose: names in DNS', () => {
  it('the service name and its aliases resolve through the embedded DNS', () => {
    const lab = new Lab(new Engine({ seed: 1 }));
    lab.replay(composeCommands(loadCompose(EXAMPLE)).map((s) => s.line).join('\n'));
    for (const name of ['db', 'database']) {
      const r = lab.engine.exec(['docker', 'exec', 'shop-web-1', 'nslookup', name]);
      expect(r.exitCode, name).toBe(0);
      expect(r.stdout).toContain('Address: 10.20.0.10');
    }
  });
});
