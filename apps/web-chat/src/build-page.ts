/**
 * Builds the page and its worker with Vite's JS API (root `src/page`; the
 * worker as an ES module worker). `node dist/build-page.js [outDir]` is the
 * package's build step; the browser test calls {@link buildPage} itself.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const here = dirname(fileURLToPath(import.meta.url));

/** The page's sources. */
export const PAGE_SOURCE_DIR = join(here, "..", "src", "page");
/** Where `npm run build` puts the page. */
export const DEFAULT_PAGE_DIR = join(here, "page");

/** Builds the page into `outDir`; returns `outDir`. */
export async function buildPage(outDir: string = DEFAULT_PAGE_DIR): Promise<string> {
  await build({
    configFile: false,
    root: PAGE_SOURCE_DIR,
    base: "/",
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, target: "es2022", sourcemap: true, reportCompressedSize: false },
    worker: { format: "es" },
  });
  return outDir;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildPage(process.argv[2] ?? DEFAULT_PAGE_DIR);
  console.log(`web chat: page built in ${out}`);
}
