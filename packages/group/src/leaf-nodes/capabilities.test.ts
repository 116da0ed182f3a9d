import { describe, expect, it } from "vitest";
import { encode } from "@mlskit/codec";
import { CredentialType, ExtensionType, ValidationError } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { type Capabilities, type LeafIndex, type LeafNode, LeafNodeSource, NodeType, RatchetTree, signLeafNode } from "@mlskit/ratchet-tree";
import {
  CredentialTypeSummary,
  checkCredentialTypeCompatibility,
  checkGroupContextExtensionsSupported,
  checkLeafExtensionsListed,
  checkMembersSupportGroupContextExtensions,
  checkOwnCredentialType,
  checkRequiredCapabilities,
  checkVersionAndCipherSuite,
  defaultCapabilities,
  requiredCapabilitiesOf,
  supportsExtension,
  supportsProposal,
} from "./capabilities.js";
import { requiredCapabilitiesCodec } from "../extensions/extensions.js";

function expectValidation(fn: () => unknown, code: string, section: string): void {
  try {
    fn();
  } catch (e) {
    expect(ValidationError.isInstance(e), String(e)).toBe(true);
    expect((e as ValidationError).code).toBe(code);
    expect((e as ValidationError).rfcSection).toBe(section);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

const caps = (over: Partial<Capabilities> = {}): Capabilities => ({
  versions: [1],
  cipherSuites: [1],
  extensions: [],
  proposals: [],
  credentials: [CredentialType.basic],
  ...over,
});
const holder = (credentialType: number, c: Partial<Capabilities> = {}) => ({ credential: { credentialType }, capabilities: caps(c) });
const reqExt = (extensionTypes: number[], proposalTypes: number[] = [], credentialTypes: number[] = []) => ({
  extensionType: ExtensionType.required_capabilities,
  extensionData: encode(requiredCapabilitiesCodec, { extensionTypes, proposalTypes, credentialTypes }),
});

describe("defaultCapabilities (§7.2)", () => {
  it("lists mls10, the suites, basic, and drops default proposal and extension types", () => {
    const c = defaultCapabilities({ cipherSuites: [1, 3, 1], extensions: [1, 2, 0xff00, 0xff00], proposals: [3, 0xff01] });
    expect(c).toEqual({ versions: [1], cipherSuites: [1, 3], extensions: [0xff00], proposals: [0xff01], credentials: [1] });
    expect(defaultCapabilities({ cipherSuites: [2], credentials: [1, 2] }).credentials).toEqual([1, 2]);
  });

  it("treats default types as supported whether listed or not", () => {
    expect(supportsExtension(caps(), ExtensionType.external_senders)).toBe(true);
    expect(supportsExtension(caps({ extensions: [3] }), 3)).toBe(true);
    expect(supportsExtension(caps(), 0xff00)).toBe(false);
    expect(supportsProposal(caps(), 7)).toBe(true);
    expect(supportsProposal(caps(), 8)).toBe(false);
  });
});

describe("required_capabilities (§11.1)", () => {
  it("round-trips and is read from GroupContext extensions", () => {
    const ext = reqExt([0xff00], [0xff01], [2]);
    expect(requiredCapabilitiesOf([ext])).toEqual({ extensionTypes: [0xff00], proposalTypes: [0xff01], credentialTypes: [2] });
    expect(requiredCapabilitiesOf([])).toBeUndefined();
  });

  it("rejects a leaf missing a required extension, proposal or credential type (§7.3)", () => {
    const required = { extensionTypes: [0xff00, 1], proposalTypes: [0xff01, 2], credentialTypes: [1] };
    expect(() => checkRequiredCapabilities(caps({ extensions: [0xff00], proposals: [0xff01] }), required)).not.toThrow();
    expectValidation(() => checkRequiredCapabilities(caps({ proposals: [0xff01] }), required), "leaf-node/unsupported-capability", "7.3");
    expectValidation(() => checkRequiredCapabilities(caps({ extensions: [0xff00] }), required), "leaf-node/unsupported-capability", "7.3");
    expectValidation(
      () => checkRequiredCapabilities(caps({ extensions: [0xff00], proposals: [0xff01] }), { ...required, credentialTypes: [2] }),
      "leaf-node/unsupported-capability",
      "7.3",
    );
  });
});

describe("leaf capability checks", () => {
  it("version and cipher suite must be listed (§11.1)", () => {
    expect(() => checkVersionAndCipherSuite(caps(), 1, 1)).not.toThrow();
    expectValidation(() => checkVersionAndCipherSuite(caps({ versions: [0x0a0a] }), 1, 1), "leaf-node/unsupported-capability", "11.1");
    expectValidation(() => checkVersionAndCipherSuite(caps({ cipherSuites: [2, 0x1a1a] }), 1, 1), "leaf-node/unsupported-capability", "11.1");
  });

  it("the leaf's own credential type must be listed (§7.2)", () => {
    expect(() => checkOwnCredentialType(holder(1))).not.toThrow();
    expectValidation(() => checkOwnCredentialType(holder(2)), "leaf-node/unsupported-credential-type", "7.2");
  });

  it("non-default leaf extensions must be listed and unique (§7.3, §13.4)", () => {
    const e = (t: number) => ({ extensionType: t, extensionData: new Uint8Array(0) });
    expect(() => checkLeafExtensionsListed({ capabilities: caps({ extensions: [0x0a0a] }), extensions: [e(1), e(0x0a0a)] })).not.toThrow();
    expectValidation(() => checkLeafExtensionsListed({ capabilities: caps(), extensions: [e(0x0a0a)] }), "leaf-node/unsupported-extension", "7.3");
    expectValidation(() => checkLeafExtensionsListed({ capabilities: caps(), extensions: [e(1), e(1)] }), "leaf-node/duplicate-extension", "13.4");
  });

  it("every GroupContext extension must be supported (§13.4), and required_capabilities met", () => {
    const gc = [
      { extensionType: 0xff00, extensionData: new Uint8Array(0) },
      { extensionType: ExtensionType.external_senders, extensionData: new Uint8Array([0]) },
    ];
    expect(() => checkGroupContextExtensionsSupported(caps({ extensions: [0xff00] }), gc)).not.toThrow();
    expectValidation(() => checkGroupContextExtensionsSupported(caps(), gc), "leaf-node/unsupported-capability", "13.4");
    expectValidation(() => checkGroupContextExtensionsSupported(caps(), [reqExt([], [0xff01])]), "leaf-node/unsupported-capability", "7.3");
  });
});

describe("credential types in use (§7.3)", () => {
  const group = CredentialTypeSummary.of([holder(1, { credentials: [1, 2] }), holder(2, { credentials: [1, 2] })]);

  it("accepts a leaf supporting all types in use, of a type all support", () => {
    expect(() => checkCredentialTypeCompatibility(holder(1, { credentials: [2, 1, 0x0a0a] }), group)).not.toThrow();
  });

  it("rejects a leaf not supporting a type in use", () => {
    expectValidation(() => checkCredentialTypeCompatibility(holder(1), group), "leaf-node/unsupported-credential-type", "7.3");
  });

  it("rejects a leaf whose type a member does not support", () => {
    const g = CredentialTypeSummary.of([holder(1), holder(1, { credentials: [1, 0xff00] })]);
    expectValidation(() => checkCredentialTypeCompatibility(holder(0xff00, { credentials: [1, 0xff00] }), g), "leaf-node/unsupported-credential-type", "7.3");
  });

  it("without() removes the leaf being replaced; with() adds one", () => {
    const alone = holder(2, { credentials: [2] });
    const g = CredentialTypeSummary.of([holder(1, { credentials: [1, 2] }), alone]);
    // The x509-only member is replaced: its type no longer constrains the new leaf.
    expect(() => checkCredentialTypeCompatibility(holder(1), g)).toThrow();
    expect(() => checkCredentialTypeCompatibility(holder(1), g.without(alone))).not.toThrow();
    expect(g.without(alone).typesInUse()).toEqual([1]);
    expect(g.without(alone).supportedByAll(1)).toBe(true);
    expect(g.supportedByAll(1)).toBe(false);
    expect(g.with(holder(1)).memberCount).toBe(3);
    expect(CredentialTypeSummary.empty().supportedByAll(0xffff)).toBe(true);
  });

  it("fromTree reads the members' credential types and capabilities from the tree", async () => {
    const cs = await nobleCryptoProvider().cipherSuite(1);
    const leaf = async (credentialType: number, credentials: number[]): Promise<LeafNode> => {
      const sig = await cs.signatureGenerateKeyPair();
      const enc = await cs.hpkeGenerateKeyPair();
      return signLeafNode(cs, sig.privateKey, {
        encryptionKey: enc.publicKey,
        signatureKey: sig.publicKey,
        credential: credentialType === 1 ? { credentialType: 1, identity: new Uint8Array([1]) } : { credentialType, body: new Uint8Array([2]) },
        capabilities: caps({ credentials, extensions: [0x0a0a, 0xff00], proposals: [0x1a1a] }),
        leafNodeSource: LeafNodeSource.key_package,
        lifetime: { notBefore: 0n, notAfter: 1n },
        extensions: [],
      });
    };
    const a = await leaf(1, [1, 0xff00, 0x0a0a]);
    const b = await leaf(0xff00, [1, 0xff00]);
    const tree = await RatchetTree.fromNodes(cs, [{ nodeType: NodeType.leaf, leafNode: a }, undefined, { nodeType: NodeType.leaf, leafNode: b }]);
    const s = CredentialTypeSummary.fromTree(tree);
    expect(s.memberCount).toBe(2);
    expect(s.typesInUse().sort()).toEqual([1, 0xff00]);
    expect(s.supportedByAll(0xff00)).toBe(true);
    expect(s.supportedByAll(0x0a0a)).toBe(false);
    const without = CredentialTypeSummary.fromTree(tree, new Set([1 as LeafIndex]));
    expect(without.typesInUse()).toEqual([1]);
    expect(without.supportedByAll(0x0a0a)).toBe(true);
  });
});

describe("GroupContextExtensions against the members (§12.1.7, §13.4)", () => {
  const members = [
    [0 as LeafIndex, holder(1, { extensions: [0xff00], proposals: [0xff01] })],
    [1 as LeafIndex, holder(1, { extensions: [0xff00] })],
  ] as const;

  it("accepts extensions and requirements every member supports", () => {
    expect(() => checkMembersSupportGroupContextExtensions([{ extensionType: 0xff00, extensionData: new Uint8Array(0) }, reqExt([0xff00], [], [1])], members)).not.toThrow();
  });

  it("rejects an extension a member does not support", () => {
    expectValidation(
      () => checkMembersSupportGroupContextExtensions([{ extensionType: 0xff02, extensionData: new Uint8Array(0) }], members),
      "group-context/unsupported-extension",
      "13.4",
    );
  });

  it("rejects a required capability a member lacks", () => {
    expectValidation(() => checkMembersSupportGroupContextExtensions([reqExt([], [0xff01])], members), "group-context/unsupported-required-capability", "12.1.7");
  });
});
