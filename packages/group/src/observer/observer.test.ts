/**
 * An observer without secrets follows a real group (RFC 9420 §12.4.2, RFC
 * 9750 §5): creation, Add by value, Add by reference, Update, Remove,
 * external Commit; at every epoch its tree hash, confirmed and interim
 * transcript hashes, GroupContext and tree are the members'.
 */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { CredentialType } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { ContentType } from "../framing/content-type.js";
import { createApplicationMessage } from "../framing/application-message.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { joinByExternalCommit } from "../welcome/external-commit.js";
import { client, deliver, join, kpOf, newGroup, services } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { createProposal } from "../proposals/proposal-create.js";
import { SenderType } from "../framing/sender.js";
import { groupInfoMatches, groupInfoMismatches } from "./group-info-match.js";
import type { ObservedMember } from "./observe-commit.js";
import { observeGroupInfo } from "./observe-group-info.js";
import { observeMessage } from "./observe-message.js";
import { decodePublicGroupView, encodePublicGroupView } from "./public-group-view-codec.js";
import { publicGroupViewOf } from "./public-group-view.js";
import { expectSameAs, groupInfoOf, observe, observeCommitMessage } from "./observer.fixture.js";

/** The basic credential's identity of an observed member. */
function name(m: ObservedMember): string {
  const c = m.credential;
  return c.credentialType === CredentialType.basic && "identity" in c ? new TextDecoder().decode(c.identity) : `credential type ${c.credentialType}`;
}

