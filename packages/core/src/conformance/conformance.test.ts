import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { createCryptoProvider } from "@mlskit/hpke";
import { describe, expect, it } from "vitest";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { CIPHER_SUITES } from "../ids.js";
import { cipherSuiteConformance, crossProviderChecks } from "./index.js";

/** Runs every check and returns the names of those that failed. */
async function failures(checks: { name: string; run(): Promise<void> }[]): Promise<string[]> {
  const failed: string[] = [];
  for (const c of checks) await c.run().catch(() => failed.push(c.name.replace(/^[^:]+: /, "")));
  return failed;
}

/** A noble suite provider with some operations replaced (others delegate, bound to the original). */
async function patched(id: number, patch: (cs: CipherSuiteProvider) => Partial<CipherSuiteProvider>): Promise<CipherSuiteProvider> {
  const cs = await createCryptoProvider("fresh", noblePrimitives()).cipherSuite(id);
  const out: Record<string, unknown> = {};
  const names = [...Object.keys(cs), ...Object.getOwnPropertyNames(Object.getPrototypeOf(cs))].filter((k) => k !== "constructor");
  for (const k of names) {
    const v = (cs as unknown as Record<string, unknown>)[k];
    out[k] = typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(cs) : v;
  }
  return Object.assign(out, patch(cs)) as unknown as CipherSuiteProvider;
}

describe("cipherSuiteConformance detects broken providers", () => {
  it("passes a correct provider", async () => {
    const cs = await nobleCryptoProvider().cipherSuite(2);
    expect(await failures(cipherSuiteConformance(cs))).toEqual([]);
  });

  it("a verify that throws on malformed input", async () => {
    const cs = await patched(1, (cs) => ({
      verify: (pk, m, s) => (s.length === 0 ? Promise.reject(new Error("bad length")) : cs.verify(pk, m, s)),
    }));
    expect(await failures(cipherSuiteConformance(cs))).toEqual(["signature: malformed signatures and keys give false, never throw"]);
  });

  it("AEAD and HPKE errors without the right code", async () => {
    const cs = await patched(3, (cs) => ({
      aeadOpen: (...a) => cs.aeadOpen(...a).catch(() => Promise.reject(new Error("plain"))),
      hpkeOpen: (...a) => cs.hpkeOpen(...a).catch(() => Promise.reject(new Error("plain"))),
    }));
    expect(await failures(cipherSuiteConformance(cs))).toEqual(["aead: tampering throws crypto/aead-open", "hpke: tampering and wrong keys throw crypto/hpke-open"]);
  });

  it("a key check that accepts anything, and a verify that trusts the neutral Ed25519 key", async () => {
    const neutral = (pk: Uint8Array) => pk.length === 32 && pk[0] === 1 && pk.subarray(1).every((b) => b === 0);
    const cs = await patched(1, (cs) => ({
      hpkePublicKeyProblem: () => Promise.resolve(undefined),
      verify: (pk, m, s) => (neutral(pk) ? Promise.resolve(true) : cs.verify(pk, m, s)),
    }));
    expect(await failures(cipherSuiteConformance(cs))).toEqual([
      "public keys: malformed HPKE keys are refused and cannot be encrypted to",
      "public keys: malformed signature keys are refused and verify nothing",
    ]);
  });

  it("a key check that refuses valid keys", async () => {
    const cs = await patched(2, () => ({ signaturePublicKeyProblem: () => Promise.resolve("refused") }));
    expect(await failures(cipherSuiteConformance(cs))).toContain("public keys: valid signature keys are accepted");
  });

  it("a random DeriveKeyPair and a mutating seal", async () => {
    const cs = await patched(1, (cs) => ({
      hpkeDeriveKeyPair: () => cs.hpkeGenerateKeyPair(),
      aeadSeal: (k, n, aad, pt) => cs.aeadSeal(k, n, aad, pt).finally(() => aad.reverse()),
    }));
    const failed = await failures(cipherSuiteConformance(cs));
    expect(failed).toContain("hpke: DeriveKeyPair is deterministic and gives working keys");
    expect(failed).toContain("inputs are not mutated");
  });
});

describe("crossProviderChecks", () => {
  it("two noble providers agree on every suite", async () => {
    for (const suite of CIPHER_SUITES.values()) {
      const a = await nobleCryptoProvider().cipherSuite(suite.id);
      const b = await createCryptoProvider("second", noblePrimitives()).cipherSuite(suite.id);
      expect(await failures(crossProviderChecks(a, b))).toEqual([]);
    }
  });

  it("notices a provider whose public keys are encoded differently", async () => {
    const a = await nobleCryptoProvider().cipherSuite(2);
    const b = await patched(2, (cs) => ({
      signaturePublicKey: async (sk) => Uint8Array.of(...(await cs.signaturePublicKey(sk)), 0),
    }));
    expect(await failures(crossProviderChecks(a, b))).toEqual(["signature a→b: keys and signatures interoperate"]);
  });

  it("refuses providers of different suites", async () => {
    const p = nobleCryptoProvider();
    const [a, b] = await Promise.all([p.cipherSuite(1), p.cipherSuite(2)]);
    expect(() => crossProviderChecks(a, b)).toThrow(/suites differ/);
  });
});
