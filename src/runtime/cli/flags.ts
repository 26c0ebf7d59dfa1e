/**
 * A small re-implementation of spf13/pflag as the docker CLI uses it: long flags (`--name x`,
 * `--name=x`), shorthands (`-d`, `-it`, `-p8080:80`, `-m=64m`), `--` to end flags, and optionally
 * no interspersed arguments (`docker run IMAGE CMD --flag` leaves `--flag` to CMD). Errors carry
 * pflag's exact text; the caller frames them the way the docker CLI does.
 */

/** How a flag's value is read. `bool` flags take no separate argument. */
export type FlagKind = 'bool' | 'string' | 'list' | 'int' | 'uint16' | 'custom';

/** One flag definition. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `memory`. */
  name: string;
  /** One-letter shorthand, e.g. `m`. */
  short?: string;
  kind: FlagKind;
  /** For `custom` flags: converts the text, throwing an Error whose message pflag appends. */
  parse?: (text: string) => unknown;
  /** Other long names that mean the same flag (e.g. `net` for `network`). */
  aliases?: string[];
}

/** A flag error with pflag's message (`unknown flag: --foo`, `invalid argument ...`). */
export class FlagError extends Error {
  /** The 20.10 CLI's wording when it differs from the 28.x one in `message`. */
  readonly v20: string;
  constructor(message: string, v20?: string) {
    super(message);
    this.name = 'FlagError';
    this.v20 = v20 ?? message;
  }
}

/** Result of parsing: values by long name (lists accumulate), and the positional arguments. */
export interface ParsedFlags {
  values: Map<string, unknown>;
  /** Names of the flags the user set, in order of appearance. */
  set: string[];
  args: string[];
}

function flagLabel(s: FlagSpec): string {
  return s.short ? `-${s.short}, --${s.name}` : `--${s.name}`;
}

function convert(spec: FlagSpec, text: string): unknown {
  try {
    switch (spec.kind) {
      case 'bool':
        if (/^(1|t|T|TRUE|true|True)$/.test(text)) return true;
        if (/^(0|f|F|FALSE|false|False)$/.test(text)) return false;
        throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
      case 'int': {
        if (!/^[+-]?\d+$/.test(text)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
        return Number(text);
      }
      case 'uint16': {
        if (!/^\d+$/.test(text)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
        const v = Number(text);
        if (v > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`);
        return v;
      }
      case 'custom':
        return spec.parse ? spec.parse(text) : text;
      default:
        return text;
    }
  } catch (e) {
    throw new FlagError(`invalid argument ${JSON.stringify(text)} for ${JSON.stringify(flagLabel(spec))} flag: ${(e as Error).message}`);
  }
}

interface FlagIndex {
  byLong: Map<string, FlagSpec>;
  byShort: Map<string, FlagSpec>;
}
/** Lookup tables of a flag set, built once per set (a command's flag table is a module constant). */
const indexes = new WeakMap<readonly FlagSpec[], FlagIndex>();

function flagIndex(specs: readonly FlagSpec[]): FlagIndex {
  let ix = indexes.get(specs);
  if (ix === undefined || ix.byLong.size < specs.length) {
    const byLong = new Map<string, FlagSpec>();
    const byShort = new Map<string, FlagSpec>();
    for (const s of specs) {
      byLong.set(s.name, s);
      for (const a of s.aliases ?? []) byLong.set(a, s);
      if (s.short) byShort.set(s.short, s);
    }
    ix = { byLong, byShort };
    indexes.set(specs, ix);
  }
  return ix;
}

/**
 * Parses `argv` (the words after the command name) against `specs`.
 * @param interspersed false for commands like `run`/`exec` whose first positional argument ends the flags.
 */
export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[], interspersed = true): ParsedFlags {
  const { byLong, byShort } = flagIndex(specs);
  const values = new Map<string, unknown>();
  const set: string[] = [];
  const args: string[] = [];
  const store = (spec: FlagSpec, text: string): void => {
    const v = convert(spec, text);
    if (spec.kind === 'list') {
      const arr = (values.get(spec.name) as string[] | undefined) ?? [];
      arr.push(text);
      values.set(spec.name, arr);
    } else values.set(spec.name, v);
    set.push(spec.name);
  };
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = byLong.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) store(spec, a.slice(eq + 1));
      else if (spec.kind === 'bool') store(spec, 'true');
      else {
        if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: --${name}`);
        store(spec, argv[++i]!);
      }
      i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      let j = 1;
      while (j < a.length) {
        const c = a[j]!;
        const spec = byShort.get(c);
        if (!spec) throw new FlagError(`unknown shorthand flag: '${c}' in ${a}`);
        if (spec.kind === 'bool') {
          if (a[j + 1] === '=') {
            store(spec, a.slice(j + 2));
            j = a.length;
          } else {
            store(spec, 'true');
            j++;
          }
          continue;
        }
        let rest = a.slice(j + 1);
        if (rest.startsWith('=')) rest = rest.slice(1);
        else if (rest === '') {
          if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
          rest = argv[++i]!;
        }
        store(spec, rest);
        j = a.length;
      }
      i++;
      continue;
    }
    if (!interspersed) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(a);
    i++;
  }
  return { values, set, args };
}
