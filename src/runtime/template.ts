/**
 * A subset of Go's text/template as the docker CLI uses it for `--format`: field chains
 * (`.A.B`), variables, pipelines, `if`/`else`/`range`/`with`/`end`, and the functions docker adds
 * (`json`, `join`, `lower`, `upper`, `title`, `split`, `pad`, `truncate`) plus Go's builtins
 * (`index`, `len`, `printf`, `print`, `println`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `and`, `or`,
 * `not`). Missing values print as `<no value>`.
 */
import { goJson } from './gojson.js';

const NONE = Symbol('none');
type Tok = { k: 'text'; v: string } | { k: 'action'; v: string };
type Expr = { t: 'field'; base: Expr | null; path: string[] } | { t: 'var'; name: string; path: string[] } | { t: 'lit'; v: unknown } | { t: 'call'; fn: string; args: Expr[] } | { t: 'pipe'; cmds: Expr[] };
type TNode = { t: 'text'; v: string } | { t: 'out'; e: Expr; decl?: string[] } | { t: 'if' | 'with'; e: Expr; a: TNode[]; b: TNode[] } | { t: 'range'; e: Expr; vars: string[]; a: TNode[]; b: TNode[] };

/** Template errors (the CLI prints `template: ...`). */
export class TemplateError extends Error {}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const s = src.indexOf('{{', i);
    if (s < 0) {
      out.push({ k: 'text', v: src.slice(i) });
      break;
    }
    let text = src.slice(i, s);
    let body = s + 2;
    if (src[body] === '-' && src[body + 1] === ' ') {
      text = text.replace(/\s+$/, '');
      body += 1;
    }
    if (text) out.push({ k: 'text', v: text });
    const e = src.indexOf('}}', body);
    if (e < 0) throw new TemplateError('unclosed action');
    let inner = src.slice(body, e);
    i = e + 2;
    if (inner.endsWith(' -')) {
      inner = inner.slice(0, -2);
      while (i < src.length && /\s/.test(src[i]!)) i++;
    }
    out.push({ k: 'action', v: inner.trim() });
  }
  return out;
}

