/** Shell arithmetic `$(( ))`: integers, + - * / %, comparisons, && ||, parentheses, variables. */
export function evalArith(src: string, get: (name: string) => string): number {
  const toks = src.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|&&|\|\||[-+*/%()<>!]/g) ?? [];
  let i = 0;
  const num = (v: string): number => {
    const n = parseInt(v, 10);
    return Number.isNaN(n) ? 0 : n;
  };
  const primary = (): number => {
    const t = toks[i++];
    if (t === undefined) return 0;
    if (t === '(') {
      const v = or();
      i++;
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '!') return primary() ? 0 : 1;
    if (/^\d/.test(t)) return num(t);
    return num(get(t.replace(/^\$/, '')));
  };
  const bin = (next: () => number, ops: Record<string, (a: number, b: number) => number>) => (): number => {
    let a = next();
    while (toks[i] !== undefined && ops[toks[i]!]) {
      const f = ops[toks[i++]!]!;
      a = f(a, next());
    }
    return a;
  };
  const mul = bin(primary, { '*': (a, b) => a * b, '/': (a, b) => Math.trunc(a / b), '%': (a, b) => a % b });
  const add = bin(mul, { '+': (a, b) => a + b, '-': (a, b) => a - b });
  const cmp = bin(add, { '<': (a, b) => +(a < b), '>': (a, b) => +(a > b), '<=': (a, b) => +(a <= b), '>=': (a, b) => +(a >= b) });
  const eq = bin(cmp, { '==': (a, b) => +(a === b), '!=': (a, b) => +(a !== b) });
  const and = bin(eq, { '&&': (a, b) => +(!!a && !!b) });
  const or = bin(and, { '||': (a, b) => +(!!a || !!b) });
  return or();
}
