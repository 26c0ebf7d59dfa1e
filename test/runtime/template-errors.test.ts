/**
 * `--format` templates that do not parse or execute, against the docker 20.10.24 CLI in the kernel
 * lab (2026-12-04): Go's text/template error texts, inspect's status 64 for a parse error and its
 * lone newline on stdout when an element fails, the list formatters' own wording.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/docker/index.js';

function lab(): Engine {
  const e = new Engine({ seed: 1 });
  expect(e.exec('docker run -d --name m1 mini:latest sleep 1000').exitCode).toBe(0);
  return e;
}
const parseError = (msg: string) => ({ stdout: '', stderr: `template parsing error: template: :1: ${msg}\n`, exitCode: 64 });

describe('docker inspect -f', () => {
  const e = lab();
  const inspect = (f: string) => e.exec(['docker', 'inspect', '-f', f, 'm1']);
  it('parse errors: Go text, status 64, nothing on stdout', () => {
    expect(inspect('{{.Name')).toEqual(parseError('unclosed action'));
    expect(inspect('{{.Name}} {{')).toEqual(parseError('unclosed action'));
    expect(inspect('{{range .Nope}}x')).toEqual(parseError('unexpected EOF'));
    expect(inspect('{{.Name | foo}}')).toEqual(parseError('function "foo" not defined'));
    expect(inspect('{{ "abc }}')).toEqual(parseError('unterminated quoted string'));
    expect(inspect('{{.Config.Labels.foo-bar}}')).toEqual(parseError("bad character U+002D '-'"));
    expect(inspect('{{.Name}')).toEqual(parseError("bad character U+007D '}'"));
    expect(inspect('{{.Name}}{{end}}')).toEqual(parseError('unexpected {{end}}'));
    expect(inspect('{{if}}')).toEqual(parseError('missing value for if'));
    expect(inspect('{{.Name}}\n{{.Nope-}}')).toEqual({ stdout: '', stderr: "template parsing error: template: :2: bad character U+002D '-'\n", exitCode: 64 });
  });
  it('a field the struct lacks fails at execution (status 1, a lone newline); a missing map key is <no value>', () => {
    expect(inspect('{{.Nope}}')).toEqual({ stdout: '\n', stderr: 'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"\n', exitCode: 1 });
    expect(inspect('{{.State.Nope}}')).toEqual({ stdout: '\n', stderr: 'template parsing error: template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"\n', exitCode: 1 });
    expect(inspect('{{.Config.Labels.x}}')).toEqual({ stdout: '<no value>\n', stderr: '', exitCode: 0 });
    expect(inspect('{{.NetworkSettings.Networks.nope}}')).toEqual({ stdout: '<no value>\n', stderr: '', exitCode: 0 });
    expect(inspect('{{index .Config.Labels "a-b"}}')).toEqual({ stdout: '\n', stderr: '', exitCode: 0 });
  });
  it('what does parse: stray }} is text, char constants are numbers, printf precision', () => {
    expect(inspect('{{.Name}}}}').stdout).toBe('/m1}}\n');
    expect(inspect("{{'a'}}").stdout).toBe('97\n');
    expect(inspect('{{.Id | printf "%.5s"}}').stdout).toBe(e.runtime.store.find('m1')!.id.slice(0, 5) + '\n');
    expect(inspect('{{/* c */}}{{- .Name -}}').stdout).toBe('/m1\n');
  });
  it('network inspect behaves the same', () => {
    expect(e.exec(['docker', 'network', 'inspect', '-f', '{{.Name-}}', 'bridge'])).toEqual(parseError("bad character U+002D '-'"));
    expect(e.exec(['docker', 'network', 'inspect', '-f', '{{.Nope}}', 'bridge'])).toEqual({ stdout: '\n', stderr: 'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"\n', exitCode: 1 });
  });
});

describe('list --format', () => {
  const e = lab();
  it('docker ps checks the template first ("failed to parse template"); execution errors name the formatter type', () => {
    expect(e.exec(['docker', 'ps', '-a', '--format', '{{.Nope-x}}'])).toEqual({ stdout: '', stderr: "failed to parse template: template: :1: bad character U+002D '-'\n", exitCode: 1 });
    expect(e.exec(['docker', 'ps', '-a', '--format', '{{.Nope}}'])).toEqual({ stdout: '', stderr: 'failed to execute template: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext\n', exitCode: 1 });
  });
  it('docker network ls: "template parsing error", status 1', () => {
    expect(e.exec(['docker', 'network', 'ls', '--format', '{{.Name'])).toEqual({ stdout: '', stderr: 'template parsing error: template: :1: unclosed action\n', exitCode: 1 });
  });
});

describe('docker events --format', () => {
  it('"Error parsing format", status 64, for a parse error and for the first event it cannot execute on', () => {
    const e = lab();
    expect(e.exec(['docker', 'events', '--since', '0', '--format', '{{.X'])).toEqual({ stdout: '', stderr: 'Error parsing format: template: :1: unclosed action\n', exitCode: 64 });
    expect(e.exec(['docker', 'events', '--since', '0', '--format', '{{.Type}} {{.Nope}}'])).toEqual({ stdout: '', stderr: 'Error parsing format: template: :1:12: executing "" at <.Nope>: can\'t evaluate field Nope in type *events.Message\n', exitCode: 64 });
    expect(e.exec(['docker', 'events', '--since', '0', '--format', '{{.Type}}']).stdout.split('\n')[0]).toBe('container');
  });
});
