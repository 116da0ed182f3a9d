/**
 * KeyPackage validation (§10.1): round trips for every suite and provider,
 * GREASE tolerance, and one negative test per rule, each changing only what
 * the rule looks at (re-signing where the change would break a signature).
 */
import { describe, expect, it } from "vitest";
import { encode, toHex, utf8 } from "@mlskit/codec";
import {
  BasicIdentityProvider,
  type CipherSuiteProvider,
  type CredentialValidationInput,
  type IdentityProvider,
  UsageError,
  ValidationError,
  acceptAll,
  directoryPolicy,
} from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { type LeafNodeContent, LeafNodeSource, NodeType, RatchetTree, signLeafNode } from "@mlskit/ratchet-tree";
import { encode as encodeBytes } from "@mlskit/codec";
import { CredentialTypeSummary } from "../leaf-nodes/capabilities.js";
import { requiredCapabilitiesCodec } from "../extensions/extensions.js";
import { GREASE_VALUES } from "../extensions/grease.js";
import { createKeyPackage } from "./key-package-create.js";
import { type KeyPackage, type KeyPackageTBS, keyPackageCodec, signKeyPackage } from "./key-package.js";
import { decodeKeyPackage, validateKeyPackage } from "./key-package-validation.js";
import { leafNodeGroupOf } from "../leaf-nodes/leaf-node-validation.js";

const NOW = 1_700_000_000n;
const noble = nobleCryptoProvider();
const cs1 = await noble.cipherSuite(1);
const open = new BasicIdentityProvider({ policy: acceptAll });

/** A directory-backed AS (the realistic basic-credential setup). */
function directory(): { keys: Map<string, Uint8Array>; idp: BasicIdentityProvider } {
  const keys = new Map<string, Uint8Array>();
  return { keys, idp: new BasicIdentityProvider({ policy: directoryPolicy((id) => keys.get(toHex(id))) }) };
}

/** Alice's KeyPackage, registered in a directory. */
async function alice(cs: CipherSuiteProvider = cs1, grease = true) {
  const sig = await cs.signatureGenerateKeyPair();
  const created = await createKeyPackage({
    cs,
    credential: { credentialType: 1, identity: utf8("alice") },
    signaturePrivateKey: sig.privateKey,
    now: NOW,
    grease,
  });
  const dir = directory();
  dir.keys.set(toHex(utf8("alice")), sig.publicKey);
  return { ...created, sk: sig.privateKey, ...dir };
}

/** `kp` with leaf and KeyPackage fields replaced, both signatures made again with `sk`. */
async function resign(
  cs: CipherSuiteProvider,
  sk: Uint8Array,
  kp: KeyPackage,
  leafPatch: Partial<LeafNodeContent> = {},
  kpPatch: Partial<KeyPackageTBS> = {},
): Promise<KeyPackage> {
  const { signature: _l, ...content } = kp.leafNode;
  const leafNode = await signLeafNode(cs, sk, { ...content, ...leafPatch } as LeafNodeContent, { groupId: new Uint8Array(1), leafIndex: 0 as never });
  const { signature: _k, ...tbs } = kp;
  return signKeyPackage(cs, sk, { ...tbs, leafNode, ...kpPatch });
}

async function expectRejected(p: Promise<unknown>, code: string, section: string): Promise<ValidationError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(ValidationError.isInstance(e), `expected ${code}, got ${String(e)}`).toBe(true);
  expect((e as ValidationError).code).toBe(code);
  expect((e as ValidationError).rfcSection).toBe(section);
  return e as ValidationError;
}

const policy = { lifetime: { now: NOW } };

