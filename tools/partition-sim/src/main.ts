/**
 * `npm run partition-sim [-- seeds servers clients phases [readAcrossEpochs]]`:
 * the table over many seeds, in three settings: history sharing off
 * (readAcrossFork off), readAcrossFork on (`readAcrossEpochs`, default 4),
 * and history sharing on (readAcrossFork off). The same seeds drive the
 * same partitions in each.
 */
import { type LostMessage, type SimResult, simulate, table } from "./sim.js";

const [seeds = "20", servers = "3", clients = "6", phases = "4", across = "4"] = process.argv.slice(2);
const settings = [
  { name: "history sharing off, readAcrossFork off", forks: {}, historySharing: false },
  { name: `history sharing off, readAcrossFork ${across} epochs`, forks: Number(across) > 0 ? { readAcrossFork: { epochs: Number(across) } } : {}, historySharing: false },
  { name: "history sharing on, readAcrossFork off", forks: {}, historySharing: true },
];
const summary: string[] = [];
for (const setting of settings) {
  const results: SimResult[] = [];
  const lost: LostMessage[] = [];
  for (let seed = 1; seed <= Number(seeds); seed++) {
    results.push(
      await simulate({
        seed,
        servers: Number(servers),
        clients: Number(clients),
        phases: Number(phases),
        guests: 2,
        forks: setting.forks,
        historySharing: setting.historySharing,
        onLost: (l) => lost.push(l),
      }),
    );
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  console.log(`\n### ${setting.name}\n\npartition-sim: ${seeds} seeds, ${servers} servers, ${clients} clients, ${phases} partition/heal cycles, forks.retainEpochs 5\n`);
  console.log(table(results));
  const sum = (f: (r: SimResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const lostToRemoved = lost.filter((l) => !l.recipientActive).length;
  summary.push(
    `| ${setting.name} | ${sum((r) => r.expected)} | ${sum((r) => r.read)} | ${sum((r) => r.readAcross)} | ${sum((r) => r.readViaHistory)} | ${sum((r) => r.lost)} | ${lostToRemoved} |`,
  );
}
console.log(`\n### Summary (${seeds} seeds)\n`);
console.log("| setting | reads due | read | of which across | of which via history | lost | lost by members removed since |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const row of summary) console.log(row);
