// The published builds (dist/, made by `npm run build` before the tests): both module formats load and
// reach the parts loaded on first use, like `yaml` for Compose files (through createRequire, whose
// import.meta.url the CJS build gets from tsup's shim).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const COMPOSE = 'services:\\n  web:\\n    image: mini\\n    ports: [\\"8080:80\\"]\\n';

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe.skipIf(!existsSync(join(ROOT, 'dist/index.cjs')))('dist builds', () => {
  it('CommonJS: require() loads the library and loadCompose parses YAML', () => {
    const out = run(['-e', `const d = require('./dist/index.cjs'); const p = d.loadCompose("${COMPOSE}"); console.log(p.services[0].name, JSON.stringify(p.services[0].ports))`]);
    expect(out).toMatch(/^web \[.*8080.*\]\n$/);
  });
  it('ESM: import loads the library and loadCompose parses YAML; bad YAML is a ComposeError', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `const d = await import('./dist/index.js'); console.log(d.loadCompose("${COMPOSE}").services[0].name); try { d.loadCompose('a: [1'); } catch (e) { console.log(e.name); }`,
    ]);
    expect(out).toBe('web\nComposeError\n');
  });
});