function lexAction(s: string): string[] {
  return s.match(/"(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||:=|=|,|[^\s()|,]+/g) ?? [];
}

function parsePipeline(toks: string[], pos: { i: number }): Expr {
  const cmds: Expr[] = [];
  for (;;) {
    const args: Expr[] = [];
    while (pos.i < toks.length && toks[pos.i] !== '|' && toks[pos.i] !== ')') args.push(parseOperand(toks, pos));
    if (args.length === 0) throw new TemplateError('missing value for command');
    const head = args[0]!;
    cmds.push(head.t === 'call' && args.length > 1 ? { t: 'call', fn: head.fn, args: args.slice(1) } : args.length === 1 ? head : { t: 'call', fn: '__apply', args });
    if (toks[pos.i] === '|') {
      pos.i++;
      continue;
    }
    break;
  }
  return cmds.length === 1 ? cmds[0]! : { t: 'pipe', cmds };
}

function parseOperand(toks: string[], pos: { i: number }): Expr {
  const t = toks[pos.i++]!;
  if (t === '(') {
    const e = parsePipeline(toks, pos);
    pos.i++;
    const rest = toks[pos.i];
    if (rest && rest.startsWith('.') && rest !== '.') {
      pos.i++;
      return { t: 'field', base: e, path: rest.slice(1).split('.') };
    }
    return e;
  }
  if (t.startsWith('"')) return { t: 'lit', v: JSON.parse(t) as string };
  if (t.startsWith('`')) return { t: 'lit', v: t.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { t: 'lit', v: Number(t) };
  if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
  if (t === 'nil') return { t: 'lit', v: null };
  if (t === '.') return { t: 'field', base: null, path: [] };
  if (t.startsWith('.')) return { t: 'field', base: null, path: t.slice(1).split('.') };
  if (t.startsWith('$')) {
    const [name, ...path] = t.split('.');
    return { t: 'var', name: name!, path };
  }
  return { t: 'call', fn: t, args: [] };
}

function parse(src: string): TNode[] {
  const toks = tokenize(src);
  let i = 0;
  const ctl = (kw: 'if' | 'with' | 'range', e: Expr, vars: string[]): TNode => {
    const a = block(['else', 'end']);
    let b: TNode[] = [];
    if (a.end.startsWith('else')) {
      const ew = lexAction(a.end);
      if (ew[1] === 'if' || ew[1] === 'with') b = [ctl(ew[1], parsePipeline(ew.slice(2), { i: 0 }), [])];
      else b = block(['end']).nodes;
    }
    return kw === 'range' ? { t: 'range', e, vars, a: a.nodes, b } : { t: kw, e, a: a.nodes, b };
  };
  const block = (stop: string[]): { nodes: TNode[]; end: string } => {
    const nodes: TNode[] = [];
    while (i < toks.length) {
      const t = toks[i++]!;
      if (t.k === 'text') {
        nodes.push({ t: 'text', v: t.v });
        continue;
      }
      const words = lexAction(t.v);
      const kw = words[0];
      if (kw && stop.includes(kw)) return { nodes, end: t.v };
      if (t.v.startsWith('/*')) continue;
      if (kw === 'if' || kw === 'with' || kw === 'range') {
        let rest = words.slice(1);
        let vars: string[] = [];
        const d = rest.indexOf(':=');
        if (kw === 'range' && d >= 0) {
          vars = rest.slice(0, d).filter((w) => w !== ',');
          rest = rest.slice(d + 1);
        }
        nodes.push(ctl(kw, parsePipeline(rest, { i: 0 }), vars));
        continue;
      }
      const d = words.indexOf(':=');
      if (d > 0) nodes.push({ t: 'out', e: parsePipeline(words.slice(d + 1), { i: 0 }), decl: words.slice(0, d) });
      else nodes.push({ t: 'out', e: parsePipeline(words, { i: 0 }) });
    }
    if (stop.length) throw new TemplateError('unexpected EOF');
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

/** Formats a value as Go's fmt `%v` would. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map((x) => (x === null ? '<nil>' : goString(x))).join(' ') + ']';
  // a value that knows its Go struct formatting (`{a b c}`), e.g. the network layer's IPAMConfig
  const gf = (v as { goFormat?: unknown }).goFormat;
  if (typeof gf === 'function') return String(gf.call(v));
  const o = v as Record<string, unknown>;
  return 'map[' + Object.keys(o).sort().map((k) => `${k}:${o[k] === null ? '<nil>' : goString(o[k])}`).join(' ') + ']';
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function field(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (p === '') continue;
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    const o = cur as Record<string, unknown>;
    // Go structs are addressed by field name while their JSON keys may be lower-case (events.Message)
    cur = p in o ? o[p] : o[Object.keys(o).find((k) => k.toLowerCase() === p.toLowerCase()) ?? p];
  }
  return cur;
}

function sprintf(fmt: string, args: unknown[]): string {
  let k = 0;
  return fmt.replace(/%([-0-9.]*)([svdqt%])/g, (_m, flags: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[k++];
    let s = verb === 'q' ? JSON.stringify(goString(a)) : goString(a);
    const w = parseInt(flags, 10);
    if (!Number.isNaN(w)) s = flags.startsWith('-') ? s.padEnd(Math.abs(w)) : s.padStart(w);
    return s;
  });
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => goJson(v),
  join: (a, sep) => (Array.isArray(a) ? a.map(goString).join(String(sep)) : goString(a)),
  split: (s, sep) => String(s).split(String(sep)),
  lower: (s) => goString(s).toLowerCase(),
  upper: (s) => goString(s).toUpperCase(),
  title: (s) => goString(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  pad: (s, l, r) => ' '.repeat(Number(l)) + goString(s) + ' '.repeat(Number(r)),
  truncate: (s, n) => goString(s).slice(0, Number(n)),
  index: (v, ...keys) => keys.reduce((acc: unknown, k) => (acc === null || acc === undefined ? undefined : (acc as Record<string, unknown>)[String(k)]), v),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  printf: (f, ...a) => sprintf(String(f), a),
  print: (...a) => a.map(goString).join(''),
  println: (...a) => a.map(goString).join(' ') + '\n',
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  not: (a) => !truthy(a),
};

/** A parsed template; `execute(data)` renders it. */
export class GoTemplate {
  private readonly nodes: TNode[];
  /** Extra functions (docker ps adds none today). */
  readonly funcs: Record<string, (...a: unknown[]) => unknown> = { ...FUNCS };
  constructor(readonly source: string) {
    this.nodes = parse(source);
  }

  /** Renders with `data` as dot. */
  execute(data: unknown): string {
    const vars = new Map<string, unknown>([['$', data]]);
    return this.run(this.nodes, data, vars);
  }

  private run(nodes: TNode[], dot: unknown, vars: Map<string, unknown>): string {
    let out = '';
    for (const n of nodes) {
      switch (n.t) {
        case 'text':
          out += n.v;
          break;
        case 'out': {
          const v = this.eval(n.e, dot, vars, NONE);
          if (n.decl) vars.set(n.decl[0]!, v);
          else out += goString(v);
          break;
        }
        case 'if':
          out += truthy(this.eval(n.e, dot, vars, NONE)) ? this.run(n.a, dot, vars) : this.run(n.b, dot, vars);
          break;
        case 'with': {
          const v = this.eval(n.e, dot, vars, NONE);
          out += truthy(v) ? this.run(n.a, v, vars) : this.run(n.b, dot, vars);
          break;
        }
        case 'range': {
          const v = this.eval(n.e, dot, vars, NONE);
          const entries: Array<[unknown, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]) : [];
          if (!entries.length) out += this.run(n.b, dot, vars);
          for (const [k, x] of entries) {
            const inner = new Map(vars);
            if (n.vars.length === 1) inner.set(n.vars[0]!, x);
            if (n.vars.length === 2) {
              inner.set(n.vars[0]!, k);
              inner.set(n.vars[1]!, x);
            }
            out += this.run(n.a, x, inner);
          }
          break;
        }
      }
    }
    return out;
  }

  private eval(e: Expr, dot: unknown, vars: Map<string, unknown>, piped: unknown): unknown {
    switch (e.t) {
      case 'lit':
        return e.v;
      case 'field':
        return field(e.base ? this.eval(e.base, dot, vars, NONE) : dot, e.path);
      case 'var':
        return field(vars.get(e.name), e.path);
      case 'pipe': {
        let v: unknown = NONE;
        e.cmds.forEach((c, i) => (v = this.eval(c, dot, vars, i === 0 ? NONE : v)));
        return v;
      }
      case 'call': {
        if (e.fn === '__apply') {
          const [h, ...rest] = e.args;
          return this.eval({ t: 'call', fn: (h as { fn: string }).fn, args: rest }, dot, vars, piped);
        }
        // own properties only: `{{toString}}` is not a template function
        const f = Object.hasOwn(this.funcs, e.fn) ? this.funcs[e.fn] : undefined;
        if (!f) throw new TemplateError(`function "${e.fn}" not defined`);
        const args = e.args.map((a) => this.eval(a, dot, vars, NONE));
        if (piped !== NONE) args.push(piped);
        return f(...args);
      }
    }
  }
}

/** Renders `format` against `data` (one-shot helper). */
export function renderTemplate(format: string, data: unknown): string {
  return new GoTemplate(format).execute(data);
}
