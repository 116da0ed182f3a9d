/**
 * Negative cases of the post-quantum suites through the facade (issue 19):
 * a KeyPackage whose post-quantum key has the wrong length or an invalid
 * encoding is refused where it enters (`addMembers`) with a typed
 * ValidationError and the group unchanged; a suite id the provider's
 * code-point map does not know is a typed CryptoError
 * (`crypto/unknown-cipher-suite`) wherever it comes in (client, group,
 * KeyPackage, a Welcome), and the refusal consumes nothing. The received
 * cases (an Add in a Commit, an UpdatePath) are in
 * packages/group/src/pq-public-keys.test.ts.
 */
import { describe, expect, it } from "vitest";
import { decode, toHex } from "@mlskit/codec";
import { BasicIdentityProvider, CryptoError, DEFAULT_CIPHER_SUITE_MAP, TS_MLS_CIPHER_SUITE_MAP, ValidationError, acceptAll, type CipherSuiteProvider } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { type KeyPackage, encodeMlsMessage, keyPackageCodec, signKeyPackage } from "@mlskit/group";
import { signLeafNode } from "@mlskit/ratchet-tree";
import { Client, type Group } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider({ cipherSuites: DEFAULT_CIPHER_SUITE_MAP });
const cryptoTs = nobleCryptoProvider({ cipherSuites: TS_MLS_CIPHER_SUITE_MAP });

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

function snapshot(g: Group) {
  return { epoch: g.epoch, auth: toHex(g.epochAuthenticator), tree: toHex(g.ratchetTree()), pending: g.hasPendingCommit, proposals: g.pendingProposals };
}

/** A KeyPackage (MLSMessage bytes) of `kp` with fields replaced, both signatures made again with `sk`. */
async function resigned(
  cs: CipherSuiteProvider,
  sk: Uint8Array,
  kp: KeyPackage,
  leaf: { encryptionKey?: Uint8Array; signatureKey?: Uint8Array },
  initKey?: Uint8Array,
): Promise<Uint8Array> {
  const { signature: _l, ...content } = kp.leafNode;
  const leafNode = await signLeafNode(cs, sk, { ...content, ...leaf });
  const { signature: _k, ...tbs } = kp;
  const keyPackage = await signKeyPackage(cs, sk, { ...tbs, leafNode, ...(initKey ? { initKey } : {}) });
  return encodeMlsMessage({ version: 1, wireFormat: 5, keyPackage } as never);
}

function withModulusFailure(ek: Uint8Array): Uint8Array {
  const out = ek.slice();
  out[0] = 0xff;
  out[1] = out[1]! | 0x0f; // first 12-bit coefficient 0xFFF ≥ q = 3329 (FIPS 203 §7.2)
  return out;
}

describe("a KeyPackage with a bad post-quantum key, through addMembers", () => {
  for (const [suiteId, label] of [
    [0xf101, "X-Wing + Ed25519"],
    [0xf106, "ML-KEM-768 + Ed25519"],
    [0xf10a, "ML-KEM-768 + ML-DSA-65"],
    [0xf109, "X-Wing + ML-DSA-44"],
  ] as const) {
    it(`0x${suiteId.toString(16)} ${label}: typed ValidationError, group unchanged, the genuine KeyPackage then added`, async () => {
      const cs = await crypto.cipherSuite(suiteId);
      const sig = await cs.signatureGenerateKeyPair();
      const alice = await Client.create({ identity: "alice", identityProvider, crypto, cipherSuite: suiteId });
      const bob = await Client.create({ identity: "bob", identityProvider, crypto, cipherSuite: suiteId, signatureKeyPair: sig });
      const a = await alice.createGroup();
      const genuine = await bob.createKeyPackage();
      const kp = decode(keyPackageCodec, genuine.keyPackage.subarray(4)) as KeyPackage;
      const ek = kp.initKey;
      const cases: [string, Uint8Array, string][] = [
        ["init_key truncated", await resigned(cs, sig.privateKey, kp, {}, ek.slice(0, ek.length - 1)), "key-package/invalid-init-key"],
        ["init_key failing the ML-KEM modulus check", await resigned(cs, sig.privateKey, kp, {}, withModulusFailure(ek)), "key-package/invalid-init-key"],
        ["encryption_key truncated", await resigned(cs, sig.privateKey, kp, { encryptionKey: kp.leafNode.encryptionKey.slice(0, 100) }), "leaf-node/invalid-encryption-key"],
        [
          "encryption_key failing the ML-KEM modulus check",
          await resigned(cs, sig.privateKey, kp, { encryptionKey: withModulusFailure(kp.leafNode.encryptionKey) }),
          "leaf-node/invalid-encryption-key",
        ],
      ];
      if (label.includes("ML-DSA")) {
        const pk = kp.leafNode.signatureKey;
        cases.push(["ML-DSA signature_key truncated", await resigned(cs, sig.privateKey, kp, { signatureKey: pk.slice(0, pk.length - 1) }), "leaf-node/invalid-signature-key"]);
        cases.push(["ML-DSA signature_key too long", await resigned(cs, sig.privateKey, kp, { signatureKey: Uint8Array.of(...pk, 0) }), "leaf-node/invalid-signature-key"]);
      }
      const before = snapshot(a);
      for (const [what, bytes, code] of cases) {
        const e = await errorOf(a.addMembers([bytes]));
        expect(ValidationError.isInstance(e), `${what}: ${String(e)}`).toBe(true);
        expect((e as ValidationError).code, what).toBe(code);
        expect(snapshot(a), what).toEqual(before);
      }
      const add = await a.addMembers([genuine.keyPackage]);
      await a.confirmPendingCommit();
      const b = await bob.joinFromWelcome(add.welcome!);
      expect(toHex(b.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));
    });
  }
});