describe("KeyPackage round trip: create → encode → decode → validate", () => {
  it.each([1, 2, 3, 4, 5, 6, 7])("noble, suite %i", async (suite) => {
    const cs = await noble.cipherSuite(suite);
    const a = await alice(cs);
    const decoded = decodeKeyPackage(a.encoded);
    expect(decoded).toEqual(a.keyPackage);
    expect(encode(keyPackageCodec, decoded)).toEqual(a.encoded);
    const { keyPackage, identity } = await validateKeyPackage(cs, decoded, { identityProvider: a.idp, ...policy });
    expect(keyPackage).toBe(decoded);
    expect(identity.identity).toEqual(utf8("alice"));
  });

  it("webcrypto, suite 1 (and noble validates what webcrypto made)", async () => {
    const cs = await webCryptoProvider().cipherSuite(1);
    const a = await alice(cs);
    const decoded = decodeKeyPackage(a.encoded);
    await validateKeyPackage(cs, decoded, { identityProvider: a.idp, ...policy });
    await validateKeyPackage(cs1, decoded, { identityProvider: a.idp, ...policy });
  });
});

describe("GREASE is tolerated (§13.4, §13.5)", () => {
  it("a KeyPackage with GREASE in every allowed field validates, in and out of a group", async () => {
    const a = await alice(cs1, false);
    const g = (i: number, n = 3) => GREASE_VALUES.slice(i, i + n);
    const kp = await resign(
      cs1,
      a.sk,
      a.keyPackage,
      {
        capabilities: {
          versions: [1],
          cipherSuites: [...g(0), 1, ...g(5)],
          extensions: [...GREASE_VALUES],
          proposals: [...g(3), 0xff01],
          credentials: [...g(8), 1],
          // default types listed (senders MUST NOT, receivers still accept).
        },
        extensions: [
          { extensionType: 0x0a0a, extensionData: new Uint8Array(7) },
          { extensionType: 0xeaea, extensionData: new Uint8Array(0) },
        ],
      },
      {
        extensions: [
          { extensionType: 0x5a5a, extensionData: utf8("grease") },
          { extensionType: 0x6a6a, extensionData: new Uint8Array(200) },
        ],
      },
    );
    const decoded = decodeKeyPackage(encode(keyPackageCodec, kp));
    await validateKeyPackage(cs1, decoded, { identityProvider: a.idp, ...policy });
    const bob = await alice(cs1);
    const tree = await RatchetTree.create(cs1, bob.keyPackage.leafNode);
    const required = { extensionType: 3, extensionData: encodeBytes(requiredCapabilitiesCodec, { extensionTypes: [], proposalTypes: [0xff01], credentialTypes: [1] }) };
    const group = leafNodeGroupOf({ groupId: utf8("g"), version: 1, extensions: [required] }, tree);
    await validateKeyPackage(cs1, decoded, { identityProvider: a.idp, group, ...policy });
  });

  it("default proposal and extension types listed in capabilities are accepted", async () => {
    const a = await alice(cs1, false);
    const kp = await resign(cs1, a.sk, a.keyPackage, {
      capabilities: { versions: [1], cipherSuites: [1], extensions: [1, 2, 3, 4, 5], proposals: [1, 2, 3, 4, 5, 6, 7], credentials: [1] },
    });
    await validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy });
  });
});

