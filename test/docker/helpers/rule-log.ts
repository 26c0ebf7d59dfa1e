/**
 * A test double for a namespace's `iptables`: keeps rules per table/chain in order with -N/-A/-I/-D/-C/-L/-F
 * semantics on the exact argv, so the engine's rule plans can be tested before/without the netfilter layer.
 */
export class RuleLog {
  readonly tables = new Map<string, Map<string, string[][]>>();
  iptables(argv: string[]): { exitCode: number; stdout: string; stderr: string } {
    let table = 'filter';
    const a = argv.filter((x) => x !== '-n');
    const ti = a.indexOf('-t');
    if (ti >= 0) {
      table = a[ti + 1]!;
      a.splice(ti, 2);
    }
    const t = this.tables.get(table) ?? new Map<string, string[][]>([['INPUT', []], ['FORWARD', []], ['OUTPUT', []], ['PREROUTING', []], ['POSTROUTING', []]]);
    this.tables.set(table, t);
    const [op, chain, ...rest] = a as [string, string, ...string[]];
    const ok = { exitCode: 0, stdout: '', stderr: '' };
    const bad = { exitCode: 1, stdout: '', stderr: 'no' };
    const rules = t.get(chain);
    const key = (r: string[]): string => r.join(' ');
    switch (op) {
      case '-N':
        if (rules) return bad;
        t.set(chain, []);
        return ok;
      case '-L':
        return rules ? ok : bad;
      case '-F':
        if (!rules) return bad;
        rules.length = 0;
        return ok;
      case '-C':
        return rules && rules.some((r) => key(r) === key(rest)) ? ok : bad;
      case '-A':
        if (!rules) return bad;
        rules.push(rest);
        return ok;
      case '-I':
        if (!rules) return bad;
        rules.unshift(rest);
        return ok;
      case '-D': {
        if (!rules) return bad;
        const i = rules.findIndex((r) => key(r) === key(rest));
        if (i < 0) return bad;
        rules.splice(i, 1);
        return ok;
      }
      default:
        return bad;
    }
  }
  /** `-A CHAIN args` lines of a table, chain by chain. */
  lines(table: string): string[] {
    const out: string[] = [];
    for (const [c, rs] of this.tables.get(table) ?? []) for (const r of rs) out.push(`-A ${c} ${r.join(' ')}`);
    return out;
  }
}
