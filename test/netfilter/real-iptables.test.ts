/**
 * Differential tests against Debian's real iptables 1.8.9 (nf_tables), run inside a network
 * namespace this test creates (`ip netns add`). Skipped where that is not possible (not root, no
 * iptables, no netns support).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { filterRulesetArb, natRulesetArb, rulesetText } from '../../src/arbitraries/rules.js';
import { makeNf } from './helpers.js';

const NS = `dnft${process.pid}`;

function available(): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/iptables-restore')) return false;
  const r = spawnSync('ip', ['netns', 'add', `${NS}probe`]);
  if (r.status !== 0) return false;
  spawnSync('ip', ['netns', 'del', `${NS}probe`]);
  const v = spawnSync('iptables', ['--version'], { encoding: 'utf8' });
  return v.stdout.includes('v1.8.9 (nf_tables)');
}

const canRun = available();

function real(cmd: string, args: string[], input?: string): { exitCode: number; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', NS, cmd, ...args], { encoding: 'utf8', input });
  return { exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function resetNs(): void {
  spawnSync('ip', ['netns', 'del', NS]);
  const r = spawnSync('ip', ['netns', 'add', NS]);
  if (r.status !== 0) throw new Error(`ip netns add failed: ${r.stderr}`);
}

function realSave(): string {
  return real('iptables-save', []).stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

const SCRIPTS: string[][][] = [
  [['-N', 'FOO'], ['-N', 'FOO'], ['-A', 'FOO', '-j', 'BAR'], ['-N', 'BAR'], ['-A', 'FOO', '-j', 'BAR'], ['-A', 'INPUT', '-j', 'FOO'], ['-A', 'BAR', '-j', 'FOO'], ['-X', 'FOO'], ['-X', 'NOPE'], ['-S']],
  [['-A', 'INPUT', '-s', '1.2.3.300', '-j', 'ACCEPT'], ['-A', 'INPUT', '--dport', '80', '-j', 'ACCEPT'], ['-A', 'INPUT', '-p', 'foo'], ['-t', 'bogus', '-L'], ['-Q'], ['-A']],
  [['-A', 'INPUT', '-j', 'DNAT', '--to-destination', '1.2.3.4'], ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'DNAT', '--to-destination', '1.2.3.4'], ['-t', 'nat', '-A', 'PREROUTING', '-j', 'DNAT'], ['-t', 'nat', '-A', 'PREROUTING', '-j', 'DNAT', '--to-destination', '1.2.3.4:80'], ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '-j', 'DNAT', '--to-destination', '1.2.3.4:99999']],
  [['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'FOO', '-j', 'ACCEPT'], ['-I', 'INPUT', '5', '-j', 'ACCEPT'], ['-R', 'INPUT', '3', '-j', 'ACCEPT'], ['-D', 'INPUT', '-j', 'DROP'], ['-D', 'INPUT', '4'], ['-A', 'INPUT', '-i', 'eth0+', '-j', 'ACCEPT'], ['-A', 'INPUT', '-j', 'ACCEPT', 'extra'], ['-L', '-n', '--line-numbers'], ['-L', 'INPUT', '-v', '-n'], ['-L', '-v', '-x', '-n', '--line-numbers'], ['-S', 'INPUT', '1'], ['-S', '-v']],
  [['-N', 'a b'], ['-N', 'verylongchainnameeeeeeeeeeeeeeeeeeeeee'], ['-N', 'ACCEPT'], ['-N', '-foo'], ['-P', 'FOO', 'DROP'], ['-P', 'INPUT', 'FOOBAR'], ['-P', 'FORWARD', 'DROP'], ['-E', 'NOPE', 'X'], ['-X', 'INPUT'], ['-S']],
  [['-A', 'INPUT', '-o', 'eth0', '-j', 'ACCEPT'], ['-A', 'OUTPUT', '-i', 'eth0', '-j', 'ACCEPT'], ['-A', 'INPUT', '-s', '10.0.0.0/33', '-j', 'ACCEPT'], ['-A', 'INPUT', '-i', 'abcdefghijklmnopq', '-j', 'ACCEPT'], ['-A', 'INPUT', '-m', 'addrtype', '-j', 'ACCEPT'], ['-A', 'INPUT', '-m', 'foo', '-j', 'ACCEPT'], ['-A', 'INPUT', '-j', 'LOG', '--log-level', '9'], ['-A', 'INPUT', '-j', 'REJECT', '--reject-with', 'foo'], ['-A', 'INPUT', '-m', 'conntrack'], ['-A', 'INPUT', '-m', 'comment'], ['-I', 'INPUT', '0', '-j', 'ACCEPT'], ['-A', 'INPUT', '-p', 'tcp', '--dport', '80', '--dport', '81']],
  [['-N', 'A'], ['-N', 'B'], ['-A', 'A', '-j', 'B'], ['-A', 'INPUT', '-j', 'A'], ['-E', 'B', 'C'], ['-E', 'A', 'C'], ['-E', 'A', 'ACCEPT'], ['-S'], ['-L', '-n'], ['-X', 'C'], ['-F', 'A'], ['-X', 'C'], ['-X'], ['-F'], ['-X'], ['-S'], ['-Z'], ['-C', 'INPUT', '-j', 'A'], ['-t', 'nat', '-P', 'OUTPUT', 'DROP'], ['-t', 'nat', '-A', 'OUTPUT', '-j', 'DROP'], ['-t', 'raw', '-A', 'OUTPUT', '-j', 'TRACE'], ['-A', 'INPUT', '-j', 'TRACE'], ['-S', 'INPUT']],
  [['-P', 'FORWARD', 'DROP'], ['-N', 'DOCKER-USER'], ['-A', 'DOCKER-USER', '-j', 'RETURN'], ['-I', 'FORWARD', '-j', 'DOCKER-USER'], ['-I', 'FORWARD', '2', '-o', 'docker0', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'], ['-R', 'FORWARD', '2', '-o', 'docker0', '-j', 'ACCEPT'], ['-D', 'FORWARD', '-o', 'docker0', '-j', 'ACCEPT'], ['-L', 'FORWARD', '--line-numbers'], ['-L', 'DOCKER-USER']],
  [
    ['-A', 'INPUT', '-p', 'tcp', '!', '--dport', '5', '-m', 'comment', '--comment', 'hi there', '-j', 'LOG', '--log-prefix', 'X: ', '--log-level', '6'],
    ['-A', 'INPUT', '-s', '10.1.2.3/8', '-p', 'icmp', '--icmp-type', 'echo-request', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-p', 'icmp', '--icmp-type', '3/1', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-p', 'udp', '-m', 'multiport', '!', '--dports', '80,90:95', '-m', 'state', '--state', 'NEW,ESTABLISHED', '-m', 'addrtype', '!', '--src-type', 'LOCAL,UNICAST', '--dst-type', 'BROADCAST', '-j', 'REJECT'],
    ['-A', 'INPUT', '-p', 'tcp', '--syn', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ['-A', 'INPUT', '!', '-s', '1.2.3.4', '!', '-i', 'lo', '-j', 'DROP'],
    ['-A', 'INPUT', '-p', '6', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-p', 'all', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-p', 'TCP', '--sport', '22', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-m', 'conntrack', '!', '--ctstate', 'INVALID,UNTRACKED,DNAT,NEW', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-s', '1.2.3.4/255.255.0.0', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-p', 'tcp', '--tcp-flags', 'SYN,ACK', 'SYN', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '!', '-p', 'tcp', '--dport', '80'],
    ['-A', 'INPUT', '-p', 'udp', '-m', 'udp', '--dport', '80', '-m', 'udp', '--sport', '5'],
    ['-A', 'INPUT', '-m', 'comment', '--comment', 'x"y', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-m', 'comment', '--comment', "it's", '-j', 'ACCEPT'],
    ['-A', 'INPUT'],
    ['-t', 'nat', '-A', 'POSTROUTING', '-p', 'tcp', '-j', 'MASQUERADE', '--to-ports', '1000-2000', '--random'],
    ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', '8080'],
    ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'SNAT', '--to-source', '1.2.3.4-1.2.3.9'],
    ['-t', 'raw', '-A', 'PREROUTING', '-p', 'icmp', '-j', 'TRACE'],
    ['-t', 'nat', '-N', 'DOCKER'],
    ['-t', 'nat', '-A', 'DOCKER', '-j', 'MASQUERADE'],
    ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'DOCKER'],
    ['-t', 'nat', '-A', 'PREROUTING', '-j', 'DOCKER'],
    ['-S'],
    ['-L', '-n', '-v', '--line-numbers'],
    ['-t', 'nat', '-S'],
  ],
];

describe.skipIf(!canRun)('differential: emulated iptables vs Debian iptables 1.8.9 in a fresh netns', () => {
  beforeAll(() => resetNs());
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  SCRIPTS.forEach((script, i) => {
    it(`script ${i}: same exit codes, stdout and stderr, then same iptables-save`, () => {
      resetNs();
      const { nf } = makeNf();
      for (const argv of script) {
        const r = real('iptables', argv);
        const e = nf.iptables(argv);
        expect({ argv, ...e }).toEqual({ argv, ...r });
      }
      expect(nf.save()).toBe(realSave());
    });
  });

  it('generated filter/nat rule sets: real iptables-restore --test accepts them, and real save equals ours', () => {
    fc.assert(
      fc.property(filterRulesetArb(), natRulesetArb(), (f, n) => {
        const text = rulesetText([f, n]);
        resetNs();
        const t = real('iptables-restore', ['--test'], text);
        expect(t).toEqual({ exitCode: 0, stdout: '', stderr: '' });
        const r = real('iptables-restore', [], text);
        expect(r.exitCode).toBe(0);
        const { nf } = makeNf();
        nf.restore(text);
        expect(nf.save()).toBe(realSave());
        expect(nf.save()).toBe(text);
      }),
      { numRuns: 40, seed: 4242 },
    );
  });

  it('iptables-restore on top of existing rules: --noflush flushes only declared chains; a full restore replaces the table', () => {
    const setup = [['-N', 'X'], ['-A', 'X', '-j', 'ACCEPT'], ['-A', 'INPUT', '-j', 'X'], ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'MASQUERADE']];
    const cases: Array<[string, boolean]> = [
      ['*filter\n:X - [0:0]\n-A X -j DROP\nCOMMIT\n', true],
      ['*filter\n:Y - [0:0]\nCOMMIT\n', false],
      ['*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n', true],
    ];
    for (const [text, noflush] of cases) {
      resetNs();
      const { nf } = makeNf();
      for (const a of setup) {
        real('iptables', a);
        nf.iptables(a);
      }
      const r = real('iptables-restore', noflush ? ['--noflush'] : [], text);
      expect(r.exitCode).toBe(0);
      nf.restore(text, { noflush });
      expect(nf.save()).toBe(realSave());
    }
  });

  const RESTORES = [
    '*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n-A INPUT -j X\n-A X -j X\nCOMMIT\n',
    '*filter\n:INPUT FOO [0:0]\nCOMMIT\n',
    '*filter\n:INPUT ACCEPT [0:0]\n-A NOPE -j ACCEPT\nCOMMIT\n',
    '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOPE\nCOMMIT\n',
    '*filter\nCOMMIT\nCOMMIT\n',
    '*filter\n:INPUT ACCEPT [0:0]\n',
    '-A INPUT -j ACCEPT\n',
    '*filter\n-A INPUT -j ACCEPT\n*nat\nCOMMIT\n',
    '*filter\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n',
    '*nat\n-A INPUT -j DNAT --to-destination 1.1.1.1\nCOMMIT\n',
    '*filter\n-A INPUT -j REJECT --reject-with tcp-reset\nCOMMIT\n',
    '*bogus\nCOMMIT\n',
    '*filter\nfoo\nCOMMIT\n',
    '# comment\n\n*filter\n:INPUT DROP [3:4]\n-A INPUT -s 1.2.3.4 -j ACCEPT\nCOMMIT\n*nat\n:DOCKER - [0:0]\n-A OUTPUT -j DOCKER\nCOMMIT\n',
  ];
  RESTORES.forEach((text, i) => {
    it(`iptables-restore input ${i}: same exit code and stderr`, () => {
      resetNs();
      const r = real('iptables-restore', [], text);
      const { nf } = makeNf();
      let e = { exitCode: 0, stdout: '', stderr: '' };
      try {
        nf.restore(text);
      } catch (err) {
        const x = err as { exitCode: number; message: string };
        e = { exitCode: x.exitCode, stdout: '', stderr: `${x.message}\n` };
      }
      expect(e).toEqual(r);
      expect(nf.save()).toBe(realSave());
    });
  });
});
