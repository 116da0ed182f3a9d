#!/usr/bin/env node
// File-level import-cycle check (issue 17, "Static tooling"): inside every package's, app's and
// tool's src, the relative imports between .ts files must form no cycle. Type-only imports
// (`import type`, `export type`, and imports whose every specifier is `type`) are erased at
// build time and cannot cause an evaluation-order bug, so they do not count; a cycle through
// runtime imports fails the lint. The package-level graph is check-package-graph.mjs's.
// Usage: node tools/scripts/check-import-cycles.mjs [--all]  (--all: also list type-only cycles)
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join, dirname, resolve, relative } from "node:path";
import ts from "typescript";

const root = new URL("../../", import.meta.url).pathname;

// Cycles known and left for now, each with why; any other runtime cycle fails. Remove an entry
// when its cycle is broken (the check fails on an entry that no longer matches, so it cannot rot).
/** @type {Map<string, string>} */
const KNOWN = new Map([]);
const listTypeOnly = process.argv.includes("--all");

function* tsFiles(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) yield p;
  }
}

/** The .ts file a relative specifier names (NodeNext: "./x.js" is ./x.ts; a folder is its index). */
function resolveSpecifier(from, spec) {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return undefined;
}

/** Runtime and type-only edges of one file. */
function importsOf(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const runtime = new Set();
  const typeOnly = new Set();
  for (const st of sf.statements) {
    let spec;
    let isType = false;
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      spec = st.moduleSpecifier.text;
      const clause = st.importClause;
      if (clause) {
        const named = clause.namedBindings;
        isType = clause.isTypeOnly || (!clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly));
      }
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      spec = st.moduleSpecifier.text;
      const clause = st.exportClause;
      isType = st.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
    }
    if (spec === undefined) continue;
    const target = resolveSpecifier(file, spec);
    if (target === undefined) continue;
    (isType ? typeOnly : runtime).add(target);
  }
  return { runtime, typeOnly };
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

let files = 0;
let failed = false;
const typeOnlyReport = [];
const seenKnown = new Set();
for (const group of ["packages", "apps", "tools"]) {
  const gdir = join(root, group);
  if (!existsSync(gdir)) continue;
  for (const name of readdirSync(gdir).sort()) {
    const src = join(gdir, name, "src");
    if (!existsSync(src)) continue;
    const runtime = new Map();
    const all = new Map();
    for (const f of tsFiles(src)) {
      files++;
      const { runtime: r, typeOnly: t } = importsOf(f);
      runtime.set(f, r);
      all.set(f, new Set([...r, ...t]));
    }
    for (const scc of cycles(runtime)) {
      const key = `${group}/${name}/src: ${scc.map((f) => relative(src, f)).join(", ")}`;
      if (KNOWN.has(key)) {
        seenKnown.add(key);
        console.log(`known import cycle (allowed, see KNOWN): ${key}`);
        continue;
      }
      failed = true;
      console.error(`import cycle in ${key}`);
    }
    for (const scc of cycles(all)) typeOnlyReport.push(`${group}/${name}/src: ${scc.map((f) => relative(src, f)).join(", ")}`);
  }
}
for (const key of KNOWN.keys()) {
  if (!seenKnown.has(key)) {
    failed = true;
    console.error(`import cycles: KNOWN entry no longer matches a cycle, remove it: ${key}`);
  }
}
if (listTypeOnly) for (const line of typeOnlyReport) console.log(`cycle counting type-only imports: ${line}`);
if (failed) process.exit(1);
console.log(
  `import cycles: ${files} files, no runtime import cycle` + (typeOnlyReport.length ? ` (${typeOnlyReport.length} cycle(s) through type-only imports; --all lists them)` : ""),
);
