import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../src/runtime/cli/run-options.js';
import { copyHostConfig, newHostConfig } from '../../src/runtime/types.js';

/** HostConfig's fields in the daemon's JSON order (api/types/container HostConfig, 20.10). */
const DAEMON_ORDER = [
  'Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver', 'VolumesFrom',
  'CapAdd', 'CapDrop', 'CgroupnsMode', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd', 'IpcMode', 'Cgroup', 'Links',
  'OomScoreAdj', 'PidMode', 'Privileged', 'PublishAllPorts', 'ReadonlyRootfs', 'SecurityOpt', 'UTSMode', 'UsernsMode', 'ShmSize',
  'Runtime', 'ConsoleSize', 'Isolation', 'CpuShares', 'Memory', 'NanoCpus', 'CgroupParent', 'BlkioWeight', 'BlkioWeightDevice',
  'BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'CpuPeriod', 'CpuQuota',
  'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpusetCpus', 'CpusetMems', 'Devices', 'DeviceCgroupRules', 'DeviceRequests',
  'KernelMemory', 'KernelMemoryTCP', 'MemoryReservation', 'MemorySwap', 'MemorySwappiness', 'OomKillDisable', 'PidsLimit',
  'Ulimits', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth', 'Mounts', 'MaskedPaths', 'ReadonlyPaths', 'Init',
];

const jsonKeys = (o: unknown): string[] => Object.keys(JSON.parse(JSON.stringify(o)) as object);

describe('HostConfig', () => {
  it('serialises every field in the daemon order though it owns only what was set', () => {
    const hc = newHostConfig();
    expect(jsonKeys(hc)).toEqual(DAEMON_ORDER.filter((k) => k !== 'Mounts' && k !== 'Init'));
    expect(Object.keys(hc)).toEqual(['LogConfig', 'PortBindings', 'RestartPolicy']);
    expect(JSON.parse(JSON.stringify(hc))).toMatchObject({ NetworkMode: 'default', Dns: [], MemorySwappiness: null, ConsoleSize: [0, 0], RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } });
  });

  it('a docker run without resource flags leaves the defaults inherited', () => {
    const { hostConfig } = parseRunArgs(['-d', '--name', 'web', '-p', '8080:80', 'img']);
    expect(Object.keys(hostConfig).sort()).toEqual(['LogConfig', 'PortBindings', 'RestartPolicy']);
    expect(hostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
    const other = parseRunArgs(['--network', 'n1', '-m', '64m', '--init', '--mount', 'type=volume,target=/v', 'img']).hostConfig;
    expect(other.NetworkMode).toBe('n1');
    expect(other.Memory).toBe(64 * 1024 * 1024);
    // Mounts and Init are written at their places only when set
    expect(jsonKeys(other)).toEqual(DAEMON_ORDER);
    expect(jsonKeys(hostConfig)).not.toContain('Mounts');
  });

  it("a field set on one container's HostConfig stays its own", () => {
    const hc = newHostConfig();
    hc.Memory = 5;
    expect(Object.hasOwn(hc, 'Memory')).toBe(true);
    expect(newHostConfig().Memory).toBe(0);
    expect(() => hc.Dns.push('1.1.1.1')).toThrow(TypeError);
  });

  it('copyHostConfig keeps the inherited defaults (a spread would drop them)', () => {
    const hc = newHostConfig();
    hc.CpuShares = 512;
    const c = copyHostConfig(hc);
    c.Memory = 1;
    expect(c.CpuShares).toBe(512);
    expect(c.ShmSize).toBe(0);
    expect(hc.Memory).toBe(0);
    expect(JSON.stringify(c)).toBe(JSON.stringify({ ...JSON.parse(JSON.stringify(hc)), Memory: 1 }));
  });
});

describe('empty Go maps', () => {
  it('are one shared frozen object that still serialises as {}', () => {
    const a = parseRunArgs(['--expose', '80', 'img']);
    const b = parseRunArgs(['--log-opt', 'max-size=1k', 'img']);
    expect(a.hostConfig.LogConfig.Config).toBe(parseRunArgs(['img']).hostConfig.LogConfig.Config);
    expect(Object.isFrozen(a.hostConfig.LogConfig.Config)).toBe(true);
    expect(b.hostConfig.LogConfig.Config).toEqual({ 'max-size': '1k' });
    expect(JSON.stringify(a.config.ExposedPorts)).toBe('{"80/tcp":{}}');
    expect(JSON.stringify(a.hostConfig.LogConfig)).toBe('{"Type":"","Config":{}}');
  });
});
