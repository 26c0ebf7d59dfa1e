// A veth pair is a virtual cable: a frame sent into one end comes out of the other.
// Two namespaces, one cable, one ping — and the frames seen on the cable.
import { Sim, Rng, createNetns, connect, ping, ipAddr, describeFrame } from '../../dist/index.js';

const sim = new Sim();
const red = createNetns(sim, 'red', new Rng('red'));
const blue = createNetns(sim, 'blue', new Rng('blue'));
red.ipv6 = false;
blue.ipv6 = false;

// ip link add veth-r type veth peer name veth-b; ip link set veth-b netns blue; ip link set ... up
const [vr, vb] = connect(red, 'veth-r', blue, 'veth-b');
red.addAddress('veth-r', '10.0.0.1/24');
blue.addAddress('veth-b', '10.0.0.2/24');

// Watch the cable from red's side.
const seen = [];
vr.taps.push((dev, skb, dir) => seen.push(`${dir} ${dev.name}: ${describeFrame(skb.bytes())}`));

const r = ping(red, '10.0.0.2', { count: 1 });
console.log(r.text.trim());
console.log('--- on the cable');
for (const line of seen) console.log(line);
console.log('--- ip addr in blue');
process.stdout.write(ipAddr(blue));
console.log(`--- counters: veth-r tx=${vr.stats.txPackets} veth-b rx=${vb.stats.rxPackets}`);
