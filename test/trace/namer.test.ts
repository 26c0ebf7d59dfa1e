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
  it('names namespaces after their containers (the owner of a shared one) and host devices after what they belong to', () => {
    const l = lab();
    const names = l.namer();
    const e = l.engine;
    const byName = new Map(l.containers().map((c) => [c.name, c]));
    const nsOf = (n: string): string => byName.get(n)!.ns!.name;
    expect(names.nsLabel(e.host.name)).toBe('host');
    for (const n of ['web', 'db', 'b0', 'off']) expect(names.nsLabel(nsOf(n))).toBe(n);
    expect(names.nsLabel(nsOf('side'))).toBe('web'); // side lives in web's namespace
    expect(names.nsLabel(nsOf('hostnet'))).toBe('host');
    expect(names.nsLabel('ctr-unknown')).toBe('ctr-unknown');
    // a host veth is named after the first container by name with that endpoint: web's two after side
    const veth = (owner: string, of: string, ifname: string): [string, string] => {
      const ep = byName.get(of)!.endpoints.find((x) => x.ifname === ifname)!;
      return [ep.hostVeth, `${ep.hostVeth} (veth of ${owner}:${ifname})`];
    };
    const expected = new Map([veth('side', 'web', 'eth0'), veth('side', 'web', 'eth1'), veth('db', 'db', 'eth0'), veth('b0', 'b0', 'eth0')]);
    for (const n of l.networks()) if (n.bridge) expected.set(n.bridge, `${n.bridge} (bridge of ${n.name})`);
    expected.set('lo', 'lo');
    expect(new Map(e.host.devices().map((d) => [d.name, names.hostDevice(d.name)]))).toEqual(expected);
    expect(names.hostDevice('vethdeadbee')).toBe('vethdeadbee');
    // the one-name lookups give the same
    expect(l.nsLabel(nsOf('side'))).toBe('web');
    for (const [dev, text] of expected) expect(l.deviceOwner('host', dev)).toBe(text);
    expect(l.deviceOwner('db', 'eth0')).toBe('db:eth0');
  });
});
