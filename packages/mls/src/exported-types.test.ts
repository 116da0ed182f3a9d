/**
 * Every type named in the facade's public declarations is exported from
 * `@mlskit/mls` (issue 17): a user can write down the type of anything the
 * facade hands out (`Proposal`, `Sender`, `LeafIndex`, …) without importing
 * a lower package.
 *
 * The package's declarations are emitted in memory (what `tsc -b` writes to
 * `dist/*.d.ts`; no build needed), then every exported declaration is
 * walked, and transitively every type it names: each must be exported.
 * Skipped: `@internal` and private members, function bodies, `typeof`
 * queries (values, not types), TypeScript's own lib types, and the inside
 * of the {@link OPAQUE} types.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** Where the emitted declarations seem to be (in memory only; inside the package, so its package.json scope applies). */
const VIRTUAL = join(root, "packages/mls/.exported-types-check");

/**
 * Exported types whose insides are not walked: `GroupState`, the read-only
 * snapshot of `@mlskit/group` (`group.state`, for advanced use), whose parts
 * (trees, secret trees, epoch keys) are that package's API, not the facade's.
 */
const OPAQUE = new Set(["GroupState"]);

function options(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(root, "tsconfig.test.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  return {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    composite: false,
    outDir: VIRTUAL,
    rootDir: join(root, "packages/mls/src"),
    types: [],
  };
}

/** The facade's declarations (`dist/*.d.ts`), emitted in memory. */
function emitDeclarations(opts: ts.CompilerOptions): Map<string, string> {
  const program = ts.createProgram([join(root, "packages/mls/src/index.ts")], opts);
  const out = new Map<string, string>();
  const mlsSrc = join(root, "packages/mls/src");
  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(mlsSrc)) continue;
    const r = program.emit(sf, (name, text) => out.set(name, text), undefined, true);
    if (r.diagnostics.length > 0) throw new Error(ts.formatDiagnostics(r.diagnostics, ts.createCompilerHost(opts)));
  }
  return out;
}

/** The types the exported declarations of `index.d.ts` name that `@mlskit/mls` does not export, each with where it is named. */
export function unexportedTypes(): Map<string, Set<string>> {
  const opts = options();
  const dts = emitDeclarations(opts);
  const host = ts.createCompilerHost(opts);
  const { fileExists, readFile, getSourceFile } = host;
  const { directoryExists } = host;
  host.fileExists = (f) => dts.has(f) || fileExists.call(host, f);
  host.directoryExists = (d) => d === VIRTUAL || (directoryExists?.call(host, d) ?? ts.sys.directoryExists(d));
  host.readFile = (f) => dts.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = dts.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const entry = `${VIRTUAL}/index.d.ts`;
  const program = ts.createProgram([entry], { ...opts, noEmit: true }, host);
  const checker = program.getTypeChecker();
  const resolveAlias = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exported = new Set(checker.getExportsOfModule(moduleSymbol).map(resolveAlias));
  const missing = new Map<string, Set<string>>();
  const seen = new Set<ts.Symbol>();

  const isInternal = (n: ts.Node): boolean => ts.getJSDocTags(n).some((t) => t.tagName.text === "internal");
  const isHidden = (n: ts.Node): boolean =>
    isInternal(n) ||
    ("name" in n && n.name !== undefined && ts.isPrivateIdentifier(n.name as ts.Node)) ||
    (ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword));

  const walkSymbol = (s: ts.Symbol): void => {
    if (seen.has(s) || OPAQUE.has(s.name)) return;
    seen.add(s);
    for (const d of s.declarations ?? []) walk(d, s.name);
  };
  const visit = (s: ts.Symbol | undefined, from: string): void => {
    if (s === undefined) return;
    s = resolveAlias(s);
    if (s.flags & ts.SymbolFlags.TypeParameter) return;
    const decl = s.declarations?.[0];
    if (decl === undefined) return;
    const file = decl.getSourceFile();
    if (program.isSourceFileDefaultLibrary(file) || file.fileName.includes("/node_modules/")) return;
    if (!exported.has(s)) {
      const where = `${s.name} (${file.fileName.replace(root + "/", "")})`;
      const set = missing.get(where) ?? new Set<string>();
      set.add(from);
      missing.set(where, set);
    }
    walkSymbol(s);
  };
  const leftmost = (n: ts.EntityName): ts.Identifier => (ts.isQualifiedName(n) ? leftmost(n.left) : n);
  const walk = (node: ts.Node, from: string): void => {
    if (isHidden(node) || ts.isBlock(node) || ts.isTypeQueryNode(node)) return;
    if (ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) {
      // The declared type only, never an initializer.
      if (node.type !== undefined) walk(node.type, from);
      return;
    }
    if (ts.isTypeReferenceNode(node)) visit(checker.getSymbolAtLocation(leftmost(node.typeName)), from);
    else if (ts.isExpressionWithTypeArguments(node)) visit(checker.getSymbolAtLocation(node.expression), from);
    else if (ts.isImportTypeNode(node)) {
      const t = checker.getTypeFromTypeNode(node);
      visit(t.aliasSymbol ?? t.getSymbol(), from);
    }
    ts.forEachChild(node, (c) => walk(c, from));
  };
  if (process.env.DBG) for (const s of exported) console.log("EXP", s.name, s.declarations?.[0]?.getSourceFile().fileName);
  for (const s of exported) walkSymbol(s);
  return missing;
}

describe("the facade exports the types of its signatures", () => {
  it("names no type that @mlskit/mls does not export", () => {
    const missing = unexportedTypes();
    const report = [...missing].map(([type, from]) => `${type} <- ${[...from].join(", ")}`).sort();
    expect(report).toEqual([]);
  }, 120_000);
});