describe("a suite id the code-point map does not know", () => {
  const unknown = (e: unknown) => CryptoError.isInstance(e) && e.code === "crypto/unknown-cipher-suite";

  it("Client.create, createGroup and createKeyPackage: crypto/unknown-cipher-suite", async () => {
    // 0xF00B is ts-mls's ML-KEM-1024 suite: unknown to the default map (draft-06 at 0xF101-0xF10B).
    expect(unknown(await errorOf(Client.create({ identity: "x", identityProvider, crypto, cipherSuite: 0xf00b })))).toBe(true);
    const alice = await Client.create({ identity: "alice", identityProvider, crypto, cipherSuite: 0xf101 });
    expect(unknown(await errorOf(alice.createGroup({ cipherSuite: 0xf00b })))).toBe(true);
    expect(unknown(await errorOf(alice.createGroup({ cipherSuite: 0xfeee })))).toBe(true);
    expect(await alice.groupIds()).toEqual([]);
  });

  it("a Welcome naming an unknown suite: crypto/unknown-cipher-suite, the KeyPackage kept for the real Welcome", async () => {
    const alice = await Client.create({ identity: "alice", identityProvider, crypto, cipherSuite: 0xf101 });
    const bob = await Client.create({ identity: "bob", identityProvider, crypto, cipherSuite: 0xf101 });
    const a = await alice.createGroup();
    const add = await a.addMembers([(await bob.createKeyPackage()).keyPackage]);
    await a.confirmPendingCommit();
    for (const id of [0xf0ff, 0xf00b]) {
      const w = add.welcome!.slice();
      // MLSMessage: version (2), wire_format (2), then Welcome.cipher_suite (2).
      w[4] = id >>> 8;
      w[5] = id & 0xff;
      expect(unknown(await errorOf(bob.joinFromWelcome(w))), `0x${id.toString(16)}`).toBe(true);
    }
    expect(await bob.groupIds()).toEqual([]);
    const b = await bob.joinFromWelcome(add.welcome!);
    expect(toHex(b.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));
  });

  it("a KeyPackage of a suite the group does not use (same algorithms, other numbering): key-package/cipher-suite-mismatch", async () => {
    // ts-mls's 0xF00D is X-Wing + Ed25519 as is draft 0xF101, but with HKDF-SHA512: a different suite.
    const alice = await Client.create({ identity: "alice", identityProvider, crypto, cipherSuite: 0xf101 });
    const bob = await Client.create({ identity: "bob", identityProvider, crypto: cryptoTs, cipherSuite: 0xf00d });
    const a = await alice.createGroup();
    const before = snapshot(a);
    const e = await errorOf(a.addMembers([(await bob.createKeyPackage()).keyPackage]));
    expect(ValidationError.isInstance(e) && e.code).toBe("key-package/cipher-suite-mismatch");
    expect(snapshot(a)).toEqual(before);
  });
});
