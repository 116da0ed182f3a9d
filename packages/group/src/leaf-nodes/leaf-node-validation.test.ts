/**
 * Leaf node validation (§7.3) for the update and commit sources, and the
 * lifetime policy, against a two-member group (Alice at leaf 0, Bob at leaf 1).
 * Each negative test changes only what its rule looks at, re-signing the leaf.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { encode, toHex, utf8 } from "@mlskit/codec";
import { BasicIdentityProvider, type CredentialValidationInput, type Extension, type IdentityProvider, ValidationError, acceptAll, directoryPolicy } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { type LeafIndex, type LeafNode, type LeafNodeContent, LeafNodeSource, NodeType, RatchetTree, encodeLeafNode, signLeafNode } from "@mlskit/ratchet-tree";
import { CredentialTypeSummary } from "./capabilities.js";
import { requiredCapabilitiesCodec } from "../extensions/extensions.js";
import { createKeyPackage } from "../key-packages/key-package-create.js";
import { DEFAULT_MAX_LIFETIME_SECONDS, type LeafNodeGroup, type LeafNodeValidationOptions, leafNodeGroupOf, validateLeafNode } from "./leaf-node-validation.js";

const cs = await nobleCryptoProvider().cipherSuite(1);
const NOW = 1_700_000_000n;
const groupId = utf8("group-1");
const BOB = 1 as LeafIndex;

interface Member {
  leaf: LeafNode;
  sk: Uint8Array;
}

const keys = new Map<string, Uint8Array>();
const idp = new BasicIdentityProvider({ policy: directoryPolicy((id) => keys.get(toHex(id))) });
let alice: Member;
let bob: Member;
let tree: RatchetTree;
let group: LeafNodeGroup;

async function member(name: string): Promise<Member> {
  const { keyPackage, privateKeys } = await createKeyPackage({ cs, credential: { credentialType: 1, identity: utf8(name) }, now: NOW });
  keys.set(toHex(utf8(name)), keyPackage.leafNode.signatureKey);
  return { leaf: keyPackage.leafNode, sk: privateKeys.signaturePrivateKey! };
}

beforeAll(async () => {
  alice = await member("alice");
  bob = await member("bob");
  tree = await RatchetTree.fromNodes(cs, [{ nodeType: NodeType.leaf, leafNode: alice.leaf }, undefined, { nodeType: NodeType.leaf, leafNode: bob.leaf }]);
  group = leafNodeGroupOf({ groupId, version: 1, extensions: [] }, tree);
});

/** Bob's new leaf for an Update (or a Commit with `parentHash`), with a fresh encryption key, signed for leaf 1. */
async function bobLeaf(patch: Partial<LeafNodeContent> & { source?: number } = {}, signWith?: { sk?: Uint8Array; groupId?: Uint8Array; leafIndex?: number }): Promise<LeafNode> {
  const { signature: _s, lifetime: _l, ...content } = bob.leaf;
  const fresh = await cs.hpkeGenerateKeyPair();
  const { source = LeafNodeSource.update, ...rest } = patch;
  const c = {
    ...content,
    encryptionKey: fresh.publicKey,
    leafNodeSource: source,
    ...(source === LeafNodeSource.commit ? { parentHash: new Uint8Array(32).fill(7) } : {}),
    ...rest,
  } as LeafNodeContent;
  return signLeafNode(cs, signWith?.sk ?? bob.sk, c, { groupId: signWith?.groupId ?? groupId, leafIndex: (signWith?.leafIndex ?? BOB) as LeafIndex });
}

