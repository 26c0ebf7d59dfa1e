import { describe, expect, it } from 'vitest';
import { makeNf } from './helpers.js';

describe('scale', () => {
  it('docker-style programming of 1500 published ports with -C before each -A (work stays near-linear)', () => {
    const { nf } = makeNf();
    expect(nf.iptables(['-t', 'nat', '-N', 'DOCKER']).exitCode).toBe(0);
    expect(nf.iptables(['-N', 'DOCKER']).exitCode).toBe(0);
    for (let i = 0; i < 1500; i++) {
      const args = ['!', '-i', 'docker0', '-p', 'tcp', '-m', 'tcp', '--dport', String(10000 + i), '-j', 'DNAT', '--to-destination', `172.17.${(i >> 8) & 255}.${i & 255}:80`];
      expect(nf.iptables(['-t', 'nat', '-C', 'DOCKER', ...args]).exitCode).toBe(1);
      expect(nf.iptables(['-t', 'nat', '-A', 'DOCKER', ...args]).exitCode).toBe(0);
      expect(nf.iptables(['-t', 'nat', '-C', 'DOCKER', ...args]).exitCode).toBe(0);
    }
    expect(nf.save().split('\n').filter((l) => l.startsWith('-A DOCKER')).length).toBe(1500);
  });
});