describe("KeyPackage validation rejects (§10.1)", () => {
  it("a version other than the expected one", async () => {
    const a = await alice();
    const kp = await resign(cs1, a.sk, a.keyPackage, {}, { version: 2 });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "key-package/version-mismatch", "10.1");
    // ...and accepts it when that version is expected (e.g. the MLSMessage's, §10).
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, version: 2, ...policy }), "leaf-node/unsupported-capability", "11.1");
    await expectRejected(validateKeyPackage(cs1, a.keyPackage, { identityProvider: a.idp, version: 2, ...policy }), "key-package/version-mismatch", "10.1");
  });

  it("a cipher suite other than the group's", async () => {
    const a = await alice();
    const kp = await resign(cs1, a.sk, a.keyPackage, {}, { cipherSuite: 3 });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "key-package/cipher-suite-mismatch", "10.1");
    const cs3 = await noble.cipherSuite(3);
    await expectRejected(validateKeyPackage(cs3, a.keyPackage, { identityProvider: a.idp, ...policy }), "key-package/cipher-suite-mismatch", "10.1");
  });

  it("an expected suite the provider does not serve is a usage error", async () => {
    const a = await alice();
    const e = await validateKeyPackage(cs1, a.keyPackage, { identityProvider: a.idp, cipherSuite: 2 }).catch((x: unknown) => x);
    expect(UsageError.isInstance(e)).toBe(true);
  });

  it("an init_key that is not a key of the suite", async () => {
    const a = await alice();
    const kp = await resign(cs1, a.sk, a.keyPackage, {}, { initKey: new Uint8Array(31).fill(9) });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "key-package/invalid-init-key", "10");
  });

  it("init_key equal to leaf_node.encryption_key", async () => {
    const a = await alice();
    const kp = await resign(cs1, a.sk, a.keyPackage, {}, { initKey: a.keyPackage.leafNode.encryptionKey });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "key-package/init-key-equals-encryption-key", "10.1");
  });

  it("a tampered KeyPackage signature (bytes flipped on the wire)", async () => {
    const a = await alice();
    const bytes = a.encoded.slice();
    bytes[bytes.length - 1]! ^= 1;
    await expectRejected(validateKeyPackage(cs1, decodeKeyPackage(bytes), { identityProvider: a.idp, ...policy }), "key-package/invalid-signature", "10.1");
  });

  it("a KeyPackage signed by another key", async () => {
    const a = await alice();
    const other = await cs1.signatureGenerateKeyPair();
    const { signature: _s, ...tbs } = a.keyPackage;
    const kp = await signKeyPackage(cs1, other.privateKey, tbs);
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "key-package/invalid-signature", "10.1");
  });

  it("a leaf node whose signature is invalid (KeyPackage signature valid)", async () => {
    const a = await alice();
    const sig = a.keyPackage.leafNode.signature.slice();
    sig[0]! ^= 1;
    const { signature: _s, ...tbs } = a.keyPackage;
    const kp = await signKeyPackage(cs1, a.sk, { ...tbs, leafNode: { ...a.keyPackage.leafNode, signature: sig } });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "leaf-node/invalid-signature", "7.3");
  });

  it("two KeyPackage extensions of one type", async () => {
    const a = await alice(cs1, false);
    const e = { extensionType: 0xff00, extensionData: new Uint8Array(0) };
    const kp = await resign(cs1, a.sk, a.keyPackage, { capabilities: { ...a.keyPackage.leafNode.capabilities, extensions: [0xff00] } }, { extensions: [e, e] });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "key-package/duplicate-extension", "13.4");
  });

  it("a KeyPackage extension its capabilities do not list (unless the interop option allows it)", async () => {
    const a = await alice(cs1, false);
    const kp = await resign(cs1, a.sk, a.keyPackage, {}, { extensions: [{ extensionType: 0x7a7a, extensionData: new Uint8Array(3) }] });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "key-package/unsupported-extension", "10");
    await validateKeyPackage(cs1, kp, { identityProvider: a.idp, allowUnlistedKeyPackageExtensions: true, ...policy });
  });

  it("a leaf node of source update", async () => {
    const a = await alice();
    const { lifetime: _l, ...rest } = a.keyPackage.leafNode;
    const kp = await resign(cs1, a.sk, { ...a.keyPackage, leafNode: { ...rest } }, { leafNodeSource: LeafNodeSource.update });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "leaf-node/wrong-source", "7.3");
  });

  it("an expired leaf node, and one valid only in the future", async () => {
    const a = await alice();
    const life = a.keyPackage.leafNode.lifetime!;
    await expectRejected(validateKeyPackage(cs1, a.keyPackage, { identityProvider: a.idp, lifetime: { now: life.notAfter + 1000n } }), "leaf-node/lifetime", "7.3");
    await expectRejected(validateKeyPackage(cs1, a.keyPackage, { identityProvider: a.idp, lifetime: { now: life.notBefore - 1000n } }), "leaf-node/lifetime", "7.3");
  });

  it("a leaf not supporting the group's required capabilities, or a credential type in use", async () => {
    const a = await alice();
    const bob = await alice();
    const tree = await RatchetTree.create(cs1, bob.keyPackage.leafNode);
    const required = { extensionType: 3, extensionData: encodeBytes(requiredCapabilitiesCodec, { extensionTypes: [0xff00], proposalTypes: [], credentialTypes: [] }) };
    const group = leafNodeGroupOf({ groupId: utf8("g"), version: 1, extensions: [required] }, tree);
    await expectRejected(validateKeyPackage(cs1, a.keyPackage, { identityProvider: a.idp, group, ...policy }), "leaf-node/unsupported-capability", "7.3");
    const x509Group = {
      ...leafNodeGroupOf({ groupId: utf8("g"), version: 1, extensions: [] }, tree),
      members: CredentialTypeSummary.of([
        { credential: { credentialType: 2 }, capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1, 2] } },
      ]),
    };
    await expectRejected(validateKeyPackage(cs1, a.keyPackage, { identityProvider: a.idp, group: x509Group, ...policy }), "leaf-node/unsupported-credential-type", "7.3");
  });

  it("a leaf whose keys are already in the group", async () => {
    const a = await alice();
    const tree = await RatchetTree.create(cs1, a.keyPackage.leafNode);
    const group = leafNodeGroupOf({ groupId: utf8("g"), version: 1, extensions: [] }, tree);
    await expectRejected(validateKeyPackage(cs1, a.keyPackage, { identityProvider: a.idp, group, ...policy }), "leaf-node/duplicate-encryption-key", "7.3");
    const fresh = await cs1.hpkeGenerateKeyPair();
    const kp = await resign(cs1, a.sk, a.keyPackage, { encryptionKey: fresh.publicKey });
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, group, ...policy }), "leaf-node/duplicate-signature-key", "7.3");
  });
});

