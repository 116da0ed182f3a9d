/**
 * The web chat's browser test (`npm run test:browser`): the services on
 * port 0 with SQLite in a temporary dir, the page built with Vite's JS API,
 * and three people in headless Chromium (one browser context each, so each
 * has its own IndexedDB). Prints one line per step and
 * `web chat (Chromium): N passed, N failed`; exits non-zero on a failure.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPage } from "./build-page.js";
import { type Person, Steps, WAIT_MS, check, launchChromium, openPerson, see } from "./e2e/harness.js";
import { clientKeysInIndexedDb, historyTextsInIndexedDb } from "./e2e/inspect.js";
import { startWebChat } from "./server.js";

const TOKEN = "e2e-registration-token";
/** Where the screenshot of alice's page goes (gitignored): MLSKIT_WEB_CHAT_SCREENSHOT, else apps/web-chat/screenshot.png. */
const SCREENSHOT = resolve(process.env["MLSKIT_WEB_CHAT_SCREENSHOT"] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "screenshot.png"));
const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), "mlskit-web-chat-e2e-"));
const watchdog = setTimeout(() => {
  console.log("web chat (Chromium): the test took over 120 s: stopped");
  process.exit(1);
}, 120_000);

const pageDir = await buildPage(join(dir, "page"));
console.log(`web chat: page built with Vite (${Date.now() - started} ms)`);
const asRequests: string[] = [];
const chat = await startWebChat({
  dataDir: join(dir, "data"),
  registrationToken: TOKEN,
  pageDir,
  onRequest: (method, url) => {
    if (url.startsWith("/as/")) asRequests.push(`${method} ${url}`);
  },
});
const browser = await launchChromium();
console.log(`web chat: ${chat.url}, Chromium ${browser.version()}`);

