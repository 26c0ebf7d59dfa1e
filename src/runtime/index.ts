/**
 * The runtime layer: what the Docker engine does besides networking. Namespaces (PID, NET, UTS,
 * IPC, MOUNT, USER, CGROUP), cgroup v1 hierarchies with CPU/memory/pids/freezer behaviour,
 * content-addressed images, volumes, logging drivers and the event stream, all reachable through
 * docker CLI argv ({@link Runtime.exec}).
 *
 * Contract with the network layer above:
 * - `runtime.hooks.add({ afterCreate, beforeStart, afterStart, afterStop, beforeRemove })`;
 *   `beforeStart` may throw a DockernetError to fail the start with its message.
 * - `runtime.inspectProviders.push((c, doc) => { doc.NetworkSettings = ... })`.
 * - `runtime.psFields.set('Networks', c => ...)`.
 * - `runtime.programs.register('ping', (ctx, argv) => ({ stdout, stderr, exitCode }))`.
 * - `runtime.exec(argv)` for every docker command except `network ...` and `port`.
 * - `runtime.events.emit('network', 'connect', networkId, { container, name, type })`.
 */
export { splitCommandLine } from './cli/split.js';
export { parseFlags, FlagError, type FlagSpec, type FlagKind, type ParsedFlags } from './cli/flags.js';
export { parseRunArgs, RUN_FLAGS, ClientError, type RunRequest } from './cli/run-options.js';
export { parsePortSpecs, parseExpose, type PortSpecs } from './cli/ports.js';
export { Runtime, type RuntimeOptions, type ExecResult, type CliStyle } from './runtime.js';
export type { CommandIo } from './commands/dispatch.js';
export { Container, EtcFiles, type EtcRenderer, type ContainerState, type ContainerStatus } from './container.js';
export { ContainerStore, NoSuchContainer } from './store.js';
export { HookSet, ProgramRegistry, type LifecycleHooks, type InspectProvider, type PsField } from './hooks.js';
export { Proc, ProcessKilled, Waker, SIGNALS, type Program, type ProgramContext, type ProgramResult, type ProgramRun, type ProgramWait, type OutputSink } from './process.js';
export { copyHostConfig, newContainerConfig, newHostConfig, type ContainerConfig, type HostConfig, type PortBinding, type MountSpec } from './types.js';
export { Namespace, NamespaceAllocator, NS_KINDS, compareNamespaces, type NsKind, type NamespaceSet } from './namespaces.js';
export { CgroupFs, CgroupNode, Hierarchy, CONTROLLERS, MEM_UNLIMITED, effectiveLimit, type Controller, type CgroupFiles } from './cgroups/hierarchy.js';
export { verifyResources, applyResources, parseCpuset, formatCpuset, type MachineInfo } from './cgroups/resources.js';
export { CpuModel, CpuScheduler, type CpuDemand } from './cgroups/cpu.js';
export { MemoryController, type ChargeResult } from './cgroups/memory.js';
export { ProcessManager, ForkFailed, type SpawnOptions } from './procman.js';
export { ContainerFiles } from './files.js';
export { EventLog, EVENTS_LIMIT, formatEvent, fixedNano, type EngineEvent, type EventListener } from './events.js';
export { GoTemplate, renderTemplate, goString, TemplateError } from './template.js';
export { goJson, goIndent } from './gojson.js';
export { containerInspect, imageInspect } from './inspect.js';
export { ramInBytes, humanSize, humanDuration, rfc3339Nano, EPOCH_MS } from './units.js';
export { Volume, VolumeStore, type MountPoint } from './volumes.js';
export { ImageStore, type ImageRecord, type ImageConfig } from './images/store.js';
export { Layer, RootFs, chainIds, sha256, type FsEntry } from './images/layer.js';
export { writeTar, readTar, tarSha256, type TarEntry, type TarPieces } from './images/tar.js';
export type { LogDriver, LogMessage } from './logging/driver.js';
export { jsonLogLine } from './logging/json-file.js';
export { syslogFormat, type LogSinks } from './logging/drivers.js';
export { replayRuntimeScenario, replayAllRuntimeScenarios, formatReplayReport, parseTranscript, type ReplayOptions, type ReplayResult, type ReplayStep, type ReplayEngine } from './oracle/replay.js';
export { Normalizer, type Snapshot, type LabContext } from './oracle/normalize.js';
