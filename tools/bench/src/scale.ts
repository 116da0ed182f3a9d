/**
 * Scale runs (`--only=scale`, not part of the default or quick sections):
 * groups of 10,000 and 100,000 members (`--sizes=` to choose), on the Node
 * provider unless `--provider=`. For each N, the steady-state fixture of
 * protocol-fixture.ts (every parent populated; built once with node:crypto
 * and cached under /tmp/mlskit-bench/), then, wire bytes in and out:
 * - join: `joinFromWelcome` with the tree out of band on a fresh provider
 *   (cold key caches): full tree validation, N leaf signatures included;
 * - add create / process: a one-member Add-only Commit (fresh KeyPackage,
 *   validated as `Group.addMembers` does), processed and merged by another
 *   member;
 * - remove create / process: a Remove of a background member, with the
 *   committer's path, processed and merged by its nearest neighbour.
 * Targets (issue 18): join at most 1.0 s at N = 10,000 and 10 s at
 * N = 100,000; processing a one-member Add or Remove at most 20 ms at
 * N = 100,000.
 */
import { availableParallelism, loadavg } from "node:os";
import { createCommit } from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { fmt, printTable } from "./measure.js";
import { gc } from "./populated-tree.js";
import { loadOrBuildFixture, newMember } from "./protocol-fixture.js";
import { type ProviderSpec, commitAdd, join, median, policyFor, processCommit, steadyPair, suiteOf, timed } from "./protocol-steps.js";

/** The figures of one provider at one N (ms). */
interface ScaleFigures {
  readonly provider: string;
  readonly n: number;
  readonly fixtureMs: number;
  readonly setupMs: number;
  readonly join: number;
  readonly addCreate: number;
  readonly addProcess: number;
  readonly removeCreate: number;
  readonly removeProcess: number;
}

const TARGETS: readonly { n: number; what: string; get: (f: ScaleFigures) => number; limit: number }[] = [
  { n: 10_000, what: "join from Welcome", get: (f) => f.join, limit: 1000 },
  { n: 100_000, what: "join from Welcome", get: (f) => f.join, limit: 10_000 },
  { n: 100_000, what: "add process (one member)", get: (f) => f.addProcess, limit: 20 },
  { n: 100_000, what: "remove process (one member)", get: (f) => f.removeProcess, limit: 20 },
];

async function benchScaleOne(spec: ProviderSpec, builder: ProviderSpec, n: number, log: (line: string) => void): Promise<ScaleFigures> {
  const loaded = await loadOrBuildFixture(await suiteOf(builder), n);
  const fixture = loaded.fixture;
  log(`scale N=${n}: fixture ${loaded.built ? "built and cached" : "loaded from cache"} in ${fmt(loaded.ms / 1000)} s`);
  const t0 = performance.now();
  const { csC, C, R } = await steadyPair(spec, fixture);
  const setupMs = performance.now() - t0;
  log(`scale N=${n} ${spec.name}: two joins and one Update in ${fmt(setupMs / 1000)} s`);
  const runs = n >= 100_000 ? 3 : 5;

  const joinTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    gc();
    const cs = await suiteOf(spec);
    const t = performance.now();
    await join(cs, fixture.receiver, fixture.welcome, fixture.tree, policyFor(n));
    joinTimes.push(performance.now() - t);
  }
  log(`scale N=${n} ${spec.name}: joins ${joinTimes.map((x) => fmt(x)).join(", ")} ms`);

  // The joins above leave hundreds of MiB of garbage at N = 100,000: collected now (with --expose-gc), not inside a timed commit.
  gc();
  const csJ = await suiteOf(spec);
  const joiners = await Promise.all(Array.from({ length: runs + 1 }, (_, i) => newMember(csJ, `scale-joiner-${i}`)));
  const add = await timed(runs, 1, async (i) => (await commitAdd(csC, C, joiners[i]!.keyPackage)).commit);
  const addProcess = await timed(add.results.length - 1, 1, (i) => processCommit(R, add.results[i]!));
  const removeTarget = (fixture.backgroundLeaf ?? 0) as LeafIndex;
  gc();
  const remove = await timed(runs, 1, async () => (await createCommit(C, { proposals: [{ remove: removeTarget }] })).commit);
  const removeProcess = await timed(remove.results.length - 1, 1, (i) => processCommit(R, remove.results[i]!));
  return {
    provider: spec.name,
    n,
    fixtureMs: loaded.ms,
    setupMs,
    join: median(joinTimes),
    addCreate: add.ms,
    addProcess: addProcess.ms,
    removeCreate: remove.ms,
    removeProcess: removeProcess.ms,
  };
}

/** Runs the scale section for every size on every provider; prints the figures and the targets. Returns whether the targets were met. */
export async function runScale(providers: readonly ProviderSpec[], builder: ProviderSpec, sizes: readonly number[]): Promise<boolean> {
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(", ");
  const started = performance.now();
  console.log(`\nscale section: load average ${load()} (${availableParallelism()} cores) at the start`);
  const log = (line: string) => process.stderr.write(`  … ${line}\n`);
  const figures: ScaleFigures[] = [];
  for (const n of sizes) for (const spec of providers) figures.push(await benchScaleOne(spec, builder, n, log));
  for (const p of providers) {
    printTable(
      `Scale, suite 0x0001, ${p.name} (ms per operation; wire bytes in and out; steady-state tree)`,
      ["N", "join", "add create", "add process", "remove create", "remove process", "setup s", "fixture s"],
      figures
        .filter((f) => f.provider === p.name)
        .map((f) => [
          f.n.toLocaleString("en-US"),
          ...[f.join, f.addCreate, f.addProcess, f.removeCreate, f.removeProcess, f.setupMs / 1000, f.fixtureMs / 1000].map((v) => fmt(v)),
        ]),
    );
  }
  const rows: string[][] = [];
  let allMet = true;
  for (const f of figures) {
    for (const t of TARGETS) {
      if (t.n !== f.n) continue;
      const v = t.get(f);
      const met = v <= t.limit;
      if (!met) allMet = false;
      rows.push([f.provider, f.n.toLocaleString("en-US"), t.what, `≤ ${t.limit.toLocaleString("en-US")} ms`, `${fmt(v)} ms`, met ? "met" : "NOT MET"]);
    }
  }
  if (rows.length > 0) printTable("Scale targets (suite 0x0001)", ["provider", "N", "operation", "target", "measured", "status"], rows);
  console.log(`scale section: ${fmt((performance.now() - started) / 1000)} s; load average ${load()} at the end`);
  return allMet;
}