let steps: Steps | undefined;
try {
  const alice = await openPerson(browser, chat.url, "alice");
  const bob = await openPerson(browser, chat.url, "bob");
  const carol = await openPerson(browser, chat.url, "carol");
  const s = (steps = new Steps([alice, bob, carol]));

  const signIn = async (p: Person): Promise<void> => {
    const { page } = p;
    await see(page.getByTestId("sign-in"));
    await page.getByTestId("name").fill(p.name);
    await page.getByTestId("token").fill(TOKEN);
    await page.getByTestId("sign-in").click();
    await see(page.getByTestId("me"), p.name);
    const keys = await page.getByTestId("key-mode").textContent();
    check(keys?.includes("non-extractable") === true, `${p.name}'s keys are not reported non-extractable: ${keys}`);
  };
  const say = async (from: Person, to: Person, text: string): Promise<void> => {
    await from.page.getByTestId("message-input").fill(text);
    await from.page.getByTestId("send").click();
    await see(from.page.getByTestId("message"), text);
    const line = await see(to.page.getByTestId("message"), text);
    const sender = await line.getAttribute("data-sender");
    check(sender === from.name, `${to.name} sees "${text}" from ${sender}, not ${from.name}`);
  };

  await s.step("alice registers with the Authentication Service and signs in", () => signIn(alice));
  await s.step("bob registers and signs in", () => signIn(bob));

  await s.step("alice creates a room", async () => {
    await alice.page.getByTestId("room-name").fill("team");
    await alice.page.getByTestId("create-room").click();
    await see(alice.page.getByTestId("room-title"), "team");
    await see(alice.page.locator('[data-testid="room"][aria-current="true"]'), "team");
    await see(alice.page.getByTestId("member"), "alice");
  });

  await s.step("a second tab of alice's says the chat is open in another tab", async () => {
    const tab = await alice.context.newPage();
    try {
      await tab.goto(chat.url);
      const text = (await (await see(tab.getByTestId("error"))).textContent()) ?? "";
      check(text.startsWith("The chat is already open in another tab of this browser"), `the second tab shows: ${text}`);
    } finally {
      await tab.close();
    }
  });

  await s.step(
    "inviting a name nobody registered shows a sentence, not a code",
    async () => {
      await alice.page.getByTestId("invite-name").fill("zed");
      await alice.page.getByTestId("invite").click();
      const banner = await see(alice.page.getByTestId("error"));
      const text = (await banner.textContent()) ?? "";
      check(/^Nobody called “zed” has signed in to this chat yet/.test(text), `unexpected error text: ${text}`);
      check(!/[a-z-]+\/[a-z-]+|Error|undefined/.test(text), `the error text shows a code or an exception: ${text}`);
      check((await alice.page.getByTestId("member").count()) === 1, "the room changed after a failed invite");
    },
    { errorBanner: true },
  );

  await s.step("alice invites bob; bob joins from the Welcome", async () => {
    await alice.page.getByTestId("invite-name").fill("bob");
    await alice.page.getByTestId("invite").click();
    await see(alice.page.getByTestId("status"), "bob was added.");
    await see(alice.page.getByTestId("member"), "bob");
    await see(bob.page.getByTestId("room"), "with alice");
    await see(bob.page.getByTestId("room-title"), "with alice");
    await see(bob.page.getByTestId("note"), "alice added you to this room");
  });

  await s.step("the members panel shows each member's X.509 credential", async () => {
    for (const [viewer, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const entry = await see(viewer.page.locator(`[data-testid="member"][data-name="${other.name}"]`));
      const subject = (await entry.getByTestId("subject").textContent()) ?? "";
      const issuer = (await entry.getByTestId("issuer").textContent()) ?? "";
      const validity = (await entry.getByTestId("validity").textContent()) ?? "";
      check(subject.includes(`CN=${other.name}`), `${viewer.name} sees subject "${subject}" for ${other.name}`);
      check(issuer !== "" && issuer !== "?" && issuer !== subject, `${viewer.name} sees issuer "${issuer}"`);
      check(/\d.* – .*\d/.test(validity), `${viewer.name} sees validity "${validity}"`);
      await see(entry.getByTestId("verified"));
    }
  });

  await s.step("messages go both ways", async () => {
    await say(alice, bob, "hello bob");
    await say(bob, alice, "hi alice");
  });

  await s.step("bob reloads: his room and history come back from IndexedDB, without the AS", async () => {
    const asBefore = asRequests.length;
    await bob.page.reload();
    await see(bob.page.getByTestId("me"), "bob");
    await (await see(bob.page.getByTestId("room"), "with alice")).click();
    await see(bob.page.getByTestId("message"), "hello bob");
    await see(bob.page.getByTestId("message"), "hi alice");
    check(asRequests.length === asBefore, `the reload asked the AS: ${asRequests.slice(asBefore).join(", ")}`);
  });

  await s.step("bob keeps chatting after the reload", async () => {
    await say(bob, alice, "back again");
    await say(alice, bob, "welcome back");
  });

  await s.step("carol registers and signs in", () => signIn(carol));

  await s.step("alice invites carol; carol joins and reads a message", async () => {
    await alice.page.getByTestId("invite-name").fill("carol");
    await alice.page.getByTestId("invite").click();
    await see(alice.page.getByTestId("status"), "carol was added.");
    await see(carol.page.getByTestId("room-title"), "with alice");
    await see(carol.page.getByTestId("note"), "alice added you to this room");
    for (const viewer of [alice, bob]) await see(viewer.page.locator('[data-testid="member"][data-name="carol"]'));
    await see(carol.page.locator('[data-testid="member"][data-name="bob"]'));
    await alice.page.getByTestId("message-input").fill("welcome carol");
    await alice.page.getByTestId("send").click();
    for (const reader of [bob, carol]) {
      const line = await see(reader.page.getByTestId("message"), "welcome carol");
      check((await line.getAttribute("data-sender")) === "alice", `${reader.name} does not see "welcome carol" from alice`);
    }
    await say(carol, alice, "thanks alice");
  });

  await s.step(`a screenshot of alice's page mid-conversation: ${SCREENSHOT}`, async () => {
    await alice.page.setViewportSize({ width: 1280, height: 900 });
    await alice.page.screenshot({ path: SCREENSHOT, fullPage: true });
    check(statSync(SCREENSHOT).size > 10_000, `the screenshot at ${SCREENSHOT} is nearly empty`);
  });

  await s.step("alice removes carol; carol's page says she was removed", async () => {
    await alice.page.locator('[data-testid="member"][data-name="carol"]').getByTestId("remove-member").click();
    await see(alice.page.getByTestId("status"), "carol was removed.");
    const said = (await (await see(carol.page.getByTestId("status"), "You were removed from")).textContent()) ?? "";
    check(said === "You were removed from “with alice” by another member: you no longer receive its messages.", `carol's page says: ${said}`);
    check((await carol.page.getByTestId("room").count()) === 0, "carol still lists the room");
    for (const viewer of [alice, bob]) {
      await viewer.page.locator('[data-testid="member"][data-name="carol"]').waitFor({ state: "detached", timeout: WAIT_MS });
      check((await viewer.page.getByTestId("member").count()) === 2, `${viewer.name}'s members panel does not list exactly alice and bob`);
    }
    await see(bob.page.getByTestId("note"), "carol is no longer in this room");
  });

  await s.step("carol does not receive the next message", async () => {
    await say(alice, bob, "carol is gone");
    // Give carol's worker time to get (and fail to read) anything the DS might still send her.
    await carol.page.waitForTimeout(1_500);
    check((await carol.page.getByTestId("message").filter({ hasText: "carol is gone" }).count()) === 0, "carol's page shows the message");
    const history = await historyTextsInIndexedDb(carol.page);
    check(!history.includes("carol is gone"), "carol's history holds the message sent after her removal");
    check(
      await carol.page
        .getByTestId("status")
        .textContent()
        .then((t) => t?.startsWith("You were removed") === true),
      "carol's page no longer says she was removed",
    );
  });

  await s.step("private keys are non-extractable CryptoKeys in IndexedDB", async () => {
    for (const p of [alice, bob]) {
      const keys = await clientKeysInIndexedDb(p.page, `mlskit-web-chat-client-${p.name}`);
      check(keys.count >= 2, `${p.name}'s IndexedDB holds ${keys.count} CryptoKeys`);
      check(keys.extractable === 0, `${p.name}'s IndexedDB holds ${keys.extractable} extractable keys`);
      check(keys.types.includes("private"), `${p.name}'s keys: ${keys.types.join(", ")}`);
    }
  });

  await s.step("alice leaves; bob commits it and sees her go", async () => {
    await alice.page.getByTestId("leave").click();
    await see(alice.page.getByTestId("status"), "You are no longer in team");
    check((await alice.page.getByTestId("room").count()) === 0, "alice still lists the room");
    await see(bob.page.getByTestId("note"), "alice is no longer in this room");
    await bob.page.locator('[data-testid="member"][data-name="alice"]').waitFor({ state: "detached", timeout: 15_000 });
  });
} catch (e) {
  console.log(`  FAILED before the steps: ${e instanceof Error ? e.message : String(e)}`);
  steps ??= new Steps([]);
  steps.failed++;
} finally {
  await browser.close();
  await chat.close();
  clearTimeout(watchdog);
  rmSync(dir, { recursive: true, force: true });
}
const { passed = 0, failed = 1 } = steps ?? {};
console.log(`web chat: ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`web chat (Chromium): ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
