/**
 * Parser of the small POSIX shell subset the scenarios use: `;` `&&` `||` `&` lists, `while`,
 * `if`, `for`, assignments, `$VAR` `${VAR}` `$((expr))` `$?` `$$`, quotes, and the redirections
 * `>`, `>>`, `<`, `>&2`, `2>&1`, `2>file`; also `{ …; }` groups, `name() { …; }` functions, `case`,
 * redirections after compound commands, and `$(…)` kept verbatim in a word for the evaluator.
 */

/** A word: parts with their quoting (single-quoted text is never expanded). */
export type Word = Array<{ text: string; q: 'none' | 'single' | 'double' }>;

/** A redirection. */
export interface Redir {
  fd: number;
  op: '>' | '>>' | '<' | '>&';
  target: Word;
}

/** AST nodes. */
export type Node =
  | { t: 'simple'; assigns: Array<[string, Word]>; words: Word[]; redirs: Redir[]; /** 0-based line of the script it starts on (ash's errlinno in `sh -c`) */ line: number }
  | { t: 'list'; items: Array<{ node: Node; bg: boolean }> }
  | { t: 'and' | 'or'; a: Node; b: Node }
  | { t: 'pipe'; cmds: Node[] }
  | { t: 'while'; cond: Node; body: Node; until: boolean }
  | { t: 'if'; cond: Node; then: Node; else: Node | null }
  | { t: 'for'; name: string; items: Word[]; body: Node }
  | { t: 'group'; body: Node; redirs: Redir[] }
  | { t: 'func'; name: string; body: Node }
  | { t: 'case'; word: Word; arms: Array<{ pats: Word[]; body: Node }> };

type Tok = { k: 'word'; w: Word; raw: string; line?: number } | { k: 'op'; v: string };

/** Syntax error with busybox ash's message shape. */
export class ShSyntaxError extends Error {}

/** Index just past the `)` closing the `$(` at `i` (quotes and nested parentheses skipped). */
function cmdSubEnd(src: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j]!;
    if (c === '\\') j++;
    else if (c === "'") {
      j = src.indexOf("'", j + 1);
      if (j < 0) break;
    } else if (c === '"') {
      for (j++; j < src.length && src[j] !== '"'; j++) {
        if (src[j] === '\\') j++;
        else if (src[j] === '$' && src[j + 1] === '(') j = cmdSubEnd(src, j) - 1;
      }
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  throw new ShSyntaxError('syntax error: unterminated $(');
}

function countNewlines(src: string, from: number, to: number): number {
  let n = 0;
  for (let j = from; j < to; j++) if (src[j] === '\n') n++;
  return n;
}

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  // line of the last word's start, counted incrementally
  let line = 0;
  let lineAt = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (src.startsWith(';;', i)) {
      toks.push({ k: 'op', v: ';;' });
      i += 2;
      continue;
    }
    if (c === '\n' || c === ';') {
      toks.push({ k: 'op', v: ';' });
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '>>' || two === '>&') {
      toks.push({ k: 'op', v: two });
      i += 2;
      continue;
    }
    if (c === '&' || c === '|' || c === '>' || c === '<' || c === '(' || c === ')') {
      toks.push({ k: 'op', v: c });
      i++;
      continue;
    }
    if (/\d/.test(c) && (src[i + 1] === '>' || src[i + 1] === '<')) {
      toks.push({ k: 'op', v: 'fd' + c });
      i++;
      continue;
    }
    const w: Word = [];
    const wordLine = line + countNewlines(src, lineAt, i);
    line = wordLine;
    lineAt = i;
    let raw = '';
    let cur = '';
    const flush = (): void => {
      if (cur) w.push({ text: cur, q: 'none' });
      cur = '';
    };
    while (i < src.length && !' \t\n;&|<>()'.includes(src[i]!)) {
      const ch = src[i]!;
      if (ch === "'") {
        flush();
        const e = src.indexOf("'", i + 1);
        if (e < 0) throw new ShSyntaxError('unterminated quoted string');
        w.push({ text: src.slice(i + 1, e), q: 'single' });
        raw += src.slice(i, e + 1);
        i = e + 1;
      } else if (ch === '"') {
        flush();
        let j = i + 1;
        let s = '';
        while (j < src.length && src[j] !== '"') {
          if (src[j] === '$' && src[j + 1] === '(' && src[j + 2] !== '(') {
            const e = cmdSubEnd(src, j);
            s += src.slice(j, e);
            j = e;
          } else if (src[j] === '\\' && '"\\$`'.includes(src[j + 1] ?? '')) {
            s += src[j + 1];
            j += 2;
          } else s += src[j++];
        }
        if (j >= src.length) throw new ShSyntaxError('unterminated quoted string');
        w.push({ text: s, q: 'double' });
        raw += src.slice(i, j + 1);
        i = j + 1;
      } else if (ch === '\\') {
        flush();
        w.push({ text: src[i + 1] ?? '', q: 'single' });
        raw += src.slice(i, i + 2);
        i += 2;
      } else if (ch === '$' && src[i + 1] === '(' && src[i + 2] !== '(') {
        const e = cmdSubEnd(src, i);
        cur += src.slice(i, e);
        raw += src.slice(i, e);
        i = e;
      } else if (ch === '$' && src.slice(i, i + 3) === '$((') {
        const e = src.indexOf('))', i);
        cur += src.slice(i, e + 2);
        raw += src.slice(i, e + 2);
        i = e + 2;
      } else {
        cur += ch;
        raw += ch;
        i++;
      }
    }
    flush();
    toks.push({ k: 'word', w, raw, line: wordLine });
  }
  return toks;
}

