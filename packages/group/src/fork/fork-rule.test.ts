import { describe, expect, it } from "vitest";
import { compareBytes, lowerHashWins, settleFork } from "./fork-rule.js";

const commit = (hash: number[]) => ({ epoch: 2n, hash: new Uint8Array(hash), committer: undefined });
const input = (ours: number[], theirs: number[]) => ({ groupId: new Uint8Array([1]), forkEpoch: 1n, ours: commit(ours), theirs: commit(theirs) });

describe("fork rule", () => {
  it("compares bytes unsigned and lexicographically", () => {
    expect(compareBytes(new Uint8Array([0x01, 0xff]), new Uint8Array([0x02, 0x00]))).toBeLessThan(0);
    expect(compareBytes(new Uint8Array([0x80]), new Uint8Array([0x7f]))).toBeGreaterThan(0);
    expect(compareBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBeLessThan(0);
  });
  it("the lower fork hash wins, seen from either side (antisymmetric)", () => {
    expect(lowerHashWins(input([1, 2], [1, 3]))).toBe("ours");
    expect(lowerHashWins(input([1, 3], [1, 2]))).toBe("theirs");
  });
  it("one Commit seen twice is no fork: ours, without asking the rule", () => {
    expect(settleFork(() => "theirs", input([5], [5]))).toBe("ours");
    expect(settleFork(() => "garbage" as never, input([5], [6]))).toBe("ours");
  });
});
