/**
 * Lookups made side by side (a burst read with processIncomingMany) derive
 * each generation once: the ratchet's look-ahead and a sender's shared
 * detached leaf are reused until consumed; forgeries leave nothing behind.
 */
import { type CipherSuiteProvider, hasSyncKdf } from "@mlskit/core";
import { testProviders } from "@mlskit/test-vectors/providers";
import { describe, expect, it } from "vitest";
import { SecretTree } from "./secret-tree.js";

/** The provider with its HKDF-Expand calls counted. */
function counting(cs: CipherSuiteProvider): { cs: CipherSuiteProvider; calls: () => number } {
  let n = 0;
  const wrapped = new Proxy(cs, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === "kdfExpandSync" || prop === "kdfExpand") {
        return (...args: unknown[]) => {
          n++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { cs: wrapped as CipherSuiteProvider, calls: () => n };
}

describe("secret tree look-ahead (a burst derives each generation once)", async () => {
  const base = await testProviders()[0]!.cipherSuite(1);

  it("256 lookups side by side for a sender's first messages cost about 3 expansions each, not a chain each", async () => {
    expect(hasSyncKdf(base)).toBe(true);
    const { cs, calls } = counting(base);
    const tree = new SecretTree(cs, cs.randomBytes(cs.hashLength), 64);
    const before = calls();
    const keys = await Promise.all([...Array(256).keys()].map((g) => tree.withKey(37, "application", g, (k) => k.generation)));
    expect(keys).toEqual([...Array(256).keys()]);
    // 3 per generation (key, nonce, next secret), 2 per level of the path, 2 for the leaf's ratchets.
    expect(calls() - before).toBeLessThan(3 * 256 + 40);
    const exported = tree.exportState().leaves.find((l) => l.leaf === 37)!;
    expect(exported.application.generation).toBe(256);
  });

  it("forged lookups far ahead that fail leave neither state nor a long look-ahead behind", async () => {
    const { cs, calls } = counting(base);
    const tree = new SecretTree(cs, cs.randomBytes(cs.hashLength), 8, { policy: { outOfOrderWindow: 10, maxForwardDistance: 1000 } });
    await tree.withKey(3, "application", 0, () => undefined);
    const state = JSON.stringify(tree.exportState(), (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v));
    for (let i = 0; i < 3; i++) await expect(tree.withKey(3, "application", 900, () => Promise.reject(new Error("forged")))).rejects.toThrow("forged");
    await expect(tree.withKey(6, "application", 500, () => Promise.reject(new Error("forged")))).rejects.toThrow("forged");
    expect(JSON.stringify(tree.exportState(), (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v))).toBe(state);
    // The look-ahead was cut back: a later far lookup derives again (it did not keep 900 keys).
    const c = calls();
    await expect(tree.withKey(3, "application", 900, () => Promise.reject(new Error("forged")))).rejects.toThrow("forged");
    expect(calls() - c).toBeGreaterThan(3 * 800);
    // The genuine next message is read.
    expect(await tree.withKey(3, "application", 1, (k) => k.generation)).toBe(1);
  });
});
