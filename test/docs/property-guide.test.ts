/**
 * The code of docs/guides/property-testing.md, run: the isolation property is found false, it
 * shrinks to the two-container case the guide shows, and the trace of the offending connection is
 * the one the guide pastes. The doc's fenced blocks are compared with what this test computes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toDockerCommands, type Topology } from '../../src/arbitraries/topology.js';
import { Engine } from '../../src/docker/engine.js';
import { Lab, parseTarget, resolveSource, resolveTarget, trace, traceText } from '../../src/trace/index.js';
import { directIsolationProperty, isolationProperty, isolationViolation } from './isolation-property.js';
import { normalizeOutput } from './doc-blocks.js';

const GUIDE = join(import.meta.dirname, '..', '..', 'docs', 'guides', 'property-testing.md');

/** The fenced block that follows `<!-- output: NAME -->` in the guide. */
function guideBlock(name: string): string {
  const md = readFileSync(GUIDE, 'utf8');
  const m = new RegExp(`<!-- output: ${name} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)^\`\`\``, 'm').exec(md);
  if (!m) throw new Error(`${GUIDE}: no block after <!-- output: ${name} -->`);
  return m[1]!;
}

describe('guide: property testing your network design', () => {
  const result = fc.check(isolationProperty, { seed: 42 });
  const [t, seed] = (result.counterexample ?? [null, 0]) as [Topology, number];

  it('shows the code of the property as it is in test/docs/isolation-property.ts', () => {
    const file = readFileSync(join(import.meta.dirname, 'isolation-property.ts'), 'utf8');
    expect(normalizeOutput(guideBlock('source'))).toBe(normalizeOutput(file));
  });

  it('the isolation property is false, and shrinks to two containers on two networks', () => {
    expect(result.failed).toBe(true);
    expect(t.containers.length).toBe(2);
    expect(toDockerCommands(t)).toEqual([
      'docker network create net1',
      'docker run -d --name c1 --network net1 -p 80/tcp mini:latest httpd -f -p 80 -h /www',
      'docker run -d --name c2 mini:latest sleep 100000',
    ]);
    // the report fast-check prints (topologies print as their docker lines) is the one in the guide
    expect(normalizeOutput(fc.defaultReportMessage(result)!)).toBe(normalizeOutput(guideBlock('report')));
    expect(seed).toBe(0);
  });

  it('the violation is a published port reached through the host', () => {
    const v = isolationViolation(t, seed)!;
    expect(normalizeOutput(`${v.from} reached ${v.to} by ${v.how}`)).toBe(normalizeOutput(guideBlock('violation')));
  });

  it('replays exactly from the seed and path fast-check printed', () => {
    const again = fc.check(isolationProperty, { seed: 42, path: result.counterexamplePath!, endOnFailure: true });
    expect(again.failed).toBe(true);
    expect(again.counterexample).toEqual(result.counterexample);
  });

  it('the trace explains it: docker-proxy on the host relays to the container', () => {
    const v = isolationViolation(t, seed)!;
    const lab = new Lab(new Engine({ seed }));
    lab.scenario = 'counterexample';
    lab.replay(toDockerCommands(t).join('\n'));
    const src = resolveSource(lab, v.from);
    const target = v.how.replace(/^tcp /, '');
    const report = trace(lab, src, resolveTarget(lab, src, parseTarget(target)), 'tcp', { seed });
    const text = traceText(report);
    expect(text).toContain('docker-proxy');
    expect(normalizeOutput(text)).toBe(normalizeOutput(guideBlock('trace')));
  });

  it('the refined property (direct traffic only) holds', () => {
    fc.assert(directIsolationProperty, { seed: 42, numRuns: 25 });
  });
});
