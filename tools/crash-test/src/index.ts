/**
 * `@mlskit/crash-test` (private): the durable-state crash test. A worker
 * process runs commits, Welcomes, sends and receives on SQLite stores and is
 * killed with SIGKILL at random points; every restart checks the
 * invariants (see verify.ts) before carrying on. `runCampaign` drives it,
 * `summarize` reads the results. Run it with `npm run crash-test -w
 * @mlskit/crash-test` after a build, or through its vitest test.
 * @packageDocumentation
 */
export { type CampaignOptions, type CampaignRun, type RunOutcome, runCampaign, runWorker } from "./driver.js";
export { type CampaignSummary, formatSummary, summarize } from "./summary.js";
export { paths, CLIENT_NAMES, GROUPS } from "./config.js";
export type { KeyReport } from "./seal-log.js";
export type { VerifyResult } from "./verify.js";
export type { FinalReport } from "./final-report.js";
export type { Violation, ViolationCategory } from "./world.js";
