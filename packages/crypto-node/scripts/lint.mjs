#!/usr/bin/env node
// Package lint for @mlskit/crypto-node, the one library package that is Node-only by design:
// tools/scripts/lint-package.mjs forbids Node APIs in library sources, so this runs its
// package.json checks again and then allows exactly
// `node:crypto` imports (and Buffer, which node:crypto returns), and `node:worker_threads` for the
// seal worker (src/seal-pool.ts, src/seal-worker.ts: HPKE batches on a second core), nothing else of Node's.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

const dir = new URL("..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const errors = [];
if (pkg.type !== "module") errors.push(`"type" must be "module"`);
if (pkg.sideEffects !== false) errors.push(`"sideEffects" must be false`);
if (!/Node-only/.test(pkg.description ?? "")) errors.push(`the description must say "Node-only"`);
if (!pkg.engines?.node) errors.push(`"engines.node" is required`);
for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
  if (typeof target !== "object" || !target.types || !target.import) {
    errors.push(`exports["${sub}"] needs "types" and "import"`);
    continue;
  }
  if (Object.keys(target)[0] !== "types") errors.push(`exports["${sub}"]: "types" must come first`);
  for (const f of [target.types, target.import]) if (!existsSync(join(dir, f))) errors.push(`exports["${sub}"] points at missing ${f} (build first)`);
}
function* sources(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) yield p;
  }
}
for (const file of sources(join(dir, "src"))) {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  for (const m of text.matchAll(/from\s+["'](node:[\w/]+|fs|path|os|crypto)["']/g)) {
    if (m[1] !== "node:crypto" && m[1] !== "node:worker_threads") errors.push(`${file.slice(dir.length)} imports ${m[1]} (only node:crypto and node:worker_threads are allowed)`);
  }
  if (/(?<![\w$.\-/])process\.\w/.test(text)) errors.push(`${file.slice(dir.length)} uses process`);
}
if (errors.length) {
  for (const e of errors) console.error(`${pkg.name}: ${e}`);
  process.exit(1);
}
console.log(`${pkg.name}: package lint ok (Node-only: node:crypto imports allowed)`);