describe("the Authentication Service", () => {
  it("its rejection propagates unchanged and leaves the KeyPackage untouched", async () => {
    const a = await alice();
    a.keys.set(toHex(utf8("alice")), (await cs1.signatureGenerateKeyPair()).publicKey);
    const kp = decodeKeyPackage(a.encoded);
    const before = encode(keyPackageCodec, kp);
    const e = await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "credential/key-mismatch", "5.3.1");
    expect(e.message).toContain("alice");
    expect(encode(keyPackageCodec, kp)).toEqual(before);
    a.keys.clear();
    await expectRejected(validateKeyPackage(cs1, kp, { identityProvider: a.idp, ...policy }), "credential/unknown-identity", "5.3.1");
    expect(encode(keyPackageCodec, kp)).toEqual(before);
  });

  it("is asked with event key-package, the suite, the signature key and the group, and only after the signatures hold", async () => {
    const a = await alice();
    const calls: CredentialValidationInput[] = [];
    const spy: IdentityProvider = {
      supportedCredentialTypes: () => [1],
      validateCredential: async (input) => {
        calls.push(input);
        return open.validateCredential(input);
      },
      validateExternalSender: (input) => open.validateExternalSender(input),
      identity: (c) => open.identity(c),
      validSuccessor: (p, s) => open.validSuccessor(p, s),
    };
    const bytes = a.encoded.slice();
    bytes[bytes.length - 1]! ^= 1;
    await expectRejected(validateKeyPackage(cs1, decodeKeyPackage(bytes), { identityProvider: spy, ...policy }), "key-package/invalid-signature", "10.1");
    expect(calls).toHaveLength(0);
    const tree = await RatchetTree.fromNodes(cs1, [{ nodeType: NodeType.leaf, leafNode: (await alice()).keyPackage.leafNode }]);
    const group = leafNodeGroupOf({ groupId: utf8("gid"), version: 1, extensions: [] }, tree);
    await validateKeyPackage(cs1, a.keyPackage, { identityProvider: spy, group, ...policy });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.context.event).toBe("key-package");
    expect(calls[0]!.context.group?.groupId).toEqual(utf8("gid"));
    expect(calls[0]!.context.time).toBe(Number(NOW));
    expect(calls[0]!.cipherSuite).toBe(1);
    expect(calls[0]!.signaturePublicKey).toEqual(a.keyPackage.leafNode.signatureKey);
  });
});
