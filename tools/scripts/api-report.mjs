#!/usr/bin/env node
// API reports (issue 17, "Static tooling"): one checked-in file per publishable package,
// api/<folder>.api.md, listing every export of every `exports` entry as its declaration in the
// built .d.ts (TSDoc comments and private members left out), so that a change of public API shows
// in review as a diff of that file.
//   node tools/scripts/api-report.mjs           write the reports (npm run api:update; build first)
//   node tools/scripts/api-report.mjs --check   fail when a report differs from the build (npm run lint)
// Both print the number of exports per package and entry point.
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { publishablePackages, root } from "./publishable.mjs";

const check = process.argv.includes("--check");
const outDir = join(root, "api");
const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** Whether a class or interface member is hidden from users (private, #private, @internal). */
function hiddenMember(m) {
  if (m.name && ts.isPrivateIdentifier(m.name)) return true;
  if (ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.PrivateKeyword)) return true;
  return ts.getJSDocTags(m).some((t) => t.tagName.text === "internal");
}

/** A declaration as the report shows it: its .d.ts text without comments and hidden members. */
function printDeclaration(decl) {
  const sf = decl.getSourceFile();
  let node = decl;
  if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
    const keep = decl.members.filter((m) => !hiddenMember(m));
    node = ts.isClassDeclaration(decl)
      ? ts.factory.updateClassDeclaration(decl, decl.modifiers, decl.name, decl.typeParameters, decl.heritageClauses, keep)
      : ts.factory.updateInterfaceDeclaration(decl, decl.modifiers, decl.name, decl.typeParameters, decl.heritageClauses, keep);
  }
  let text = printer.printNode(ts.EmitHint.Unspecified, node, sf);
  if (ts.isVariableDeclaration(decl)) {
    const list = decl.parent;
    const keyword = list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.Let ? "let" : "var";
    text = `${keyword} ${text};`;
  }
  // `export declare` is the same for every entry: drop it so that the reports read as declarations.
  return text.replace(/^(export )?(declare )?/, "");
}

/** The report section of one entry point: its exports sorted by name, and how many there are. */
function entryReport(program, checker, file, pkgDir) {
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error(`${file} not found (build first)`);
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  const items = [];
  for (const s of exports.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    const decls = target.declarations ?? [];
    const parts = [];
    for (const d of decls) {
      const from = d.getSourceFile().fileName;
      if (ts.isSourceFile(d) || ts.isModuleDeclaration(d)) {
        parts.push(`namespace ${s.name} { /* ${checker.getExportsOfModule(target).length} exports */ }`);
        continue;
      }
      if (!from.startsWith(pkgDir)) {
        const owner = from.match(/node_modules\/((?:@[^/]+\/)?[^/]+)|packages\/([^/]+)\//);
        const name = owner ? (owner[1] ?? `@mlskit/${owner[2]}`) : relative(root, from);
        parts.push(`/* re-exported from ${name} */ ${s.name === target.name ? s.name : `${target.name} as ${s.name}`};`);
        break;
      }
      parts.push(printDeclaration(d));
    }
    const renamed = s.name !== target.name && parts.every((p) => !p.startsWith("/*")) ? `/* exported as ${s.name} */\n` : "";
    items.push(renamed + (parts.length ? parts.join("\n") : `/* ${s.name}: no declaration */`));
  }
  return { count: exports.length, text: items.join("\n\n") };
}

const packages = publishablePackages();
const entries = [];
for (const { dir, pkg } of packages) {
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target === "object" && target.types) entries.push({ pkg, dir, sub, file: join(dir, target.types) });
  }
}
const missing = entries.filter((e) => !existsSync(e.file));
if (missing.length) {
  for (const e of missing) console.error(`api report: ${relative(root, e.file)} is missing (build first: npm run build)`);
  process.exit(1);
}
const program = ts.createProgram(
  entries.map((e) => e.file),
  { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: [] },
);
const checker = program.getTypeChecker();

if (!check) mkdirSync(outDir, { recursive: true });
const expected = new Set();
const stale = [];
let total = 0;
for (const { name, dir, pkg } of packages) {
  const folder = dir.slice(join(root, "packages").length + 1);
  const file = join(outDir, `${folder}.api.md`);
  expected.add(`${folder}.api.md`);
  const sections = [];
  const counts = [];
  for (const e of entries.filter((x) => x.pkg === pkg)) {
    const spec = e.sub === "." ? name : `${name}/${e.sub.slice(2)}`;
    const { count, text } = entryReport(program, checker, e.file, `${dir}/`);
    counts.push(`${spec}: ${count}`);
    total += count;
    sections.push(`## ${spec} (${count} exports)\n\n\`\`\`ts\n${text}\n\`\`\`\n`);
  }
  const report =
    `# API report: ${name}\n\n` +
    "<!-- Generated by tools/scripts/api-report.mjs from the built .d.ts: run `npm run api:update` after a build; `npm run lint` fails when this is stale. -->\n\n" +
    sections.join("\n");
  console.log(`api report: ${counts.join(", ")}`);
  const old = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  if (old === report) continue;
  if (check) stale.push(relative(root, file));
  else writeFileSync(file, report);
}
if (existsSync(outDir)) {
  for (const f of readdirSync(outDir)) if (f.endsWith(".api.md") && !expected.has(f)) stale.push(`api/${f} (no such package)`);
}
console.log(`api report: ${total} exports in ${packages.length} packages`);
if (stale.length) {
  for (const s of stale) console.error(`api report: ${s} is stale: the public API changed; run npm run api:update and commit the diff`);
  process.exit(1);
}
