/**
 * The client record's encoding: round trip, damaged records refused with
 * typed errors, and the committed golden record of format version 1, which
 * every later version must still read. `MLSKIT_WRITE_GOLDEN=1` rewrites the
 * golden file (only for a new format version: keep the old file then).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesEqual, toHex } from "@mlskit/codec";
import { CipherSuite, CredentialType, type KeyPair, MlsError, SignatureScheme, type SignatureSchemeId, StorageError } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { decodeClientRecord, encodeClientRecord } from "./client-record.js";

const GOLDEN = new URL("./golden/client-record-v1.bin", import.meta.url);
const crypto = nobleCryptoProvider();

async function sampleRecord() {
  const ed = await (await crypto.cipherSuite(CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)).signatureGenerateKeyPair();
  const p256 = await (await crypto.cipherSuite(CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)).signatureGenerateKeyPair();
  return {
    cipherSuite: CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
    credential: { credentialType: CredentialType.basic, identity: new TextEncoder().encode("alice") } as const,
    signatureKeyPairs: new Map<SignatureSchemeId, KeyPair>([
      [SignatureScheme.ed25519, ed],
      [SignatureScheme.ecdsa_secp256r1_sha256, p256],
    ]),
  };
}

/** Each stored key pair is a real pair of its scheme: the public key follows from the private one. */
async function checkKeyPairs(record: ReturnType<typeof decodeClientRecord>): Promise<void> {
  const suites = {
    [SignatureScheme.ed25519]: CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
    [SignatureScheme.ecdsa_secp256r1_sha256]: CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
  } as Record<number, number>;
  for (const [scheme, kp] of record.signatureKeyPairs) {
    const cs = await crypto.cipherSuite(suites[scheme]! as never);
    expect(toHex(await cs.signaturePublicKey(kp.privateKey))).toBe(toHex(kp.publicKey));
    const sig = await cs.sign(kp.privateKey, new Uint8Array([1, 2, 3]));
    expect(await cs.verify(kp.publicKey, new Uint8Array([1, 2, 3]), sig)).toBe(true);
  }
}

describe("client record (format version 1)", () => {
  it("round-trips credential, suite and key pairs", async () => {
    const r = await sampleRecord();
    const back = decodeClientRecord(encodeClientRecord(r));
    expect(back.cipherSuite).toBe(r.cipherSuite);
    expect(back.credential).toEqual(r.credential);
    expect([...back.signatureKeyPairs.keys()]).toEqual([...r.signatureKeyPairs.keys()]);
    for (const [s, kp] of r.signatureKeyPairs) {
      expect(bytesEqual(back.signatureKeyPairs.get(s)!.privateKey, kp.privateKey)).toBe(true);
    }
    await checkKeyPairs(back);
  });

  it("refuses damaged records with typed errors: every truncation, trailing bytes, another magic, a newer version", async () => {
    const bytes = encodeClientRecord(await sampleRecord());
    for (let n = 0; n < bytes.length; n++) {
      const e = (() => {
        try {
          decodeClientRecord(bytes.subarray(0, n));
          return undefined;
        } catch (x) {
          return x;
        }
      })();
      expect(StorageError.isInstance(e) && e.code, `truncated to ${n}`).toBe("storage/corrupt");
    }
    const trailing = new Uint8Array([...bytes, 0]);
    expect(() => decodeClientRecord(trailing)).toThrow(expect.objectContaining({ code: "storage/corrupt" }));
    const magic = bytes.slice();
    magic[0] = 0x58;
    expect(() => decodeClientRecord(magic)).toThrow(expect.objectContaining({ code: "storage/corrupt" }));
    const newer = bytes.slice();
    newer[5] = 2;
    expect(() => decodeClientRecord(newer)).toThrow(expect.objectContaining({ code: "storage/unsupported-version" }));
    for (let i = 6; i < bytes.length; i += 7) {
      const flipped = bytes.slice();
      flipped[i]! ^= 0x40;
      try {
        decodeClientRecord(flipped);
      } catch (e) {
        expect(MlsError.isInstance(e)).toBe(true);
      }
    }
  });

  it("reads the committed golden record of format version 1", async () => {
    if (process.env.MLSKIT_WRITE_GOLDEN === "1") writeFileSync(GOLDEN, encodeClientRecord(await sampleRecord()));
    const record = decodeClientRecord(new Uint8Array(readFileSync(GOLDEN)));
    expect(record.cipherSuite).toBe(CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    expect(record.credential.credentialType).toBe(CredentialType.basic);
    expect(new TextDecoder().decode((record.credential as { identity: Uint8Array }).identity)).toBe("alice");
    expect([...record.signatureKeyPairs.keys()].sort()).toEqual([SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.ed25519].sort());
    await checkKeyPairs(record);
  });
});
