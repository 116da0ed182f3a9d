/**
 * `npm run bundle-size` (also in `npm run test:browser`, after the web
 * chat's e2e): how much the MLS client costs a web app.
 *
 * 1. The library bundle: esbuild bundles an entry that imports what the
 *    chat's worker uses (`Client` of `@mlskit/mls`, `Messenger`,
 *    `registerWithAuthority`, `authorityIdentityProvider` of
 *    `@mlskit/ds-client`, `webCryptoProvider` of `@mlskit/crypto-webcrypto`,
 *    `indexedDbStore` of `@mlskit/storage-indexeddb`) — minified, ESM, for the
 *    browser — and gzips it (level 9). Per package: the minified bytes each
 *    package puts in the output (the metafile's `bytesInOutput`), and its
 *    gzipped share ESTIMATED as that proportion of the gzipped total (gzip
 *    compresses across package boundaries, so there is no exact split).
 * 2. The real app: the Vite-built worker chunk of this web chat, gzipped.
 *
 * Exits 1 when the library bundle gzipped exceeds the budget (120 KiB, or
 * `--budget-kib N`).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";
import { type Metafile, build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const KIB = 1024;

/** The budget for the gzipped library bundle (KiB). */
const budgetArg = process.argv.indexOf("--budget-kib");
const BUDGET_KIB = budgetArg >= 0 ? Number(process.argv[budgetArg + 1]) : 120;

/** What the chat's worker imports from the library (src/worker/*.ts). */
const ENTRY = `
import "reflect-metadata/lite";
export { Client } from "@mlskit/mls";
export { Messenger, registerWithAuthority, authorityIdentityProvider, fetchTrustAnchors, clientIdOf } from "@mlskit/ds-client";
export { webCryptoProvider, isKeyHandle } from "@mlskit/crypto-webcrypto";
export { indexedDbStore } from "@mlskit/storage-indexeddb";
`;

const ENTRY_NAME = "bundle-size-entry.js";

/** Families of packages, for the summary: what X.509 costs, what the noble fallback costs, the rest. */
const FAMILIES: readonly (readonly [string, RegExp])[] = [
  ["X.509 (@mlskit/credential-x509 + @peculiar/*, asn1js, pvtsutils, pvutils, tsyringe, reflect-metadata, tslib)", /^(@mlskit\/credential-x509|@peculiar\/.*|asn1js|pvtsutils|pvutils|tsyringe|reflect-metadata|tslib)$/],
  ["noble fallback (@mlskit/crypto-noble + @noble/*)", /^(@mlskit\/crypto-noble|@noble\/.*)$/],
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
  return input.endsWith(ENTRY_NAME) ? "(entry)" : input;
}

/** Minified bytes in the output, by package, largest first. */
function byPackage(metafile: Metafile): [string, number][] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(input);
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
}

const kib = (n: number): string => `${(n / KIB).toFixed(1)} KiB`;

/** Bundles the library entry; returns the output and the per-package table. */
async function libraryBundle(external: string[] = []): Promise<{ minified: number; gzipped: number; packages: [string, number][] }> {
  const result = await build({
    external,
    stdin: { contents: ENTRY, resolveDir: here, loader: "js", sourcefile: ENTRY_NAME },
    bundle: true,
    minify: true,
    metafile: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    outfile: "bundle.js",
    logLevel: "silent",
  });
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"))!.contents;
  return { minified: js.length, gzipped: gzipSize(js), packages: byPackage(result.metafile) };
}

/** The web chat's worker chunk as Vite builds it (the JS asset that the page's chunk starts as a Worker). */
async function viteWorkerChunk(): Promise<{ name: string; minified: number; gzipped: number }> {
  const { buildPage } = await import("./build-page.js");
  const dir = mkdtempSync(join(tmpdir(), "mlskit-web-chat-size-"));
  try {
    const assets = join(await buildPage(join(dir, "page")), "assets");
    const js = readdirSync(assets).filter((f) => f.endsWith(".js"));
    const html = readFileSync(join(assets, "..", "index.html"), "utf8");
    const pageChunk = js.find((f) => html.includes(f));
    const pageText = pageChunk === undefined ? "" : readFileSync(join(assets, pageChunk), "utf8");
    const worker = js.find((f) => f !== pageChunk && pageText.includes(f));
    if (worker === undefined) throw new Error(`no worker chunk among ${js.join(", ")}`);
    const data = readFileSync(join(assets, worker));
    return { name: worker, minified: data.length, gzipped: gzipSize(data) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lib = await libraryBundle();
const width = Math.max(...lib.packages.map(([p]) => p.length), 10);
console.log("bundle size: the library as the web chat's worker uses it (esbuild, minified, ESM, browser; gzip level 9)");
console.log(`  ${"package".padEnd(width)}  ${"minified".padStart(10)}  ${"gzip (est.)".padStart(11)}  share`);
for (const [pkg, bytes] of lib.packages) {
  const share = bytes / lib.minified;
  console.log(`  ${pkg.padEnd(width)}  ${kib(bytes).padStart(10)}  ${kib(share * lib.gzipped).padStart(11)}  ${(share * 100).toFixed(1).padStart(5)}%`);
}
console.log(`  ${"total".padEnd(width)}  ${kib(lib.minified).padStart(10)}  ${kib(lib.gzipped).padStart(11)}  (gzip measured)`);
for (const [family, re] of FAMILIES) {
  const bytes = lib.packages.filter(([p], i, all) => re.test(p) && !FAMILIES.slice(0, FAMILIES.findIndex(([f]) => f === family)).some(([, r]) => r.test(all[i]![0]))).reduce((n, [, b]) => n + b, 0);
  console.log(`  = ${family}: ${kib(bytes)} minified, ~${kib((bytes / lib.minified) * lib.gzipped)} gzipped`);
}
console.log("  gzip per package: the package's share of the minified bytes (metafile bytesInOutput) times the measured gzipped total");

// What the bundle would be without a family: measured by leaving it out (external imports).
const X509_EXTERNAL = ["@mlskit/credential-x509", "@peculiar/*", "asn1js", "pvtsutils", "pvutils", "tsyringe", "reflect-metadata", "reflect-metadata/*", "tslib"];
const NOBLE_EXTERNAL = ["@mlskit/crypto-noble", "@noble/*"];
for (const [what, external] of [["X.509", X509_EXTERNAL], ["the noble fallback", NOBLE_EXTERNAL], ["both", [...X509_EXTERNAL, ...NOBLE_EXTERNAL]]] as const) {
  const without = await libraryBundle([...external]);
  console.log(`  without ${what} (measured, left out as externals): ${kib(without.minified)} minified, ${kib(without.gzipped)} gzipped`);
}

const vite = await viteWorkerChunk();
console.log(`bundle size: the web chat's Vite-built worker chunk ${vite.name}: ${kib(vite.minified)} minified, ${kib(vite.gzipped)} gzipped`);

const over = lib.gzipped > BUDGET_KIB * KIB;
console.log(`bundle size: ${kib(lib.gzipped)} gzipped ${over ? "exceeds" : "is within"} the budget of ${BUDGET_KIB} KiB`);
process.exit(over ? 1 : 0);