describe("observer follows a group (§12.4.2 without secrets)", () => {
  it("creation → Add → Add by reference → Update → Remove → external Commit, equal to the members at every epoch", async () => {
    const cs = await noblecs();
    const [alice, bob, carol, dave] = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n)));
    let a = await newGroup(cs, alice!);

    // Epoch 0: from a GroupInfo Alice signs.
    let view = await observe(cs, a);
    expectSameAs(view, a);
    expect(view.tree.memberCount()).toBe(1);

    // Epoch 1: Alice adds Bob by value.
    const c1 = await createCommit(a, { proposals: [{ add: kpOf(bob!) }], groupInfo: { externalPub: false } });
    const o1 = await observeCommitMessage(view, c1.commit);
    expect(o1.committer.leafIndex).toBe(0);
    expect(name(o1.committer)).toBe("alice");
    expect(o1.added.map((m) => [m.leafIndex, name(m)])).toEqual([[1, "bob"]]);
    expect(o1.removed).toEqual([]);
    expect(o1.externalCommit).toBe(false);
    a = mergePendingCommit(c1.state);
    let b = await join(cs, bob!, c1.welcome!);
    expect(view.groupContext.epoch).toBe(0n); // the old view is not modified
    view = o1.view;
    expectSameAs(view, a, b);
    // The GroupInfo published with the Commit describes the observed epoch, not the previous one.
    expect(await groupInfoMatches(view, c1.groupInfo!)).toBe(true);
    expect(await groupInfoMismatches(o1.view, c1.groupInfo!)).toEqual([]);

    // Epoch 2: Bob proposes adding Carol (PublicMessage); Alice commits it by reference.
    const p = await createProposal(b, { add: kpOf(carol!) });
    b = p.state;
    const op = await observeMessage(view, p.message);
    expect(op.kind).toBe("proposal");
    if (op.kind !== "proposal") return;
    expect(op.sender).toEqual({ senderType: SenderType.member, leafIndex: 1 });
    expect(op.view.proposals.size).toBe(1);
    expect(op.view.groupContext).toBe(view.groupContext);
    expect(view.proposals.size).toBe(0);
    view = op.view;
    a = await deliver(a, p.message);
    const c2 = await createCommit(a);
    const o2 = await observeCommitMessage(view, c2.commit);
    expect(o2.proposals.map((x) => x.ref !== undefined)).toEqual([true]);
    expect(o2.added.map((m) => [m.leafIndex, name(m)])).toEqual([[2, "carol"]]);
    expect(o2.view.proposals.size).toBe(0);
    a = mergePendingCommit(c2.state);
    b = await deliver(b, c2.commit);
    let c = await join(cs, carol!, c2.welcome!);
    view = o2.view;
    expectSameAs(view, a, b, c);

    // Epoch 3: Carol proposes an Update; Bob commits it.
    const up = await createProposal(c, { update: {} });
    c = up.state;
    const oup = await observeMessage(view, up.message);
    expect(oup.kind).toBe("proposal");
    view = oup.view;
    a = await deliver(a, up.message);
    b = await deliver(b, up.message);
    const c3 = await createCommit(b);
    const o3 = await observeCommitMessage(view, c3.commit);
    expect(o3.committer.leafIndex).toBe(1);
    expect(o3.updated.map((m) => [m.leafIndex, name(m)])).toEqual([[2, "carol"]]);
    b = mergePendingCommit(c3.state);
    a = await deliver(a, c3.commit);
    c = await deliver(c, c3.commit);
    view = o3.view;
    expectSameAs(view, a, b, c);

    // An application message (PrivateMessage): nothing to verify, the view stays.
    const app = await createApplicationMessage(a, new TextEncoder().encode("hi"));
    const oapp = await observeMessage(view, app);
    expect(oapp).toEqual({ kind: "private", view, epoch: 3n, contentType: ContentType.application });

    // Epoch 4: Alice removes Bob (by value), publishing a GroupInfo for external joins.
    const c4 = await createCommit(a, { proposals: [{ remove: 1 as LeafIndex }], groupInfo: { externalPub: true } });
    const o4 = await observeCommitMessage(view, c4.commit);
    expect(o4.removed.map((m) => [m.leafIndex, name(m)])).toEqual([[1, "bob"]]);
    a = mergePendingCommit(c4.state);
    c = await deliver(c, c4.commit);
    view = o4.view;
    expectSameAs(view, a, c);
    expect(view.tree.memberCount()).toBe(2);
    expect(await groupInfoMatches(view, c4.groupInfo!)).toBe(true);

    // Epoch 5: Dave joins by external Commit from that GroupInfo; he takes Bob's blank leaf.
    const ext = await joinByExternalCommit({
      cs,
      groupInfo: c4.groupInfo!,
      credential: dave!.kp.keyPackage.leafNode.credential,
      signaturePrivateKey: dave!.signaturePrivateKey,
      signaturePublicKey: dave!.kp.keyPackage.leafNode.signatureKey,
      services,
    });
    const o5 = await observeCommitMessage(view, ext.commit);
    expect(o5.externalCommit).toBe(true);
    expect(o5.sender).toEqual({ senderType: SenderType.new_member_commit });
    expect([o5.committer.leafIndex, name(o5.committer)]).toEqual([1, "dave"]);
    a = await deliver(a, ext.commit);
    c = await deliver(c, ext.commit);
    view = o5.view;
    expectSameAs(view, a, c, ext.state);

    // Epoch 6: Dave's first Commit (an empty one with a path) is followed too.
    const c6 = await createCommit(ext.state, { forcePath: true });
    const o6 = await observeCommitMessage(view, c6.commit);
    expect(o6.committer.leafIndex).toBe(1);
    a = await deliver(a, c6.commit);
    view = o6.view;
    expectSameAs(view, a, mergePendingCommit(c6.state));
    expect(view.groupContext.epoch).toBe(6n);

    // The view persists between requests and goes on from there.
    const restored = await decodePublicGroupView(encodePublicGroupView(view), { cs, policy: view.policy, services });
    expectSameAs(restored, a);
    const c7 = await createCommit(a, { forcePath: true });
    expectSameAs((await observeCommitMessage(restored, c7.commit)).view, mergePendingCommit(c7.state));
  });

  it("starts from a GroupInfo without the tree (tree out of band), and equals a member's own public view", async () => {
    const cs = await noblecs();
    const [alice, bob] = await Promise.all([client(cs, "alice"), client(cs, "bob")]);
    const c1 = await createCommit(await newGroup(cs, alice), { proposals: [{ add: kpOf(bob) }] });
    const a = mergePendingCommit(c1.state);
    const view = await observeGroupInfo({ cs, services, groupInfo: await groupInfoOf(a, false), ratchetTree: a.tree.encode() });
    expectSameAs(view, a);
    expectSameAs(publicGroupViewOf(a), a);
    expect(toHex(encodePublicGroupView(view))).toBe(toHex(encodePublicGroupView(publicGroupViewOf(a))));
  });

  it("reports a PrivateMessage Commit as private (it cannot be followed), view unchanged", async () => {
    const cs = await noblecs();
    const [alice, bob] = await Promise.all([client(cs, "alice"), client(cs, "bob")]);
    const a0 = await newGroup(cs, alice, { handshakeWireFormat: "private" });
    const view = await observe(cs, a0);
    const c1 = await createCommit(a0, { proposals: [{ add: kpOf(bob) }] });
    const r = await observeMessage(view, c1.commit);
    expect(r).toEqual({ kind: "private", view, epoch: 0n, contentType: ContentType.commit });
    expect(view.groupContext.epoch).toBe(0n);
  });
});
