import { fromHex, toHex } from "@mlskit/codec";
import { describe, expect, it } from "vitest";
import { ecPkcs8, okpPkcs8 } from "./pkcs8.js";

const subtle = globalThis.crypto.subtle;

describe("okpPkcs8", () => {
  // The RFC 8410 §10.3 example private key (Ed25519).
  it("matches the RFC 8410 example", () => {
    const seed = fromHex("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842");
    expect(toHex(okpPkcs8("Ed25519", seed))).toBe("302e020100300506032b657004220420" + toHex(seed));
  });

  for (const [curve, usages, size] of [
    ["Ed25519", ["sign"], 32],
    ["Ed448", ["sign"], 57],
    ["X25519", ["deriveBits"], 32],
    ["X448", ["deriveBits"], 56],
  ] as const) {
    it(`is byte-identical to what crypto.subtle exports for ${curve}`, async () => {
      const pair = (await subtle.generateKey({ name: curve }, true, [...usages, ...(curve.startsWith("Ed") ? ["verify" as const] : [])])) as CryptoKeyPair;
      const exported = new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey));
      const key = exported.subarray(exported.length - size);
      expect(toHex(okpPkcs8(curve, key))).toBe(toHex(exported));
    });
  }
});

describe("ecPkcs8", () => {
  for (const [curve, size] of [
    ["P-256", 32],
    ["P-384", 48],
    ["P-521", 66],
  ] as const) {
    it(`imports into crypto.subtle with the same scalar and public key (${curve})`, async () => {
      const pair = (await subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, ["sign", "verify"])) as CryptoKeyPair;
      const jwk = await subtle.exportKey("jwk", pair.privateKey);
      const d = new Uint8Array(Buffer.from(jwk.d!, "base64url"));
      expect(d.length).toBe(size);
      const wrapped = ecPkcs8(curve, d);
      const imported = await subtle.importKey("pkcs8", wrapped as Uint8Array<ArrayBuffer>, { name: "ECDSA", namedCurve: curve }, true, ["sign"]);
      const back = await subtle.exportKey("jwk", imported);
      expect([back.d, back.x, back.y]).toEqual([jwk.d, jwk.x, jwk.y]);
    });
  }

  it("puts the key last, after a fixed prefix", () => {
    const a = ecPkcs8("P-256", new Uint8Array(32).fill(1));
    const b = ecPkcs8("P-256", new Uint8Array(32).fill(2));
    expect(a.length).toBe(b.length);
    expect(toHex(a.subarray(0, a.length - 32))).toBe(toHex(b.subarray(0, b.length - 32)));
    expect(toHex(a.subarray(0, a.length - 32))).toBe("3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420");
  });
});
