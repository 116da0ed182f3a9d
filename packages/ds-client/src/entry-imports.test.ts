import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as authentication from "./authentication/index.js";
import * as main from "./index.js";

const src = new URL(".", import.meta.url).pathname;

describe("@mlskit/ds-client entries", () => {
  it("no source outside src/authentication/ imports @mlskit/credential-x509 (the main entry stays free of X.509)", () => {
    const offenders = readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".fixture.ts") && !f.startsWith("authentication"))
      .filter((f) => /from\s+"@mlskit\/credential-x509|import\("@mlskit\/credential-x509/.test(readFileSync(join(src, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("the AS helpers are in ./authentication, not in the main entry", () => {
    for (const name of ["registerWithAuthority", "fetchTrustAnchors", "authorityIdentityProvider"]) {
      expect(typeof (authentication as Record<string, unknown>)[name]).toBe("function");
      expect(name in main).toBe(false);
    }
    expect(typeof main.Messenger).toBe("function");
    expect(typeof main.clientIdOf).toBe("function");
  });
});
