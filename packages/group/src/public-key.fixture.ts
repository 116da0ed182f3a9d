/**
 * Test helpers for public-key validation (issue 13): bad keys of each class
 * per suite, and a receiver whose state holds everything a rejection must
 * leave alone — a moved ratchet with a retained key, a held next-epoch
 * message, its own pending Commit — with the attacker's genuine messages to
 * process afterwards.
 */
import { expect } from "vitest";
import { toHex, utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, HpkeKemId, SignatureScheme, WireFormat } from "@mlskit/core";
import { type LeafNode, type LeafNodeContent, LeafNodeSource, signLeafNode } from "@mlskit/ratchet-tree";
import { createApplicationMessage } from "./framing/application-message.js";
import { type Commit, type ProposalOrRef, ProposalOrRefType } from "./commit/commit.js";
import { createCommit, mergePendingCommit } from "./commit/commit-create.js";
import { mergeStagedCommit } from "./commit/commit-process.js";
import { ContentType } from "./framing/content-type.js";
import { type TestClient, client, join, kpOf, newGroup } from "./group.fixture.js";
import type { GroupPolicyInput } from "./policy/group-policy.js";
import type { GroupState } from "./state/group-state.js";
import { type KeyPackage, signKeyPackage } from "./key-packages/key-package.js";
import { decodeMlsMessage } from "./framing/mls-message.js";
import { processEarlyMessages, processMessage } from "./receive/message-process.js";
import { frameHandshake } from "./proposals/proposal-create.js";
import type { Proposal } from "./proposals/proposal.js";
import { validationErrorOf } from "./rejection.fixture.js";
import { decodeGroupState, encodeGroupState } from "./state/group-state-codec.js";

/** A named bad key. */
export interface BadKey {
  readonly what: string;
  readonly key: Uint8Array;
}

const zeros = (n: number): Uint8Array => new Uint8Array(n);
const r = (byte: string, n: number): string => byte.repeat(n);
const hexBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));

/** The SEC1 compressed form of an uncompressed point. */
export function compress(pk: Uint8Array): Uint8Array {
  const n = (pk.length - 1) / 2;
  const out = pk.slice(0, 1 + n);
  out[0] = 0x02 | (pk[pk.length - 1]! & 1);
  return out;
}

/** `pk` with its last byte changed: for a NIST point, a point off the curve. */
export function offCurve(pk: Uint8Array): Uint8Array {
  const out = pk.slice();
  out[out.length - 1]! ^= 1;
  return out;
}

/**
 * HPKE public keys of the suite's KEM that RFC 9180 §7.1.1 DeserializePublicKey
 * refuses: for X25519 a low-order point, the all-zero key and a truncated
 * key; for P-256 a point off the curve, a compressed point, the all-zero
 * string and a truncated key.
 */
export async function badHpkeKeys(cs: CipherSuiteProvider): Promise<BadKey[]> {
  const { publicKey } = await cs.hpkeGenerateKeyPair();
  const truncated = { what: "truncated key", key: publicKey.slice(0, publicKey.length - 1) };
  switch (cs.suite.kem) {
    case HpkeKemId.DHKEM_X25519_HKDF_SHA256:
      return [
        { what: "low-order X25519 point (order 8)", key: hexBytes("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800") },
        { what: "all-zero X25519 key", key: zeros(32) },
        truncated,
      ];
    case HpkeKemId.DHKEM_P256_HKDF_SHA256:
      return [
        { what: "P-256 point off the curve", key: offCurve(publicKey) },
        { what: "compressed P-256 point", key: compress(publicKey) },
        { what: "all-zero P-256 key", key: zeros(65) },
        truncated,
      ];
    default:
      throw new Error(`no bad keys for suite ${cs.suite.id}`);
  }
}

/**
 * Signature keys a member could put in its leaf while signing with its real
 * private key (`realPublicKey`'s): a compressed or off-curve ECDSA point
 * (RFC 9420 §5.1.1), an Ed25519 encoding that is no point, the neutral point.
 */
