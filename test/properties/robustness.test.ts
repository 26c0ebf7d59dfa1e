/**
 * Robustness of the docker front-end: any command line — random words from Docker's vocabulary,
 * random flags and values, random bytes — gets an answer, never an exception: exit code 0 or
 * Docker's non-zero codes with a message on stderr, and the engine's state stays consistent
 * (IPAM, endpoints) so the next command still works. Pathological but legal sizes (a /8 network)
 * are handled without cost proportional to the address space.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineFromSeed, engineSeed } from '../../src/arbitraries/engine.js';
import { toDockerCommands, topology } from '../../src/arbitraries/topology.js';
import { ipToString } from '../../src/wire/addr.js';
import type { Engine } from '../../src/docker/engine.js';
import { runs } from './runs.js';

const WORDS = [
  'docker', 'run', 'create', 'start', 'stop', 'restart', 'rm', 'exec', 'inspect', 'ps', 'port', 'network',
  'connect', 'disconnect', 'ls', 'prune', 'pause', 'unpause', 'kill', 'logs', 'update', 'rename', 'images',
  '-d', '-p', '-P', '-f', '-t', '-e', '--name', '--network', '--net', '--network-alias', '--alias', '--ip',
  '--subnet', '--gateway', '--ip-range', '--internal', '--driver', '-o', '--expose', '--hostname', '--link',
  '--add-host', '--dns', '--memory', '--cpus', '--rm', '--format', 'bridge', 'host', 'none', 'container:c1',
  'net1', 'c1', 'c2', 'mini:latest', 'sleep', '1000', 'httpd', '80', '8080:80', '127.0.0.1::80/udp',
  '0-65535:80', '99999', '-1', '10.0.0.0/8', '172.17.0.0/16', '10.1.2.3', '0.0.0.0', '', '--', '=', '"', "'",
  'volume', 'image', 'container', 'system', 'events', 'top', 'tag', 'commit', 'save', 'load', 'build',
  // names that are properties of every JavaScript object: a lookup table must not find them
  'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', '{{.constructor}}', '{{constructor}}', '{{json .}}',
];

const word = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: -70000, max: 70000 }).map(String) },
);

const line = fc.oneof(
  { weight: 8, arbitrary: fc.array(word, { maxLength: 10 }).map((ws) => ['docker', ...ws]) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);

/** The engine's own state is consistent: one address per endpoint, all allocated, none shared. */
function consistent(e: Engine): void {
  for (const n of e.networks) {
    if (!n.pool) continue;
    const ips = [...n.endpoints.values()].map((ep) => ep.ip).filter((ip) => ip);
    expect(new Set(ips).size, n.name).toBe(ips.length);
    for (const ip of ips) {
      expect(n.pool.isAllocated(ip), `${n.name} ${ipToString(ip)}`).toBe(true);
      expect(ip).not.toBe(n.gateway);
    }
  }
}

describe('docker command fuzzing', () => {
  it('never throws; a non-zero exit comes with a message; the state stays consistent and usable', () => {
    fc.assert(
      fc.property(engineSeed(), fc.array(line, { minLength: 1, maxLength: 12 }), (seed, lines) => {
        const e = engineFromSeed(seed);
        e.exec('docker network create net1');
        e.exec('docker run -d --name c1 --network net1 -p 8080:80 mini:latest httpd -f -p 80 -h /www');
        for (const l of lines) {
          const r = e.exec(l);
          expect(typeof r.exitCode).toBe('number');
          if (r.exitCode !== 0) expect((r.stderr + r.stdout).length, JSON.stringify(l)).toBeGreaterThan(0);
          consistent(e);
        }
        // the engine still works after whatever came before
        const ok = e.exec('docker run -d --name after-fuzz mini:latest sleep 1000');
        expect(ok.stderr).not.toMatch(/TypeError|RangeError|undefined|NaN|\bat .*\.ts:\d+/);
        expect(ok.exitCode).toBe(0);
      }),
      { numRuns: runs(150) },
    );
  });

  it('random topologies then random commands: never throws', () => {
    fc.assert(
      fc.property(topology({ maxContainers: 3 }), engineSeed(), fc.array(line, { maxLength: 6 }), (t, seed, lines) => {
        const e = engineFromSeed(seed);
        for (const l of [...toDockerCommands(t), ...lines]) {
          const r = e.exec(l);
          expect(r.stderr).not.toMatch(/TypeError|RangeError|Cannot read prop|is not a function/);
        }
        consistent(e);
      }),
      { numRuns: runs(40) },
    );
  });
});

describe('prototype names are not commands, flags, fields or functions', () => {
  const PROTO = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
  const PREFIXES = ['', 'network', 'volume', 'image', 'container', 'system', 'run', 'inspect', 'ps', 'port', 'logs', 'exec c1'];
  it('every `docker [SUBCOMMAND] NAME` with NAME a prototype property answers with an error, no exception', () => {
    const e = engineFromSeed(1);
    e.exec('docker run -d --name c1 mini:latest sleep 1000');
    for (const pre of PREFIXES)
      for (const p of PROTO)
        for (const l of [`docker ${pre} ${p}`, `docker ${pre} --${p}`]) {
          const r = e.exec(l);
          expect(typeof r.stdout, l).toBe('string');
          expect(typeof r.stderr, l).toBe('string');
          expect(r.stderr, l).not.toMatch(/TypeError|is not a function|Cannot read prop|Cannot convert/);
        }
    for (const p of PROTO) {
      for (const f of [`{{.${p}}}`, `{{${p}}}`, `{{${p} .}}`]) {
        const r = e.exec(['docker', 'inspect', '-f', f, 'c1']);
        expect(r.stderr, f).not.toMatch(/TypeError|is not a function|Cannot read prop|Cannot convert/);
      }
    }
  });
});

describe('pathological but legal sizes', () => {
  it('a /8 network: created, containers get the lowest addresses, inspect and rm are immediate', () => {
    const e = engineFromSeed(1);
    expect(e.exec('docker network create --subnet 10.0.0.0/8 big').exitCode).toBe(0);
    for (const n of ['b1', 'b2', 'b3']) expect(e.exec(`docker run -d --name ${n} --network big mini:latest sleep 1000`).exitCode).toBe(0);
    expect(e.exec("docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' b3").stdout.trim()).toBe('10.0.0.4');
    expect(e.exec('docker rm -f b1 b2 b3').exitCode).toBe(0);
    expect(e.exec('docker network rm big').exitCode).toBe(0);
  });

  it('an overlapping subnet is refused with Docker\'s message', () => {
    const e = engineFromSeed(1);
    expect(e.exec('docker network create --subnet 10.0.0.0/8 big').exitCode).toBe(0);
    const r = e.exec('docker network create --subnet 10.1.0.0/16 small');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('Error response from daemon: Pool overlaps with other one on this address space\n');
  });
});
