/**
 * What an observer refuses (RFC 9420 §6.1, §12.2, §12.4, §12.4.2, §7.9.2,
 * §12.4.3.1): each bad message fails with a typed ValidationError and the
 * view is unchanged and still follows a valid Commit. And what it cannot
 * refuse without secrets (a wrong confirmation tag), which members do.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ProposalType, ProtocolVersion, ValidationError, WireFormat } from "@mlskit/core";
import type { LeafIndex, UpdatePath } from "@mlskit/ratchet-tree";
import { type Commit, type ProposalOrRef, ProposalOrRefType } from "../commit/commit.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { ContentType } from "../framing/content-type.js";
import { type GroupInfo, groupInfoCodec } from "../welcome/group-info.js";
import { type TestClient, client, join, kpOf, newGroup, services } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import type { GroupState } from "../state/group-state.js";
import { processMessage } from "../receive/message-process.js";
import { decodeMlsMessage, encodeMlsMessage } from "../framing/mls-message.js";
import { frameHandshake } from "../proposals/proposal-create.js";
import type { Proposal } from "../proposals/proposal.js";
import type { PublicMessage } from "../framing/public-message.js";
import { validationErrorOf } from "../rejection.fixture.js";
import { groupInfoMatches, groupInfoMismatches } from "./group-info-match.js";
import { observeGroupInfo } from "./observe-group-info.js";
import { observeMessage } from "./observe-message.js";
import type { PublicGroupView } from "./public-group-view.js";
import { expectObserverRejects, expectSameAs, groupInfoOf, observeCommitMessage } from "./observer.fixture.js";
import { decode, encode } from "@mlskit/codec";

let cs: CipherSuiteProvider;
let clients: TestClient[];
let alice: GroupState; // leaf 0
let bob: GroupState; // leaf 1
let carol: GroupState; // leaf 2
let view: PublicGroupView; // epoch 1, Alice, Bob, Carol
let previousGroupInfo: Uint8Array; // epoch 0

beforeAll(async () => {
  cs = await noblecs();
  clients = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n)));
  const a0 = await newGroup(cs, clients[0]!);
  previousGroupInfo = await groupInfoOf(a0);
  const c = await createCommit(a0, { proposals: [{ add: kpOf(clients[1]!) }, { add: kpOf(clients[2]!) }] });
  alice = mergePendingCommit(c.state);
  [bob, carol] = await Promise.all([join(cs, clients[1]!, c.welcome!), join(cs, clients[2]!, c.welcome!)]);
  view = (await observeCommitMessage(await observeGroupInfo({ cs, services, groupInfo: previousGroupInfo }), c.commit)).view;
  expectSameAs(view, alice, bob, carol);
});

function publicMessageOf(message: Uint8Array): PublicMessage {
  const m = decodeMlsMessage(message);
  if (m.wireFormat !== WireFormat.mls_public_message) throw new Error("not a PublicMessage");
  return m.publicMessage;
}

function reencode(pm: PublicMessage): Uint8Array {
  return encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_public_message, publicMessage: pm });
}

function commitOf(message: Uint8Array): Commit {
  const content = publicMessageOf(message).content;
  if (content.contentType !== ContentType.commit) throw new Error("not a commit");
  return content.commit;
}

/** `from` frames a Commit with the given contents, signed and membership-tagged, with a bogus confirmation tag. */
async function forge(proposals: readonly ProposalOrRef[], path?: Commit["path"], from: GroupState = bob): Promise<Uint8Array> {
  const framed = await frameHandshake(from, { contentType: ContentType.commit, commit: { proposals, path } }, { confirmationTag: new Uint8Array(cs.hashLength) });
  return framed.message;
}

const byValue = (proposal: Proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal });

/** After a rejection, the view still follows a valid Commit into the members' next epoch. */
async function stillFollows(): Promise<void> {
  const ok = await createCommit(carol, { forcePath: true });
  const o = await observeCommitMessage(view, ok.commit);
  expectSameAs(o.view, mergePendingCommit(ok.state));
}

