/**
 * SelfRemove (draft-ietf-mls-extensions, proposal type 0x000A): a member
 * proposes its own removal and another member commits it; the rules of a
 * Remove (§12.2) apply to it, and each broken rule is a typed error that
 * leaves the receiver's state unchanged.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decode, encode, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ProposalType, UsageError, ValidationError } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { type Commit, type ProposalOrRef, ProposalOrRefType } from "../commit/commit.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { ContentType } from "../framing/content-type.js";
import { SenderType } from "../framing/sender.js";
import { type TestClient, client, deliver, join, kpOf, newGroup, services } from "../group.fixture.js";
import { joinByExternalCommit } from "../welcome/external-commit.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { defaultCapabilities } from "../leaf-nodes/capabilities.js";
import { createProposal, frameHandshake } from "../proposals/proposal-create.js";
import { type Proposal, proposalCodec } from "../proposals/proposal.js";
import { applyProposalList } from "../proposals/proposal-list.js";
import { processMessage } from "../receive/message-process.js";
import type { GroupState } from "../state/group-state.js";
import { SELF_REMOVE_PROPOSAL_TYPE, groupSupportsSelfRemove, requiresSelfRemove, selfRemoveProposal, withSelfRemoveRequired } from "./self-remove.js";

let cs: CipherSuiteProvider;
let alice: GroupState; // leaf 0
let bob: GroupState; // leaf 1
let carol: GroupState; // leaf 2
let plainAlice: GroupState; // a group that did not opt in (leaf 0)
let plainBob: GroupState; // leaf 1

async function capable(name: string): Promise<TestClient> {
  return client(cs, name, { capabilities: defaultCapabilities({ cipherSuites: [cs.suite.id], proposals: [SELF_REMOVE_PROPOSAL_TYPE] }) });
}

beforeAll(async () => {
  cs = await noblecs();
  const [a, b, c] = await Promise.all([capable("alice"), capable("bob"), capable("carol")]);
  const commit = await createCommit(await newGroup(cs, a, undefined, withSelfRemoveRequired([])), { proposals: [{ add: kpOf(b) }, { add: kpOf(c) }] });
  alice = mergePendingCommit(commit.state);
  [bob, carol] = await Promise.all([join(cs, b, commit.welcome!), join(cs, c, commit.welcome!)]);

  const [pa, pb] = await Promise.all([client(cs, "plain-alice"), client(cs, "plain-bob")]);
  const plain = await createCommit(await newGroup(cs, pa), { proposals: [{ add: kpOf(pb) }] });
  plainAlice = mergePendingCommit(plain.state);
  plainBob = await join(cs, pb, plain.welcome!);
});

const byValue = (proposal: Proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal });
const byRef = (reference: Uint8Array): ProposalOrRef => ({ type: ProposalOrRefType.reference, reference });

/** `from` frames a Commit with the given proposals (a bogus confirmation tag: the list is refused before it matters). */
async function forge(from: GroupState, proposals: readonly ProposalOrRef[]): Promise<Uint8Array> {
  const commit: Commit = { proposals, path: undefined };
  return (await frameHandshake(from, { contentType: ContentType.commit, commit }, { confirmationTag: new Uint8Array(cs.hashLength) })).message;
}

/** Processing `message` fails with `code` under `section`, and the state is unchanged. */
async function expectRejected(state: GroupState, message: Uint8Array, code: string, section: string): Promise<void> {
  const before = { epoch: state.groupContext.epoch, tree: toHex(state.groupContext.treeHash), proposals: [...state.proposals.keys()].sort() };
  const err = await processMessage(state, message).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ValidationError.isInstance(err), String(err)).toBe(true);
  expect((err as ValidationError).code).toBe(code);
  expect((err as ValidationError).rfcSection).toBe(section);
  expect(state.groupContext.epoch).toBe(before.epoch);
  expect(toHex(state.groupContext.treeHash)).toBe(before.tree);
  expect([...state.proposals.keys()].sort()).toEqual(before.proposals);
  expect(state.pendingCommit).toBeUndefined();
}

