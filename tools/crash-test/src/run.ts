/**
 * `node dist/run.js [runs] [seed]`: a crash-test campaign in a fresh temporary
 * directory, with its summary line printed (the directory is kept when a
 * violation was found, and its path printed).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { paths } from "./config.js";
import { runCampaign } from "./driver.js";
import { formatSummary, summarize } from "./summary.js";

const runs = Number(process.argv[2] ?? 200);
const seed = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), "mlskit-crash-"));
const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));
const campaign = await runCampaign({
  dir,
  runs,
  seed,
  workerPath,
  onRun: (run, o) => {
    if (!o.killed) console.error(`run ${run} ended by itself (exit ${o.exitCode}): ${o.stderr.slice(0, 2000)}`);
  },
});
const s = summarize(paths(dir).results);
console.log(formatSummary(s, campaign.wallMs, campaign.kills));
console.log(`kills by operation/phase: ${JSON.stringify(s.killsByPhase)}; replays refused by code: ${JSON.stringify(s.replayCodes)}`);
const bad = Object.values(s.violations).some((n) => n > 0) || campaign.failures.length > 0 || campaign.finalExitCode !== 0;
if (bad) {
  for (const v of s.firstViolations) console.error(v);
  console.error(`work directory kept: ${dir}`);
  process.exitCode = 1;
} else {
  rmSync(dir, { recursive: true, force: true });
}
