// Docker's network modes decide which network namespace a container gets:
//   bridge (default, docker0)   user-defined bridge   host   none   container:<name>
import { Engine } from '../../dist/index.js';

const docker = new Engine({ seed: 7 });
const run = (line) => {
  const r = docker.exec(line);
  return (r.stdout + r.stderr).trimEnd();
};

run('docker network create appnet');
run('docker run -d --name on-bridge mini:latest sleep 1000');
run('docker run -d --name on-appnet --network appnet mini:latest sleep 1000');
run('docker run -d --name on-host --network host mini:latest sleep 1000');
run('docker run -d --name on-none --network none mini:latest sleep 1000');
run('docker run -d --name joiner --network container:on-appnet mini:latest sleep 1000');

for (const name of ['on-bridge', 'on-appnet', 'on-host', 'on-none', 'joiner']) {
  // busybox `ip addr` inside the container; keep the IPv4 lines: "inet ADDR/LEN ... DEV"
  const addrs = run(`docker exec ${name} ip addr`)
    .split('\n')
    .filter((l) => l.trim().startsWith('inet '))
    .map((l) => `${l.trim().split(/\s+/).at(-1)} ${l.trim().split(/\s+/)[1]}`)
    .join(', ');
  console.log(`${name.padEnd(10)} ${addrs}`);
}
console.log('--- the joiner shares on-appnet\'s namespace, hostname included');
console.log(run('docker exec joiner hostname') === run('docker exec on-appnet hostname'));
console.log('--- and what the daemon refuses');
console.log(run('docker run -d --name bad -p 80:80 --network container:on-appnet mini:latest sleep 1'));
console.log(run('docker run -d --name hostp -p 9999:80 --network host mini:latest sleep 1000'));
