/**
 * Test support for the closed error-code lists (`src/error-codes.ts` in each
 * package): the code literals a package's sources use, so a test can check
 * the list against them both ways.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Every double-quoted `family/name` literal in the sources under `dir` (tests, fixtures, imports and `error-codes.ts` itself aside). */
export function codesInSources(dir: string): Set<string> {
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
