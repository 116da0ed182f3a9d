#!/usr/bin/env node
// How .prettierrc.json was chosen (issue 17): for candidate option sets, how many tracked files
// `prettier --check` would change. Usage: node tools/scripts/measure-prettier.mjs '[{"printWidth":140}, ...]'
import * as prettier from "prettier";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
const all = execFileSync("git", ["ls-files"], { encoding: "utf8" }).trim().split("\n");
const files = [];
for (const f of all) {
  const info = await prettier.getFileInfo(f, { ignorePath: ".prettierignore" });
  if (!info.ignored && info.inferredParser) files.push([f, readFileSync(f, "utf8")]);
}
const base = { semi: true, singleQuote: false, trailingComma: "all", bracketSpacing: true, arrowParens: "always" };
const candidates = JSON.parse(process.argv[2]);
console.log(`${files.length} files`);
for (const c of candidates) {
  const opts = { ...base, ...c };
  let changed = 0;
  const byExt = {};
  for (const [f, text] of files) {
    let ok;
    try {
      ok = await prettier.check(text, { ...opts, filepath: f });
    } catch {
      ok = false;
    }
    if (!ok) {
      changed++;
      const e = f.split(".").pop();
      byExt[e] = (byExt[e] ?? 0) + 1;
    }
  }
  console.log(JSON.stringify(c), changed, JSON.stringify(byExt));
}
