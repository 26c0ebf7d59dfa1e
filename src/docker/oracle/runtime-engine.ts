/**
 * Replays the rt-* runtime scenarios through the full Engine (networking on top of the runtime),
 * so their transcripts also show what the network layer adds (connect/disconnect events,
 * SandboxKey under the exec root).
 */
import { Engine } from '../engine.js';
import type { ReplayEngine } from '../../runtime/oracle/replay.js';
import type { RuntimeOptions } from '../../runtime/runtime.js';

/** A `makeEngine` for `replayRuntimeScenario`/`replayAllRuntimeScenarios` that builds an Engine. */
export function runtimeReplayEngine(o: RuntimeOptions): ReplayEngine {
  const { sim, rng: _rng, hostname, ...runtime } = o;
  const e = new Engine({ sim, seed: 1, hostname, runtime });
  return { runtime: e.runtime, exec: (a) => e.exec(a), networks: () => e.networks.map((n) => [n.id, n.name] as [string, string]) };
}