describe("SelfRemove (draft-ietf-mls-extensions, 0x000A)", () => {
  it("is proposal_type 0x000A with no body on the wire", () => {
    const bytes = encode(proposalCodec, selfRemoveProposal());
    expect(toHex(bytes)).toBe("000a");
    expect(decode(proposalCodec, bytes)).toEqual(selfRemoveProposal());
    expect(() => encode(proposalCodec, { ...selfRemoveProposal(), body: new Uint8Array(1) })).toThrow(UsageError);
  });

  it("the opt-in puts the type in required_capabilities (keeping other entries) and every member supports it", () => {
    expect(requiresSelfRemove(alice.groupContext.extensions)).toBe(true);
    expect(withSelfRemoveRequired(alice.groupContext.extensions)).toEqual(alice.groupContext.extensions);
    expect(groupSupportsSelfRemove(alice.tree)).toBe(true);
    expect(requiresSelfRemove(plainAlice.groupContext.extensions)).toBe(false);
    expect(groupSupportsSelfRemove(plainAlice.tree)).toBe(false);
  });

  it("a member proposes its removal; another member commits it by reference; everyone agrees", async () => {
    const p = await createProposal(bob, { selfRemove: true });
    const a = await deliver(alice, p.message);
    const c = await deliver(carol, p.message);
    const commit = await createCommit(a);
    expect(commit.omitted).toEqual([]);
    const a2 = mergePendingCommit(commit.state);
    const c2 = await deliver(c, commit.commit);
    expect(a2.tree.isLeafBlank(1 as LeafIndex)).toBe(true);
    expect(toHex(c2.groupContext.treeHash)).toBe(toHex(a2.groupContext.treeHash));
    expect(c2.groupContext.epoch).toBe(alice.groupContext.epoch + 1n);
    const r = await processMessage(p.state, commit.commit);
    expect(r.kind).toBe("commit");
    // Bob sees himself removed: the staged Commit has no next state for him.
    if (r.kind === "commit") {
      expect(r.staged.removed.map((x) => x.leafIndex)).toEqual([1]);
      expect(r.staged.state).toBeUndefined();
      expect(() => mergeStagedCommit(r.staged)).toThrow(UsageError);
    }
  });

  it("is sent as a PublicMessage even when the group's handshakes are private", async () => {
    const p = await createProposal({ ...bob, policy: { ...bob.policy, handshakeWireFormat: "private" } }, { selfRemove: true });
    expect((await processMessage(alice, p.message)).kind).toBe("proposal");
  });

  it("refuses a SelfRemove sent as a PrivateMessage (proposal/self-remove-not-public)", async () => {
    const framed = await frameHandshake(
      { ...bob, policy: { ...bob.policy, handshakeWireFormat: "private" } },
      { contentType: ContentType.proposal, proposal: selfRemoveProposal() },
    );
    await expectRejected(alice, framed.message, "proposal/self-remove-not-public", "12.1");
  });

  it("refuses a Commit that also removes the same leaf (the Remove is the invalid one)", async () => {
    const p = await createProposal(bob, { selfRemove: true });
    const a = await deliver(alice, p.message);
    const c = await deliver(carol, p.message);
    await expectRejected(a, await forge(c, [byRef(p.ref), byValue({ proposalType: ProposalType.remove, removed: 1 as LeafIndex })]), "proposal-list/duplicate-leaf", "12.2");
    // The committer leaves the Remove out and commits the SelfRemove (§12.2 committer's mode).
    const rm = await createProposal(c, { remove: 1 as LeafIndex });
    const a2 = await deliver(a, rm.message);
    const commit = await createCommit(a2);
    expect(commit.omitted.map((o) => toHex(o.ref))).toEqual([toHex(rm.ref)]);
    expect(mergePendingCommit(commit.state).tree.isLeafBlank(1 as LeafIndex)).toBe(true);
  });

  it("refuses a Commit that also updates the same leaf", async () => {
    const u = await createProposal(carol, { update: {} });
    const s = await createProposal(u.state, { selfRemove: true });
    let a = await deliver(alice, u.message);
    a = await deliver(a, s.message);
    let b = await deliver(bob, u.message);
    b = await deliver(b, s.message);
    await expectRejected(a, await forge(b, [byRef(u.ref), byRef(s.ref)]), "proposal-list/duplicate-leaf", "12.2");
  });

  it("refuses two SelfRemoves of one member", async () => {
    const s1 = await createProposal(carol, { selfRemove: true });
    const s2 = await createProposal(s1.state, { selfRemove: true });
    const a = await deliver(await deliver(alice, s1.message), s2.message);
    const b = await deliver(await deliver(bob, s1.message), s2.message);
    await expectRejected(a, await forge(b, [byRef(s1.ref), byRef(s2.ref)]), "proposal-list/duplicate-leaf", "12.2");
  });

  it("refuses a Commit of the committer's own SelfRemove", async () => {
    const p = await createProposal(bob, { selfRemove: true });
    const a = await deliver(alice, p.message);
    await expectRejected(a, await forge(p.state, [byRef(p.ref)]), "proposal-list/committer-removed", "12.2");
    // Our own committer leaves it out.
    const own = await createCommit(p.state);
    expect(own.omitted.map((o) => toHex(o.ref))).toEqual([toHex(p.ref)]);
  });

  it("refuses a SelfRemove by value", async () => {
    await expectRejected(alice, await forge(bob, [byValue(selfRemoveProposal())]), "proposal/self-remove-by-value", "12.2");
  });

  it("refuses a SelfRemove by a non-member (an external sender)", async () => {
    const list = [{ proposal: selfRemoveProposal(), sender: { senderType: SenderType.external, senderIndex: 0 } as const, ref: new Uint8Array(32) }];
    const err = await applyProposalList(alice, list, { committer: 0 as LeafIndex, commitSender: { senderType: SenderType.member, leafIndex: 0 as LeafIndex } }).catch(
      (e: unknown) => e,
    );
    expect((err as ValidationError).code).toBe("proposal/self-remove-not-from-member");
  });

  it("in a group that did not opt in: not created, refused on receipt and in a Commit", async () => {
    const err = await createProposal(plainBob, { selfRemove: true }).catch((e: unknown) => e);
    expect(UsageError.isInstance(err) && (err as UsageError).code).toBe("usage/self-remove-unsupported");
    const framed = await frameHandshake(plainBob, { contentType: ContentType.proposal, proposal: selfRemoveProposal() });
    await expectRejected(plainAlice, framed.message, "proposal-list/unsupported-proposal-type", "12.2");
    await expectRejected(plainAlice, await forge(plainBob, [byValue(selfRemoveProposal())]), "proposal-list/unsupported-proposal-type", "12.2");
  });

  it("an external joiner commits pending SelfRemoves by reference; members, the leaver and the joiner agree", async () => {
    const dave = await capable("dave");
    const c1 = await createCommit(alice, { forcePath: true, groupInfo: { externalPub: true } });
    const a = mergePendingCommit(c1.state);
    const [b, c] = await Promise.all([deliver(bob, c1.commit), deliver(carol, c1.commit)]);
    const p = await createProposal(b, { selfRemove: true });
    const [a1, c2] = await Promise.all([deliver(a, p.message), deliver(c, p.message)]);
    const external = (selfRemoves: Uint8Array[]) =>
      joinByExternalCommit({
        cs,
        groupInfo: c1.groupInfo!,
        credential: dave.kp.keyPackage.leafNode.credential,
        signaturePrivateKey: dave.signaturePrivateKey,
        signaturePublicKey: dave.kp.keyPackage.leafNode.signatureKey,
        capabilities: dave.kp.keyPackage.leafNode.capabilities,
        selfRemoves,
        services,
      });
    // What is given as a SelfRemove must be one.
    const u = await createProposal(c, { update: {} });
    const notOne = await external([u.message]).catch((e: unknown) => e);
    expect((notOne as ValidationError).code).toBe("external-commit/not-a-self-remove");

    const ext = await external([p.message]);
    // Bob's leaf is freed, and the joiner takes the leftmost blank leaf: his.
    expect(ext.state.ownLeaf).toBe(1);
    expect(toHex(ext.state.tree.leafNode(1 as LeafIndex)!.signatureKey)).toBe(toHex(dave.kp.keyPackage.leafNode.signatureKey));
    const [a2, c3] = await Promise.all([deliver(a1, ext.commit), deliver(c2, ext.commit)]);
    expect(toHex(a2.keys.epochAuthenticator)).toBe(toHex(ext.state.keys.epochAuthenticator));
    expect(toHex(c3.keys.epochAuthenticator)).toBe(toHex(ext.state.keys.epochAuthenticator));
    expect(a2.tree.memberCount()).toBe(3);
    const r = await processMessage(p.state, ext.commit);
    expect(r.kind === "commit" && r.staged.state).toBeUndefined();
  });

  it("an external Commit referencing a SelfRemove in a group that did not opt in is refused", async () => {
    const c1 = await createCommit(plainAlice, { forcePath: true, groupInfo: { externalPub: true } });
    const b = await deliver(plainBob, c1.commit);
    const framed = await frameHandshake(b, { contentType: ContentType.proposal, proposal: selfRemoveProposal() });
    const eve = await client(cs, "eve");
    const err = await joinByExternalCommit({
      cs,
      groupInfo: c1.groupInfo!,
      credential: eve.kp.keyPackage.leafNode.credential,
      signaturePrivateKey: eve.signaturePrivateKey,
      signaturePublicKey: eve.kp.keyPackage.leafNode.signatureKey,
      selfRemoves: [framed.message],
      services,
    }).catch((e: unknown) => e);
    expect((err as ValidationError).code).toBe("proposal-list/unsupported-proposal-type");
  });
});