function updateOptions(over: Partial<Extract<LeafNodeValidationOptions, { source: 2 | 3 }>> = {}): LeafNodeValidationOptions {
  return { identityProvider: idp, source: LeafNodeSource.update, group, leafIndex: BOB, replaces: bob.leaf, ...over } as LeafNodeValidationOptions;
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

const required = (extensionTypes: number[], proposalTypes: number[] = [], credentialTypes: number[] = []): Extension => ({
  extensionType: 3,
  extensionData: encode(requiredCapabilitiesCodec, { extensionTypes, proposalTypes, credentialTypes }),
});

describe("valid leaves", () => {
  it("an Update leaf validates, returns the identity, and nothing is modified", async () => {
    const leaf = await bobLeaf();
    const before = encodeLeafNode(leaf);
    const treeBefore = tree.encode();
    const id = await validateLeafNode(cs, leaf, updateOptions());
    expect(id.identity).toEqual(utf8("bob"));
    expect(encodeLeafNode(leaf)).toEqual(before);
    expect(tree.encode()).toEqual(treeBefore);
  });

  it("a Commit leaf validates, keeping its signature key; the expected parent hash is compared", async () => {
    const leaf = await bobLeaf({ source: LeafNodeSource.commit });
    await validateLeafNode(cs, leaf, updateOptions({ source: LeafNodeSource.commit }));
    await validateLeafNode(cs, leaf, updateOptions({ source: LeafNodeSource.commit, expectedParentHash: new Uint8Array(32).fill(7) }));
    await expectRejected(
      validateLeafNode(cs, leaf, updateOptions({ source: LeafNodeSource.commit, expectedParentHash: new Uint8Array(32) })),
      "leaf-node/parent-hash-mismatch",
      "7.9.2",
    );
  });

  it("passes the event and group to the AS", async () => {
    const calls: CredentialValidationInput[] = [];
    const open = new BasicIdentityProvider({ policy: acceptAll });
    const spy: IdentityProvider = {
      supportedCredentialTypes: () => [1],
      validateCredential: async (i) => (calls.push(i), open.validateCredential(i)),
      validateExternalSender: (i) => open.validateExternalSender(i),
      identity: (c) => open.identity(c),
      validSuccessor: (p, s) => open.validSuccessor(p, s),
    };
    await validateLeafNode(cs, await bobLeaf(), updateOptions({ identityProvider: spy }));
    await validateLeafNode(cs, await bobLeaf({ source: 3 }), updateOptions({ identityProvider: spy, source: 3 }));
    await validateLeafNode(cs, await bobLeaf({ source: 3 }), updateOptions({ identityProvider: spy, source: 3, credentialEvent: "external-commit", credentialTime: 5 }));
    expect(calls.map((c) => c.context.event)).toEqual(["update", "commit", "external-commit"]);
    expect(calls[0]!.context.group?.groupId).toEqual(groupId);
    expect(calls[2]!.context.time).toBe(5);
  });
});

describe("leaf_node_source (§7.3)", () => {
  it("an update leaf in a Commit, a commit leaf in an Update, and a key_package leaf in either", async () => {
    await expectRejected(validateLeafNode(cs, await bobLeaf(), updateOptions({ source: 3 })), "leaf-node/wrong-source", "7.3");
    await expectRejected(validateLeafNode(cs, await bobLeaf({ source: 3 }), updateOptions()), "leaf-node/wrong-source", "7.3");
    await expectRejected(validateLeafNode(cs, bob.leaf, updateOptions()), "leaf-node/wrong-source", "7.3");
    await expectRejected(validateLeafNode(cs, await bobLeaf(), { identityProvider: idp, source: LeafNodeSource.key_package }), "leaf-node/wrong-source", "7.3");
  });

  it("fields of the source present, and no others (§7.2)", async () => {
    const commit = await bobLeaf({ source: 3 });
    const { parentHash: _p, ...noParentHash } = commit;
    await expectRejected(validateLeafNode(cs, noParentHash, updateOptions({ source: 3 })), "leaf-node/missing-parent-hash", "7.2");
    const { lifetime: _l, ...noLifetime } = alice.leaf;
    await expectRejected(validateLeafNode(cs, noLifetime, { identityProvider: idp, source: 1 }), "leaf-node/missing-lifetime", "7.2");
    const withLifetime = { ...(await bobLeaf()), lifetime: { notBefore: 0n, notAfter: 1n } };
    await expectRejected(validateLeafNode(cs, withLifetime, updateOptions()), "leaf-node/malformed", "7.2");
  });
});

describe("signature (§7.3, §7.2)", () => {
  it("bound to the group and the sender's leaf index", async () => {
    await expectRejected(validateLeafNode(cs, await bobLeaf({}, { leafIndex: 0 }), updateOptions()), "leaf-node/invalid-signature", "7.3");
    await expectRejected(validateLeafNode(cs, await bobLeaf({}, { groupId: utf8("other") }), updateOptions()), "leaf-node/invalid-signature", "7.3");
    await expectRejected(validateLeafNode(cs, await bobLeaf({ source: 3 }, { leafIndex: 2 }), updateOptions({ source: 3 })), "leaf-node/invalid-signature", "7.3");
  });

  it("made with the leaf's signature key", async () => {
    const other = await cs.signatureGenerateKeyPair();
    await expectRejected(validateLeafNode(cs, await bobLeaf({}, { sk: other.privateKey }), updateOptions()), "leaf-node/invalid-signature", "7.3");
    const leaf = await bobLeaf();
    const sig = leaf.signature.slice();
    sig[10]! ^= 0x80;
    await expectRejected(validateLeafNode(cs, { ...leaf, signature: sig }, updateOptions()), "leaf-node/invalid-signature", "7.3");
  });
});

describe("keys", () => {
  it("an encryption_key of the wrong size for the suite (§5.1.1)", async () => {
    await expectRejected(validateLeafNode(cs, await bobLeaf({ encryptionKey: new Uint8Array(33) }), updateOptions()), "leaf-node/invalid-encryption-key", "5.1.1");
  });

  it("an Update keeping the replaced leaf's encryption_key (§7.3); a Commit doing so (§12.4.2)", async () => {
    await expectRejected(validateLeafNode(cs, await bobLeaf({ encryptionKey: bob.leaf.encryptionKey }), updateOptions()), "leaf-node/duplicate-encryption-key", "7.3");
    await expectRejected(
      validateLeafNode(cs, await bobLeaf({ source: 3, encryptionKey: bob.leaf.encryptionKey }), updateOptions({ source: 3 })),
      "leaf-node/duplicate-encryption-key",
      "12.4.2",
    );
    // Without `replaces`, the tree's key index catches it too.
    const { replaces: _r, ...rest } = updateOptions() as Extract<LeafNodeValidationOptions, { source: 2 | 3 }>;
    await expectRejected(validateLeafNode(cs, await bobLeaf({ encryptionKey: bob.leaf.encryptionKey }), rest), "leaf-node/duplicate-encryption-key", "7.3");
  });

  it("an encryption_key or signature_key used by another member (§7.3)", async () => {
    await expectRejected(validateLeafNode(cs, await bobLeaf({ encryptionKey: alice.leaf.encryptionKey }), updateOptions()), "leaf-node/duplicate-encryption-key", "7.3");
    keys.set(toHex(utf8("bob")), alice.leaf.signatureKey);
    try {
      const stolen = await bobLeaf({ signatureKey: alice.leaf.signatureKey }, { sk: alice.sk });
      await expectRejected(validateLeafNode(cs, stolen, updateOptions()), "leaf-node/duplicate-signature-key", "7.3");
    } finally {
      keys.set(toHex(utf8("bob")), bob.leaf.signatureKey);
    }
  });
});

describe("capabilities", () => {
  const caps = () => bob.leaf.capabilities;

  it("the group's version and cipher suite (§11.1)", async () => {
    await expectRejected(validateLeafNode(cs, await bobLeaf({ capabilities: { ...caps(), cipherSuites: [2, 3] } }), updateOptions()), "leaf-node/unsupported-capability", "11.1");
    await expectRejected(validateLeafNode(cs, await bobLeaf({ capabilities: { ...caps(), versions: [2] } }), updateOptions()), "leaf-node/unsupported-capability", "11.1");
  });

  it("its own credential type (§7.2)", async () => {
    await expectRejected(validateLeafNode(cs, await bobLeaf({ capabilities: { ...caps(), credentials: [2] } }), updateOptions()), "leaf-node/unsupported-credential-type", "7.2");
  });

  it("credential types in use by the other members, and support of its own by all of them (§7.3)", async () => {
    const x509Member = { credential: { credentialType: 2 }, capabilities: { ...caps(), credentials: [1, 2] } };
    const withX509 = { ...group, members: CredentialTypeSummary.fromTree(tree).with(x509Member) };
    await expectRejected(validateLeafNode(cs, await bobLeaf(), updateOptions({ group: withX509 })), "leaf-node/unsupported-credential-type", "7.3");
    await validateLeafNode(cs, await bobLeaf({ capabilities: { ...caps(), credentials: [1, 2] } }), updateOptions({ group: withX509 }));
    const basicless = { ...group, members: CredentialTypeSummary.of([{ credential: { credentialType: 2 }, capabilities: { ...caps(), credentials: [2] } }]) };
    await expectRejected(
      validateLeafNode(cs, await bobLeaf({ capabilities: { ...caps(), credentials: [1, 2] } }), updateOptions({ group: basicless, replaces: undefined as never })),
      "leaf-node/unsupported-credential-type",
      "7.3",
    );
  });

  it("the group's required_capabilities (§7.3) and GroupContext extensions (§13.4)", async () => {
    const g = (extensions: Extension[]) => ({ ...group, extensions });
    await expectRejected(validateLeafNode(cs, await bobLeaf(), updateOptions({ group: g([required([0xff00])]) })), "leaf-node/unsupported-capability", "7.3");
    await expectRejected(validateLeafNode(cs, await bobLeaf(), updateOptions({ group: g([required([], [0xff01])]) })), "leaf-node/unsupported-capability", "7.3");
    await expectRejected(validateLeafNode(cs, await bobLeaf(), updateOptions({ group: g([required([], [], [2])]) })), "leaf-node/unsupported-capability", "7.3");
    await expectRejected(
      validateLeafNode(cs, await bobLeaf(), updateOptions({ group: g([{ extensionType: 0xff00, extensionData: new Uint8Array(0) }]) })),
      "leaf-node/unsupported-capability",
      "13.4",
    );
    const capable = { ...caps(), extensions: [...caps().extensions, 0xff00], proposals: [0xff01], credentials: [...caps().credentials, 2] };
    await validateLeafNode(
      cs,
      await bobLeaf({ capabilities: capable }),
      updateOptions({ group: g([required([0xff00], [0xff01], [1, 2]), { extensionType: 0xff00, extensionData: new Uint8Array(0) }]) }),
    );
  });

  it("its extensions listed (§7.3) and unique (§13.4)", async () => {
    const e = (t: number) => ({ extensionType: t, extensionData: new Uint8Array(0) });
    await expectRejected(validateLeafNode(cs, await bobLeaf({ extensions: [e(0xff07)] }), updateOptions()), "leaf-node/unsupported-extension", "7.3");
    await expectRejected(validateLeafNode(cs, await bobLeaf({ extensions: [e(1), e(1)] }), updateOptions()), "leaf-node/duplicate-extension", "13.4");
    await validateLeafNode(cs, await bobLeaf({ extensions: [e(1)] }), updateOptions());
  });
});

describe("lifetime (§7.2, §7.3)", () => {
  const kpOptions = (lifetime: LeafNodeValidationOptions["lifetime"]): LeafNodeValidationOptions => ({
    identityProvider: idp,
    source: LeafNodeSource.key_package,
    ...(lifetime !== undefined ? { lifetime } : {}),
  });
  async function withLifetime(notBefore: bigint, notAfter: bigint): Promise<LeafNode> {
    const { signature: _s, ...content } = alice.leaf;
    return signLeafNode(cs, alice.sk, { ...content, lifetime: { notBefore, notAfter } });
  }

  it("within the window, with clock skew at both ends", async () => {
    const leaf = await withLifetime(NOW, NOW + 100n);
    await validateLeafNode(cs, leaf, kpOptions({ now: NOW }));
    await validateLeafNode(cs, leaf, kpOptions({ now: new Date(Number(NOW - 200n) * 1000) }));
    await validateLeafNode(cs, leaf, kpOptions({ now: Number(NOW + 400n) }));
    await expectRejected(validateLeafNode(cs, leaf, kpOptions({ now: NOW - 301n })), "leaf-node/lifetime", "7.3");
    await expectRejected(validateLeafNode(cs, leaf, kpOptions({ now: NOW + 401n })), "leaf-node/lifetime", "7.3");
    await expectRejected(validateLeafNode(cs, leaf, kpOptions({ now: NOW + 101n, clockSkew: 0 })), "leaf-node/lifetime", "7.3");
  });

  it("an expired leaf passes when the current time is not checked (received messages, §7.3)", async () => {
    const leaf = await withLifetime(NOW, NOW + 100n);
    await validateLeafNode(cs, leaf, kpOptions({ now: NOW + 10_000n, checkCurrentTime: false }));
  });

  it("defaults to the real clock", async () => {
    const now = BigInt(Math.floor(Date.now() / 1000));
    await validateLeafNode(cs, await withLifetime(now - 10n, now + 10n), kpOptions(undefined));
    await expectRejected(validateLeafNode(cs, await withLifetime(now - 10_000n, now - 5000n), kpOptions(undefined)), "leaf-node/lifetime", "7.3");
  });

  it("not_before after not_after", async () => {
    await expectRejected(validateLeafNode(cs, await withLifetime(NOW + 1n, NOW), kpOptions({ now: NOW })), "leaf-node/lifetime", "7.3");
  });

  it("longer than the application's maximum (§7.2)", async () => {
    const max = BigInt(DEFAULT_MAX_LIFETIME_SECONDS);
    await validateLeafNode(cs, await withLifetime(NOW, NOW + max), kpOptions({ now: NOW }));
    await expectRejected(validateLeafNode(cs, await withLifetime(NOW, NOW + max + 1n), kpOptions({ now: NOW })), "leaf-node/lifetime-too-long", "7.2");
    await expectRejected(validateLeafNode(cs, await withLifetime(NOW, NOW + 11n), kpOptions({ now: NOW, maxLifetime: 10 })), "leaf-node/lifetime-too-long", "7.2");
    await validateLeafNode(cs, await withLifetime(0n, 2n ** 64n - 1n), kpOptions({ now: NOW, maxLifetime: Infinity }));
  });
});

describe("the credential (§5.3.1)", () => {
  it("an AS rejection propagates, and the tree and leaf are untouched", async () => {
    const leaf = await bobLeaf({ credential: { credentialType: 1, identity: utf8("nobody") } });
    const before = encodeLeafNode(leaf);
    const treeBefore = tree.encode();
    await expectRejected(validateLeafNode(cs, leaf, updateOptions({ replaces: undefined as never })), "credential/unknown-identity", "5.3.1");
    expect(encodeLeafNode(leaf)).toEqual(before);
    expect(tree.encode()).toEqual(treeBefore);
  });

  it("a new credential that is not a valid successor of the replaced one", async () => {
    keys.set(toHex(utf8("mallory")), bob.leaf.signatureKey);
    const leaf = await bobLeaf({ credential: { credentialType: 1, identity: utf8("mallory") } });
    await expectRejected(validateLeafNode(cs, leaf, updateOptions()), "credential/invalid-successor", "5.3.1");
  });
});
