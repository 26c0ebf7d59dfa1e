import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { splitCommandLine, splitShellWords } from '../../src/runtime/cli/split.js';
import { parseFlags, FlagError } from '../../src/runtime/cli/flags.js';
import { parseRunArgs, ClientError } from '../../src/runtime/cli/run-options.js';
import { ramInBytes, humanSize, humanDuration, rfc3339Nano } from '../../src/runtime/units.js';
import { renderTemplate } from '../../src/runtime/template.js';
import { engine } from './helpers.js';

describe('splitCommandLine', () => {
  it('splits like shlex: quotes, backslashes, no other shell features', () => {
    expect(splitCommandLine(`docker inspect -f '{{.Name}} Memory={{.HostConfig.Memory}}' a b`)).toEqual(['docker', 'inspect', '-f', '{{.Name}} Memory={{.HostConfig.Memory}}', 'a', 'b']);
    expect(splitCommandLine(`sh -c "echo \\"hi\\" > /x"`)).toEqual(['sh', '-c', 'echo "hi" > /x']);
    expect(splitCommandLine(`a\\ b 'c'"d" ''`)).toEqual(['a b', 'cd', '']);
    expect(splitCommandLine(`echo a|b; c`)).toEqual(['echo', 'a|b;', 'c']);
    expect(() => splitCommandLine(`echo 'x`)).toThrow('No closing quotation');
  });
  it('round-trips single-quoted words', () => {
    fc.assert(fc.property(fc.array(fc.string().filter((s) => !s.includes("'")), { maxLength: 6 }), (words) => {
      expect(splitCommandLine(words.map((w) => `'${w}'`).join(' '))).toEqual(words);
    }));
  });
  it('splits a line without quotes, escapes or tabs natively, into the words the full splitter finds', () => {
    const ch = fc.constantFrom('a', 'b', '-', '=', ' ', ' ', '\t', '\n', '\r', "'", '"', '\\', '\u00a0', '\v');
    const outcome = (f: (l: string) => string[], l: string): unknown => {
      try {
        return f(l);
      } catch (e) {
        return (e as Error).message;
      }
    };
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 40 }).map((a) => a.join('')), (line) => {
        expect(outcome(splitCommandLine, line)).toEqual(outcome(splitShellWords, line));
      }),
      { numRuns: 3000 },
    );
    expect(splitCommandLine('  docker  run -d\u00a0x  ')).toEqual(['docker', 'run', '-d\u00a0x']);
  });
});

describe('flag parsing (pflag)', () => {
  const specs = [{ name: 'detach', short: 'd', kind: 'bool' as const }, { name: 'memory', short: 'm', kind: 'custom' as const, parse: ramInBytes }, { name: 'name', kind: 'string' as const }, { name: 'publish', short: 'p', kind: 'list' as const }];
  it('handles long, short, combined, attached and = forms, and stops at the first argument when not interspersed', () => {
    const r = parseFlags(specs, ['-dm64m', '--name=x', '-p', '80', '-p8080:80', 'img', '--name', 'y'], false);
    expect(r.values.get('detach')).toBe(true);
    expect(r.values.get('memory')).toBe(64 * 1024 * 1024);
    expect(r.values.get('name')).toBe('x');
    expect(r.values.get('publish')).toEqual(['80', '8080:80']);
    expect(r.args).toEqual(['img', '--name', 'y']);
  });
  it('reports pflag errors verbatim', () => {
    expect(() => parseFlags(specs, ['--foo'])).toThrow(new FlagError('unknown flag: --foo'));
    expect(() => parseFlags(specs, ['-z'])).toThrow("unknown shorthand flag: 'z' in -z");
    expect(() => parseFlags(specs, ['--name'])).toThrow('flag needs an argument: --name');
    expect(() => parseFlags(specs, ['-m', '64q'])).toThrow(`invalid argument "64q" for "-m, --memory" flag: invalid suffix: 'q'`);
  });
});

