/**
 * The contract between benchmark files (`bench/*.bench.ts`), the runner (`bench/run.mjs`) and the smoke
 * test (`test/bench-smoke.test.ts`).
 *
 * A benchmark is a list of cases (one per point of a scaling range). A case builds its world untimed in
 * `setup`, then the runner times `body.run(n)`, which performs `n` operations (a packet forwarded, a flow
 * opened, a container started). `body.facts()` reports functional facts (packets delivered, entries in
 * conntrack) that the smoke test asserts and the runner prints; nothing here asserts a time.
 */

/** What a case's timed body can do. */
export interface BenchBody {
  /** Performs `n` operations. Must not allocate per operation on the packet path. */
  run(n: number): void;
  /** Functional facts after the runs so far (cumulative counters), e.g. `{ delivered: 1000 }`. */
  facts(): Record<string, number>;
  /** Operations performed so far (for checking that `run(n)` did `n` things). */
  readonly done: number;
}

/** One point of a benchmark: a labelled parameter set and how to build its world. */
export interface BenchCase {
  /** Short label for tables, e.g. `10 containers`. */
  label: string;
  /** Parameters shown in the JSON result (containers, ports, ctEntries...). */
  params: Record<string, number | string>;
  /** Operations per timed run (the runner scales it down with `--quick`). */
  ops: number;
  /** Operations run before timing (JIT warm-up, ARP, conntrack entry of an established flow). */
  warmup: number;
  /** Case is too big for the smoke test / `--quick` (10,000 containers, 1,000,000 conntrack entries). */
  large?: boolean;
  /**
   * Each run in its own fresh process instead of all runs in one: for cases that measure a cold start
   * (the JIT's warm-up is part of what is measured), where a second run in the same process would
   * already be warm and measure something else.
   */
  processPerRun?: boolean;
  /**
   * Overrides the benchmark's {@link Bench.heapSnapshot} for this case (snapshots are taken in the
   * runner's untimed memory pass, not around the timed run; the warm cases of `bringup` skip them, the
   * cold cases' tables give the growth per container).
   */
  heapSnapshot?: boolean;
  /**
   * The facts `body.facts()` must show after `done` operations (a subset, compared exactly), e.g.
   * `(done) => ({ delivered: done, dropped: 0 })`. Checked by the smoke test and by the runner after
   * every run, so a benchmark that stops exercising its path fails instead of getting faster.
   */
  expected(done: number): Record<string, number>;
  /** Builds the world (untimed). `quick` asks for the smallest world that still exercises the path. */
  setup(quick: boolean): BenchBody | Promise<BenchBody>;
}

/** A benchmark: a name, what one operation is, and its cases. */
export interface Bench {
  /** Name used by `--filter` and in tables: `l2-bridge`, `docker0-udp`... */
  name: string;
  /** One line saying what is measured. */
  title: string;
  /** What one operation is: `packet`, `flow`, `container`. */
  unit: string;
  /** Whether the runner should take V8 heap snapshots around its untimed memory pass (memory per operation). */
  heapSnapshot?: boolean;
  cases: BenchCase[];
}

/** Differences between `facts` and `expected` (empty when every expected fact holds). */
export function factMismatches(facts: Record<string, number>, expected: Record<string, number>): string[] {
  const bad: string[] = [];
  for (const [k, v] of Object.entries(expected)) if (facts[k] !== v) bad.push(`${k}: expected ${v}, got ${facts[k]}`);
  return bad;
}

/** A BenchBody built from a per-operation function and a facts function. */
export function body(op: (i: number) => void, facts: () => Record<string, number>, batch?: (n: number) => void): BenchBody {
  const b = {
    done: 0,
    run(n: number): void {
      if (batch) batch(n);
      else for (let i = 0; i < n; i++) op(b.done + i);
      b.done += n;
    },
    facts,
  };
  return b;
}