export function badSignatureKeys(cs: CipherSuiteProvider, realPublicKey: Uint8Array): BadKey[] {
  switch (cs.suite.signature) {
    case SignatureScheme.ed25519:
      return [
        { what: "Ed25519 encoding that is not a point", key: hexBytes("02" + r("00", 31)) },
        { what: "small-order Ed25519 key (the neutral point)", key: hexBytes("01" + r("00", 31)) },
      ];
    case SignatureScheme.ecdsa_secp256r1_sha256:
      return [
        { what: "compressed P-256 key", key: compress(realPublicKey) },
        { what: "P-256 key off the curve", key: offCurve(realPublicKey) },
      ];
    default:
      throw new Error(`no bad signature keys for suite ${cs.suite.id}`);
  }
}

/** `kp` with leaf and KeyPackage fields replaced and both signatures made again with `sk` (valid signatures). */
export async function resignKeyPackage(
  cs: CipherSuiteProvider,
  sk: Uint8Array,
  kp: KeyPackage,
  leafPatch: Partial<LeafNodeContent> = {},
  kpPatch: { initKey?: Uint8Array } = {},
): Promise<KeyPackage> {
  const { signature: _l, ...content } = kp.leafNode;
  const leafNode = await signLeafNode(cs, sk, { ...content, ...leafPatch });
  const { signature: _k, ...tbs } = kp;
  return signKeyPackage(cs, sk, { ...tbs, leafNode, ...kpPatch });
}

export const byValue = (proposal: Proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal });
export const byRef = (reference: Uint8Array): ProposalOrRef => ({ type: ProposalOrRefType.reference, reference });

/**
 * A group of Alice (leaf 0), Bob (leaf 1, the attacker) and Carol (leaf 2) in
 * epoch 1, handshakes as PrivateMessages, and Alice's state as a receiver
 * with everything to keep: Bob's second message read first (his first one's
 * key retained, §9.2), Bob's message of epoch 2 held (§15.3), and her own
 * Commit pending. Bob's genuine messages come with it.
 */
export interface Scenario {
  readonly cs: CipherSuiteProvider;
  readonly clients: { readonly alice: TestClient; readonly bob: TestClient; readonly carol: TestClient; readonly dave: TestClient };
  /** Alice, the receiver. */
  readonly alice: GroupState;
  /** Bob in epoch 1 (his Commit below not merged). */
  readonly bob: GroupState;
  readonly carol: GroupState;
  /** Bob's genuine messages: `m0` (its key retained by Alice), `m2` (not yet seen), his Commit `commit`, and `held` (epoch 2, held by Alice). */
  readonly genuine: { readonly m0: Uint8Array; readonly m2: Uint8Array; readonly commit: Uint8Array; readonly held: Uint8Array };
}

const PRIVATE: GroupPolicyInput = { handshakeWireFormat: "private" };

export async function scenario(cs: CipherSuiteProvider): Promise<Scenario> {
  const [aliceC, bobC, carolC, daveC] = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n)));
  let alice = await newGroup(cs, aliceC!, PRIVATE);
  const add = await createCommit(alice, { proposals: [{ add: kpOf(bobC!) }, { add: kpOf(carolC!) }] });
  alice = mergePendingCommit(add.state);
  const [bob, carol] = await Promise.all([join(cs, bobC!, add.welcome!, PRIVATE), join(cs, carolC!, add.welcome!, PRIVATE)]);
  // Bob's second message first: his first one's key stays retained at Alice (§9.2).
  const m0 = await createApplicationMessage(bob, utf8("m0"));
  const m1 = await createApplicationMessage(bob, utf8("m1"));
  alice = (await processMessage(alice, m1)).state;
  // Bob's genuine Commit, merged on his side, and his message of epoch 2 reaching Alice before it (held, §15.3).
  const commit = await createCommit(bob, { forcePath: true });
  const held = await createApplicationMessage(mergePendingCommit(commit.state), utf8("held"));
  const r = await processMessage(alice, held);
  expect(r.kind).toBe("buffered");
  alice = r.state;
  // Alice's own Commit, pending (§12.4.1: not merged before the DS confirms it).
  alice = (await createCommit(alice, { forcePath: true })).state;
  const m2 = await createApplicationMessage(bob, utf8("m2"));
  expect(alice.earlyMessages.length).toBe(1);
  expect(alice.pendingCommit).toBeDefined();
  return {
    cs,
    clients: { alice: aliceC!, bob: bobC!, carol: carolC!, dave: daveC! },
    alice,
    bob,
    carol,
    genuine: { m0, m2, commit: commit.commit, held },
  };
}

