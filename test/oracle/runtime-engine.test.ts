/**
 * The rt-* runtime scenarios replayed through the docker Engine (networking on top of the runtime)
 * match the capture as well as through the bare runtime: the Engine passes the lab's runtime
 * options through and adds what real Docker adds (network connect/disconnect events, SandboxKey
 * under the exec root).
 */
import { describe, expect, it } from 'vitest';
import { runtimeReplayEngine as engineFor } from '../../src/docker/oracle/index.js';
import { replayAllRuntimeScenarios } from '../../src/runtime/oracle/replay.js';
import { HAVE_SHARED_ORACLE, SHARED_SCENARIOS as SCENARIOS } from '../helpers/paths.js';

describe.skipIf(!HAVE_SHARED_ORACLE)('rt-* scenarios through the Engine', () => {
  it('match at least as many steps as through the bare runtime', () => {
    const bare = replayAllRuntimeScenarios(SCENARIOS);
    const eng = replayAllRuntimeScenarios(SCENARIOS, { makeEngine: engineFor });
    expect(eng.length).toBe(bare.length);
    for (let i = 0; i < bare.length; i++) expect(eng[i]!.matched, eng[i]!.scenario).toBeGreaterThanOrEqual(bare[i]!.matched);
    // the event stream shows the network connect/disconnect events the bare runtime cannot know
    for (const r of eng) {
      const net = (ls: string[]): string[] => ls.filter((l) => l.startsWith('network '));
      const want = net(r.events.expected);
      const got = net(r.events.actual);
      expect(want.length, r.scenario).toBeGreaterThan(0);
      if (r.scenario !== 'rt-05-namespaces') {
        expect(got, r.scenario).toEqual(want);
        continue;
      }
      // rt-05: a start that fails joining another container's IPC namespace fails in the runtime
      // before the network is set up (Docker connects first, then disconnects), and the pid joiner
      // dying with ns-a is disconnected synchronously, before ns-a: same events, two missing
      const left = [...want];
      for (const g of got) {
        const i = left.indexOf(g);
        expect(i, `${r.scenario}: unexpected ${g}`).toBeGreaterThanOrEqual(0);
        left.splice(i, 1);
      }
      expect(left.length, r.scenario).toBe(4);
    }
  }, 600_000);
});
