/**
 * The browser test's harness: Chromium (headless, no sandbox, no background
 * traffic), one browser context per person (each its own IndexedDB), page
 * errors collected, and named steps counted as passed or failed.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from "playwright-core";

/** Debian's Chromium, or MLSKIT_CHROMIUM. Never a downloaded one. */
const CHROMIUM = process.env["MLSKIT_CHROMIUM"] ?? "/usr/bin/chromium";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** How long one wait may take (ms). */
export const WAIT_MS = 15_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (install Debian's chromium, or set MLSKIT_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
}

/** A person's browser: a context of their own and its page. */
export interface Person {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught page errors and console errors since the last step. */
  readonly errors: string[];
}

/** A network failure the page reports in the console on purpose (an unknown invitee is a 404) is not an error of the page. */
const EXPECTED_CONSOLE = /^Failed to load resource: the server responded with a status of 404/;

export async function openPerson(browser: Browser, url: string, name: string): Promise<Person> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`${name}: page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !EXPECTED_CONSOLE.test(m.text())) errors.push(`${name}: console error: ${m.text()}`);
  });
  page.on("crash", () => errors.push(`${name}: the page crashed`));
  await page.goto(url);
  return { name, context, page, errors };
}

/** Waits until `locator` (filtered by `text`) is visible. */
export async function see(locator: Locator, text?: string | RegExp): Promise<Locator> {
  const l = text === undefined ? locator : locator.filter({ hasText: text });
  await l.first().waitFor({ state: "visible", timeout: WAIT_MS });
  return l.first();
}

/** Throws `message` unless `condition`. */
export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** What a person's page shows in its status and error lines, and errors not yet reported. */
async function describePage(p: Person): Promise<string> {
  const text = async (id: string): Promise<string> => {
    const l = p.page.getByTestId(id);
    return (await l.isVisible()) ? ((await l.textContent()) ?? "").trim() : "(hidden)";
  };
  const errors = p.errors.splice(0);
  return `status "${await text("status")}", error "${await text("error")}"${errors.length > 0 ? `; ${errors.join("; ")}` : ""}`;
}

/** Runs named steps in order; after a failure the rest are counted as failed without running. */
export class Steps {
  passed = 0;
  failed = 0;
  #broken = false;
  readonly #people: readonly Person[];

  constructor(people: readonly Person[]) {
    this.#people = people;
  }

  /** Runs a step; `options.errorBanner`: the step leaves an error shown on purpose. */
  async step(title: string, fn: () => Promise<void>, options: { readonly errorBanner?: boolean } = {}): Promise<void> {
    const started = Date.now();
    if (this.#broken) {
      this.failed++;
      console.log(`  SKIPPED (counted failed) ${title}`);
      return;
    }
    try {
      await fn();
      const errors = this.#people.flatMap((p) => p.errors.splice(0));
      if (errors.length > 0) throw new Error(errors.join("\n    "));
      // An error banner nobody expected is a failure too.
      for (const p of options.errorBanner === true ? [] : this.#people) {
        const banner = p.page.getByTestId("error");
        if (await banner.isVisible()) throw new Error(`${p.name}'s page shows an error: ${await banner.textContent()}`);
      }
      this.passed++;
      console.log(`  ok ${title} (${Date.now() - started} ms)`);
    } catch (e) {
      this.failed++;
      this.#broken = true;
      console.log(`  FAILED ${title}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      for (const p of this.#people) console.log(`    ${p.name}'s page: ${await describePage(p)}`);
    }
  }
}
