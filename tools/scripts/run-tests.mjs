#!/usr/bin/env node
// Runs the whole vitest suite once and closes with one plain summary line
// ("vitest: N passed, N failed, N skipped") that CI reads; exits with vitest's code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const out = join(mkdtempSync(join(tmpdir(), "mlskit-vitest-")), "report.json");
const bin = join(process.cwd(), "node_modules", ".bin", "vitest");
const args = ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)];
// Node 20 flags WebCrypto's Ed448/X448/X25519 as experimental on every use; the notice is noise here.
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --disable-warning=ExperimentalWarning`.trim() };
const res = spawnSync(bin, args, { stdio: "inherit", env });
let code = res.status ?? 1;
if (existsSync(out)) {
  const r = JSON.parse(readFileSync(out, "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\nvitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) {
    console.error("no test ran");
    code = 1;
  }
} else {
  console.error("vitest wrote no report");
  code = code || 1;
}
process.exit(code);
