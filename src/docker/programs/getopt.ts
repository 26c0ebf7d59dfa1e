/**
 * glibc `getopt_long` as busybox applets use it: options may follow operands (argv is permuted),
 * `--` ends the options, short options cluster (`-lp 80`, `-qO-`), an argument may be attached
 * (`-w1`) or the next word, long options take `--name=value` or `--name value` and may be
 * abbreviated to a unique prefix. Errors carry glibc's texts.
 */

/** What {@link getopt} understands. */
export interface GetoptSpec {
  /** Short options, getopt style: `"lp:w:"` (a colon after a letter that takes an argument). */
  short: string;
  /** Long options: name → whether it takes an argument. */
  long?: Readonly<Record<string, boolean>>;
  /** A short option whose argument starts a command that swallows every later word (`nc -e PROG ARGS…`). */
  swallow?: string;
}

/** Parsed command line: options in order (`name` is the letter or the long name), then operands. */
export interface GetoptResult {
  opts: Array<{ name: string; value: string }>;
  args: string[];
  /** The words after the swallowing option's argument. */
  swallowed: string[];
}

/** A command line getopt rejects; `message` is what glibc prints (`invalid option -- 'u'`). */
export interface GetoptError {
  error: string;
}

/** Parses `argv` (without argv[0]). */
export function getopt(argv: readonly string[], spec: GetoptSpec): GetoptResult | GetoptError {
  const opts: Array<{ name: string; value: string }> = [];
  const args: string[] = [];
  const swallowed: string[] = [];
  const takesArg = (c: string): boolean | null => {
    const i = spec.short.indexOf(c);
    if (c === ':' || i < 0) return null;
    return spec.short[i + 1] === ':';
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && spec.long) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const names = Object.keys(spec.long);
      const exact = names.find((n) => n === name);
      const hits = exact ? [exact] : names.filter((n) => n.startsWith(name));
      if (hits.length !== 1) return { error: `unrecognized option '${a}'` };
      const full = hits[0]!;
      if (spec.long[full]) {
        if (eq >= 0) opts.push({ name: full, value: a.slice(eq + 1) });
        else if (i + 1 < argv.length) opts.push({ name: full, value: argv[++i]! });
        else return { error: `option '--${full}' requires an argument` };
      } else {
        if (eq >= 0) return { error: `option '--${full}' doesn't allow an argument` };
        opts.push({ name: full, value: '' });
      }
      continue;
    }
    if (a.length < 2 || a[0] !== '-') {
      args.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const t = takesArg(c);
      if (t === null) return { error: `invalid option -- '${c}'` };
      if (!t) {
        opts.push({ name: c, value: '' });
        continue;
      }
      let value: string;
      if (j + 1 < a.length) value = a.slice(j + 1);
      else if (i + 1 < argv.length) value = argv[++i]!;
      else return { error: `option requires an argument -- '${c}'` };
      opts.push({ name: c, value });
      if (c === spec.swallow) {
        swallowed.push(...argv.slice(i + 1));
        return { opts, args, swallowed };
      }
      break;
    }
  }
  return { opts, args, swallowed };
}

/** busybox `xatou`: a decimal unsigned number, or its error text. */
export function xatou(s: string): number | { error: string } {
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) return { error: `invalid number '${s}'` };
  return Number(s);
}

/** busybox `bb_lookup_port(s, "tcp", 0)` without /etc/services (the image has none): a number 0–65535. */
export function lookupPort(s: string): number | { error: string } {
  if (!/^\d+$/.test(s) || Number(s) > 65535) return { error: `bad port '${s}'` };
  return Number(s);
}
