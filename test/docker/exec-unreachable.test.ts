import { expect, it } from 'vitest';
import { Engine } from '../../src/docker/index.js';

// Kernel lab, Docker 20.10.24, 2026-11-24: `docker exec X nc 172.17.0.99 80` to an absent address
// fails after ~3.2 s (three ARP probes a second apart, then the host-unreachable error aborts the
// connect in SYN_SENT, as tcp_v4_err does), rc 1, with busybox's text.
it('a TCP connect to an address nobody answers ARP for fails after the ARP probes, not after SYN retries', () => {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker run -d --name u1 mini:latest sleep 1000').exitCode).toBe(0);
  const t0 = e.sim.now;
  const r = e.exec('docker exec u1 nc 172.17.0.99 80');
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toBe("nc: can't connect to remote host (172.17.0.99): No route to host\n");
  const took = (e.sim.now - t0) / 1e9;
  expect(took).toBeGreaterThanOrEqual(2.9);
  expect(took).toBeLessThan(4);
  const w = e.exec('docker exec u1 wget -qO- http://172.17.0.99/');
  expect(w.exitCode).toBe(1);
  expect(w.stderr).toBe("wget: can't connect to remote host (172.17.0.99): No route to host\n");
});
