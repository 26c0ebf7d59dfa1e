// A Linux bridge is a learning switch living in a namespace. Three "containers" hang off it by
// veth pairs; the bridge floods the first frame, learns source MACs, then forwards unicast.
import { Sim, Rng, createNetns, connect, ping, BridgeDevice, bridgeFdbShow, parseMac, SECOND } from '../../dist/index.js';

const sim = new Sim();
const host = createNetns(sim, 'host', new Rng('host'));
const br = new BridgeDevice(sim, 'br0', parseMac('02:42:00:00:00:01'));
host.addDevice(br);
host.setLinkUp(br, true);

const ctrs = [];
for (const [i, name] of ['c1', 'c2', 'c3'].entries()) {
  const ns = createNetns(sim, name, new Rng(name));
  ns.ipv6 = false;
  const [hostEnd] = connect(host, `veth${i + 1}`, ns, 'eth0', { macB: parseMac(`02:42:0a:00:00:0${i + 2}`) });
  br.addPort(hostEnd); // ip link set vethN master br0
  ns.addAddress('eth0', `10.0.0.${i + 2}/24`);
  ctrs.push({ ns, hostEnd });
}
const count = () => ctrs.map((c) => `${c.hostEnd.name}:${c.hostEnd.stats.txPackets}`).join(' ');

console.log(`before:        ${count()}   (frames the bridge sent out of each port)`);
ping(ctrs[0].ns, '10.0.0.3');
console.log(`c1 ping c2:    ${count()}   (the ARP broadcast flooded to c2 and c3)`);
ping(ctrs[0].ns, '10.0.0.3');
console.log(`again:         ${count()}   (learned: unicast goes to veth2 only)`);
console.log('--- bridge fdb show (dynamic entries)');
for (const line of bridgeFdbShow(host.devices()).filter((l) => !l.includes('permanent'))) console.log(line);
sim.advance(600 * SECOND); // well past the 300 s ageing time (the last frame was a neighbour probe at ~5 s)
console.log('--- after 600 s of virtual time, no traffic');
console.log(bridgeFdbShow(host.devices()).filter((l) => !l.includes('permanent')).length, 'dynamic entries');
