/**
 * Post-quantum public keys are validated where they enter (issue 19), as the
 * classic ones are (public-key-validation.test.ts): a KeyPackage's init_key
 * and leaf keys (KeyPackage validation and an Add in a received Commit), a
 * Commit's UpdatePath leaf and node keys. Bad keys: an ML-KEM encapsulation
 * key failing the FIPS 203 §7.2 modulus check, ML-KEM and X-Wing keys
 * truncated or one byte long, a hybrid whose ML-KEM half fails the modulus
 * check, ML-DSA keys of the wrong length (FIPS 204 pkEncode: every bit
 * pattern of the right length decodes, so length is the only encoding
 * check). Each refusal is a typed ValidationError; the receiver's stored
 * state is unchanged byte for byte and the attacker's genuine messages are
 * processed afterwards; an honest committer refuses the same KeyPackages.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, DEFAULT_CIPHER_SUITE_MAP, HpkeKemId, ProposalType, SignatureScheme, TS_MLS_CIPHER_SUITE_MAP } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { createCommit } from "./commit/commit-create.js";
import { type ValidatedKeyPackage, decodeKeyPackage, validateKeyPackage } from "./key-packages/key-package-validation.js";
import { encodeKeyPackage } from "./key-packages/key-package.js";
import {
  type BadKey,
  type Scenario,
  byValue,
  copyOf,
  encodeGroupState,
  expectRefusedThenGenuine,
  forgeCommit,
  pathCommit,
  resignKeyPackage,
  resignLeaf,
  scenario,
} from "./public-key.fixture.js";
import { client, services } from "./group.fixture.js";
import { validationErrorOf } from "./rejection.fixture.js";

/** ML-KEM encapsulation key `ek` with its first 12-bit coefficient set to 0xFFF ≥ q = 3329 (FIPS 203 §7.2 modulus check). */
function badModulus(ek: Uint8Array, at = 0): Uint8Array {
  const out = ek.slice();
  out[at] = 0xff;
  out[at + 1] = out[at + 1]! | 0x0f;
  return out;
}

const ML_KEM_EK = { [HpkeKemId.ML_KEM_512]: 800, [HpkeKemId.ML_KEM_768]: 1184, [HpkeKemId.ML_KEM_1024]: 1568 } as Record<number, number>;

/** Bad HPKE public keys of a post-quantum or hybrid KEM. */
async function badPqHpkeKeys(cs: CipherSuiteProvider): Promise<BadKey[]> {
  const { publicKey } = await cs.hpkeGenerateKeyPair();
  const common = [
    { what: `truncated key (${publicKey.length - 1} of ${publicKey.length} bytes)`, key: publicKey.slice(0, publicKey.length - 1) },
    { what: "key one byte too long", key: Uint8Array.of(...publicKey, 0) },
    { what: "empty key", key: new Uint8Array(0) },
  ];
  switch (cs.suite.kem) {
    case HpkeKemId.ML_KEM_512:
    case HpkeKemId.ML_KEM_768:
    case HpkeKemId.ML_KEM_1024:
      expect(publicKey.length).toBe(ML_KEM_EK[cs.suite.kem]);
      return [
        { what: "ML-KEM key failing the modulus check (first coefficient)", key: badModulus(publicKey) },
        { what: "ML-KEM key failing the modulus check (last coefficient)", key: badModulus(publicKey, publicKey.length - 32 - 3) },
        ...common,
      ];
    case HpkeKemId.MLKEM768_X25519:
      // X-Wing (draft-connolly-cfrg-xwing-kem): pk = ML-KEM-768 ek (1184) || X25519 (32).
      expect(publicKey.length).toBe(1216);
      return [
        { what: "X-Wing key whose ML-KEM-768 half fails the modulus check", key: badModulus(publicKey) },
        { what: "X-Wing key without its X25519 half", key: publicKey.slice(0, 1184) },
        ...common,
      ];
    case HpkeKemId.MLKEM768_P256:
    case HpkeKemId.MLKEM1024_P384:
      return [{ what: "hybrid key whose ML-KEM half fails the modulus check", key: badModulus(publicKey) }, ...common];
    default:
      throw new Error(`no PQ bad keys for KEM ${cs.suite.kem}`);
  }
}

