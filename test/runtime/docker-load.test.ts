import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Sim } from '../../src/core/scheduler.js';
import { Rng } from '../../src/core/rng.js';
import { Runtime } from '../../src/runtime/runtime.js';

// Real-engine check, run only against a lab engine (shared/kernel-lab/start-dockerd.sh):
//   DOCKERNET_REAL_DOCKER=1 DOCKER_HOST=unix:///tmp/kernel-lab-rt/docker.sock npx vitest run test/runtime/docker-load.test.ts
// The real mini:latest is saved by the real engine, loaded into the model, extended by two commits
// (a file, then a whiteout), saved by the model and loaded back by the real `docker load`.
describe.skipIf(!process.env['DOCKERNET_REAL_DOCKER'])('docker-archive round trip with a real engine', () => {
  it('real docker load accepts the model save and runs it', () => {
    const docker = (...a: string[]): string => execFileSync('docker', a, { encoding: 'utf8' });
    docker('save', '-o', '/tmp/dockernet-mini.tar', 'mini:latest');
    const rt = new Runtime({ sim: new Sim(), rng: new Rng(1), baseImage: false });
    rt.hostBlobs.set('/in.tar', new Uint8Array(readFileSync('/tmp/dockernet-mini.tar')));
    expect(rt.exec(['load', '-i', '/in.tar']).stdout).toBe('Loaded image: mini:latest\n');
    expect(rt.exec(['image', 'inspect', '-f', '{{.Id}}', 'mini:latest']).stdout.trim()).toBe(docker('image', 'inspect', '-f', '{{.Id}}', 'mini:latest').trim());
    rt.exec(['run', '--name', 'maker', 'mini:latest', 'sh', '-c', 'echo data > /hello.txt']);
    rt.exec(['commit', 'maker', 'dnsnap:v1']);
    rt.exec(['run', '--name', 'maker2', 'dnsnap:v1', 'sh', '-c', 'echo more > /more.txt; rm /hello.txt']);
    const id = rt.exec(['commit', '-c', 'CMD ["cat","/more.txt"]', 'maker2', 'dnsnap:v2']).stdout.trim();
    rt.exec(['save', '-o', '/out.tar', 'dnsnap:v2']);
    writeFileSync('/tmp/dockernet-snap.tar', rt.hostBlobs.get('/out.tar')!);
    expect(docker('load', '-i', '/tmp/dockernet-snap.tar')).toBe('Loaded image: dnsnap:v2\n');
    expect(docker('image', 'inspect', '-f', '{{.Id}}', 'dnsnap:v2').trim()).toBe(id);
    expect(docker('run', '--rm', 'dnsnap:v2')).toBe('more\n');
    expect(docker('run', '--rm', 'dnsnap:v2', 'ls', '/')).not.toContain('hello.txt');
    docker('rmi', 'dnsnap:v2');
  });
});
