/**
 * `npm run bundle-size` (also in `npm run test:browser`, after the web
 * chat's e2e): how much the MLS client costs a web app.
 *
 * 1. ENFORCED — the client bundle of the issue: the facade `@mlskit/mls`
 *    (`Client`), the WebCrypto provider (`webCryptoProvider`, `isKeyHandle`),
 *    IndexedDB storage (`indexedDbStore`) and `@mlskit/ds-client`
 *    (`Messenger`). esbuild bundles an entry importing those — minified, ESM,
 *    for the browser, with code splitting, so what is only imported
 *    dynamically (the noble fallback of the facade's `defaultCryptoProvider`)
 *    lands in chunks of its own — and gzips each output file (level 9). The
 *    budget applies to the initial chunks: the entry and every chunk it
 *    imports statically, i.e. what a page fetches before any code runs.
 *    Per package: the minified bytes each package puts in the initial
 *    chunks (the metafile's `bytesInOutput`), and its gzipped share
 *    ESTIMATED as that proportion of the gzipped total (gzip compresses
 *    across package boundaries, so there is no exact split).
 * 2. REPORTED, not enforced:
 *    - the lazy chunks (dynamically imported: the noble fallback, fetched on
 *      the default provider's first `cipherSuite` call, never when the app
 *      passes its own `crypto`);
 *    - the X.509 add-on: what `@mlskit/ds-client/authentication`
 *      (`registerWithAuthority`, `authorityIdentityProvider`,
 *      `fetchTrustAnchors`, over `@mlskit/credential-x509`) and
 *      `reflect-metadata/lite` add to the initial chunks — the application's
 *      choice of credential, as this web chat makes it;
 *    - the real app: this web chat's Vite-built worker, its chunk and the
 *      chunks it imports, gzipped.
 *
 * Exits 1 when the enforced initial chunks gzipped exceed the budget
 * (120 KiB, or `--budget-kib N`).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";
import { type Metafile, type Plugin, build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const KIB = 1024;

/** The budget for the gzipped initial chunks of the client bundle (KiB). */
const budgetArg = process.argv.indexOf("--budget-kib");
const BUDGET_KIB = budgetArg >= 0 ? Number(process.argv[budgetArg + 1]) : 120;

/** The four packages of the issue, as an app uses them: the enforced bundle. */
const CLIENT_ENTRY = `
export { Client } from "@mlskit/mls";
export { webCryptoProvider, isKeyHandle } from "@mlskit/crypto-webcrypto";
export { indexedDbStore } from "@mlskit/storage-indexeddb";
export { Messenger } from "@mlskit/ds-client";
`;

/** The same plus X.509 credentials from the Authentication Service, as this web chat's worker (src/worker/*.ts) uses them. */
const X509_ENTRY = `
import "reflect-metadata/lite";
${CLIENT_ENTRY}
export { clientIdOf } from "@mlskit/ds-client";
export { registerWithAuthority, authorityIdentityProvider, fetchTrustAnchors } from "@mlskit/ds-client/authentication";
`;

const ENTRY_NAME = "bundle-size-entry";

