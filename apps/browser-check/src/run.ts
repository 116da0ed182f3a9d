/**
 * `npm run test:browser`: bundles page.ts for the browser with esbuild (the
 * bundle fails if a library package reaches for a Node built-in), serves it
 * on loopback, runs it in headless Chromium through playwright-core, and
 * prints what the page reports; then the protocol bench in its own page
 * (bench.ts). Exits non-zero on any failure.
 *
 * Chromium: `MLSKIT_CHROMIUM` or /usr/bin/chromium (Debian's `chromium`
 * package, which `.ci/run` installs when missing). Part of `npm run check`,
 * after `npm test`; it runs as root in CI, hence `--no-sandbox`.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { runBrowserBench } from "./bench.js";
import type { BrowserCheckResult } from "./page.js";

const here = dirname(fileURLToPath(import.meta.url));
const executablePath = process.env["MLSKIT_CHROMIUM"] ?? "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  console.error(`browser check: no Chromium at ${executablePath} (install Debian's chromium, or set MLSKIT_CHROMIUM)`);
  process.exit(2);
}

const bundle = await build({
  entryPoints: [join(here, "..", "src", "page.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  write: false,
  logLevel: "silent",
});
const js = bundle.outputFiles[0]!.text;
console.log(`browser check: bundled the library for the browser (${(js.length / 1024).toFixed(0)} KiB, no Node built-ins)`);

const html = `<!doctype html><meta charset="utf-8"><title>mlskit browser check</title><script type="module" src="/page.js"></script>`;
const server = createServer((req, res) => {
  if (req.url === "/page.js") res.writeHead(200, { "content-type": "text/javascript" }).end(js);
  else res.writeHead(200, { "content-type": "text/html" }).end(html);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as { port: number };

// Headless, as root (no sandbox), and without Chromium's own traffic (updates, sync, QUIC), which this machine's network refuses.
const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const browser = await chromium.launch({ executablePath, args, timeout: 60_000 });
let failed = true;
try {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => "mlskitBrowserCheck" in globalThis, undefined, { timeout: 60_000 });
  const result = await page.evaluate(() => (globalThis as unknown as { mlskitBrowserCheck: Promise<BrowserCheckResult> }).mlskitBrowserCheck);
  console.log(`browser check: ${result.userAgent}`);
  for (const line of result.lines) console.log(`  ${line}`);
  for (const f of [...result.failures, ...errors]) console.log(`  FAILED ${f}`);
  failed = result.failures.length > 0 || errors.length > 0 || result.lines.length === 0;
  console.log(failed ? `browser check: FAILED (${result.failures.length + errors.length} failures)` : "browser check: all passed");
  // Then the protocol bench (bench.ts): its figures are informative, but a broken bench fails the run.
  if (!(await runBrowserBench(browser))) failed = true;
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
