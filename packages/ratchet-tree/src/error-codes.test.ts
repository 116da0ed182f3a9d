import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RATCHET_TREE_ERROR_CODES } from "./error-codes.js";

/** Every double-quoted `family/name` literal in this package's sources (tests, fixtures, imports and the list itself aside). */
function codesInSources(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const c of codesInSources(path)) found.add(c);
      continue;
    }
    if (!entry.name.endsWith(".ts") || /\.(test|fixture)\.ts$/.test(entry.name) || entry.name === "error-codes.ts") continue;
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (/^\s*(import|export)\b.*\bfrom\s+"|^\s*import\s+"|^\s*\}\s*from\s+"/.test(line)) continue;
      for (const m of line.matchAll(/"([a-z][a-z0-9-]*\/[a-z0-9][a-z0-9-]*)"/g)) found.add(m[1]!);
    }
  }
  return found;
}

describe("@mlskit/ratchet-tree error codes", () => {
  it("RATCHET_TREE_ERROR_CODES lists exactly the codes the sources use, once each", () => {
    expect(new Set(RATCHET_TREE_ERROR_CODES).size).toBe(RATCHET_TREE_ERROR_CODES.length);
    expect([...codesInSources(new URL(".", import.meta.url).pathname)].sort()).toEqual([...RATCHET_TREE_ERROR_CODES].sort());
  });
});
