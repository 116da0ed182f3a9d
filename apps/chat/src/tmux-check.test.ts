/**
 * The scripted check: the real Authentication Service and Delivery Service
 * as child processes, and two chat processes (alice and bob) typed into in
 * a tmux session. alice creates a room and invites bob; they chat both
 * ways; bob quits, alice writes while he is away, bob starts again from his
 * data dir (restored from SQLite, with an unreachable AS to show none is
 * needed) and sees it; they carry on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningService, appMain, buildApp, startService } from "./services.fixture.js";
import { TmuxSession, tmuxPath } from "./tmux.fixture.js";

const TOKEN = "tmux-check-token";
let dir: string;
let as: RunningService | undefined;
let ds: RunningService | undefined;
let tmux: TmuxSession | undefined;

beforeAll(async () => {
  const bin = tmuxPath();
  if (bin === undefined) throw new Error("the chat's tmux check needs tmux (install Debian's tmux package; .ci/run should install it)");
  buildApp("authentication-service");
  buildApp("delivery-service");
  buildApp("chat", true);
  dir = mkdtempSync(join(tmpdir(), "mlskit-chat-tmux-"));
  as = await startService(appMain("authentication-service"), ["--data-dir", join(dir, "as"), "--admin-token", TOKEN, "--port", "0"]);
  ds = await startService(appMain("delivery-service"), ["--db", `sqlite:${join(dir, "ds.db")}`, "--as-url", as.url, "--port", "0"]);
  tmux = new TmuxSession(bin);
}, 180_000);

afterAll(async () => {
  tmux?.kill();
  await ds?.stop();
  await as?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function chat(name: string, extra: readonly string[] = []): string {
  return ["node", appMain("chat"), "--server", ds!.url, "--name", name, "--data-dir", join(dir, name), ...extra].join(" ");
}

describe("the chat in tmux, against the real AS and DS", () => {
  it("alice and bob chat; bob restarts and gets what was sent while he was away", async () => {
    const t = tmux!;
    t.openWindow("alice", dir);
    t.openWindow("bob", dir);
    t.type("alice", chat("alice", ["--as", as!.url, "--token", TOKEN]));
    t.type("bob", `MLSKIT_AS_TOKEN=${TOKEN} ${chat("bob", ["--as", as!.url])}`);
    await t.waitFor("alice", "registered alice with the Authentication Service");
    await t.waitFor("alice", "you are in no room yet");
    await t.waitFor("bob", "you are in no room yet");

    t.type("alice", "/create team");
    const room = (await t.waitFor("alice", /created room [0-9a-f]{8}/)).slice(-8);
    t.type("alice", "/invite bob");
    await t.waitFor("alice", `[${room}] bob joined the room`);
    await t.waitFor("bob", `[${room}] you joined room ${room} (added by alice)`);

    t.type("alice", "hello bob");
    await t.waitFor("bob", `[${room}] alice: hello bob`);
    t.type("bob", "hi alice");
    await t.waitFor("alice", `[${room}] bob: hi alice`);

    t.type("bob", "/quit");
    await t.waitFor("bob", "bye: your keys and rooms are kept");
    t.type("alice", "are you there?");
    // Sent: the line after it is a fresh prompt, and no failure was printed.
    await t.waitFor("alice", `are you there?\n${room} (team)> `);

    // The AS is given as unreachable: the client and the trust anchors come from the data dir.
    t.type("bob", chat("bob", ["--as", "http://127.0.0.1:9"]));
    const restart = `connected to ${ds!.url} as bob`;
    await t.waitFor("bob", `[${room}] alice: are you there?`, { after: restart });
    await t.waitFor("bob", `current: ${room}`, { after: restart });

    t.type("bob", "back again");
    await t.waitFor("alice", `[${room}] bob: back again`);
    t.type("alice", "welcome back");
    await t.waitFor("bob", `[${room}] alice: welcome back`, { after: restart });
    t.type("alice", "/members");
    await t.waitFor("alice", `members of ${room} (team): alice and bob`);

    for (const w of ["alice", "bob"]) {
      const screen = t.screen(w);
      expect(screen, `${w}'s window`).not.toMatch(/problem:|could not|cannot |at .*\.js:\d+|Error:/);
    }
    // Handed over once, not again after the restart's catch-up.
    const bob = t.screen("bob");
    expect(bob.slice(bob.lastIndexOf(restart)).match(/alice: are you there\?/g)).toHaveLength(1);
    if (process.env["MLSKIT_CHAT_SHOW"] !== undefined) for (const w of ["alice", "bob"]) console.log(`--- ${w}\n${t.screen(w)}`);
  }, 120_000);
});
