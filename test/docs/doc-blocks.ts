/**
 * Reads the runnable examples out of the docs: a ```sh block holding `node examples/…/NAME.mjs`,
 * followed by the fenced block of the output it prints. The ```js block before it, when present,
 * is the example's source.
 */
import { readFileSync } from 'node:fs';

/** One runnable example found in a doc. */
export interface DocExample {
  /** The doc file. */
  doc: string;
  /** The script path, relative to the repository root. */
  script: string;
  /** The output pasted in the doc. */
  expected: string;
  /** The source pasted in the doc, or null when the doc does not show it. */
  source: string | null;
}

interface Fence {
  lang: string;
  body: string;
}

function fences(md: string): Fence[] {
  const out: Fence[] = [];
  const re = /^```([a-z]*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) out.push({ lang: m[1]!, body: m[2]! });
  return out;
}

/** Every `node examples/….mjs` block in `doc` with the output block after it. */
export function docExamples(doc: string): DocExample[] {
  const fs = fences(readFileSync(doc, 'utf8'));
  const out: DocExample[] = [];
  fs.forEach((f, i) => {
    const m = /^node (examples\/\S+\.mjs)\s*$/.exec(f.body.trim());
    if (f.lang !== 'sh' || !m) return;
    const next = fs[i + 1];
    if (!next) throw new Error(`${doc}: no output block after "node ${m[1]}"`);
    const prev = fs[i - 1];
    out.push({ doc, script: m[1]!, expected: next.body, source: prev && prev.lang === 'js' ? prev.body : null });
  });
  return out;
}

/** Text compared line by line without trailing blanks (editors strip them in Markdown). */
export function normalizeOutput(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd();
}
