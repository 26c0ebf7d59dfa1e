/**
 * The json-file log driver keeps no per-container file state until the first message: a driver
 * that never logged lists one empty live file, and drivers never share what they logged.
 */
import { describe, expect, it } from 'vitest';
import { JsonFileDriver } from '../../src/runtime/logging/json-file.js';

describe('json-file driver', () => {
  it('an unused driver shows one empty file; logging (and rotation) then works per driver', () => {
    const a = new JsonFileDriver('a-json.log', 60, 2);
    const b = new JsonFileDriver('b-json.log', -1, 1);
    expect([...a.files()]).toEqual([['a-json.log', '']]);
    expect(a.read()).toEqual([]);
    const m = (line: string, time: number) => ({ line, stream: 'stdout' as const, time });
    a.log(m('one', 1));
    a.log(m('two', 2));
    expect(b.read()).toEqual([]);
    expect([...b.files()]).toEqual([['b-json.log', '']]);
    expect(a.read().map((x) => x.line)).toEqual(['one', 'two']);
    const files = a.files();
    expect([...files.keys()]).toEqual(['a-json.log', 'a-json.log.1']);
    expect(files.get('a-json.log.1')).toContain('"log":"one');
    expect(files.get('a-json.log')).toContain('"log":"two');
    b.log(m('x', 3));
    expect(b.read().map((x) => x.line)).toEqual(['x']);
    expect(new JsonFileDriver('c-json.log', -1, 1).read()).toEqual([]);
  });
});
