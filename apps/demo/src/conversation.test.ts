import { describe, expect, it } from "vitest";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { conversation } from "./conversation.js";

describe("demo conversation", () => {
  it.each([["default provider", undefined], ["noble", nobleCryptoProvider()]])("runs end to end (%s)", async (_, crypto) => {
    const lines: string[] = [];
    const result = await conversation((l) => lines.push(l), crypto);
    const out = lines.join("\n");
    expect(result.finalEpoch).toBe(4n);
    expect(result.members).toEqual(["alice", "carol", "dave"]);
    expect(result.removedError).toEqual({ name: "UsageError", code: "usage/removed" });
    expect(out).toContain('bob reads "hello bob and carol!" from alice (epoch 1)');
    expect(out).toContain("bob learns it was removed (epoch 4)");
    expect(out).toContain(`carol reads "bob can't read this"`.replace("carol", "dave"));
    expect(out).not.toContain("DISAGREE");
    expect(out).not.toContain("must not happen");
  });
});