describe('docker run options', () => {
  it('builds Config and HostConfig like the 20.10 CLI', () => {
    const r = parseRunArgs(['-d', '--name', 'w', '-p', '127.0.0.1:9090:90/udp', '--expose', '7000', '-e', 'A=1', '-v', '/data', '-v', 'vol:/v:ro', '--pids-limit', '20', '--cpus', '0.5', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', '--entrypoint', 'echo', 'mini:latest', 'a', 'b']);
    expect(r.name).toBe('w');
    expect(r.config.Entrypoint).toEqual(['echo']);
    expect(r.config.Cmd).toEqual(['a', 'b']);
    expect(r.config.Env).toEqual(['A=1']);
    expect(r.config.Volumes).toEqual({ '/data': {} });
    expect(r.config.ExposedPorts).toEqual({ '90/udp': {}, '7000/tcp': {} });
    expect(r.hostConfig.PortBindings).toEqual({ '90/udp': [{ HostIp: '127.0.0.1', HostPort: '9090' }] });
    expect(r.hostConfig.Binds).toEqual(['vol:/v:ro']);
    expect(r.hostConfig.PidsLimit).toBe(20);
    expect(r.hostConfig.NanoCpus).toBe(500000000);
    expect(r.hostConfig.LogConfig.Config).toEqual({ 'max-file': '2', 'max-size': '1k' });
    expect(Object.keys(r.hostConfig.LogConfig.Config)).toEqual(['max-file', 'max-size']);
    expect(r.config.AttachStdout).toBe(false);
  });
  it('refuses client-side conflicts', () => {
    expect(() => parseRunArgs(['--rm', '--restart', 'always', 'img'])).toThrow(ClientError);
    expect(() => parseRunArgs(['--pid', 'bogus', 'img'])).toThrow('--pid: invalid PID mode');
  });
  it('frames errors like each CLI version', () => {
    const v20 = engine('v20');
    expect(v20.d('docker run --foo mini:latest').stderr).toBe("unknown flag: --foo\nSee 'docker run --help'.\n");
    expect(v20.d('docker run -d --name x mini:latest sleep 1').stderr).toBe("docker: Error response from daemon: Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed.\nSee 'docker run --help'.\n");
    const v28 = engine('v28');
    const r = v28.d('docker run -d --name x mini:latest sleep 1');
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toBe("docker: Error response from daemon: Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n\nRun 'docker run --help' for more information\n");
  });
});

describe('units', () => {
  it('parses and formats sizes and durations as go-units', () => {
    expect(ramInBytes('6m')).toBe(6291456);
    expect(ramInBytes('1.5g')).toBe(1610612736);
    expect(ramInBytes('1k')).toBe(1024);
    expect(() => ramInBytes('abc')).toThrow("invalid size: 'abc'");
    expect(humanSize(1982262, 3)).toBe('1.98MB');
    expect(humanSize(1982262)).toBe('1.982MB');
    expect(humanSize(5, 3)).toBe('5B');
    expect(humanDuration(0.5e9)).toBe('Less than a second');
    expect(humanDuration(61e9)).toBe('About a minute');
    expect(rfc3339Nano(1_500_000)).toBe('2026-01-01T00:00:00.0015Z');
    expect(rfc3339Nano(0)).toBe('2026-01-01T00:00:00Z');
  });
});

describe('Go templates', () => {
  const data = { Name: '/a', HostConfig: { Memory: 5, MemorySwappiness: null, LogConfig: { Type: 'json-file', Config: {} } }, List: ['x', 'y'], Labels: { b: '2', a: '1' } };
  it('evaluates fields, json, range, if, index, join, printf', () => {
    expect(renderTemplate('{{.Name}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwappiness}}', data)).toBe('/a 5 <no value>');
    expect(renderTemplate('{{json .HostConfig.LogConfig}}', data)).toBe('{"Type":"json-file","Config":{}}');
    expect(renderTemplate('{{range $i, $e := .List}}{{$i}}={{$e}},{{end}}', data)).toBe('0=x,1=y,');
    expect(renderTemplate('{{if eq .Name "/a"}}yes{{else}}no{{end}}', data)).toBe('yes');
    expect(renderTemplate('{{index .Labels "b"}} {{join .List ","}} {{printf "%s-%d" .Name 3}} {{lower "AB"}}', data)).toBe('2 x,y /a-3 ab');
    expect(renderTemplate('{{.Labels}} {{.List}}', data)).toBe('map[a:1 b:2] [x y]');
    expect(renderTemplate('{{if .Labels.zz}}a{{else if .Name}}b{{end}}', data)).toBe('b');
    // a field the struct lacks is an execution error (docker inspect's raw-map fallback wording)
    expect(() => renderTemplate('{{if .Missing}}a{{end}}', data)).toThrow('template: :1:5: executing "" at <.Missing>: map has no entry for key "Missing"');
    expect(renderTemplate('{{.Name | printf "%q"}}', data)).toBe('"/a"');
  });
});

describe('client-side conflicts per CLI version', () => {
  it('--rm with --restart', () => {
    expect(engine('v20').d('docker run --rm --restart always mini:latest true').stderr).toBe("docker: Conflicting options: --restart and --rm.\nSee 'docker run --help'.\n");
    expect(engine('v28').d('docker run --rm --restart always mini:latest true').stderr).toBe("docker: conflicting options: cannot specify both --restart and --rm\n\nRun 'docker run --help' for more information\n");
  });
});
