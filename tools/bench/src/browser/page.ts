/**
 * The protocol bench in a browser. `npm run test:browser` (run.ts of
 * apps/browser-check) bundles this file with esbuild and opens it in
 * headless Chromium; it publishes a {@link BrowserBenchResult} on
 * `globalThis.mlskitBrowserBench`.
 *
 * The measurement is the Node bench's own: `benchOne` of protocol.ts (Add,
 * Remove and self-Update Commits created and processed, the first
 * full-path Commit in a group of blank parents (above N = 2), join from a
 * Welcome, 1 KiB messages one at a time and 256 in flight, wire bytes in and
 * out) and the message floor of message-floor.ts, on the browser's WebCrypto
 * provider and the webcrypto+noble hybrid, suite 0x0001. What differs:
 * the group fixtures are built here (`buildFixture`, as the Node bench does
 * before caching them on disk, which a page cannot), and there is no memory
 * figure (no `gc()` in a page). A failed operation throws inside `benchOne`
 * and is reported as a failure.
 *
 * Query parameters: `sizes` (default 2,1024), `providers` (default
 * webcrypto,webcrypto+noble), `quick` (the sizes measured with the bench's
 * `--quick` counts; default 1024).
 */
import type { CryptoProvider } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { fmt } from "../measure.js";
import { messageFloor } from "../message-floor.js";
import { comparisonLines } from "../protocol-compare.js";
import { type GroupFixture, buildFixture } from "../protocol-fixture.js";
import { type ProtocolFigures, benchOne } from "../protocol.js";
import { type ProviderSpec, suiteOf } from "../protocol-steps.js";

/** What the page reports. */
export interface BrowserBenchResult {
  readonly userAgent: string;
  /** The figures as tables (protocol-compare.ts), to print as they are. */
  readonly lines: string[];
  readonly failures: string[];
  readonly figures: ProtocolFigures[];
  readonly seconds: number;
  /** Whether the page was cross-origin isolated: performance.now() then counts in 5 µs steps, else 100 µs. */
  readonly isolated: boolean;
}

const PROVIDERS: readonly ProviderSpec[] = [
  { name: "webcrypto", make: (): CryptoProvider => webCryptoProvider() },
  { name: "webcrypto+noble", make: (): CryptoProvider => webCryptoProvider({ fallback: noblePrimitives() }) },
];

const page = globalThis as { location?: { search: string }; navigator?: { userAgent: string }; crossOriginIsolated?: boolean };
const query = new URLSearchParams(page.location?.search ?? "");
const list = (name: string, fallback: string) => (query.get(name) ?? fallback).split(",").filter((s) => s !== "");
const sizes = list("sizes", "2,1024").map(Number);
const quickSizes = new Set(list("quick", "1024").map(Number));
const providerNames = list("providers", PROVIDERS.map((p) => p.name).join(","));

/** Every figure must be a number, not negative (memory is not measured here; a time under the clock's resolution reads 0). */
function checkFigures(f: ProtocolFigures): string[] {
  const bad: string[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (typeof v !== "number" || k === "n" || k.startsWith("stateKiB")) continue;
    // Figures the bench leaves out at some N are NaN (the full path at N = 2).
    if (Number.isNaN(v) && k.startsWith("fullPath")) continue;
    if (!(v >= 0 && Number.isFinite(v))) bad.push(`${f.provider} N=${f.n}: ${k} is ${v}`);
  }
  return bad;
}

async function main(): Promise<BrowserBenchResult> {
  const started = performance.now();
  const failures: string[] = [];
  const figures: ProtocolFigures[] = [];
  const log = (line: string) => console.log(`bench: ${line}`);
  const providers = PROVIDERS.filter((p) => providerNames.includes(p.name));
  for (const name of providerNames) if (!PROVIDERS.some((p) => p.name === name)) failures.push(`unknown provider "${name}"`);
  const valid = (n: number) => Number.isInteger(n) && n >= 2;
  if (!sizes.every(valid)) failures.push(`sizes must be integers of at least 2: ${sizes.join(",")}`);
  const floors = new Map<string, Awaited<ReturnType<typeof messageFloor>>>();
  for (const spec of providers) {
    try {
      floors.set(spec.name, await messageFloor(await suiteOf(spec), 300));
    } catch (e) {
      failures.push(`${spec.name} message floor: ${(e as Error).stack ?? String(e)}`);
    }
  }
  // Fixtures are built on the hybrid, the quicker of the two; they are bytes, the same for any provider.
  const builder = await suiteOf({ name: "webcrypto+noble", make: () => webCryptoProvider({ fallback: noblePrimitives() }) });
  for (const n of sizes.filter(valid)) {
    let fixture: GroupFixture;
    // Above N = 2, also the group of blank parents of the full-path scenario (N - 1 encryptions), as protocol.ts does.
    let added: GroupFixture | undefined;
    try {
      const t0 = performance.now();
      fixture = await buildFixture(builder, n);
      if (n > 2) added = await buildFixture(builder, n, undefined, "added");
      log(`N=${n}: fixture${added === undefined ? "" : "s"} built in ${fmt(performance.now() - t0)} ms`);
    } catch (e) {
      failures.push(`N=${n} fixture: ${(e as Error).stack ?? String(e)}`);
      continue;
    }
    for (const spec of providers) {
      try {
        const t0 = performance.now();
        const measured = await benchOne(spec, fixture, quickSizes.has(n), t0, added);
        const floor = floors.get(spec.name);
        const f: ProtocolFigures = floor === undefined ? measured : { ...measured, floor };
        log(`N=${n} ${spec.name}: done in ${fmt((performance.now() - t0) / 1000)} s`);
        failures.push(...checkFigures(f));
        figures.push(f);
      } catch (e) {
        failures.push(`${spec.name} N=${n}: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }
  return {
    userAgent: page.navigator?.userAgent ?? "?",
    lines: comparisonLines(figures),
    failures,
    figures,
    seconds: (performance.now() - started) / 1000,
    isolated: page.crossOriginIsolated === true,
  };
}

(globalThis as { mlskitBrowserBench?: Promise<BrowserBenchResult> }).mlskitBrowserBench = main();
