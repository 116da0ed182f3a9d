#!/usr/bin/env node
// Every publishable package ships the root LICENSE (npm includes a package's own LICENSE file
// in its tarball whatever `files` says, and cannot reach ../../LICENSE). The copies are checked
// in; this script writes them, and `--check` (run by `npm run lint`) fails when one is missing
// or differs from the root's.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { publishablePackages, root } from "./publishable.mjs";

const check = process.argv.includes("--check");
const license = readFileSync(join(root, "LICENSE"), "utf8");
const stale = [];
for (const { dir } of publishablePackages()) {
  const file = join(dir, "LICENSE");
  if (existsSync(file) && readFileSync(file, "utf8") === license) continue;
  if (check) stale.push(relative(root, file));
  else {
    writeFileSync(file, license);
    console.log(`wrote ${relative(root, file)}`);
  }
}
if (stale.length) {
  console.error(`missing or differing from the root LICENSE: ${stale.join(", ")}\nrun: node tools/scripts/sync-licenses.mjs`);
  process.exit(1);
}
if (check) console.log("licenses: every publishable package carries the root LICENSE");
