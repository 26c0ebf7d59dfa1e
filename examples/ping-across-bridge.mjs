// Two namespaces joined by veth pairs to a bridge in a third namespace; one ping; every frame
// crossing every interface is printed (tcpdump-like), then busybox ping's output.
//
//   ns a (172.17.0.2) eth0 ── vetha ┐
//                                   ├─ br0 (172.17.0.1, in ns host)
//   ns b (172.17.0.3) eth0 ── vethb ┘
//
// Run: npm run build && node examples/ping-across-bridge.mjs
import { Sim, Rng, BridgeDevice, createNetns, connect, ping, describeFrame, parseMac, parseIp, dockerMacFor } from '../dist/index.js';

const sim = new Sim();
const rng = new Rng(2024); // same seed, same bytes
const host = createNetns(sim, 'host', rng.fork('host'));
const a = createNetns(sim, 'a', rng.fork('a'));
const b = createNetns(sim, 'b', rng.fork('b'));

const br = new BridgeDevice(sim, 'br0', parseMac('02:42:8e:3c:1a:07'));
host.addDevice(br);
host.setLinkUp(br, true);
host.addAddress('br0', '172.17.0.1/16');

for (const [ns, veth, ip] of [[a, 'vetha', '172.17.0.2'], [b, 'vethb', '172.17.0.3']]) {
  const [hostEnd] = connect(host, veth, ns, 'eth0', { macB: dockerMacFor(parseIp(ip)) });
  br.addPort(hostEnd);
  ns.addAddress('eth0', `${ip}/16`);
  ns.addRoute({ dst: 'default', via: '172.17.0.1' });
}

// print every frame on every interface, with the virtual time
for (const ns of [a, host, b]) {
  for (const dev of ns.devices()) {
    if (dev.kind === 'loopback') continue;
    dev.taps.push((d, skb, dir) => {
      const t = (sim.now / 1e6).toFixed(3).padStart(8);
      console.log(`${t} ms  ${ns.name.padEnd(4)} ${d.name.padEnd(6)} ${dir}  ${describeFrame(skb.bytes())}`);
    });
  }
}

const r = ping(a, '172.17.0.3', { count: 1 });
console.log();
process.stdout.write(r.text);
