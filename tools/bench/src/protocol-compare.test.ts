import { describe, expect, it } from "vitest";
import { comparisonLines } from "./protocol-compare.js";
import type { ProtocolFigures } from "./protocol.js";

const base: ProtocolFigures = {
  provider: "node",
  n: 2,
  addCreate: 1,
  addProcess: 1,
  removeCreate: 1,
  removeProcess: 1,
  updateCreate: 1,
  updateProcess: 1,
  fullPathCreate: NaN,
  fullPathProcess: NaN,
  join: 1,
  encrypt: 8000,
  decrypt: 6000,
  encryptBatch: 10_000,
  decryptBatch: 10_000,
  floor: { encrypt: 12_000, decrypt: 9000 },
  stateKiB: NaN,
  stateKiBAfterAdd: NaN,
  setupMs: 1,
  treeEncode: 0.01,
  wire: { tree: 1, addCommit: 1, welcome: 1, removeCommit: 1, updateCommit: 1 },
};

const figures = (over: Partial<ProtocolFigures>): ProtocolFigures => ({ ...base, ...over });

/** The cells of the row whose label starts with `label` (split on runs of two or more spaces). */
function row(lines: readonly string[], label: string): string[] {
  const line = lines.find((l) => l.startsWith(label));
  if (line === undefined) throw new Error(`no row "${label}" in\n${lines.join("\n")}`);
  return line.trim().split(/ {2,}/);
}

describe("comparisonLines", () => {
  it("puts the providers beside each other with the target and the gap to node's", () => {
    const lines = comparisonLines([figures({}), figures({ provider: "webcrypto", addCreate: 2.5, encrypt: 2000 })]);
    expect(lines[1]).toMatch(/^N = 2 +node +webcrypto +target +webcrypto \/ node$/);
    // A cost: webcrypto's time over node's; a rate: node's rate over webcrypto's.
    expect(row(lines, "add create, ms")).toEqual(["add create, ms", "1.00", "2.50", "≤ 1", "2.5x"]);
    expect(row(lines, "encrypt 1 KiB, one at a time")).toEqual(["encrypt 1 KiB, one at a time, msg/s", "8,000", "2,000", "≥ 8,000", "4.0x"]);
    expect(row(lines, "  its floor")).toEqual(["its floor, the primitives alone, msg/s", "12,000", "12,000", "1.0x"]);
    // Not measured by any provider at this N (and no target): left out.
    expect(lines.some((l) => l.startsWith("full-path"))).toBe(false);
  });

  it("prints one table per N, without a gap column when node was not measured", () => {
    const lines = comparisonLines([figures({ provider: "webcrypto", n: 1024, fullPathCreate: 400 }), figures({ provider: "webcrypto", n: 2 })]);
    const headers = lines.filter((l) => l.startsWith("N = "));
    expect(headers.map((h) => h.trim().split(/ {2,}/))).toEqual([
      ["N = 2", "webcrypto", "target"],
      ["N = 1,024", "webcrypto", "target"],
    ]);
    expect(row(lines, "full-path create")).toEqual(["full-path create, N - 1 encryptions, ms", "400", "≤ 150"]);
  });

  it("lists the operations without a target at an N the issue sets none for", () => {
    const lines = comparisonLines([figures({ n: 128 }), figures({ provider: "webcrypto", n: 128, join: 3 })]);
    expect(row(lines, "join from Welcome")).toEqual(["join from Welcome, ms", "1.00", "3.00", "3.0x"]);
  });
});