describe("observer: framing (§6.1)", () => {
  it("rejects a forged signature", async () => {
    const pm = publicMessageOf((await createCommit(bob, { forcePath: true })).commit);
    const signature = pm.auth.signature.slice();
    signature[signature.length - 1]! ^= 1;
    await expectObserverRejects(view, reencode({ ...pm, auth: { ...pm.auth, signature } }), "framing/invalid-signature", "6.1");
    await stillFollows();
  });

  it("rejects a Commit of another epoch", async () => {
    const ok = await createCommit(carol, { forcePath: true });
    const next = (await observeCommitMessage(view, ok.commit)).view;
    await expectObserverRejects(next, ok.commit, "framing/wrong-epoch", "12.4.2");
    // A Commit of the epoch before.
    const a0 = await newGroup(cs, clients[0]!);
    const stale = await createCommit(a0, { forcePath: true });
    const e = await validationErrorOf(observeMessage(view, stale.commit));
    expect(e.code).toBe("framing/wrong-epoch");
  });

  it("rejects a Commit of another group", async () => {
    const other = await newGroup(cs, clients[3]!);
    await expectObserverRejects(view, (await createCommit(other, { forcePath: true })).commit, "framing/wrong-group", "6");
  });

  it("rejects a Commit from a blank leaf or a leaf outside the tree", async () => {
    expect(view.tree.leafCount).toBe(4);
    expect(view.tree.isLeafBlank(3 as LeafIndex)).toBe(true);
    const pm = publicMessageOf(await forge([], undefined));
    const from = (leafIndex: number) => reencode({ ...pm, content: { ...pm.content, sender: { senderType: 1, leafIndex: leafIndex as LeafIndex } } });
    await expectObserverRejects(view, from(3), "framing/sender-leaf-blank", "6.1");
    await expectObserverRejects(view, from(9), "framing/sender-leaf-out-of-range", "6.1");
    await stillFollows();
  });

  it("rejects what is not a group message (a GroupInfo)", async () => {
    await expectObserverRejects(view, previousGroupInfo, "message/not-a-group-message", "6");
  });
});

describe("observer: proposal list (§12.2) and path (§12.4, §12.4.2)", () => {
  it("rejects a Commit that removes its committer", async () => {
    await expectObserverRejects(view, await forge([byValue({ proposalType: ProposalType.remove, removed: 1 as LeafIndex })]), "proposal-list/committer-removed", "12.2");
    await stillFollows();
  });

  it("rejects two Adds of the same client", async () => {
    const add = byValue({ proposalType: ProposalType.add, keyPackage: kpOf(clients[3]!) });
    await expectObserverRejects(view, await forge([add, add]), "proposal-list/duplicate-add", "12.2");
  });

  it("rejects a reference to a proposal it did not observe", async () => {
    await expectObserverRejects(
      view,
      await forge([{ type: ProposalOrRefType.reference, reference: new Uint8Array(cs.hashLength).fill(7) }]),
      "commit/unknown-proposal-ref",
      "12.4.2",
    );
  });

  it("rejects an empty Commit without a path", async () => {
    await expectObserverRejects(view, await forge([]), "commit/missing-path", "12.4");
  });

  async function tamperedPath(mutate: (p: UpdatePath) => UpdatePath): Promise<Uint8Array> {
    const commit = commitOf((await createCommit(bob, { forcePath: true })).commit);
    return forge(commit.proposals, mutate(commit.path!));
  }

  it("rejects a path whose node keys do not match the leaf's parent_hash", async () => {
    const fresh = await cs.hpkeGenerateKeyPair();
    const msg = await tamperedPath((p) => ({ ...p, nodes: p.nodes.map((n, i) => (i === p.nodes.length - 1 ? { ...n, encryptionKey: fresh.publicKey } : n)) }));
    await expectObserverRejects(view, msg, "tree/parent-hash-invalid", "7.9.2");
    await stillFollows();
  });

  it("rejects a path leaf with a bad signature", async () => {
    const msg = await tamperedPath((p) => {
      const signature = p.leafNode.signature.slice();
      signature[0]! ^= 1;
      return { ...p, leafNode: { ...p.leafNode, signature } };
    });
    await expectObserverRejects(view, msg, "tree/leaf-signature-invalid", "7.3");
  });

  it("cannot check the confirmation tag (needs confirmation_key): accepts what members refuse for it", async () => {
    const commit = commitOf((await createCommit(bob, { forcePath: true })).commit);
    const msg = await forge(commit.proposals, commit.path);
    const o = await observeCommitMessage(view, msg);
    expect(o.view.groupContext.epoch).toBe(2n);
    const e = await validationErrorOf(processMessage(alice, msg));
    expect(e.code).toBe("commit/invalid-confirmation-tag");
    // The GroupInfo a member signs for the epoch it really entered tells them apart.
    const real = await createCommit(bob, { forcePath: true, groupInfo: { externalPub: false } });
    expect(await groupInfoMatches(o.view, real.groupInfo!)).toBe(false);
  });
});

