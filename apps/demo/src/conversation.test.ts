import { describe, expect, it } from "vitest";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { memoryStore } from "@mlskit/mls";
import { conversation } from "./conversation.js";
import { carryOn } from "./restart.js";

describe("demo conversation", () => {
  it.each([
    ["default provider", undefined],
    ["noble", nobleCryptoProvider()],
  ])("runs end to end (%s)", async (_, crypto) => {
    const lines: string[] = [];
    const result = await conversation((l) => lines.push(l), crypto);
    const out = lines.join("\n");
    expect(result.finalEpoch).toBe(4n);
    expect(result.members).toEqual(["alice", "carol", "dave"]);
    expect(result.removedError).toEqual({ name: "ValidationError", code: "message/after-removal" });
    expect(out).toContain('bob reads "hello bob and carol!" from alice (epoch 1)');
    expect(out).toContain("bob learns it was removed (epoch 4)");
    expect(out).toContain(`carol reads "bob can't read this"`.replace("carol", "dave"));
    expect(out).not.toContain("DISAGREE");
    expect(out).not.toContain("must not happen");
  });

  it("members restored from their stores carry the conversation on", async () => {
    const stores = new Map(["alice", "bob", "carol", "dave"].map((n) => [n, memoryStore()]));
    const lines: string[] = [];
    const first = await conversation(
      (l) => lines.push(l),
      undefined,
      (n) => stores.get(n),
    );
    // New clients over the same stores: what the demo's second process does with its SQLite files.
    const next = await carryOn(
      (l) => lines.push(l),
      [...stores.keys()],
      (n) => stores.get(n)!,
      first.undelivered,
    );
    expect(next.agree).toBe(true);
    expect(next.epoch).toBe(5n);
    expect(next.read).toEqual(expect.arrayContaining(["carol:see you after the restart", "dave:see you after the restart", "alice:welcome back, everyone", "dave:still in sync"]));
    expect(lines.join("\n")).toContain('"demo-group" remembers it was removed in epoch 4');
  });
});
