#!/usr/bin/env node
// `npm run lint`: every static check in turn, each timed, stopping at the first that fails.
// The order puts the quick, structural checks first; ESLint (type-aware, the slowest) and the
// packing checks last. `node tools/scripts/lint.mjs eslint knip` runs only the steps named.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);
const steps = [
  // Everything built (ESLint's type information and the API reports read the .d.ts), then per
  // package: ESM, exports map, no Node-only APIs in library code.
  ["build+packages", ["turbo", "run", "build", "lint", "--output-logs=errors-only"]],
  ["package-graph", ["node", "tools/scripts/check-package-graph.mjs"]],
  ["import-cycles", ["node", "tools/scripts/check-import-cycles.mjs"]],
  // The tree as Prettier writes it (`npm run format` fixes it); .prettierignore names what is kept as generated or published.
  ["format", [bin("prettier"), "--check", "--log-level=warn", "."]],
  ["api-reports", ["node", "tools/scripts/api-report.mjs", "--check"]],
  ["knip", [bin("knip"), "--no-progress"]],
  ["eslint", [bin("eslint"), "--max-warnings=0", "."]],
  ["licenses", ["node", "tools/scripts/sync-licenses.mjs", "--check"]],
  // publint and attw on the packed tarballs, publish metadata.
  ["publish", ["node", "tools/scripts/check-publish.mjs"]],
];

const only = process.argv.slice(2);
const times = [];
for (const [name, [cmd, ...args]] of steps) {
  if (only.length && !only.includes(name)) continue;
  const started = performance.now();
  const r = spawnSync(cmd === "turbo" ? bin("turbo") : cmd === "node" ? process.execPath : cmd, args, { cwd: root, stdio: "inherit" });
  const seconds = (performance.now() - started) / 1000;
  times.push(`${name} ${seconds.toFixed(1)} s`);
  if (r.status !== 0) {
    console.error(`lint: ${name} failed (${seconds.toFixed(1)} s)`);
    process.exit(r.status ?? 1);
  }
}
console.log(`lint: all passed (${times.join(", ")})`);
