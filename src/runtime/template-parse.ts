/**
 * Go's text/template lexer and parser (text/template/parse, as the docker 20.10 CLI was built with
 * it, Go 1.18+): the same items, trim markers, comments and the same error texts
 * (`template: :LINE: bad character U+002D '-'`, `unclosed action`, `unexpected {{end}}`,
 * `missing value for if`, `function "foo" not defined`…), so a bad `--format` fails as docker's does.
 */

/** A parse error; `message` is what Go prints (`template: :1: unclosed action`). */
export class TemplateError extends Error {}

/** A lexer item. */
interface Item {
  t: 'text' | 'left' | 'right' | 'field' | 'var' | 'ident' | 'kw' | 'string' | 'raw' | 'char' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe' | 'assign' | 'declare' | 'lparen' | 'rparen' | 'other' | 'space' | 'eof';
  v: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'template', 'define', 'block', 'break', 'continue']);

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string): boolean => c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);

/** Go's `%#U` of a character: `U+002D '-'`. */
function goU(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

function lex(src: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let line = 1;
  const err = (msg: string, at: number): never => {
    throw new TemplateError(`template: :${lineAt(src, at)}: ${msg}`);
  };
  const emit = (t: Item['t'], start: number, end: number): void => {
    items.push({ t, v: src.slice(start, end), pos: start, line });
    for (let i = start; i < end; i++) if (src[i] === '\n') line++;
  };
  while (pos < src.length) {
    const l = src.indexOf('{{', pos);
    let textEnd = l < 0 ? src.length : l;
    const leftTrim = l >= 0 && src[l + 2] === '-' && isSpace(src[l + 3] ?? '');
    if (leftTrim) while (textEnd > pos && isSpace(src[textEnd - 1]!)) textEnd--;
    if (textEnd > pos) emit('text', pos, textEnd);
    if (l < 0) break;
    // count the newlines of trimmed space too
    for (let i = textEnd; i < l; i++) if (src[i] === '\n') line++;
    pos = l + 2 + (leftTrim ? 2 : 0);
    const actionStart = l;
    // comment: {{/* … */}}
    if (src.startsWith('/*', pos)) {
      const e = src.indexOf('*/', pos + 2);
      if (e < 0) err('unclosed comment', actionStart);
      let after = e + 2;
      const rtrim = src.startsWith(' -}}', after);
      if (rtrim) after += 2;
      if (!src.startsWith('}}', after)) err('comment ends before closing delimiter', actionStart);
      for (let i = pos; i < after; i++) if (src[i] === '\n') line++;
      pos = after + 2;
      if (rtrim) while (pos < src.length && isSpace(src[pos]!)) pos++;
      continue;
    }
    items.push({ t: 'left', v: '{{', pos: l, line });
    let depth = 0;
    for (;;) {
      if (src.startsWith(' -}}', pos) || src.startsWith('}}', pos)) {
        const trim = src[pos] === ' ';
        if (depth > 0) err('unclosed left paren', pos);
        if (trim) pos += 2;
        items.push({ t: 'right', v: '}}', pos, line });
        pos += 2;
        if (trim) {
          while (pos < src.length && isSpace(src[pos]!)) {
            if (src[pos] === '\n') line++;
            pos++;
          }
        }
        break;
      }
      if (pos >= src.length) err('unclosed action', pos);
      const start = pos;
      const c = src[pos++]!;
      const atTerminator = (): boolean => {
        if (pos >= src.length) return true;
        const d = src[pos]!;
        return isSpace(d) || d === '.' || d === ',' || d === '|' || d === ':' || d === ')' || d === '(' || src.startsWith('}}', pos);
      };
      if (isSpace(c)) {
        while (pos < src.length && isSpace(src[pos]!) && !src.startsWith(' -}}', pos)) pos++;
        emit('space', start, pos);
      } else if (c === '=') emit('assign', start, pos);
      else if (c === ':') {
        if (src[pos] !== '=') err('expected :=', start);
        pos++;
        emit('declare', start, pos);
      } else if (c === '|') emit('pipe', start, pos);
      else if (c === '"' || c === "'") {
        for (;;) {
          const d = src[pos++];
          if (d === '\\' && pos < src.length && src[pos] !== '\n') {
            pos++;
            continue;
          }
          if (d === undefined || d === '\n') err(c === '"' ? 'unterminated quoted string' : 'unterminated character constant', start);
          if (d === c) break;
        }
        emit(c === '"' ? 'string' : 'char', start, pos);
      } else if (c === '`') {
        const e = src.indexOf('`', pos);
        if (e < 0) err('unterminated raw quoted string', start);
        pos = e + 1;
        emit('raw', start, pos);
      } else if (c === '$' || (c === '.' && !/[0-9]/.test(src[pos] ?? ''))) {
        if (c === '.' && atTerminator()) {
          emit('dot', start, pos);
          continue;
        }
        while (pos < src.length && isAlnum(src[pos]!)) pos++;
        if (!atTerminator()) err(`bad character ${goU(src[pos]!)}`, pos);
        emit(c === '$' ? 'var' : 'field', start, pos);
      } else if (c === '+' || c === '-' || c === '.' || (c >= '0' && c <= '9')) {
        pos = start;
        if (src[pos] === '+' || src[pos] === '-') pos++;
        let digits = '0123456789_';
        if (src[pos] === '0' && /[xXoObB]/.test(src[pos + 1] ?? '')) {
          digits = /[xX]/.test(src[pos + 1]!) ? '0123456789abcdefABCDEF_' : /[oO]/.test(src[pos + 1]!) ? '01234567_' : '01_';
          pos += 2;
        }
        while (pos < src.length && digits.includes(src[pos]!)) pos++;
        if (src[pos] === '.') {
          pos++;
          while (pos < src.length && digits.includes(src[pos]!)) pos++;
        }
        if (/[eE]/.test(src[pos] ?? '') && digits.length === 11) {
          pos++;
          if (src[pos] === '+' || src[pos] === '-') pos++;
          while (pos < src.length && /[0-9_]/.test(src[pos]!)) pos++;
        }
        if (src[pos] === 'i') pos++;
        if (pos < src.length && isAlnum(src[pos]!)) err(`bad number syntax: "${src.slice(start, pos + 1)}"`, start);
        emit('number', start, pos);
      } else if (isAlnum(c)) {
        while (pos < src.length && isAlnum(src[pos]!)) pos++;
        if (!atTerminator()) err(`bad character ${goU(src[pos]!)}`, pos);
        const w = src.slice(start, pos);
        emit(KEYWORDS.has(w) ? 'kw' : w === 'true' || w === 'false' ? 'bool' : w === 'nil' ? 'nil' : 'ident', start, pos);
      } else if (c === '(') {
        depth++;
        emit('lparen', start, pos);
      } else if (c === ')') {
        depth--;
        if (depth < 0) err(`unexpected right paren ${goU(c)}`, start);
        emit('rparen', start, pos);
      } else if (c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f) emit('other', start, pos);
      else err(`unrecognized character in action: ${goU(c)}`, start);
    }
  }
  items.push({ t: 'eof', v: '', pos: src.length, line });
  return items;
}

function lineAt(src: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') n++;
  return n;
}

/** Expressions; `pos` is the byte offset Go reports in execution errors. */
export type Expr =
  | { t: 'field'; base: Expr | null; path: string[]; pos: number; text: string }
  | { t: 'var'; name: string; path: string[]; pos: number; text: string }
  | { t: 'lit'; v: unknown }
  | { t: 'call'; fn: string; args: Expr[] }
  | { t: 'pipe'; cmds: Expr[] };
/** Template nodes. */
export type TNode = { t: 'text'; v: string } | { t: 'out'; e: Expr; decl?: string[] } | { t: 'if' | 'with'; e: Expr; a: TNode[]; b: TNode[] } | { t: 'range'; e: Expr; vars: string[]; a: TNode[]; b: TNode[] };

/** Go's strconv.Unquote for "…" and '…' literals. */
function unquote(s: string): string {
  const body = s.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_m, e: string) => {
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e in simple) return simple[e]!;
    if (/^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    throw new TemplateError(`invalid syntax`);
  });
}