/** An independent copy of `state` through its stored encoding (so each case starts from the same bytes). */
export function copyOf(state: GroupState): Promise<GroupState> {
  return decodeGroupState(encodeGroupState(state), { cs: state.cs, policy: state.policy, services: state.services }, state.pastEpochs);
}

/** The Commit of a PublicMessage. */
export function commitOf(message: Uint8Array): Commit {
  const m = decodeMlsMessage(message);
  if (m.wireFormat !== WireFormat.mls_public_message || m.publicMessage.content.contentType !== ContentType.commit) throw new Error("not a public commit");
  return m.publicMessage.content.commit;
}

/** `from` frames a Commit per its policy (the confirmation tag is bogus: the key checks come before it). */
export async function forgeCommit(from: GroupState, commit: Commit): Promise<Uint8Array> {
  const framed = await frameHandshake(from, { contentType: ContentType.commit, commit }, { confirmationTag: new Uint8Array(from.cs.hashLength) });
  return framed.message;
}

/** A genuine path Commit of `from`, with its UpdatePath changed by `mutate`, framed per `from`'s policy. */
export async function pathCommit(from: GroupState, mutate: (path: NonNullable<Commit["path"]>) => Promise<NonNullable<Commit["path"]>>): Promise<Uint8Array> {
  const valid = await createCommit({ ...from, policy: { ...from.policy, handshakeWireFormat: "public" } }, { forcePath: true, includePending: false });
  const commit = commitOf(valid.commit);
  return forgeCommit(from, { ...commit, path: await mutate(commit.path!) });
}

/** Fields of a LeafNode to replace; `undefined` removes an optional one. */
export type LeafPatch = { readonly [K in keyof LeafNodeContent]?: LeafNodeContent[K] | undefined };

/** `leaf` with `patch` applied, signed again by `sk` as `state`'s own leaf (with its group context unless from a KeyPackage). */
export function resignLeaf(state: GroupState, sk: Uint8Array, leaf: LeafNode, patch: LeafPatch): Promise<LeafNode> {
  const { signature: _s, ...content } = leaf;
  const fields: Record<string, unknown> = { ...content };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete fields[k];
    else fields[k] = v;
  }
  const next = fields as unknown as LeafNodeContent;
  const ctx = next.leafNodeSource === LeafNodeSource.key_package ? undefined : { groupId: state.groupContext.groupId, leafIndex: state.ownLeaf };
  return signLeafNode(state.cs, sk, next, ctx);
}

/**
 * Processing `message` at `receiver` fails with `code` under `section`; the
 * receiver's stored encoding (ratchet positions, retained keys, held
 * messages and their bytes, pending Commit, proposals, tree) is unchanged,
 * byte for byte; then Bob's genuine messages are read — the retained one,
 * a new one, his Commit (staged and merged) and, after it, the held one.
 */
export async function expectRefusedThenGenuine(s: Scenario, receiver: GroupState, message: Uint8Array, code: string, section: string): Promise<void> {
  const before = encodeGroupState(receiver);
  const e = await validationErrorOf(processMessage(receiver, message));
  expect([e.code, e.rfcSection], e.message).toEqual([code, section]);
  expect(toHex(encodeGroupState(receiver))).toBe(toHex(before));
  await expectGenuineProcessed(s, receiver);
}

/** Bob's genuine messages and Commit are processed by `receiver` (which is then used up). */
export async function expectGenuineProcessed(s: Scenario, receiver: GroupState): Promise<void> {
  let state = receiver;
  for (const [m, text] of [
    [s.genuine.m0, "m0"],
    [s.genuine.m2, "m2"],
  ] as const) {
    const r = await processMessage(state, m);
    expect(r.kind).toBe("application");
    if (r.kind === "application") expect(new TextDecoder().decode(r.data)).toBe(text);
    state = r.state;
  }
  const r = await processMessage(state, s.genuine.commit);
  expect(r.kind).toBe("commit");
  if (r.kind !== "commit") return;
  const merged = mergeStagedCommit(r.staged);
  expect(merged.groupContext.epoch).toBe(receiver.groupContext.epoch + 1n);
  const early = await processEarlyMessages(state, merged);
  expect(early.errors).toEqual([]);
  expect(early.results.map((x) => (x.kind === "application" ? new TextDecoder().decode(x.data) : x.kind))).toEqual(["held"]);
}

export { encodeGroupState };
