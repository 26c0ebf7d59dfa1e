// A network namespace is a whole IPv4 stack: its own devices, addresses, routes, neighbours and
// iptables. Here a "router" namespace joins two subnets, and each hop lowers the TTL by one.
import { Sim, Rng, createNetns, connect, ping, ipRoute } from '../../dist/index.js';

const sim = new Sim();
const mk = (name) => {
  const ns = createNetns(sim, name, new Rng(name));
  ns.ipv6 = false;
  return ns;
};
const left = mk('left');
const router = mk('router');
const right = mk('right');

connect(left, 'eth0', router, 'eth-l');
connect(right, 'eth0', router, 'eth-r');
left.addAddress('eth0', '10.1.0.2/24');
router.addAddress('eth-l', '10.1.0.1/24');
router.addAddress('eth-r', '10.2.0.1/24');
right.addAddress('eth0', '10.2.0.2/24');
left.addRoute({ dst: 'default', via: '10.1.0.1' });
right.addRoute({ dst: 'default', via: '10.2.0.1' });

console.log('--- left: ip route');
process.stdout.write(ipRoute(left));
console.log('--- router forwarding off (the default): no reply');
console.log(ping(left, '10.2.0.2').text.split('\n').at(-2));
router.setSysctl('ip_forward', 1);
console.log('--- router forwarding on');
const r = ping(left, '10.2.0.2');
console.log(r.text.split('\n')[1]);
console.log(`reply TTL ${r.replies[0].ttl}: 64 at right, minus one hop through router`);
console.log(`router forwarded ${router.stat('ForwDatagrams')} datagrams; left's own devices: ${left.devices().map((d) => d.name).join(', ')}`);
