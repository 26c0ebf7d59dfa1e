/**
 * The mechanism side of libnetwork's `iptables` package: run an argv against a namespace's
 * netfilter, test for a rule (`-C`), insert/append only when absent, delete when present.
 * Rule *policy* (which rules, in which order) lives in bridge-rules.ts and port-rules.ts.
 */
import { DockernetError } from '../../core/errors.js';

/** What the engine needs from a namespace's netfilter: `iptables ARGV`. */
export interface IptablesRunner {
  iptables(argv: string[]): { exitCode: number; stdout: string; stderr: string };
  /** `iptables-save` text, when the front-end can print it. */
  save?(): string;
}

/** `-A` / `-I` / `-D`, as libnetwork's iptables.Action. */
export type Action = '-A' | '-I' | '-D';

/** Runs iptables commands the way libnetwork's helpers do. */
export class Iptables {
  constructor(private readonly nf: IptablesRunner) {}

  /** Runs one command; throws a DockernetError with iptables' stderr when it fails. */
  raw(argv: string[]): void {
    const r = this.nf.iptables(argv);
    if (r.exitCode !== 0) throw new DockernetError('EIPTABLES', `iptables failed: iptables ${argv.join(' ')}: ${r.stderr.trim()}`);
  }

  /** Runs one command and ignores a failure (libnetwork's `iptables.Raw` without error check). */
  tryRaw(argv: string[]): boolean {
    return this.nf.iptables(argv).exitCode === 0;
  }

  /** `iptables -t TABLE -C CHAIN ARGS`. */
  exists(table: string, chain: string, args: string[]): boolean {
    return this.nf.iptables(['-t', table, '-C', chain, ...args]).exitCode === 0;
  }

  /** Creates a chain unless it exists (`NewChain`). */
  newChain(table: string, chain: string): void {
    if (this.nf.iptables(['-t', table, '-n', '-L', chain]).exitCode !== 0) this.raw(['-t', table, '-N', chain]);
  }

  /** `ProgramRule`: -A/-I when absent, -D when present. */
  programRule(table: string, chain: string, action: Action, args: string[]): void {
    const has = this.exists(table, chain, args);
    if (action === '-D') {
      if (has) this.raw(['-t', table, '-D', chain, ...args]);
    } else if (!has) {
      this.raw(['-t', table, action, chain, ...args]);
    }
  }

  /** `programChainRule`: insert at the top when enabling, delete when disabling. */
  programChainRule(table: string, chain: string, args: string[], insert: boolean): void {
    this.programRule(table, chain, insert ? '-I' : '-D', args);
  }

  /** `EnsureJumpRule`: (re)insert `-j TO` at the top of FROM in the filter table. */
  ensureJumpRule(from: string, to: string): void {
    if (this.exists('filter', from, ['-j', to])) this.raw(['-t', 'filter', '-D', from, '-j', to]);
    this.raw(['-t', 'filter', '-I', from, '-j', to]);
  }

  /** `AddReturnRule`: append `-j RETURN` to a filter chain unless present. */
  addReturnRule(chain: string): void {
    if (!this.exists('filter', chain, ['-j', 'RETURN'])) this.raw(['-t', 'filter', '-A', chain, '-j', 'RETURN']);
  }
}
