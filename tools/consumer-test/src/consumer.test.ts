import { describe, expect, it } from "vitest";
import { publishablePackages, runConsumerTest } from "./consumer.js";

describe("consumer test: the packed packages in a fresh project outside the workspace", () => {
  it("installs, type-checks in strict mode and runs a conversation on Node, Bun and Deno", { timeout: 240_000 }, async () => {
    const keep = process.env.MLSKIT_CONSUMER_KEEP === "1";
    const report = await runConsumerTest({ keep, log: (l) => console.log(`[consumer-test] ${l}`) });
    if (keep) console.log(`[consumer-test] project kept at ${report.project}`);
    const n = publishablePackages().length;
    expect(report.lines[0]).toMatch(/no errors$/);
    // Node always; Bun and Deno unless their npm packages could not be installed (a stated skip).
    expect(report.lines.filter((l) => l.endsWith("conversation ok")).length).toBe(3 - report.skipped.length);
    expect(report.lines.some((l) => l.startsWith("[node ") && l.includes("entry points loaded"))).toBe(true);
    expect(n).toBeGreaterThan(10);
  });
});