describe("observer: GroupInfo (§12.4.3.1)", () => {
  function groupInfoOfMessage(bytes: Uint8Array): GroupInfo {
    const m = decodeMlsMessage(bytes);
    if (m.wireFormat !== WireFormat.mls_group_info) throw new Error("not a GroupInfo");
    return m.groupInfo;
  }

  it("rejects a GroupInfo with a forged signature or a blank signer", async () => {
    const gi = groupInfoOfMessage(await groupInfoOf(alice));
    const signature = gi.signature.slice();
    signature[0]! ^= 1;
    const e1 = await validationErrorOf(observeGroupInfo({ cs, services, groupInfo: { ...gi, signature } }));
    expect([e1.code, e1.rfcSection]).toEqual(["group-info/invalid-signature", "12.4.3.1"]);
    const e2 = await validationErrorOf(observeGroupInfo({ cs, services, groupInfo: { ...gi, signer: 3 as LeafIndex } }));
    expect(e2.code).toBe("group-info/signer-blank");
  });

  it("rejects a tree that is not the GroupContext's, and a GroupInfo without a tree", async () => {
    const gi = groupInfoOfMessage(await groupInfoOf(alice, false));
    const e1 = await validationErrorOf(observeGroupInfo({ cs, services, groupInfo: gi, ratchetTree: groupInfoOfMessage(previousGroupInfo).extensions[0]!.extensionData }));
    expect(e1.code).toMatch(/^tree\//);
    const e2 = await validationErrorOf(observeGroupInfo({ cs, services, groupInfo: gi }));
    expect(e2.code).toBe("group-info/missing-ratchet-tree");
    // Round trip through the codec: a decoded GroupInfo struct is accepted as well as its MLSMessage.
    const v = await observeGroupInfo({ cs, services, groupInfo: decode(groupInfoCodec, encode(groupInfoCodec, gi)), ratchetTree: alice.tree.encode() });
    expectSameAs(v, alice);
  });

  it("reports how a GroupInfo differs from the view", async () => {
    expect(await groupInfoMismatches(view, await groupInfoOf(alice))).toEqual([]);
    expect(await groupInfoMismatches(view, previousGroupInfo)).toEqual(["epoch", "tree-hash", "confirmed-transcript-hash", "confirmation-tag", "ratchet-tree"]);
    const gi = groupInfoOfMessage(await groupInfoOf(bob));
    expect(await groupInfoMismatches(view, { ...gi, signer: 2 as LeafIndex })).toEqual(["signature"]);
    expect(ValidationError.isInstance(await groupInfoMatches(view, (await createCommit(bob, { forcePath: true })).commit).catch((e: unknown) => e))).toBe(true);
    expect(toHex(view.groupContext.groupId)).toBe(toHex(alice.groupContext.groupId));
  });
});