/** Parses `src` against the names of the functions it may call. */
export function parseTemplate(src: string, funcs: ReadonlySet<string>): TNode[] {
  const items = lex(src);
  let i = 0;
  const peek = (): Item => {
    while (items[i]!.t === 'space') i++;
    return items[i]!;
  };
  const next = (): Item => {
    const it = peek();
    i++;
    return it;
  };
  const fail = (msg: string, at: Item): never => {
    throw new TemplateError(`template: :${at.line}: ${msg}`);
  };
  const desc = (it: Item): string => (it.t === 'eof' ? 'EOF' : it.t === 'kw' ? `<${it.v}>` : it.v.length > 10 ? `${JSON.stringify(it.v.slice(0, 10))}...` : JSON.stringify(it.v));
  const vars = [new Set<string>(['$'])];
  const declared = (name: string): boolean => vars.some((s) => s.has(name));

  const term = (): Expr | null => {
    const it = next();
    switch (it.t) {
      case 'ident':
        if (!funcs.has(it.v)) fail(`function "${it.v}" not defined`, it);
        return { t: 'call', fn: it.v, args: [] };
      case 'dot':
        return { t: 'field', base: null, path: [], pos: it.pos, text: '.' };
      case 'nil':
        return { t: 'lit', v: null };
      case 'var':
        if (!declared(it.v)) fail(`undefined variable "${it.v}"`, it);
        return { t: 'var', name: it.v, path: [], pos: it.pos, text: it.v };
      case 'field':
        return { t: 'field', base: null, path: [it.v.slice(1)], pos: it.pos, text: it.v };
      case 'bool':
        return { t: 'lit', v: it.v === 'true' };
      case 'char':
        return { t: 'lit', v: unquote(it.v).codePointAt(0) ?? 0 };
      case 'number': {
        const n = Number(it.v.replace(/_/g, ''));
        if (Number.isNaN(n)) fail(`illegal number syntax: "${it.v}"`, it);
        return { t: 'lit', v: n };
      }
      case 'string':
        return { t: 'lit', v: unquote(it.v) };
      case 'raw':
        return { t: 'lit', v: it.v.slice(1, -1) };
      case 'lparen': {
        const e = pipeline('parenthesized pipeline', 'rparen');
        return e;
      }
      default:
        i--;
        return null;
    }
  };
  const operand = (): Expr | null => {
    const base = term();
    if (!base) return null;
    if (items[i]!.t !== 'field') return base;
    const first = items[i]!;
    const path: string[] = [];
    let text = '';
    while (items[i]!.t === 'field') {
      path.push(items[i]!.v.slice(1));
      text += items[i]!.v;
      i++;
    }
    if (base.t === 'field' && base.base === null && base.path.length) return { t: 'field', base: null, path: [...base.path, ...path], pos: first.pos, text: base.text + text };
    if (base.t === 'var') return { ...base, path: [...base.path, ...path], pos: first.pos, text: base.text + text };
    if (base.t === 'lit' || (base.t === 'field' && base.path.length === 0)) fail(`unexpected . after term "${base.t === 'field' ? '.' : String(base.v)}"`, first);
    return { t: 'field', base, path, pos: first.pos, text: `(…)${text}` };
  };
  const command = (): Expr => {
    const args: Expr[] = [];
    for (;;) {
      peek();
      const o = operand();
      if (o) args.push(o);
      const it = items[i++]!;
      if (it.t === 'space') continue;
      if (it.t === 'right' || it.t === 'rparen') i--;
      else if (it.t !== 'pipe') fail(`unexpected ${desc(it)} in operand`, it);
      break;
    }
    if (args.length === 0) fail('empty command', items[i]!);
    const head = args[0]!;
    if (head.t === 'call') return { t: 'call', fn: head.fn, args: args.slice(1) };
    if (args.length > 1) fail(`can't give argument to non-function ${head.t === 'field' || head.t === 'var' ? head.text : String((head as { v?: unknown }).v)}`, items[i]!);
    return head;
  };
  function pipeline(context: string, end: 'right' | 'rparen', decl?: string[]): Expr {
    const start = peek();
    // declarations: $x := …  /  $k, $v := … (range)
    if (start.t === 'var') {
      const save = i;
      const names: string[] = [start.v];
      i++;
      let it = peek();
      if (it.t === 'other' && it.v === ',' && context === 'range') {
        i++;
        const second = next();
        if (second.t !== 'var') fail('range can only initialize variables', second);
        names.push(second.v);
        it = peek();
      }
      if (it.t === 'declare' || it.t === 'assign') {
        i++;
        if (it.t === 'declare') for (const n of names) vars[vars.length - 1]!.add(n);
        else for (const n of names) if (!declared(n)) fail(`undefined variable "${n}"`, start);
        decl?.push(...names);
      } else i = save;
    }
    const cmds: Expr[] = [];
    for (;;) {
      const it = peek();
      if (it.t === end) {
        i++;
        break;
      }
      if (it.t === 'eof' || it.t === 'right' || it.t === 'rparen' || it.t === 'pipe' || it.t === 'kw' || it.t === 'assign' || it.t === 'declare' || it.t === 'other') fail(`unexpected ${desc(it)} in ${context}`, it);
      cmds.push(command());
    }
    if (cmds.length === 0) fail(`missing value for ${context}`, start);
    return cmds.length === 1 ? cmds[0]! : { t: 'pipe', cmds };
  }
  /** Nodes until `{{end}}`/`{{else}}` (returned as the keyword) or EOF. */
  const list = (top: boolean): { nodes: TNode[]; stop: Item | null } => {
    const nodes: TNode[] = [];
    for (;;) {
      const it = items[i]!;
      if (it.t === 'eof') {
        if (!top) fail('unexpected EOF', it);
        return { nodes, stop: null };
      }
      i++;
      if (it.t === 'text') {
        nodes.push({ t: 'text', v: it.v });
        continue;
      }
      // it.t === 'left'
      const k = peek();
      if (k.t === 'kw') {
        if (k.v === 'end' || k.v === 'else') {
          if (top) fail(`unexpected {{${k.v}}}`, k);
          i++;
          return { nodes, stop: k };
        }
        i++;
        if (k.v === 'if' || k.v === 'with' || k.v === 'range') {
          nodes.push(control(k.v));
          continue;
        }
        fail(`unexpected <${k.v}> in command`, k);
      }
      const decl: string[] = [];
      const e = pipeline('command', 'right', decl);
      nodes.push(decl.length ? { t: 'out', e, decl } : { t: 'out', e });
    }
  };
  const control = (kw: 'if' | 'with' | 'range'): TNode => {
    vars.push(new Set());
    const names: string[] = [];
    const e = pipeline(kw, 'right', names);
    const a = list(false);
    let b: TNode[] = [];
    if (a.stop!.v === 'else') {
      const k = peek();
      if ((k.v === 'if' && kw === 'if') || (k.v === 'with' && kw === 'with')) {
        // {{else if …}}: the rest is a nested control that consumes the shared {{end}}
        i++;
        b = [control(k.v)];
      } else {
        if (next().t !== 'right') fail(`unexpected ${desc(items[i - 1]!)} in else`, items[i - 1]!);
        const rest = list(false);
        if (rest.stop!.v !== 'end') fail(`expected end; found {{else}}`, rest.stop!);
        if (next().t !== 'right') fail(`unexpected ${desc(items[i - 1]!)} in end`, items[i - 1]!);
        b = rest.nodes;
      }
    } else if (next().t !== 'right') fail(`unexpected ${desc(items[i - 1]!)} in end`, items[i - 1]!);
    vars.pop();
    return kw === 'range' ? { t: 'range', e, vars: names, a: a.nodes, b } : { t: kw, e, a: a.nodes, b };
  };
  return list(true).nodes;
}
