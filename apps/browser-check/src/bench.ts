/**
 * The protocol bench in headless Chromium (issue 18: the WebCrypto
 * provider's figures in the browser, at N = 2 and 1,024), run by run.ts
 * after the checks. Bundles tools/bench/src/browser/page.ts — the Node
 * bench's own measurement code — with esbuild, opens it in its own page and
 * prints its tables with the Chromium version and the issue's targets.
 *
 * The figures are informative: the targets are for Node's default provider,
 * and a browser's WebCrypto is not expected to meet them, so a figure over
 * its target does not fail the run. A broken bench does: a failed
 * operation, a figure that is not a positive number, a page error.
 *
 * `MLSKIT_BROWSER_BENCH=0` skips it; `MLSKIT_BROWSER_BENCH_QUERY` replaces
 * the page's query (e.g. `sizes=2&providers=webcrypto`; see page.ts).
 */
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Plugin, build } from "esbuild";
import type { Browser } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
/** The bench's page, bundled from source (tools/bench need not be built). */
const entry = join(here, "..", "..", "..", "tools", "bench", "src", "browser", "page.ts");

/** The longest the bench may run (it takes 30–60 s on this machine's two cores). */
const TIMEOUT_MS = 300_000;

/** What page.ts publishes (its BrowserBenchResult, the parts read here). */
interface BenchResult {
  readonly userAgent: string;
  readonly lines: string[];
  readonly failures: string[];
  readonly seconds: number;
  readonly isolated: boolean;
}

/**
 * The bench's fixture cache loads node:fs with a dynamic import that the
 * page never reaches: that one import stays out of the bundle. A static
 * import of any Node built-in still fails the bundle.
 */
const lazyNodeFs: Plugin = {
  name: "lazy-node-fs",
  setup(b) {
    b.onResolve({ filter: /^node:fs$/ }, (a) => (a.kind === "dynamic-import" ? { path: a.path, external: true } : undefined));
  },
};

/** Runs the bench in `browser`; true when it ran without failures. */
export async function runBrowserBench(browser: Browser): Promise<boolean> {
  if (process.env["MLSKIT_BROWSER_BENCH"] === "0") {
    console.log("browser bench: skipped (MLSKIT_BROWSER_BENCH=0)");
    return true;
  }
  const started = performance.now();
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    plugins: [lazyNodeFs],
  });
  const js = bundle.outputFiles[0]?.text ?? "";
  const html = `<!doctype html><meta charset="utf-8"><title>mlskit browser bench</title><script type="module" src="/bench.js"></script>`;
  // Cross-origin isolated, so that performance.now() counts in 5 µs steps rather than 100 µs (sub-millisecond commits at N = 2).
  const isolated = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
  const server = createServer((req, res) => {
    if (req.url === "/bench.js") res.writeHead(200, { "content-type": "text/javascript", ...isolated }).end(js);
    else res.writeHead(200, { "content-type": "text/html", ...isolated }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const query = process.env["MLSKIT_BROWSER_BENCH_QUERY"] ?? "";
  const errors: string[] = [];
  let result: BenchResult | undefined;
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.text().startsWith("bench: ")) process.stderr.write(`  … ${m.text().slice(7)}\n`);
    });
    await page.goto(`http://127.0.0.1:${port}/${query === "" ? "" : `?${query}`}`);
    await page.waitForFunction(() => "mlskitBrowserBench" in globalThis, undefined, { timeout: 60_000 });
    // The page's promise, awaited by playwright (which sets no timeout on it): a hung bench fails after TIMEOUT_MS.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the bench did not finish in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    });
    try {
      result = await Promise.race([page.evaluate(() => (globalThis as unknown as { mlskitBrowserBench: Promise<BenchResult> }).mlskitBrowserBench), timeout]);
    } finally {
      clearTimeout(timer);
    }
    await page.close();
  } catch (e) {
    errors.push((e as Error).message);
  } finally {
    server.close();
  }
  console.log(
    `\nProtocol in Chromium ${browser.version()} (the browser's WebCrypto provider, and the webcrypto+noble hybrid), suite 0x0001` +
      `\n  ms per operation unless /s; wire bytes in and out; the same measurement as the Node bench (tools/bench/src/protocol.ts)` +
      `\n  target: issue 18's, for Node's default provider on this machine — informative here, not checked` +
      `\n  clock: performance.now() in ${result?.isolated === true ? "5 µs steps (cross-origin isolated)" : "100 µs steps (not cross-origin isolated)"}`,
  );
  for (const line of result?.lines ?? []) console.log(line);
  const failures = [...(result?.failures ?? []), ...errors];
  for (const f of failures) console.log(`  FAILED ${f}`);
  const ok = result !== undefined && failures.length === 0 && result.lines.length > 0;
  const pageSeconds = result === undefined ? "" : `, ${result.seconds.toFixed(1)} s in the page`;
  console.log(`browser bench: ${ok ? "ran" : "FAILED"} in ${((performance.now() - started) / 1000).toFixed(1)} s${pageSeconds} (bundle ${(js.length / 1024).toFixed(0)} KiB)`);
  return ok;
}