const KEYWORDS = new Set(['while', 'until', 'do', 'done', 'if', 'then', 'else', 'elif', 'fi', 'for', 'in', 'case', 'esac', '{', '}']);

class Parser {
  i = 0;
  constructor(private readonly toks: Tok[]) {}
  peekWord(): string | null {
    const t = this.toks[this.i];
    return t && t.k === 'word' ? t.raw : null;
  }
  peekOp(): string | null {
    const t = this.toks[this.i];
    return t && t.k === 'op' ? t.v : null;
  }
  expectWord(kw: string): void {
    this.skipSemis();
    if (this.peekWord() !== kw) throw new ShSyntaxError(`syntax error: unexpected ${this.peekWord() ?? this.peekOp() ?? 'end of file'} (expecting "${kw}")`);
    this.i++;
  }
  skipSemis(): void {
    while (this.peekOp() === ';') this.i++;
  }
  list(stop: string[]): Node {
    const items: Array<{ node: Node; bg: boolean }> = [];
    for (;;) {
      this.skipSemis();
      const w = this.peekWord();
      if (this.i >= this.toks.length || (w !== null && stop.includes(w)) || this.peekOp() === ')' || this.peekOp() === ';;') break;
      const node = this.andOr();
      let bg = false;
      if (this.peekOp() === '&') {
        bg = true;
        this.i++;
      }
      items.push({ node, bg });
    }
    return { t: 'list', items };
  }
  andOr(): Node {
    let a = this.pipeline();
    for (;;) {
      const op = this.peekOp();
      if (op !== '&&' && op !== '||') return a;
      this.i++;
      this.skipSemis();
      const b = this.pipeline();
      a = { t: op === '&&' ? 'and' : 'or', a, b };
    }
  }
  pipeline(): Node {
    const cmds = [this.command()];
    while (this.peekOp() === '|') {
      this.i++;
      cmds.push(this.command());
    }
    return cmds.length === 1 ? cmds[0]! : { t: 'pipe', cmds };
  }
  command(): Node {
    const w = this.peekWord();
    const n = this.compound(w);
    if (!n) return this.simple();
    const redirs = this.redirs();
    return redirs.length ? { t: 'group', body: n, redirs } : n;
  }
  /** Redirections following a compound command. */
  redirs(): Redir[] {
    const out: Redir[] = [];
    for (;;) {
      const save = this.i;
      let fd = 1;
      let op = this.peekOp() ?? '';
      if (op.startsWith('fd')) {
        fd = Number(op.slice(2));
        this.i++;
        op = this.peekOp() ?? '';
      }
      const target = this.toks[this.i + 1];
      if (!(op === '>' || op === '>>' || op === '<' || op === '>&') || !target || target.k !== 'word') {
        this.i = save;
        return out;
      }
      this.i += 2;
      out.push({ fd: op === '<' ? 0 : fd, op: op as Redir['op'], target: target.w });
    }
  }
  compound(w: string | null): Node | null {
    if (w === '{') {
      this.i++;
      const body = this.list(['}']);
      this.expectWord('}');
      return { t: 'group', body, redirs: [] };
    }
    if (w !== null && /^[A-Za-z_][A-Za-z0-9_]*$/.test(w) && !KEYWORDS.has(w)) {
      const a = this.toks[this.i + 1];
      const b = this.toks[this.i + 2];
      if (a?.k === 'op' && a.v === '(' && b?.k === 'op' && b.v === ')') {
        this.i += 3;
        this.skipSemis();
        return { t: 'func', name: w, body: this.command() };
      }
    }
    if (w === 'case') {
      this.i++;
      const word = (this.toks[this.i++] as { w: Word }).w;
      this.expectWord('in');
      const arms: Array<{ pats: Word[]; body: Node }> = [];
      for (;;) {
        this.skipSemis();
        if (this.peekWord() === 'esac' || this.i >= this.toks.length) break;
        if (this.peekOp() === '(') this.i++;
        const pats: Word[] = [];
        while (this.toks[this.i]?.k === 'word') {
          pats.push((this.toks[this.i++] as { w: Word }).w);
          if (this.peekOp() === '|') this.i++;
        }
        if (this.peekOp() !== ')') throw new ShSyntaxError('syntax error: expecting ")" in case');
        this.i++;
        const body = this.list(['esac']);
        if (this.peekOp() === ';;') this.i++;
        arms.push({ pats, body });
      }
      this.expectWord('esac');
      return { t: 'case', word, arms };
    }
    if (w === 'while' || w === 'until') {
      this.i++;
      const cond = this.list(['do']);
      this.expectWord('do');
      const body = this.list(['done']);
      this.expectWord('done');
      return { t: 'while', cond, body, until: w === 'until' };
    }
    if (w === 'if') {
      this.i++;
      const cond = this.list(['then']);
      this.expectWord('then');
      const then = this.list(['else', 'elif', 'fi']);
      let els: Node | null = null;
      if (this.peekWord() === 'elif') {
        this.toks[this.i] = { k: 'word', w: [{ text: 'if', q: 'none' }], raw: 'if' };
        els = this.compound('if')!;
        return { t: 'if', cond, then, else: els };
      }
      if (this.peekWord() === 'else') {
        this.i++;
        els = this.list(['fi']);
      }
      this.expectWord('fi');
      return { t: 'if', cond, then, else: els };
    }
    if (w === 'for') {
      this.i++;
      const name = this.peekWord() ?? '';
      this.i++;
      const items: Word[] = [];
      if (this.peekWord() === 'in') {
        this.i++;
        while (this.toks[this.i]?.k === 'word') items.push((this.toks[this.i++] as { w: Word }).w);
      }
      this.expectWord('do');
      const body = this.list(['done']);
      this.expectWord('done');
      return { t: 'for', name, items, body };
    }
    if (this.peekOp() === '(') {
      this.i++;
      const l = this.list([]);
      if (this.peekOp() !== ')') throw new ShSyntaxError('syntax error: missing )');
      this.i++;
      return l;
    }
    return null;
  }
  simple(): Node {
    const first = this.toks[this.i];
    const line = first && first.k === 'word' ? (first.line ?? 0) : 0;
    const assigns: Array<[string, Word]> = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      const t = this.toks[this.i];
      if (!t) break;
      if (t.k === 'op') {
        let fd = 1;
        let op = t.v;
        if (op.startsWith('fd')) {
          fd = Number(op.slice(2));
          this.i++;
          op = this.peekOp() ?? '';
        }
        if (op === '>' || op === '>>' || op === '<' || op === '>&') {
          this.i++;
          const target = this.toks[this.i];
          if (!target || target.k !== 'word') throw new ShSyntaxError('syntax error: unexpected newline');
          this.i++;
          redirs.push({ fd: op === '<' ? 0 : fd, op: op as Redir['op'], target: target.w });
          continue;
        }
        break;
      }
      if (words.length === 0 && KEYWORDS.has(t.raw) && t.raw !== 'in') break;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(t.raw);
      if (words.length === 0 && m && t.w[0]?.q === 'none') {
        const first = t.w[0]!;
        const rest: Word = [{ text: first.text.slice(m[0].length), q: 'none' }, ...t.w.slice(1)];
        assigns.push([m[1]!, rest]);
      } else words.push(t.w);
      this.i++;
    }
    if (!words.length && !assigns.length && !redirs.length) {
      const t = this.toks[this.i];
      throw new ShSyntaxError(`syntax error: unexpected "${t ? (t.k === 'op' ? t.v : t.raw) : 'end of file'}"`);
    }
    return { t: 'simple', assigns, words, redirs, line };
  }
}

/** Parses a script. Throws ShSyntaxError. */
export function parseSh(src: string): Node {
  const p = new Parser(lex(src));
  const n = p.list([]);
  if (p.i < (p as unknown as { toks: Tok[] }).toks.length) throw new ShSyntaxError(`syntax error: unexpected "${p.peekWord() ?? p.peekOp()}"`);
  return n;
}

/** A `case` pattern (`*`, `?`, literal text) against a value. */
export function casePatternMatches(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}
