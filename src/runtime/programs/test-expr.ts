/** `test` / `[`: the integer, string and file tests busybox supports most often. Returns 0 (true) or 1. */
export function testExpr(a: string[], exists: (path: string) => boolean): number {
  const t = (b: boolean): number => (b ? 0 : 1);
  if (a[0] === '!') return testExpr(a.slice(1), exists) === 0 ? 1 : 0;
  if (a.length === 0) return 1;
  if (a.length === 1) return t(a[0] !== '');
  if (a.length === 2) {
    const [op, x] = a as [string, string];
    if (op === '-z') return t(x === '');
    if (op === '-n') return t(x !== '');
    if (op === '-e' || op === '-f' || op === '-d') return t(exists(x));
    return 1;
  }
  const [x, op, y] = a as [string, string, string];
  const n = (s: string): number => Number(s) || 0;
  switch (op) {
    case '=':
    case '==':
      return t(x === y);
    case '!=':
      return t(x !== y);
    case '-eq':
      return t(n(x) === n(y));
    case '-ne':
      return t(n(x) !== n(y));
    case '-lt':
      return t(n(x) < n(y));
    case '-le':
      return t(n(x) <= n(y));
    case '-gt':
      return t(n(x) > n(y));
    case '-ge':
      return t(n(x) >= n(y));
    default:
      return 2;
  }
}
