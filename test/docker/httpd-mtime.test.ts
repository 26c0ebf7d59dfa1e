import { expect, it } from 'vitest';
import { Engine } from '../../src/docker/engine.js';

const GET = (path: string): string => `GET ${path} HTTP/1.0\r\n\r\n`;

function serve(e: Engine): void {
  for (const l of ['docker network create hm', 'docker run -d --name srv --network hm mini:latest httpd -f -p 80 -h /www', 'docker run -d --name cli --network hm mini:latest sleep 100000'])
    expect(e.exec(l).exitCode).toBe(0);
}

const header = (reply: string, name: string): string | undefined => reply.split('\r\n').find((l) => l.startsWith(name + ': '))?.slice(name.length + 2);

// busybox httpd: Last-Modified is the served file's mtime, the ETag "<mtime hex>-<size hex>" (the
// shared oracle's net-02 flows: mini imported Mon, 23 Nov 2026 14:26:57 GMT → "6b044d31-6").
it('Last-Modified and ETag come from the file: the image import time, or when a process wrote it', () => {
  const dflt = new Engine({ seed: 1 });
  serve(dflt);
  const r = dflt.exec('docker exec -i cli nc srv 80', { stdin: GET('/') }).stdout;
  expect(header(r, 'Last-Modified')).toBe('Mon, 23 Nov 2026 14:26:57 GMT');
  expect(header(r, 'ETag')).toBe('"6b044d31-6"');

  const e = new Engine({ seed: 1, runtime: { baseImageTime: Date.parse('2026-11-24T00:55:22Z') / 1000 } });
  serve(e);
  const r2 = e.exec('docker exec -i cli nc srv 80', { stdin: GET('/index.html') }).stdout;
  expect(header(r2, 'Last-Modified')).toBe('Tue, 24 Nov 2026 00:55:22 GMT');
  expect(header(r2, 'ETag')).toBe('"6b04e07a-6"');

  expect(e.exec(`docker exec srv sh -c 'echo abc > /www/new.html'`).exitCode).toBe(0);
  const written = e.runtime.files.mtime(e.runtime.store.get('srv')!, '/www/new.html')!;
  const r3 = e.exec('docker exec -i cli nc srv 80', { stdin: GET('/new.html') }).stdout;
  expect(header(r3, 'Last-Modified')).toBe(new Date(written * 1000).toUTCString());
  expect(header(r3, 'ETag')).toBe(`"${written.toString(16)}-4"`);
  expect(written).not.toBe(Date.parse('2026-11-24T00:55:22Z') / 1000);
});
