/**
 * The partition simulation's tally and report: at the end of a run, what
 * became of the losing branches' membership changes and of every
 * application message due to each member, as a {@link SimResult}; and the
 * table of results over many seeds.
 */
import { toHex } from "@mlskit/codec";
import type { ClientDriver } from "./driver.js";
import type { SimResult } from "./sim.js";

/** The run's result, once its phases are over; tells `config.onLost` of each message still lost. */
export async function tally(sim: ClientDriver, heals: number, converged: number): Promise<SimResult> {
  const { config, names, stats, expect, rolledBackRanges, lostChanges } = sim;
  const groups = sim.groups;
  // Final: lost changes applied (the winning tree agrees) or reported.
  const finalGroup = groups[sim.active()[0]!]!;
  const finalKeys = new Set((await finalGroup.members()).map((m) => toHex(m.signatureKey)));
  let lostApplied = 0;
  let lostReported = 0;
  let lostDropped = 0;
  for (const { change, reported } of lostChanges.values()) {
    const c = change.change;
    const applied = c.kind === "remove" ? !finalKeys.has(toHex(c.signatureKey)) : c.kind === "add" ? finalKeys.has(toHex(c.signatureKey)) : true;
    if (applied) lostApplied++;
    else if (reported) lostReported++;
    else lostDropped++;
  }
  let read = 0;
  let lost = 0;
  const activeNames = new Set(sim.active().map((c) => names[c]!));
  for (const [id, e] of expect) {
    for (const r of e.readers) {
      if (e.read.has(r)) read++;
      else {
        lost++;
        const rc = names.indexOf(r);
        const status = groups[rc]!.state.status;
        const onLosingBranch = (rolledBackRanges.get(e.msg.from) ?? []).some((x) => x.at > id && e.epoch >= x.from && e.epoch <= x.to);
        config.onLost?.({
          messageId: id,
          recipient: r,
          sender: names[e.msg.from]!,
          epoch: e.epoch,
          recipientActive: activeNames.has(r),
          ...(status.kind === "removed" ? { recipientRemovedIn: status.epoch } : {}),
          onLosingBranch,
        });
      }
    }
  }
  stats.read = read;
  return {
    seed: config.seed,
    heals,
    converged,
    forks: stats.forks,
    rolledBackEpochs: stats.rolledBack,
    maxRollback: stats.maxRollback,
    commits: stats.commits,
    sent: stats.sent,
    expected: stats.expected,
    read,
    readAcross: stats.readAcross,
    readOnRetry: stats.readOnRetry,
    readViaHistory: stats.readViaHistory,
    bundles: stats.bundles,
    lost,
    lostChanges: lostChanges.size,
    lostApplied,
    lostReported,
    lostDropped,
    finalEpoch: finalGroup.epoch,
  };
}

/** A table of results, one row per seed, with a total. */
export function table(results: readonly SimResult[]): string {
  const cols: [string, (r: SimResult) => string | number | bigint][] = [
    ["seed", (r) => r.seed],
    ["heals", (r) => r.heals],
    ["converged", (r) => r.converged],
    ["forks", (r) => r.forks],
    ["rolled back", (r) => r.rolledBackEpochs],
    ["max K used", (r) => r.maxRollback],
    ["commits", (r) => r.commits],
    ["msgs", (r) => r.sent],
    ["reads due", (r) => r.expected],
    ["read", (r) => r.read],
    ["across", (r) => r.readAcross],
    ["on retry", (r) => r.readOnRetry],
    ["via history", (r) => r.readViaHistory],
    ["bundles", (r) => r.bundles],
    ["lost", (r) => r.lost],
    ["lost changes", (r) => r.lostChanges],
    ["applied", (r) => r.lostApplied],
    ["reported", (r) => r.lostReported],
    ["dropped", (r) => r.lostDropped],
    ["epoch", (r) => r.finalEpoch],
  ];
  const sum = (f: (r: SimResult) => string | number | bigint) => results.reduce((a, r) => a + Number(f(r)), 0);
  const rows = results.map((r) => cols.map(([, f]) => String(f(r))));
  rows.push(cols.map(([name, f]) => (name === "seed" ? "total" : name === "max K used" ? String(Math.max(...results.map((r) => r.maxRollback))) : String(sum(f)))));
  const head = cols.map(([n]) => n);
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
