/**
 * fast-check arbitraries for docker command sequences: a {@link topology} built with
 * {@link toDockerCommands}, then "churn" — containers stopped, started, restarted, removed,
 * connected to and disconnected from networks, networks removed. Churn lines name things that
 * exist in the topology but may fail (stopping a stopped container, removing a network that still
 * has endpoints): those failures are part of what a real user does, and the engine must answer
 * them with Docker's errors and an unchanged state.
 *
 * Shrinking removes churn steps first (towards the plain topology), then shrinks the topology.
 *
 * @module
 */
import fc from 'fast-check';
import { readable, topology, toDockerCommands, type Topology, type TopologyConstraints } from './topology.js';

/** One churn step, naming containers and networks by their topology index. */
export type ChurnStep =
  | { op: 'stop' | 'start' | 'restart' | 'rm'; container: number }
  | { op: 'connect' | 'disconnect'; container: number; network: number }
  | { op: 'network-rm'; network: number };

/** A topology and the full command sequence: build lines, then churn lines. */
export interface CommandScenario {
  topology: Topology;
  /** `docker …` lines in order. */
  commands: string[];
  /** How many of {@link CommandScenario.commands} build the topology (the rest is churn). */
  buildLength: number;
}

/** Constraints of {@link commands}. */
export interface CommandsConstraints extends TopologyConstraints {
  /** Most churn steps (default 6). */
  maxChurn?: number;
}

/** A churn step (indices are resolved modulo what the topology has). */
export function churnStep(): fc.Arbitrary<ChurnStep> {
  const c = fc.nat(15);
  const n = fc.nat(15);
  return fc.oneof(
    fc.record({ op: fc.constantFrom('stop' as const, 'start' as const, 'restart' as const, 'rm' as const), container: c }),
    fc.record({ op: fc.constantFrom('connect' as const, 'disconnect' as const), container: c, network: n }),
    fc.record({ op: fc.constant('network-rm' as const), network: n }),
  );
}

/**
 * The docker line of a churn step for topology `t`, or null when the topology has nothing to name.
 * `network` indices pick among the user networks and the default `bridge`.
 */
export function churnCommand(t: Topology, s: ChurnStep): string | null {
  const nets = ['bridge', ...t.networks.map((n) => n.name)];
  const ctr = 'container' in s ? t.containers[s.container % Math.max(1, t.containers.length)]?.name : undefined;
  switch (s.op) {
    case 'stop':
    case 'start':
    case 'restart':
      return ctr ? `docker ${s.op} ${s.op === 'start' ? '' : '-t 0 '}${ctr}` : null;
    case 'rm':
      return ctr ? `docker rm -f ${ctr}` : null;
    case 'connect':
    case 'disconnect':
      return ctr ? `docker network ${s.op} ${nets[s.network % nets.length]} ${ctr}` : null;
    case 'network-rm':
      return t.networks.length ? `docker network rm ${t.networks[s.network % t.networks.length]!.name}` : null;
  }
}

/**
 * A command sequence: a valid topology, then up to `maxChurn` churn lines.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(commands(), engineSeed(), (s, seed) => {
 *   const e = engineFromSeed(seed);
 *   for (const line of s.commands) e.exec(line); // never throws
 * }));
 * ```
 */
export function commands(constraints: CommandsConstraints = {}): fc.Arbitrary<CommandScenario> {
  return fc
    .record({ topology: topology(constraints), churn: fc.array(churnStep(), { maxLength: constraints.maxChurn ?? 6 }) })
    .map(({ topology: t, churn }) => {
      const build = toDockerCommands(t);
      const extra = churn.map((s) => churnCommand(t, s)).filter((l): l is string => l !== null);
      return readable({ topology: t, commands: [...build, ...extra], buildLength: build.length }, (s) => s.commands);
    });
}