/** Bad ML-DSA public keys (the member signs with its real private key). */
function badMlDsaKeys(real: Uint8Array): BadKey[] {
  return [
    { what: `truncated ML-DSA key (${real.length - 1} bytes)`, key: real.slice(0, real.length - 1) },
    { what: "ML-DSA key one byte too long", key: Uint8Array.of(...real, 0) },
    { what: "ML-DSA key of an Ed25519 key's length", key: real.slice(0, 32) },
  ];
}

const noble = nobleCryptoProvider({ cipherSuites: DEFAULT_CIPHER_SUITE_MAP });
const nobleTs = nobleCryptoProvider({ cipherSuites: TS_MLS_CIPHER_SUITE_MAP });

/** One suite per KEM and per ML-DSA parameter set. */
const CASES: readonly { readonly label: string; readonly cs: () => Promise<CipherSuiteProvider> }[] = [
  { label: "0xF101 X-Wing, Ed25519", cs: () => noble.cipherSuite(0xf101) },
  { label: "0xF103 MLKEM768-P256, P-256", cs: () => noble.cipherSuite(0xf103) },
  { label: "0xF105 MLKEM1024-P384, P-384", cs: () => noble.cipherSuite(0xf105) },
  { label: "0xF106 ML-KEM-768, Ed25519", cs: () => noble.cipherSuite(0xf106) },
  { label: "0xF109 X-Wing, ML-DSA-44", cs: () => noble.cipherSuite(0xf109) },
  { label: "0xF10A ML-KEM-768, ML-DSA-65", cs: () => noble.cipherSuite(0xf10a) },
  { label: "0xF10B ML-KEM-1024, ML-DSA-87", cs: () => noble.cipherSuite(0xf10b) },
  { label: "ts-mls 0xF007 ML-KEM-512 (HKDF-SHA512, SHA-256), Ed25519", cs: () => nobleTs.cipherSuite(0xf007) },
];

const isMlDsa = (cs: CipherSuiteProvider) => [SignatureScheme.mldsa44, SignatureScheme.mldsa65, SignatureScheme.mldsa87].includes(cs.suite.signature as never);

describe("§10.1: validateKeyPackage refuses bad post-quantum keys", () => {
  for (const { label, cs: csOf } of CASES) {
    it(label, async () => {
      const cs = await csOf();
      const dave = await client(cs, "dave");
      const kp = dave.kp.keyPackage;
      const sk = dave.signaturePrivateKey;
      const validate = (k: typeof kp) => validateKeyPackage(cs, decodeKeyPackage(encodeKeyPackage(k)), { identityProvider: services.identityProvider });
      for (const bad of await badPqHpkeKeys(cs)) {
        let e = await validationErrorOf(validate(await resignKeyPackage(cs, sk, kp, {}, { initKey: bad.key })));
        expect([e.code, e.rfcSection], bad.what).toEqual(["key-package/invalid-init-key", "10"]);
        e = await validationErrorOf(validate(await resignKeyPackage(cs, sk, kp, { encryptionKey: bad.key })));
        expect([e.code, e.rfcSection], bad.what).toEqual(["leaf-node/invalid-encryption-key", "5.1.1"]);
      }
      if (isMlDsa(cs)) {
        for (const bad of badMlDsaKeys(kp.leafNode.signatureKey)) {
          const e = await validationErrorOf(validate(await resignKeyPackage(cs, sk, kp, { signatureKey: bad.key })));
          expect([e.code, e.rfcSection], bad.what).toEqual(["leaf-node/invalid-signature-key", "5.1.1"]);
        }
      }
      await validate(kp);
    });
  }
});

