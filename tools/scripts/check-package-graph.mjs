#!/usr/bin/env node
// Lint for the workspace's package graph (docs/ARCHITECTURE.md "Dependency order, no cycles"):
// fails on a dependency cycle between @mlskit packages, on a package that depends on
// one above it in the layer order, and on third-party runtime dependencies in the
// packages that must take all crypto through a provider.
// It also reads every src file's @mlskit imports: library code may import only the packages its
// package.json declares, and tests and fixtures (*.test.ts, *.fixture.ts) only those or the ones
// listed in "mlskit": { "testDependencies": [...] }. Test-only edges are kept out of
// devDependencies on purpose: most point up the layer order (core's tests run crypto-noble, which
// depends on core), and turbo treats devDependencies as build edges and refuses such a cycle.
// Tests import sources through vitest's aliases (vitest.config.ts), so these edges need no build.
import { readdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const root = new URL("../../", import.meta.url).pathname;
const pkgs = new Map();
for (const group of ["packages", "apps", "tools"]) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8"));
    pkgs.set(pkg.name, { group, pkg, dir: join(dir, name) });
  }
}

const errors = [];
const edges = new Map();
for (const [name, { pkg }] of pkgs) {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
  edges.set(
    name,
    Object.keys(deps).filter((d) => pkgs.has(d)),
  );
}

// Cycle detection (depth-first, colouring).
const state = new Map();
const stack = [];
function visit(n) {
  if (state.get(n) === "done") return;
  if (state.get(n) === "active") {
    errors.push(`dependency cycle: ${[...stack.slice(stack.indexOf(n)), n].join(" -> ")}`);
    return;
  }
  state.set(n, "active");
  stack.push(n);
  for (const d of edges.get(n) ?? []) visit(d);
  stack.pop();
  state.set(n, "done");
}
for (const n of edges.keys()) visit(n);

// Layers: a package may depend only on packages of a lower layer.
const layer = {
  "@mlskit/codec": 0,
  "@mlskit/core": 1,
  "@mlskit/hpke": 2,
  "@mlskit/crypto-noble": 3,
  "@mlskit/crypto-webcrypto": 3,
  "@mlskit/crypto-node": 3,
  "@mlskit/credential-x509": 2,
  "@mlskit/ratchet-tree": 2,
  "@mlskit/key-schedule": 2,
  "@mlskit/storage-memory": 2,
  "@mlskit/storage-sqlite": 2,
  "@mlskit/storage-indexeddb": 2,
  "@mlskit/group": 4,
  "@mlskit/mls": 5,
  "@mlskit/ds-protocol": 2,
  "@mlskit/ds-client": 6,
};
for (const [name, deps] of edges) {
  if (!(name in layer)) continue;
  for (const d of deps) {
    if (d in layer && layer[d] >= layer[name]) errors.push(`${name} must not depend on ${d} (layer order)`);
    if (pkgs.get(d)?.group !== "packages") errors.push(`${name} must not depend on non-library ${d}`);
  }
}

// Protocol packages take all crypto through the provider: no third-party runtime deps.
const pure = ["@mlskit/codec", "@mlskit/core", "@mlskit/hpke", "@mlskit/ratchet-tree", "@mlskit/key-schedule", "@mlskit/group"];
for (const name of pure) {
  const p = pkgs.get(name)?.pkg;
  if (!p) continue;
  for (const d of Object.keys(p.dependencies ?? {})) {
    if (!pkgs.has(d)) errors.push(`${name} must have no third-party runtime dependency, found ${d}`);
  }
}

// Imports of @mlskit packages, from the source (runtime files and test files apart).
function* tsFiles(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) yield p;
  }
}
function mlskitImports(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const out = new Set();
  const visit = (n) => {
    let spec;
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) spec = n.moduleSpecifier.text;
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) spec = n.arguments[0].text;
    if (spec?.startsWith("@mlskit/")) out.add(spec.split("/").slice(0, 2).join("/"));
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}
let testEdges = 0;
for (const [name, { pkg, dir }] of pkgs) {
  const src = join(dir, "src");
  if (!existsSync(src)) continue;
  const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies }));
  const testDeclared = new Set(pkg.mlskit?.testDependencies ?? []);
  const testUsed = new Set();
  for (const file of tsFiles(src)) {
    const isTest = /\.(test|fixture)\.ts$/.test(file);
    for (const dep of mlskitImports(file)) {
      if (dep === name) continue;
      if (!pkgs.has(dep)) errors.push(`${file.slice(root.length)} imports ${dep}, which is not a workspace package`);
      else if (declared.has(dep)) continue;
      else if (!isTest) errors.push(`${file.slice(root.length)} imports ${dep}, which ${name}'s package.json does not declare`);
      else if (!testDeclared.has(dep)) errors.push(`${file.slice(root.length)} imports ${dep}: add it to ${name}'s "mlskit": { "testDependencies" } (test-only edge)`);
      else testUsed.add(dep);
    }
  }
  for (const dep of testDeclared) {
    if (declared.has(dep)) errors.push(`${name}: ${dep} is both a dependency and a testDependency`);
    else if (!testUsed.has(dep)) errors.push(`${name}: testDependency ${dep} is imported by no test or fixture`);
  }
  testEdges += testDeclared.size;
}

if (errors.length) {
  for (const e of errors) console.error(`package graph: ${e}`);
  process.exit(1);
}
console.log(`package graph: ${pkgs.size} packages, no cycles, layers respected, imports declared (${testEdges} test-only edges)`);
