#!/usr/bin/env node
// Per-package lint, run from a package's folder after its build:
// - package.json: ESM, sideEffects false, an exports map whose every entry has
//   types and import targets that exist in dist (a publint-style check);
// - library sources: no Node-only APIs (Buffer, node: imports, process), so the
//   package runs in browsers, Deno, Bun and workers.
import { readFileSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const errors = [];

if (pkg.type !== "module") errors.push(`"type" must be "module"`);
// false, or the few modules that really have one (e.g. a polyfill import), each of which must exist.
if (Array.isArray(pkg.sideEffects)) {
  for (const f of pkg.sideEffects) if (!existsSync(join(dir, f))) errors.push(`"sideEffects" names missing ${f} (build first)`);
} else if (pkg.sideEffects !== false) errors.push(`"sideEffects" must be false or a list of modules`);
if (!pkg.exports || typeof pkg.exports !== "object") errors.push(`an "exports" map is required`);
for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
  if (typeof target !== "object" || !target.types || !target.import) {
    errors.push(`exports["${sub}"] needs "types" and "import"`);
    continue;
  }
  if (Object.keys(target)[0] !== "types") errors.push(`exports["${sub}"]: "types" must come first`);
  for (const f of [target.types, target.import]) {
    if (!existsSync(join(dir, f))) errors.push(`exports["${sub}"] points at missing ${f} (build first)`);
  }
}

function* sources(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts") && !p.endsWith(".fixture.ts")) yield p;
  }
}
const nodeOnly = [
  [/\bBuffer\b/, "Buffer"],
  [/from\s+["']node:/, "a node: import"],
  [/(?<![\w$.\-/])process\.(env|argv|exit|cwd|platform|versions?|nextTick|stdout|stderr|on|hrtime|memoryUsage)\b/, "process"],
  [/from\s+["'](fs|path|crypto|os)["']/, "a Node built-in import"],
];
for (const file of sources(join(dir, "src"))) {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  for (const [re, what] of nodeOnly) {
    if (re.test(text)) errors.push(`${file.slice(dir.length + 1)} uses ${what} (library packages must not use Node-only APIs)`);
  }
}

if (errors.length) {
  for (const e of errors) console.error(`${pkg.name}: ${e}`);
  process.exit(1);
}
console.log(`${pkg.name}: package lint ok`);