// The received-Commit cases on three suites (each scenario is a 3-member group with a pending Commit and held messages).
for (const { label, cs: csOf } of CASES.filter((c) => /0xF101|0xF10A|0xF007/.test(c.label))) {
  describe(`post-quantum public keys of received messages: ${label}`, () => {
    let s: Scenario;
    let cs: CipherSuiteProvider;
    beforeAll(async () => {
      cs = await csOf();
      s = await scenario(cs);
    });
    const daveKp = () => s.clients.dave.kp.keyPackage;
    const daveSk = () => s.clients.dave.signaturePrivateKey;
    const addOf = (keyPackage: Awaited<ReturnType<typeof resignKeyPackage>>) => byValue({ proposalType: ProposalType.add, keyPackage });

    it("an Add in a received Commit: bad init_key, encryption_key (and ML-DSA signature_key) refused, state unchanged", async () => {
      for (const bad of await badPqHpkeKeys(cs)) {
        for (const [kp, code, section] of [
          [await resignKeyPackage(cs, daveSk(), daveKp(), {}, { initKey: bad.key }), "key-package/invalid-init-key", "10"],
          [await resignKeyPackage(cs, daveSk(), daveKp(), { encryptionKey: bad.key }), "leaf-node/invalid-encryption-key", "5.1.1"],
        ] as const) {
          const message = await forgeCommit(s.bob, { proposals: [addOf(kp)], path: undefined });
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, code, section);
        }
      }
      if (isMlDsa(cs)) {
        for (const bad of badMlDsaKeys(daveKp().leafNode.signatureKey)) {
          const kp = await resignKeyPackage(cs, daveSk(), daveKp(), { signatureKey: bad.key });
          const message = await forgeCommit(s.bob, { proposals: [addOf(kp)], path: undefined });
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "leaf-node/invalid-signature-key", "5.1.1");
        }
      }
    });

    it("an honest committer refuses to add such a KeyPackage, its state unchanged", async () => {
      const carol = await copyOf(s.carol);
      const before = toHex(encodeGroupState(carol));
      for (const bad of await badPqHpkeKeys(cs)) {
        for (const [kp, code] of [
          [await resignKeyPackage(cs, daveSk(), daveKp(), {}, { initKey: bad.key }), "key-package/invalid-init-key"],
          [await resignKeyPackage(cs, daveSk(), daveKp(), { encryptionKey: bad.key }), "leaf-node/invalid-encryption-key"],
        ] as const) {
          const e = await validationErrorOf(createCommit(carol, { proposals: [{ add: kp as ValidatedKeyPackage }] }));
          expect(e.code, `${bad.what}: ${e.message}`).toBe(code);
          expect(toHex(encodeGroupState(carol))).toBe(before);
        }
      }
      expect((await createCommit(carol, { proposals: [{ add: daveKp() as ValidatedKeyPackage }] })).welcome).toBeDefined();
    });

    it("§12.4.2 UpdatePath: a bad leaf encryption_key, node key (and ML-DSA leaf signature_key) refused, state unchanged", async () => {
      for (const bad of await badPqHpkeKeys(cs)) {
        let message = await pathCommit(s.bob, async (p) => ({ ...p, leafNode: await resignLeaf(s.bob, s.bob.signaturePrivateKey, p.leafNode, { encryptionKey: bad.key }) }));
        await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "leaf-node/invalid-encryption-key", "5.1.1");
        message = await pathCommit(s.bob, async (p) => ({ ...p, nodes: p.nodes.map((n, k) => (k === 0 ? { ...n, encryptionKey: bad.key } : n)) }));
        await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "update-path/invalid-node-key", "12.4.2");
      }
      if (isMlDsa(cs)) {
        for (const bad of badMlDsaKeys(s.bob.tree.signatureKey(s.bob.ownLeaf)!)) {
          const message = await pathCommit(s.bob, async (p) => ({ ...p, leafNode: await resignLeaf(s.bob, s.bob.signaturePrivateKey, p.leafNode, { signatureKey: bad.key }) }));
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "leaf-node/invalid-signature-key", "5.1.1");
        }
      }
    });
  });
}
