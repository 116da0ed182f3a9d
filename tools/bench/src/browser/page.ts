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
 * provider and the webcrypto+noble hybrid, suite 0x0001, after one untimed
 * pass per provider at the smallest size (V8's tier-up), as the Node bench
 * does. What differs: the group fixtures are built here (`buildFixture`, as
 * the Node bench does before caching them on disk, which a page cannot),
 * there is no memory figure (no `gc()` in a page), and each timed join waits
 * for the browser to go idle first ({@link idle}); each join's time is
 * printed under the tables. A failed operation throws inside `benchOne` and
 * is reported as a failure.
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

/**
 * Joins timed below N = 1,024 (the Node bench times 7): a join there takes about 1 ms, and on this shared
 * 2-core machine a few of them are stretched by other processes, so the median needs more runs to hold.
 */
const JOIN_RUNS_SMALL = 15;

/** The longest a join waits for the browser to go idle (ms). */
const IDLE_TIMEOUT_MS = 200;

/**
 * Resolves once the browser is idle (`requestIdleCallback`), awaited before
 * each timed join. Why: in Chromium `crypto.subtle` settles without a task
 * (the operation runs on the page's thread: 2,000 awaited digests, Ed25519
 * verifications or AES-GCM encryptions let no `setTimeout(0)` or
 * MessageChannel message run), so the bench's phases run for seconds as one
 * chain of microtasks, and what the browser defers meanwhile waits for the
 * first macrotask yield: a join's, in tree validation (`yieldToEventLoop`).
 * There Blink's GC sweeping (cppgc incremental sweep tasks, up to 5 ms each)
 * ran one step per join while a sweep was pending: joins at N = 2 of 6–9 ms
 * instead of about 1, in about half the page runs (those where a major GC
 * fell shortly before the joins). An application's join starts in a task of
 * its own, with the browser's turns between; so does this one.
 */
function idle(): Promise<void> {
  const ric = (globalThis as { requestIdleCallback?: (cb: () => void, opts: { timeout: number }) => unknown }).requestIdleCallback;
  return new Promise((resolve) => (ric === undefined ? setTimeout(resolve, 0) : ric(() => resolve(), { timeout: IDLE_TIMEOUT_MS })));
}

/** Each figure's joins, one line each: the time of every run, and how long the page waited for the browser before them. */
function joinRunLines(figures: readonly ProtocolFigures[], waits: ReadonlyMap<ProtocolFigures, readonly number[]>): string[] {
  const lines = ["", "join from Welcome, each run in order, ms (the table gives the median), and the wait for an idle browser before them"];
  const label = (f: ProtocolFigures) => `N = ${f.n.toLocaleString("en-US")} ${f.provider}`;
  const width = Math.max(0, ...figures.map((f) => label(f).length));
  for (const f of figures) {
    const w = waits.get(f) ?? [];
    const before = w.length === 0 ? "" : `  (waited ${fmt(w[0] ?? 0)} ms before the first, at most ${fmt(Math.max(0, ...w.slice(1)))} before the others)`;
    lines.push(`  ${label(f).padEnd(width)}  ${(f.joinRuns ?? []).map(fmt).join(" ")}${before}`);
  }
  return lines;
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
  // One untimed pass per provider at the smallest size first, as protocol.ts's benchProtocol does: V8 tiers the
  // protocol code up over thousands of calls, and the first size measured would be charged for it.
  const smallest = Math.min(...sizes.filter(valid));
  let warmFixture: GroupFixture | undefined;
  if (Number.isFinite(smallest)) {
    try {
      warmFixture = await buildFixture(builder, smallest);
      for (const spec of providers) {
        const t0 = performance.now();
        await benchOne(spec, warmFixture, true, t0);
        log(`${spec.name}: warm-up pass at N=${smallest} in ${fmt((performance.now() - t0) / 1000)} s (not timed)`);
      }
    } catch (e) {
      failures.push(`warm-up pass at N=${smallest}: ${(e as Error).stack ?? String(e)}`);
    }
  }
  const waits = new Map<ProtocolFigures, number[]>();
  for (const n of sizes.filter(valid)) {
    let fixture: GroupFixture;
    // Above N = 2, also the group of blank parents of the full-path scenario (N - 1 encryptions), as protocol.ts does.
    let added: GroupFixture | undefined;
    try {
      const t0 = performance.now();
      const reused = n === smallest && warmFixture !== undefined;
      fixture = reused && warmFixture !== undefined ? warmFixture : await buildFixture(builder, n);
      if (n > 2) added = await buildFixture(builder, n, undefined, "added");
      log(`N=${n}: fixture${added === undefined ? "" : "s"} ready in ${fmt(performance.now() - t0)} ms${reused ? " (the warm-up pass's group reused)" : ""}`);
    } catch (e) {
      failures.push(`N=${n} fixture: ${(e as Error).stack ?? String(e)}`);
      continue;
    }
    for (const spec of providers) {
      try {
        const t0 = performance.now();
        const waited: number[] = [];
        const beforeJoin = async () => {
          const w0 = performance.now();
          await idle();
          waited.push(performance.now() - w0);
        };
        const measured = await benchOne(spec, fixture, quickSizes.has(n), t0, added, { beforeJoin, ...(n < 1024 ? { joinRuns: JOIN_RUNS_SMALL } : {}) });
        const floor = floors.get(spec.name);
        const f: ProtocolFigures = floor === undefined ? measured : { ...measured, floor };
        waits.set(f, waited);
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
    lines: [...comparisonLines(figures), ...joinRunLines(figures, waits)],
    failures,
    figures,
    seconds: (performance.now() - started) / 1000,
    isolated: page.crossOriginIsolated === true,
  };
}

(globalThis as { mlskitBrowserBench?: Promise<BrowserBenchResult> }).mlskitBrowserBench = main();
