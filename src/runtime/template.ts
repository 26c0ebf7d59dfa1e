/**
 * A subset of Go's text/template as the docker CLI uses it for `--format`: field chains
 * (`.A.B`), variables, pipelines, `if`/`else`/`range`/`with`/`end`, and the functions docker adds
 * (`json`, `join`, `lower`, `upper`, `title`, `split`, `pad`, `truncate`) plus Go's builtins
 * (`index`, `len`, `printf`, `print`, `println`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `and`, `or`,
 * `not`). Missing values print as `<no value>`.
 */
import { goJson } from './gojson.js';
import { parseTemplate, TemplateError, type Expr, type TNode } from './template-parse.js';

export { TemplateError };

const NONE = Symbol('none');

/**
 * Keys under which Go's inspect types hold maps (`map[string]…`), not structs: a missing key in one
 * of these prints `<no value>`; a missing field of a struct is an execution error.
 */
const MAP_KEYS = new Set(['Labels', 'Options', 'Networks', 'Ports', 'ExposedPorts', 'Volumes', 'Containers', 'Sysctls', 'StorageOpt', 'Tmpfs', 'DriverOpts', 'Data', 'Attributes', 'Actor']);
/** Objects reached through a {@link MAP_KEYS} key (and LogConfig.Config). */
const goMaps = new WeakSet<object>();

/** A nil pointer as Go prints it (`<nil>`), false in `if`. */
const NIL: object = Object.create({ goFormat: () => '<nil>' }) as object;
/**
 * Struct fields of Docker's API types that the JSON leaves out when empty (`omitempty`): the typed
 * template still has them, as their zero value (ContainerJSON, Config, MountPoint, IPAMConfig).
 */
const OMITTED: Record<string, () => unknown> = {
  Health: () => NIL,
  Node: () => NIL,
  Healthcheck: () => NIL,
  StopTimeout: () => NIL,
  SizeRw: () => NIL,
  SizeRootFs: () => NIL,
  ExposedPorts: () => ({}),
  AuxiliaryAddresses: () => ({}),
  Shell: () => [],
  OnBuild: () => [],
  StopSignal: () => '',
  MacAddress: () => '',
  IPRange: () => '',
  Gateway: () => '',
  Subnet: () => '',
  Name: () => '',
  Driver: () => '',
  ArgsEscaped: () => false,
  NetworkDisabled: () => false,
};

/** An error while executing a template (`template: :1:2: executing "" at <.Nope>: …`). */
export class TemplateExecError extends TemplateError {}

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

/**
 * Walks `path` from `v`. A key missing from a Go struct calls `missing(key)` (the caller's error);
 * a key missing from a Go map, or anything below a nil, is `undefined` (`<no value>`).
 */
function field(v: unknown, path: string[], missing: (key: string) => never): unknown {
  let cur = v;
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    if (p === '') continue;
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    const o = cur as Record<string, unknown>;
    // Go structs are addressed by field name while their JSON keys may be lower-case (events.Message)
    const key = p in o ? p : Object.keys(o).find((k) => k.toLowerCase() === p.toLowerCase());
    if (key === undefined) {
      if (goMaps.has(o) || Array.isArray(o)) return undefined;
      const zero = OMITTED[p];
      if (!zero) missing(p);
      cur = zero();
      continue;
    }
    cur = o[key!];
    if (cur && typeof cur === 'object' && (MAP_KEYS.has(key!) || (key === 'Config' && path[i - 1] === 'LogConfig'))) goMaps.add(cur);
  }
  return cur;
}

function sprintf(fmt: string, args: unknown[]): string {
  let k = 0;
  return fmt.replace(/%(-?)(\d*)(?:\.(\d+))?([svdqtx%])/g, (_m, left: string, width: string, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const a = args[k++];
    let s = verb === 'x' && typeof a === 'number' ? a.toString(16) : goString(a);
    if (prec !== undefined && (verb === 's' || verb === 'q')) s = [...s].slice(0, Number(prec)).join('');
    if (verb === 'q') s = JSON.stringify(s);
    const w = width ? Number(width) : 0;
    return left ? s.padEnd(w) : s.padStart(w);
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
  // a missing key of a map[string]string (Labels, Options) is "", of other maps <no value>
  index: (v, ...keys) =>
    keys.reduce((acc: unknown, k) => {
      if (acc === null || acc === undefined) return undefined;
      const o = acc as Record<string, unknown>;
      if (String(k) in o) return o[String(k)];
      return Object.values(o).every((x) => typeof x === 'string') ? '' : undefined;
    }, v),
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
  private readonly funcs: Record<string, (...a: unknown[]) => unknown>;
  private readonly missingKey: (key: string) => string;
  /**
   * Parses `source` (throws {@link TemplateError} with Go's text). `missingKey` words the error for
   * a field the data's struct lacks: `map has no entry for key "K"` by default (docker inspect's
   * fallback on the raw JSON), `can't evaluate field K in type *formatter.ContainerContext` for lists.
   */
  constructor(
    readonly source: string,
    opts: { funcs?: Record<string, (...a: unknown[]) => unknown>; missingKey?: (key: string) => string } = {},
  ) {
    this.funcs = { ...FUNCS, ...opts.funcs };
    this.missingKey = opts.missingKey ?? ((k) => `map has no entry for key "${k}"`);
    this.nodes = parseTemplate(source, new Set(Object.keys(this.funcs)));
  }

  /** Go's `template: :LINE:COL: executing "" at <NODE>: MSG` for a node at byte offset `pos`. */
  private execError(pos: number, text: string, msg: string): never {
    const before = this.source.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    throw new TemplateExecError(`template: :${line}:${nl < 0 ? pos : pos - nl - 1}: executing "" at <${text}>: ${msg}`);
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
        return field(e.base ? this.eval(e.base, dot, vars, NONE) : dot, e.path, (k) => this.execError(e.pos, e.text, this.missingKey(k)));
      case 'var':
        return field(vars.get(e.name), e.path, (k) => this.execError(e.pos, e.text, this.missingKey(k)));
      case 'pipe': {
        let v: unknown = NONE;
        e.cmds.forEach((c, i) => (v = this.eval(c, dot, vars, i === 0 ? NONE : v)));
        return v;
      }
      case 'call': {
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

/**
 * docker's TemplateInspector (`docker inspect -f`, `network inspect -f`, `volume inspect -f`): a
 * template that does not parse fails with status 64; an element it cannot execute on prints
 * nothing and its error goes to stderr (status 1); stdout is a lone newline when nothing printed.
 */
export function inspectWithTemplate(format: string, docs: readonly unknown[]): { stdout: string; stderr: string; exitCode: number } {
  let t: GoTemplate;
  try {
    t = new GoTemplate(format);
  } catch (e) {
    if (e instanceof TemplateError) return { stdout: '', stderr: `template parsing error: ${e.message}\n`, exitCode: 64 };
    throw e;
  }
  let stdout = '';
  let stderr = '';
  for (const d of docs) {
    try {
      stdout += t.execute(d) + '\n';
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      stderr += `template parsing error: ${e.message}\n`;
    }
  }
  return { stdout: stdout || (docs.length ? '\n' : ''), stderr, exitCode: stderr ? 1 : 0 };
}
