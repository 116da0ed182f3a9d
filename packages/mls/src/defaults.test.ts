import { readFileSync } from "node:fs";
import { CIPHER_SUITES } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_CIPHER_SUITE, defaultCryptoProvider } from "./index.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  imports: Record<string, Record<string, { types: string; default: string }>>;
};
const file = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("defaultCryptoProvider", () => {
  it("is created synchronously, once, on Node as node+noble (node:crypto)", () => {
    const provider = defaultCryptoProvider();
    expect(provider).toBe(defaultCryptoProvider());
    expect(provider.name).toBe("node+noble");
  });

  it("serves all seven suites on node:crypto, with the synchronous hash and HKDF-Expand", async () => {
    const provider = defaultCryptoProvider();
    const supported = await provider.supportedCipherSuites();
    for (const id of CIPHER_SUITES.keys()) {
      expect(supported).toContain(id);
      expect((await provider.cipherSuite(id)).suite.id).toBe(id);
    }
    const cs = await provider.cipherSuite(DEFAULT_CIPHER_SUITE);
    expect(typeof cs.hashSync).toBe("function");
    expect(typeof cs.kdfExpandSync).toBe("function");
    expect(typeof provider.forgetPrivateKey).toBe("function");
  });

  it("is chosen by the #default-crypto import: node:crypto under the node condition, WebCrypto (+ lazy noble) otherwise", () => {
    const entry = pkg.imports["#default-crypto"]!;
    expect(Object.keys(entry)).toEqual(["node", "default"]);
    expect(file("src/defaults.ts")).toMatch(/from "#default-crypto"/);
    const node = file(entry.node!.default);
    expect(node).toContain('from "@mlskit/crypto-node"');
    const web = file(entry.default!.default);
    expect(web).not.toContain("crypto-node");
    expect(web).not.toMatch(/^import[^;]*from\s+"@mlskit\/crypto-noble"/m);
    // noble only dynamically in the browser (so bundlers split it off)
    expect(web).toContain('import("@mlskit/crypto-noble")');
  });
});
