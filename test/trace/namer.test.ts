import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/docker/engine.js';
import { Lab } from '../../src/trace/lab.js';

/** A lab with a bit of everything that names a namespace or a host device differently. */
function lab(): Lab {
  const l = new Lab(new Engine({ seed: 3 }));
  const out = l.replay(
    [
      'docker network create front',
      'docker network create back',
      'docker run -d --name web --network front -p 8080:80 mini:latest httpd -f -p 80 -h /www',
      'docker network connect back web',
      'docker run -d --name db --network back mini:latest sleep 100000',
      'docker run -d --name side --network container:web mini:latest sleep 100000',
      'docker run -d --name b0 mini:latest sleep 100000',
      'docker run -d --name hostnet --network host mini:latest sleep 100000',
      'docker run -d --name off --network none mini:latest sleep 100000',
      'docker run -d --name gone --network front mini:latest sleep 100000',
      'docker stop gone',
    ].join('\n'),
  );
  expect(out.filter((r) => r.exitCode !== 0)).toEqual([]);
  return l;
}

describe('Lab.namer', () => {
  it("names every namespace and every host device as nsLabel and deviceOwner do, and unknown ones as they are", () => {
    const l = lab();
    const names = l.namer();
    const e = l.engine;
    const nsNames = [e.host.name, ...l.containers().flatMap((c) => (c.ns ? [c.ns.name] : [])), 'ctr-unknown'];
    for (const n of nsNames) expect(names.nsLabel(n)).toBe(l.nsLabel(n));
    expect(new Set(nsNames.map((n) => names.nsLabel(n)))).toEqual(new Set(['host', 'web', 'db', 'b0', 'off', 'ctr-unknown']));
    const real = e.host.devices().map((d) => d.name);
    for (const d of [...real, '', 'vethdeadbee']) expect(names.hostDevice(d)).toBe(l.deviceOwner('host', d));
    // web's two veths (named after side, the first by name of the containers in web's namespace), db's, b0's
    expect(real.filter((d) => names.hostDevice(d).includes('(veth of ')).length).toBe(4);
    expect(real.filter((d) => names.hostDevice(d).includes('(bridge of ')).length).toBe(3);
  });
});