/** Families of packages, for the summary. */
const FAMILIES: readonly (readonly [string, RegExp])[] = [
  [
    "X.509 (@mlskit/credential-x509 + @peculiar/*, asn1js, pvtsutils, pvutils, tsyringe, reflect-metadata, tslib)",
    /^(@mlskit\/credential-x509|@peculiar\/.*|asn1js|pvtsutils|pvutils|tsyringe|reflect-metadata|tslib)$/,
  ],
  ["noble (@mlskit/crypto-noble + @noble/*)", /^(@mlskit\/crypto-noble|@noble\/.*)$/],
  ["other @mlskit/*", /^@mlskit\//],
];

function gzipSize(data: Uint8Array | string): number {
  return gzipSync(data, { level: constants.Z_BEST_COMPRESSION }).length;
}

/** The package an input of the metafile belongs to: `@mlskit/<dir>` for workspace packages, the npm name for node_modules. */
export function packageOf(input: string): string {
  const nm = input.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = input.slice(nm + "node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const ws = /(?:^|\/)packages\/([^/]+)\//.exec(input);
  if (ws !== null) return `@mlskit/${ws[1]}`;
  return input.includes(ENTRY_NAME) ? "(entry)" : input;
}

/** One output file of a split build. */
interface Chunk {
  readonly path: string;
  readonly minified: number;
  readonly gzipped: number;
  /** Minified bytes by package. */
  readonly packages: Map<string, number>;
}

/** A split build: the initial chunks (entry + static imports) and the lazy ones (reached only by dynamic imports). */
interface SplitBundle {
  readonly initial: readonly Chunk[];
  readonly lazy: readonly Chunk[];
}

const sum = (chunks: readonly Chunk[], f: (c: Chunk) => number): number => chunks.reduce((n, c) => n + f(c), 0);

/** Minified bytes by package over `chunks`, largest first. */
function byPackage(chunks: readonly Chunk[]): [string, number][] {
  const sizes = new Map<string, number>();
  for (const c of chunks) for (const [pkg, n] of c.packages) sizes.set(pkg, (sizes.get(pkg) ?? 0) + n);
  return [...sizes].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
}

/** A virtual entry module whose imports resolve from this directory (esbuild's stdin cannot be split). */
function virtualEntry(contents: string): Plugin {
  return {
    name: "bundle-size-entry",
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${ENTRY_NAME}$`) }, () => ({ path: ENTRY_NAME, namespace: ENTRY_NAME }));
      b.onLoad({ filter: /.*/, namespace: ENTRY_NAME }, () => ({ contents, resolveDir: here, loader: "js" }));
    },
  };
}

/** Bundles `entry` with code splitting; sorts the outputs into initial and lazy chunks. */
async function splitBundle(entry: string): Promise<SplitBundle> {
  const outdir = join(here, "bundle-size-out");
  const result = await build({
    entryPoints: { entry: ENTRY_NAME },
    plugins: [virtualEntry(entry)],
    absWorkingDir: here,
    bundle: true,
    splitting: true,
    minify: true,
    metafile: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    outdir,
    chunkNames: "chunk-[hash]",
    logLevel: "silent",
  });
  const outputs: Metafile["outputs"] = result.metafile.outputs;
  const chunks = new Map<string, Chunk>();
  for (const file of result.outputFiles) {
    const key = relative(here, file.path);
    const meta = outputs[key];
    if (meta === undefined || !key.endsWith(".js")) continue;
    const packages = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
      const pkg = packageOf(input);
      packages.set(pkg, (packages.get(pkg) ?? 0) + bytesInOutput);
    }
    chunks.set(key, { path: key, minified: file.contents.length, gzipped: gzipSize(file.contents), packages });
  }
  const entryKey = Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined && k.endsWith(".js"));
  if (entryKey === undefined) throw new Error("bundle-size: esbuild produced no entry chunk");
  // The initial chunks: the entry and, transitively, what it imports statically.
  const initial = new Set<string>([entryKey]);
  for (const key of initial) {
    for (const imp of outputs[key]!.imports) {
      if (imp.kind === "import-statement" && imp.external !== true) initial.add(imp.path);
    }
  }
  const all = [...chunks.values()];
  return { initial: all.filter((c) => initial.has(c.path)), lazy: all.filter((c) => !initial.has(c.path)) };
}

/** The web chat's worker as Vite builds it: its chunk and the chunks it imports (statically or not). */
async function viteWorker(): Promise<{
  entry: string;
  initial: { name: string; minified: number; gzipped: number }[];
  lazy: { name: string; minified: number; gzipped: number }[];
}> {
  const { buildPage } = await import("./build-page.js");
  const dir = mkdtempSync(join(tmpdir(), "mlskit-web-chat-size-"));
  try {
    const assets = join(await buildPage(join(dir, "page")), "assets");
    const js = readdirSync(assets).filter((f) => f.endsWith(".js"));
    const html = readFileSync(join(assets, "..", "index.html"), "utf8");
    const pageChunk = js.find((f) => html.includes(f));
    const text = (f: string): string => readFileSync(join(assets, f), "utf8");
    const pageText = pageChunk === undefined ? "" : text(pageChunk);
    const worker = js.find((f) => f !== pageChunk && pageText.includes(f));
    if (worker === undefined) throw new Error(`no worker chunk among ${js.join(", ")}`);
    const size = (name: string) => {
      const data = readFileSync(join(assets, name));
      return { name, minified: data.length, gzipped: gzipSize(data) };
    };
    // Follow the worker's imports: `import(...)` of a chunk (directly or through a Vite helper's
    // dependency list) marks it lazy; any other reference (a static import) initial.
    const initial = new Set([worker]);
    const lazy = new Set<string>();
    const queue = [worker];
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const body = text(f);
      for (const other of js) {
        if (other === f || other === pageChunk || initial.has(other) || lazy.has(other) || !body.includes(other)) continue;
        const escaped = other.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const staticImport = new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*)["'\`][^"'\`]*${escaped}["'\`]`).test(body);
        (staticImport && initial.has(f) ? initial : lazy).add(other);
        queue.push(other);
      }
    }
    return { entry: worker, initial: [...initial].map(size), lazy: [...lazy].map(size) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kib = (n: number): string => `${(n / KIB).toFixed(1)} KiB`;

/** Prints a per-package table of `rows`, the gzip estimated as each row's share of `minified` times `gzipped`. */
function table(rows: [string, number][], minified: number, gzipped: number, indent = "  "): void {
  const width = Math.max(...rows.map(([p]) => p.length), 10);
  console.log(`${indent}${"package".padEnd(width)}  ${"minified".padStart(10)}  ${"gzip (est.)".padStart(11)}  share`);
  for (const [pkg, bytes] of rows) {
    const share = bytes / minified;
    console.log(`${indent}${pkg.padEnd(width)}  ${kib(bytes).padStart(10)}  ${kib(share * gzipped).padStart(11)}  ${(share * 100).toFixed(1).padStart(5)}%`);
  }
}

/** A family's minified bytes among `rows` (each package counted in the first family it matches). */
function familyBytes(rows: [string, number][], index: number): number {
  return rows.filter(([p]) => FAMILIES[index]![1].test(p) && !FAMILIES.slice(0, index).some(([, r]) => r.test(p))).reduce((n, [, b]) => n + b, 0);
}

// 1. The enforced bundle.
const client = await splitBundle(CLIENT_ENTRY);
const initialMin = sum(client.initial, (c) => c.minified);
const initialGz = sum(client.initial, (c) => c.gzipped);
const initialRows = byPackage(client.initial);
console.log(
  "bundle size: the client bundle — Client (@mlskit/mls), webCryptoProvider + isKeyHandle (@mlskit/crypto-webcrypto), " +
    "indexedDbStore (@mlskit/storage-indexeddb), Messenger (@mlskit/ds-client)",
);
console.log("  esbuild: minified, ESM, browser, code splitting; gzip level 9 per output file");
console.log(`  initial chunks (the entry and its static imports; ENFORCED): ${client.initial.map((c) => `${c.path} ${kib(c.gzipped)}`).join(", ")}`);
table(initialRows, initialMin, initialGz);
console.log(`  ${"total".padEnd(Math.max(...initialRows.map(([p]) => p.length), 10))}  ${kib(initialMin).padStart(10)}  ${kib(initialGz).padStart(11)}  (gzip measured)`);
FAMILIES.forEach(([family], i) => {
  const bytes = familyBytes(initialRows, i);
  if (bytes > 0) console.log(`  = ${family}: ${kib(bytes)} minified, ~${kib((bytes / initialMin) * initialGz)} gzipped`);
});
console.log("  gzip per package: the package's share of the minified bytes (metafile bytesInOutput) times the measured gzipped total");

// 2a. The lazy chunks.
for (const c of client.lazy) {
  const rows = byPackage([c]);
  console.log(`  lazy chunk ${c.path} (dynamically imported; reported, not enforced): ${kib(c.minified)} minified, ${kib(c.gzipped)} gzipped — ${rows.map(([p]) => p).join(", ")}`);
}
if (client.lazy.length === 0) console.log("  lazy chunks: none");

// 2b. The X.509 add-on.
const withX509 = await splitBundle(X509_ENTRY);
const x509Min = sum(withX509.initial, (c) => c.minified);
const x509Gz = sum(withX509.initial, (c) => c.gzipped);
const before = new Map(initialRows);
/** Packages whose bytes differ by less than this are the same code, minified in another context (names, chunk layout). */
const NOISE = 64;
const deltas = byPackage(withX509.initial).map(([p, n]): [string, number] => [p, n - (before.get(p) ?? 0)]);
const addedRows = deltas.filter(([, n]) => n >= NOISE).sort((a, b) => b[1] - a[1]);
const noise = deltas.filter(([, n]) => n < NOISE).reduce((t, [, n]) => t + n, 0);
if (noise !== 0) addedRows.push(["(other packages, minified differently)", noise]);
console.log(
  `bundle size: the X.509 add-on (reported, not enforced) — @mlskit/ds-client/authentication (registerWithAuthority, ` +
    `authorityIdentityProvider, fetchTrustAnchors) + @mlskit/credential-x509 + reflect-metadata/lite: ` +
    `+${kib(x509Min - initialMin)} minified, +${kib(x509Gz - initialGz)} gzipped (initial chunks with it: ${kib(x509Gz)} gzipped)`,
);
table(addedRows, x509Min, x509Gz);

// 2c. The real app.
const vite = await viteWorker();
const viteInitialGz = vite.initial.reduce((n, c) => n + c.gzipped, 0);
const viteInitialMin = vite.initial.reduce((n, c) => n + c.minified, 0);
console.log(
  `bundle size: the web chat's Vite-built worker (reported, not enforced): ${vite.entry} and its static imports ` +
    `${kib(viteInitialMin)} minified, ${kib(viteInitialGz)} gzipped` +
    (vite.initial.length > 1 ? ` (${vite.initial.map((c) => `${c.name} ${kib(c.gzipped)}`).join(", ")})` : "") +
    (vite.lazy.length > 0
      ? `; lazy chunks (dynamic imports) ${vite.lazy.map((c) => `${c.name} ${kib(c.minified)} minified, ${kib(c.gzipped)} gzipped`).join("; ")}`
      : "; no lazy chunks"),
);

const over = initialGz > BUDGET_KIB * KIB;
console.log(`bundle size: the client bundle's initial chunks, ${kib(initialGz)} gzipped, ${over ? "exceed" : "are within"} the budget of ${BUDGET_KIB} KiB`);
process.exit(over ? 1 : 0);
