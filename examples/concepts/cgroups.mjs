// cgroups (v1, as Docker 20.10 uses them) limit what a container's processes may consume.
// `docker run --memory/--cpus/--pids-limit` become files under /sys/fs/cgroup/<controller>/docker/<id>.
// The runtime layer alone (no networking): `Runtime.exec(argv)` takes docker CLI arguments.
import { Runtime, Sim, Rng, splitCommandLine } from '../../dist/index.js';

const runtime = new Runtime({ sim: new Sim(), rng: new Rng(3) });
const run = (line) => {
  const r = runtime.exec(splitCommandLine(line));
  return (r.stdout + r.stderr).trimEnd();
};

const id = run('docker run -d --name lim --memory 64m --cpus 0.5 --pids-limit 20 mini:latest sleep 3600');
const fs = runtime.cgroups;
const dir = `/docker/${id}`;
console.log('memory.limit_in_bytes ', fs.read('memory', dir, 'memory.limit_in_bytes'));
console.log('cpu.cfs_period_us     ', fs.read('cpu', dir, 'cpu.cfs_period_us'));
console.log('cpu.cfs_quota_us      ', fs.read('cpu', dir, 'cpu.cfs_quota_us'));
console.log('pids.max              ', fs.read('pids', dir, 'pids.max'));
console.log('--- docker inspect');
console.log(run("docker inspect -f 'Memory={{.HostConfig.Memory}} NanoCpus={{.HostConfig.NanoCpus}} PidsLimit={{.HostConfig.PidsLimit}}' lim"));
console.log('--- docker update changes the live cgroup');
run('docker update --memory 96m --memory-swap 192m lim');
console.log('memory.limit_in_bytes ', fs.read('memory', dir, 'memory.limit_in_bytes'));
console.log('--- limits the daemon refuses, with its words');
console.log(run('docker run -d --name tiny --memory 4m mini:latest sleep 1'));
console.log(run('docker run -d --name greedy --cpus 99 mini:latest sleep 1'));
