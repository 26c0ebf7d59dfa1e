/**
 * HostConfig resources ↔ cgroup v1 files: the daemon's validation (verifyPlatformContainerResources,
 * exact messages and warnings), the files runc writes, and runc's own refusals.
 */
import type { HostConfig } from '../types.js';
import { MEM_UNLIMITED, type CgroupFs } from './hierarchy.js';

/** Machine facts the validation depends on. */
export interface MachineInfo {
  ncpu: number;
  /** Memory nodes, e.g. [0]. */
  memNodes: number[];
  /** blkio.weight available (false on the lab kernel: BFQ only). */
  blkioWeight: boolean;
}

/** Parses a cpuset list (`0-1,3`) into numbers; null when malformed. */
export function parseCpuset(s: string): number[] | null {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) return null;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** Formats numbers as a cpuset list (`0-1`). */
export function formatCpuset(xs: number[]): string {
  const s = [...new Set(xs)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

const MB6 = 6 * 1024 * 1024;

/**
 * The daemon's resource checks. Returns warnings; throws Error(message) on a refusal. Mutates hc the
 * way the daemon does (BlkioWeight discarded when unsupported). `update` relaxes the swap check.
 */
export function verifyResources(hc: HostConfig, m: MachineInfo, update = false): string[] {
  const warnings: string[] = [];
  if (hc.Memory !== 0 && hc.Memory < MB6) throw new Error('Minimum memory limit allowed is 6MB');
  if (hc.Memory > 0 && hc.MemorySwap > 0 && hc.MemorySwap < hc.Memory) throw new Error('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (hc.Memory === 0 && hc.MemorySwap > 0 && !update) throw new Error('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (hc.MemorySwappiness !== null && (hc.MemorySwappiness < 0 || hc.MemorySwappiness > 100)) throw new Error(`Invalid value: ${hc.MemorySwappiness}, valid memory swappiness range is 0-100`);
  if (hc.MemoryReservation > 0 && hc.MemoryReservation < MB6) throw new Error('Minimum memory reservation allowed is 6MB');
  if (hc.Memory > 0 && hc.MemoryReservation > 0 && hc.Memory < hc.MemoryReservation) throw new Error('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (hc.OomKillDisable && hc.Memory === 0) warnings.push("WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.");
  if (hc.NanoCpus > 0 && hc.CpuPeriod > 0) throw new Error('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (hc.NanoCpus > 0 && hc.CpuQuota > 0) throw new Error('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (hc.NanoCpus < 0 || hc.NanoCpus > m.ncpu * 1e9 || (hc.NanoCpus > 0 && hc.NanoCpus < 1e7)) throw new Error(`Range of CPUs is from 0.01 to ${m.ncpu}.00, as there are only ${m.ncpu} CPUs available`);
  if (hc.CpuPeriod !== 0 && (hc.CpuPeriod < 1000 || hc.CpuPeriod > 1000000)) throw new Error('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (hc.CpuQuota > 0 && hc.CpuQuota < 1000) throw new Error('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (hc.CpusetCpus !== '') {
    const cpus = parseCpuset(hc.CpusetCpus);
    if (!cpus) throw new Error(`Invalid value ${hc.CpusetCpus} for cpuset cpus`);
    if (cpus.some((c) => c >= m.ncpu)) throw new Error(`Requested CPUs are not available - requested ${hc.CpusetCpus}, available: ${formatCpuset([...Array(m.ncpu).keys()])}`);
  }
  if (hc.CpusetMems !== '') {
    const mems = parseCpuset(hc.CpusetMems);
    if (!mems) throw new Error(`Invalid value ${hc.CpusetMems} for cpuset mems`);
    if (mems.some((x) => !m.memNodes.includes(x))) throw new Error(`Requested memory nodes are not available - requested ${hc.CpusetMems}, available: ${formatCpuset(m.memNodes)}`);
  }
  if (hc.BlkioWeight > 0) {
    if (!m.blkioWeight) {
      warnings.push('WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
      hc.BlkioWeight = 0;
    } else if (hc.BlkioWeight < 10 || hc.BlkioWeight > 1000) throw new Error('Range of blkio weight is from 10 to 1000');
  }
  return warnings;
}

/** Default swap limit: MemorySwap as the daemon stores it (2 × Memory when unset). */
export function defaultSwap(hc: HostConfig): void {
  if (hc.Memory > 0 && hc.MemorySwap === 0) hc.MemorySwap = hc.Memory * 2;
}

/** runc's checks when it writes the files; returns its error text or null. */
export function runcCheck(hc: HostConfig): string | null {
  if (hc.CpuShares !== 0 && hc.CpuShares < 2) return 'the minimum allowed cpu-shares is 2';
  if (hc.CpuShares > 262144) return 'the maximum allowed cpu-shares is 262144';
  return null;
}

/** Writes the container's control files for `hc` at `path` in every hierarchy (`pathOf` per controller). */
export function applyResources(fs: CgroupFs, pathOf: (c: 'memory' | 'cpu' | 'cpuset' | 'pids') => string, hc: HostConfig): void {
  const mem = pathOf('memory');
  const unl = String(MEM_UNLIMITED);
  fs.write('memory', mem, 'memory.limit_in_bytes', hc.Memory > 0 ? String(hc.Memory) : unl);
  fs.write('memory', mem, 'memory.memsw.limit_in_bytes', hc.MemorySwap > 0 ? String(hc.MemorySwap) : unl);
  fs.write('memory', mem, 'memory.soft_limit_in_bytes', hc.MemoryReservation > 0 ? String(hc.MemoryReservation) : unl);
  if (hc.MemorySwappiness !== null) fs.write('memory', mem, 'memory.swappiness', String(hc.MemorySwappiness));
  fs.write('memory', mem, 'memory.oom_control.oom_kill_disable', hc.OomKillDisable ? '1' : '0');
  const cpu = pathOf('cpu');
  fs.write('cpu', cpu, 'cpu.shares', String(hc.CpuShares > 0 ? hc.CpuShares : 1024));
  if (hc.NanoCpus > 0) {
    fs.write('cpu', cpu, 'cpu.cfs_period_us', '100000');
    fs.write('cpu', cpu, 'cpu.cfs_quota_us', String(Math.round((hc.NanoCpus * 100000) / 1e9)));
  } else {
    fs.write('cpu', cpu, 'cpu.cfs_period_us', String(hc.CpuPeriod > 0 ? hc.CpuPeriod : 100000));
    fs.write('cpu', cpu, 'cpu.cfs_quota_us', String(hc.CpuQuota > 0 ? hc.CpuQuota : -1));
  }
  const cs = pathOf('cpuset');
  if (hc.CpusetCpus) fs.write('cpuset', cs, 'cpuset.cpus', hc.CpusetCpus);
  if (hc.CpusetMems) fs.write('cpuset', cs, 'cpuset.mems', hc.CpusetMems);
  fs.write('pids', pathOf('pids'), 'pids.max', hc.PidsLimit !== null && hc.PidsLimit > 0 ? String(hc.PidsLimit) : 'max');
}
