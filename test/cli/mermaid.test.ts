/**
 * Mermaid output must render: parsed by the real mermaid library when it can be loaded — from the
 * project's node_modules, or from MERMAID_DIR (a folder where `npm install mermaid jsdom` ran).
 * Skipped otherwise (the structure is also checked line by line in cli.test.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src/trace/lab.js';
import { graphMermaid, topology } from '../../src/trace/graph.js';
import { traceMermaid } from '../../src/trace/format/trace-mermaid.js';
import { parseTarget, resolveSource, resolveTarget, chooseProto } from '../../src/trace/endpoint.js';
import { trace } from '../../src/trace/probe.js';

const dirs = [process.env.MERMAID_DIR, process.cwd()].filter((d): d is string => !!d);
const home = dirs.find((d) => existsSync(join(d, 'node_modules/mermaid/package.json')) && existsSync(join(d, 'node_modules/jsdom/package.json')));

async function parser(): Promise<(text: string) => Promise<{ diagramType: string }>> {
  const { JSDOM } = await import(pathToFileURL(join(home!, 'node_modules/jsdom/lib/api.js')).href);
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  g.DOMParser = dom.window.DOMParser;
  g.Element = dom.window.Element;
  const m = await import(pathToFileURL(join(home!, 'node_modules/mermaid/dist/mermaid.core.mjs')).href);
  const mermaid = m.default;
  mermaid.initialize({ startOnLoad: false });
  return (text: string) => mermaid.parse(text);
}

describe.skipIf(!home)('mermaid output parses with mermaid', () => {
  it('trace sequence diagrams (delivered, dropped, docker-proxy) and topology flowcharts', async () => {
    const parse = await parser();
    const cases: Array<[string, string, string]> = [
      ['examples/scenarios/web-db', 'web', 'db:5432'],
      ['examples/scenarios/web-db', 'host', 'host:8080'],
      ['examples/scenarios/cross-network', 'web', 'db'],
      ['examples/scenarios/internal-network', 'vault', 'web:80'],
    ];
    for (const [scen, from, to] of cases) {
      const lab = Lab.load(scen);
      const src = resolveSource(lab, from);
      const spec = parseTarget(to);
      const text = traceMermaid(trace(lab, src, resolveTarget(lab, src, spec), chooseProto(spec, {})));
      expect((await parse(text)).diagramType, `${scen} ${from} ${to}`).toBe('sequence');
      expect((await parse(graphMermaid(topology(lab)))).diagramType).toBe('flowchart-v2');
    }
  }, 60_000);
});
