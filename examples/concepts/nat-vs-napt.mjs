// NAT rewrites addresses; NAPT also rewrites ports when two inside flows would otherwise look the
// same outside. Two clients behind one router send UDP from the same source port to one server.
import { Sim, Rng, createNetns, connect, BridgeDevice, parseMac, ipToString, SECOND } from '../../dist/index.js';

const sim = new Sim();
const mk = (name) => {
  const ns = createNetns(sim, name, new Rng(name));
  ns.ipv6 = false;
  return ns;
};
const router = mk('router');
const server = mk('server');
const lan = new BridgeDevice(sim, 'lan0', parseMac('02:00:00:00:00:01'));
router.addDevice(lan);
router.setLinkUp(lan, true);
router.addAddress('lan0', '10.0.0.1/24');
connect(router, 'wan0', server, 'eth0');
router.addAddress('wan0', '192.0.2.1/24');
server.addAddress('eth0', '192.0.2.2/24');
router.setSysctl('ip_forward', 1);

const clients = ['c1', 'c2'].map((name, i) => {
  const ns = mk(name);
  const [hostEnd] = connect(router, `veth-${name}`, ns, 'eth0');
  lan.addPort(hostEnd);
  ns.addAddress('eth0', `10.0.0.${i + 2}/24`);
  ns.addRoute({ dst: 'default', via: '10.0.0.1' });
  return ns;
});

// The server prints who it thinks is talking to it.
server.udp.bind(0, 7, (_data, src, sport) => console.log(`server sees ${ipToString(src)}:${sport}`));

// iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -o wan0 -j SNAT --to-source 192.0.2.1
const r = router.nf.iptables(['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.0.0.0/24', '-o', 'wan0', '-j', 'SNAT', '--to-source', '192.0.2.1']);
console.log(`iptables exit ${r.exitCode}`);

const send = (ns) => {
  const s = ns.udp.bind(0, 5000, () => {});
  s.sendTo(0xc0000202, 7, new TextEncoder().encode('hi'));
  sim.advance(SECOND); // one virtual second: sim.run() would also run the 30 s conntrack expiry
};
console.log('--- c1 (10.0.0.2:5000): NAT, only the address changes');
send(clients[0]);
console.log('--- c2 (10.0.0.3:5000): same port outside would clash, so NAPT picks another');
send(clients[1]);
console.log('--- conntrack -L on the router (reply tuples show the mapping)');
process.stdout.write(router.nf.conntrack.list());
