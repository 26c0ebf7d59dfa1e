import { describe, expect, it } from 'vitest';
import { casePatternMatches, parseSh, ShSyntaxError } from '../../src/runtime/programs/sh-parse.js';

describe('sh parser: the forms probe.sh blocks use', () => {
  it('keeps $(…) verbatim in a word, nested quotes and substitutions included', () => {
    const n = parseSh(`r="fail $(echo "$out" | tail -1)"; x=$(ext sh -c "$(get $1 $2)" 2>&1)`);
    expect(n).toMatchObject({
      t: 'list',
      items: [
        { node: { t: 'simple', assigns: [['r', [{ text: '', q: 'none' }, { text: 'fail $(echo "$out" | tail -1)', q: 'double' }]]] } },
        { node: { t: 'simple', assigns: [['x', [{ text: '$(ext sh -c "$(get $1 $2)" 2>&1)', q: 'none' }]]] } },
      ],
    });
  });
  it('parses a { …; } group and a for loop with redirections after them', () => {
    const n = parseSh('{ echo a; } >"$RAW/f"\nfor c in a b; do echo $c; done >o 2>&1');
    expect(n).toMatchObject({
      items: [
        { node: { t: 'group', body: { t: 'group' }, redirs: [{ fd: 1, op: '>' }] } },
        { node: { t: 'group', body: { t: 'for', name: 'c' }, redirs: [{ fd: 1, op: '>' }, { fd: 2, op: '>&' }] } },
      ],
    });
  });
  it('parses function definitions and case arms', () => {
    const n = parseSh('ext() { ip netns exec x "$@"; }\ncase "$o" in *hello*) r=ok ;; *) r=fail ;; esac');
    expect(n).toMatchObject({ items: [{ node: { t: 'func', name: 'ext', body: { t: 'group' } } }, { node: { t: 'case', arms: [{}, {}] } }] });
  });
  it('rejects an unterminated substitution and group', () => {
    expect(() => parseSh('x=$(echo a')).toThrow(ShSyntaxError);
    expect(() => parseSh('{ echo a;')).toThrow(ShSyntaxError);
  });
  it('matches case patterns as globs', () => {
    expect(casePatternMatches('*hello*', 'HTTP/1.0 200 OK\r\n\r\nhello\n')).toBe(true);
    expect(casePatternMatches('*hello*', 'nc: timed out')).toBe(false);
    expect(casePatternMatches('a?c', 'abc')).toBe(true);
    expect(casePatternMatches('a.c', 'abc')).toBe(false);
  });
});
