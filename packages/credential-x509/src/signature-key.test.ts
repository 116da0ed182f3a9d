import { describe, expect, it } from "vitest";
import { concatBytes } from "@mlskit/codec";
import { SignatureScheme } from "@mlskit/core";
import { parseSubjectPublicKeyInfo as parseSpkiForTest } from "./certificate-der.js";
import { schemeKey, spkiKeyEquals, spkiMatchesScheme } from "./signature-key.js";

/** DER TLV with a short or one-octet long length (enough for SPKIs). */
function tlv(tag: number, body: Uint8Array): Uint8Array {
  const len = body.length < 0x80 ? [body.length] : [0x81, body.length];
  return concatBytes(new Uint8Array([tag, ...len]), body);
}

describe("leaf key ↔ MLS signature key (RFC 9420 §5.3)", () => {
  it("matches raw Ed25519 keys and uncompressed ECDSA points, per scheme", async () => {
    const cases: [EcKeyGenParams | Algorithm, number, number][] = [
      [{ name: "Ed25519" }, SignatureScheme.ed25519, 32],
      [{ name: "ECDSA", namedCurve: "P-256" }, SignatureScheme.ecdsa_secp256r1_sha256, 65],
      [{ name: "ECDSA", namedCurve: "P-521" }, SignatureScheme.ecdsa_secp521r1_sha512, 133],
    ];
    for (const [gen, scheme, length] of cases) {
      const keys = (await crypto.subtle.generateKey(gen, true, ["sign", "verify"])) as CryptoKeyPair;
      const spki = parseSpkiForTest(new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey)));
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
      const key = schemeKey(scheme)!;
      expect(raw.length).toBe(length);
      expect(spkiMatchesScheme(spki, key)).toBe(true);
      expect(await spkiKeyEquals(spki, key, raw, crypto)).toBe(true);
      expect(await spkiKeyEquals(spki, key, raw.subarray(1), crypto)).toBe(false);
      const other = raw.slice();
      other[other.length - 1]! ^= 1;
      expect(await spkiKeyEquals(spki, key, other, crypto)).toBe(false);
    }
    expect(schemeKey(0x0401)).toBeUndefined();
  });

  it("decompresses a compressed EC point in the certificate (SEC 1 §2.3.3)", async () => {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
    const spkiDer = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
    const algId = spkiDer.subarray(2, 2 + 2 + spkiDer[3]!); // SEQUENCE header (2 bytes), then AlgorithmIdentifier
    const compressed = concatBytes(new Uint8Array([0x02 | (raw[64]! & 1)]), raw.subarray(1, 33));
    const compressedSpki = tlv(0x30, concatBytes(algId, tlv(0x03, concatBytes(new Uint8Array([0]), compressed))));
    const spki = parseSpkiForTest(compressedSpki);
    expect(spki.publicKey.length).toBe(33);
    expect(await spkiKeyEquals(spki, schemeKey(SignatureScheme.ecdsa_secp256r1_sha256)!, raw, crypto)).toBe(true);
  });
});
