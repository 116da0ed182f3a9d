import { noblePrimitives } from "@mlskit/crypto-noble";
import { hpkeVectorChecks } from "@mlskit/hpke/conformance";
import { vectorReport, vectors } from "@mlskit/test-vectors";
import { afterAll, describe, expect, it } from "vitest";
import { webCryptoPrimitives } from "./index.js";

const all = vectors.hpke();
const native = await webCryptoPrimitives();
const withFallback = await webCryptoPrimitives({ fallback: noblePrimitives() });

describe("RFC 9180 Appendix A (Base mode) × webcrypto", () => {
  const checks = hpkeVectorChecks(native, all);
  const report = vectorReport("rfc9180-hpke.json", native.name);
  afterAll(() => report.print());

  it("skips exactly the vectors whose AEAD crypto.subtle lacks, saying why", () => {
    const lacking = all.filter((v) => v.aead_id === 0x0003 && !native.native["ChaCha20-Poly1305"]);
    expect(checks.filter((c) => c.skip).length).toBe(lacking.length);
    for (const c of checks.filter((c) => c.skip)) expect(c.skip).toMatch(/ChaCha20-Poly1305/);
    if (!native.native["ChaCha20-Poly1305"]) expect(lacking.length).toBeGreaterThan(0);
  });

  for (const c of checks) {
    if (c.skip) {
      report.skipped(c.skip);
      it.skip(`${c.name} (${c.skip})`, () => {});
      continue;
    }
    it(c.name, async () => {
      await c.run();
      report.ran();
    });
  }
});

describe("RFC 9180 Appendix A (Base mode) × webcrypto with noble fallback", () => {
  const checks = hpkeVectorChecks(withFallback, all);
  const report = vectorReport("rfc9180-hpke.json", withFallback.name);
  afterAll(() => report.print());

  it("runs every vector in the file", () => {
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(checks.filter((c) => c.skip)).toEqual([]);
  });

  for (const c of checks) {
    it(c.name, async () => {
      await c.run();
      report.ran();
    });
  }
});
