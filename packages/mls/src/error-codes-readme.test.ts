/**
 * README.md "Error codes" against the exported lists: every code mlskit can
 * throw is matched by exactly one row (its own, or else its longest
 * `family/*` row), and every row names a code or family that exists.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MLS_ERROR_CODES } from "./index.js";

const root = new URL("../../../", import.meta.url);

/** The codes of a package outside the facade, read from its error-codes.ts (the facade does not depend on it). */
function listedIn(pkg: string): string[] {
  const text = readFileSync(new URL(`packages/${pkg}/src/error-codes.ts`, root), "utf8");
  return [...text.matchAll(/^ {2}"([^"]+)",$/gm)].map((m) => m[1]!);
}

interface Row {
  readonly pattern: string;
  readonly action: string;
  readonly errorClass: string;
}

/** The table rows of README.md's "Error codes" section, with the "###" action heading each is under. */
function readmeRows(): Row[] {
  const readme = readFileSync(new URL("README.md", root), "utf8");
  const start = readme.indexOf("\n## Error codes\n");
  expect(start, "README.md has an 'Error codes' section").toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + 1);
  const rows: Row[] = [];
  let action = "";
  for (const line of readme.slice(start, end < 0 ? undefined : end).split("\n")) {
    if (line.startsWith("### ")) action = line.slice(4).trim();
    // Cells as Prettier pads them: `| \`code\`      | ValidationError |`.
    const m = /^\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|/.exec(line);
    if (m !== null) rows.push({ pattern: m[1]!, errorClass: m[2]!, action });
  }
  return rows;
}

/** The row that documents `code`: its own, or else the family row with the longest prefix. */
function rowOf(rows: readonly Row[], code: string): Row | undefined {
  const exact = rows.find((r) => r.pattern === code);
  if (exact !== undefined) return exact;
  let best: Row | undefined;
  for (const r of rows) {
    if (!r.pattern.endsWith("*")) continue;
    const prefix = r.pattern.slice(0, -1);
    if (code.startsWith(prefix) && (best === undefined || prefix.length > best.pattern.length - 1)) best = r;
  }
  return best;
}

describe("README.md error-code table", () => {
  const rows = readmeRows();
  const codes = [...new Set([...MLS_ERROR_CODES, ...listedIn("credential-x509"), ...listedIn("storage-sqlite")])].sort();

  it("has the four actions, and no row twice", () => {
    expect([...new Set(rows.map((r) => r.action))]).toEqual(["Drop the message", "Show it", "Resync", "Report a bug"]);
    const patterns = rows.map((r) => r.pattern);
    expect(patterns.filter((p, i) => patterns.indexOf(p) !== i)).toEqual([]);
  });

  it("documents every exported code, by its own row or its family's", () => {
    expect(codes.filter((c) => rowOf(rows, c) === undefined)).toEqual([]);
  });

  it("names only codes that exist, and every family row covers at least one code", () => {
    const exact = rows.filter((r) => !r.pattern.endsWith("*")).map((r) => r.pattern);
    expect(exact.filter((p) => !codes.includes(p))).toEqual([]);
    const families = rows.filter((r) => r.pattern.endsWith("*"));
    expect(families.filter((f) => !codes.some((c) => rowOf(rows, c) === f)).map((f) => f.pattern)).toEqual([]);
  });

  it("drops only ValidationErrors and CodecErrors: bad network input has no other class", () => {
    const drop = rows.filter((r) => r.action === "Drop the message").map((r) => r.errorClass);
    expect([...new Set(drop)].sort()).toEqual(["CodecError", "ValidationError", "X509CredentialError"]);
  });
});
