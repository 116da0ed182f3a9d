/** Test helpers for the framing tests (excluded from the package build). */
import { type CipherSuiteProvider, type CryptoProvider, ExtensionType, type KeyPair } from "@mlskit/core";
import { type GroupContext, SecretTree } from "@mlskit/key-schedule";
import type { LeafIndex, LeafNode } from "@mlskit/ratchet-tree";
import { externalSendersCodec, makeExtension } from "../extensions/extensions.js";
import { type FramingContext, type MemberLookup, createFramingContext } from "./framing-context.js";

/** The suite's provider, or why this provider cannot serve it here (reported as a skip). */
export async function openSuite(provider: CryptoProvider, suite: number): Promise<CipherSuiteProvider | string> {
  if ((await provider.supportedCipherSuites()).includes(suite)) return provider.cipherSuite(suite);
  return provider.cipherSuite(suite).then(
    () => `suite ${suite} not listed as supported by ${provider.name}`,
    (e: unknown) => `suite ${suite}: ${e instanceof Error ? e.message.split(". ")[0]! : String(e)}`,
  );
}

/** A member lookup over a fixed list of signature keys (`undefined` = blank leaf). */
export function membersOf(keys: readonly (Uint8Array | undefined)[]): MemberLookup {
  return { leafCount: keys.length, signatureKey: (leaf: LeafIndex) => keys[leaf] };
}

/** A GroupContext (empty extensions by default, as the message-protection vectors build it). */
export function groupContext(
  cipherSuite: number,
  groupId: Uint8Array,
  epoch: bigint,
  treeHash: Uint8Array,
  confirmedTranscriptHash: Uint8Array,
  extensions: GroupContext["extensions"] = [],
): GroupContext {
  return { version: 1, cipherSuite, groupId, epoch, treeHash, confirmedTranscriptHash, extensions };
}

/**
 * The vectors' signature private key in the providers' canonical encoding.
 * message-protection.json's P-521 case gives its ECDSA scalar as 65 bytes
 * (a minimal big-endian integer with the leading zero byte dropped); the
 * canonical encoding is the fixed-width scalar, `(|uncompressed point| - 1) / 2`
 * bytes, so the scalar is left-padded with zeros. Other keys pass unchanged.
 */
export function canonicalSignaturePrivateKey(cs: CipherSuiteProvider, priv: Uint8Array, pub: Uint8Array): Uint8Array {
  const ecdsa = cs.suite.signature !== 0x0807 && cs.suite.signature !== 0x0808;
  const width = (pub.length - 1) / 2;
  if (!ecdsa || priv.length >= width) return priv;
  const out = new Uint8Array(width);
  out.set(priv, width - priv.length);
  return out;
}

/** A LeafNode whose only meaningful field is `signatureKey` (framing does not validate leaves). */
export function dummyLeafNode(signatureKey: Uint8Array, source: 1 | 3): LeafNode {
  return {
    encryptionKey: new Uint8Array(32).fill(7),
    signatureKey,
    credential: { credentialType: 1, identity: new TextEncoder().encode("dummy") },
    capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] },
    leafNodeSource: source,
    ...(source === 1 ? { lifetime: { notBefore: 0n, notAfter: 2n ** 63n } } : { parentHash: new Uint8Array(32) }),
    extensions: [],
    signature: new Uint8Array(64),
  };
}

/** Key pairs and epoch secrets of a small test group: leaves 0 (alice), 1 (bob), 2 (blank), 3 (carol). */
export interface TestGroup {
  readonly cs: CipherSuiteProvider;
  readonly ctx: FramingContext;
  readonly members: MemberLookup;
  readonly alice: KeyPair;
  readonly bob: KeyPair;
  readonly carol: KeyPair;
  /** The one entry of the group's `external_senders` extension. */
  readonly externalSender: KeyPair;
  /** A client outside the group. */
  readonly outsider: KeyPair;
  readonly membershipKey: Uint8Array;
  readonly senderDataSecret: Uint8Array;
  readonly encryptionSecret: Uint8Array;
  /** A fresh secret tree of the epoch: each call gives an independent copy in the initial state. */
  tree(): SecretTree;
}

/** Creates a {@link TestGroup} in epoch 7 with an `external_senders` extension. */
export async function createTestGroup(cs: CipherSuiteProvider): Promise<TestGroup> {
  const [alice, bob, carol, externalSender, outsider] = (await Promise.all(Array.from({ length: 5 }, () => cs.signatureGenerateKeyPair()))) as [
    KeyPair,
    KeyPair,
    KeyPair,
    KeyPair,
    KeyPair,
  ];
  const extensions = [
    makeExtension(ExtensionType.external_senders, externalSendersCodec, [
      { signatureKey: externalSender.publicKey, credential: { credentialType: 1, identity: new TextEncoder().encode("ds") } },
    ]),
  ];
  const gc = groupContext(cs.suite.id, new TextEncoder().encode("test group"), 7n, cs.randomBytes(cs.hashLength), cs.randomBytes(cs.hashLength), extensions);
  const encryptionSecret = cs.randomBytes(cs.hashLength);
  return {
    cs,
    ctx: createFramingContext(cs, gc),
    members: membersOf([alice.publicKey, bob.publicKey, undefined, carol.publicKey]),
    alice,
    bob,
    carol,
    externalSender,
    outsider,
    membershipKey: cs.randomBytes(cs.hashLength),
    senderDataSecret: cs.randomBytes(cs.hashLength),
    encryptionSecret,
    tree: () => new SecretTree(cs, encryptionSecret, 4),
  };
}
