import { describe, expect, it } from 'vitest';
import { Container, type EtcRenderer } from '../../src/runtime/container.js';
import { Engine } from '../../src/docker/engine.js';

function container(): Container {
  return new Container('a'.repeat(64), '/z', 0, {} as never, {} as never, 'sha256:0', {} as never);
}

describe('EtcFiles: a file rendered by its owner on first read', () => {
  it('reads, has, iteration and writes see the rendered text; it is rendered once, when first read', () => {
    const c = container();
    let n = 0;
    let state = 'one';
    const by: EtcRenderer = { renderEtc: (cc, p) => (n++, `${cc.id.slice(0, 2)} ${p} ${state}\n`) };
    c.etc.set('/etc/hostname', 'h\n');
    c.etc.setLazy('/etc/hosts', by);
    expect(n).toBe(0);
    expect(c.etc.has('/etc/hosts')).toBe(true);
    expect([...c.etc.keys()]).toEqual(['/etc/hostname', '/etc/hosts']);
    expect(c.etc.get('/etc/hosts')).toBe('aa /etc/hosts one\n');
    state = 'two';
    expect(c.etc.get('/etc/hosts')).toBe('aa /etc/hosts one\n');
    expect(n).toBe(1);
    c.etc.setLazy('/etc/hosts', by);
    expect([...c.etc.entries()]).toEqual([['/etc/hostname', 'h\n'], ['/etc/hosts', 'aa /etc/hosts two\n']]);
    c.etc.setLazy('/etc/hosts', by);
    c.etc.set('/etc/hosts', 'mine\n');
    expect(c.etc.get('/etc/hosts')).toBe('mine\n');
    expect(n).toBe(2);
  });

  it('a container\'s /etc/hosts follows connect, disconnect and stop as the eager file did', () => {
    const e = new Engine({ seed: 5 });
    e.exec('docker network create n1');
    e.exec('docker network create n2');
    e.exec('docker run -d --name ca --network n1 mini:latest sleep 1000');
    const hosts = (): string => e.runtime.store.get('ca').etc.get('/etc/hosts')!;
    const first = hosts();
    expect(first).toMatch(/^127\.0\.0\.1\tlocalhost\n/);
    expect(first).toMatch(/\n172\.18\.0\.2\t[0-9a-f]{12}\n$/);
    e.exec('docker network connect n2 ca');
    expect(hosts()).toBe(first + hosts().slice(first.length));
    expect(hosts()).toMatch(/\n172\.19\.0\.2\t[0-9a-f]{12}\n$/);
    e.exec('docker network disconnect n1 ca');
    expect(hosts()).not.toContain('172.18.0.2');
    const beforeStop = hosts();
    e.exec('docker stop -t 0 ca');
    expect(hosts()).toBe(beforeStop);
    expect(e.exec('docker start ca').exitCode).toBe(0);
    expect(e.exec('docker exec ca cat /etc/hosts').stdout).toBe(hosts());
  });
});
