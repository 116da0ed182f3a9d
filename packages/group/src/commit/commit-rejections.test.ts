/**
 * Receiver checks of RFC 9420 §12.1, §12.2, §12.4 and §12.4.2: each invalid
 * Commit is rejected with a typed ValidationError (code and section), and the
 * receiver's state is unchanged (same epoch and tree hash, and a valid Commit
 * still processes afterwards).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ProposalType, ValidationError } from "@mlskit/core";
import { PSKType } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { type Commit, type ProposalOrRef, ProposalOrRefType } from "./commit.js";
import { createCommit, mergePendingCommit } from "./commit-create.js";
import { mergeStagedCommit } from "./commit-process.js";
import { ContentType } from "../framing/content-type.js";
import { type TestClient, client, join, kpOf, newGroup } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import type { GroupState } from "../state/group-state.js";
import { processMessage } from "../receive/message-process.js";
import { createProposal, frameHandshake } from "../proposals/proposal-create.js";
import type { Proposal } from "../proposals/proposal.js";

let cs: CipherSuiteProvider;
let alice: GroupState; // leaf 0
let bob: GroupState; // leaf 1
let carol: GroupState; // leaf 2
let dave: TestClient;
let carolClient: TestClient;

beforeAll(async () => {
  cs = await noblecs();
  const [a, b, c, d] = await Promise.all([client(cs, "alice"), client(cs, "bob"), client(cs, "carol"), client(cs, "dave")]);
  dave = d;
  carolClient = c;
  let s = await newGroup(cs, a);
  const commit = await createCommit(s, { proposals: [{ add: kpOf(b) }, { add: kpOf(c) }] });
  alice = mergePendingCommit(commit.state);
  [bob, carol] = await Promise.all([join(cs, b, commit.welcome!), join(cs, c, commit.welcome!)]);
  s = alice;
});

/** Bob frames a Commit with the given contents (and a bogus confirmation tag unless given). */
async function forge(proposals: readonly ProposalOrRef[], path?: Commit["path"], from: GroupState = bob): Promise<Uint8Array> {
  const commit: Commit = { proposals, path };
  const framed = await frameHandshake(from, { contentType: ContentType.commit, commit }, { confirmationTag: new Uint8Array(cs.hashLength) });
  return framed.message;
}

const byValue = (proposal: Proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal });
const byRef = (reference: Uint8Array): ProposalOrRef => ({ type: ProposalOrRefType.reference, reference });

/** Processing `message` in `state` fails with `code` under `section`, and leaves the state usable and unchanged. */
async function expectRejected(state: GroupState, message: Uint8Array, code: string, section: string): Promise<void> {
  const epoch = state.groupContext.epoch;
  const treeHash = toHex(state.groupContext.treeHash);
  const proposals = state.proposals.size;
  const err = await processMessage(state, message).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ValidationError.isInstance(err), String(err)).toBe(true);
  expect((err as ValidationError).code).toBe(code);
  expect((err as ValidationError).rfcSection).toBe(section);
  expect(state.groupContext.epoch).toBe(epoch);
  expect(toHex(state.groupContext.treeHash)).toBe(treeHash);
  expect(state.proposals.size).toBe(proposals);
  expect(state.pendingCommit).toBeUndefined();
  // A valid Commit from Carol still processes in the same state.
  const ok = await createCommit(carol.proposals.size === 0 ? carol : { ...carol, proposals: new Map() }, { forcePath: true, includePending: false });
  const r = await processMessage({ ...state, proposals: new Map() }, ok.commit);
  expect(r.kind).toBe("commit");
  if (r.kind === "commit") expect(mergeStagedCommit(r.staged).groupContext.epoch).toBe(epoch + 1n);
}

function psk(nonce = cs.randomBytes(cs.hashLength), id = new Uint8Array([1])): Proposal {
  return { proposalType: ProposalType.psk, psk: { psktype: PSKType.external, pskId: id, pskNonce: nonce } };
}

describe("§12.2 proposal list validation (receiver)", () => {
  it("rejects an Update proposal by the committer", async () => {
    const p = await createProposal(bob, { update: {} });
    const r = await processMessage(alice, p.message);
    await expectRejected(r.state, await forge([byRef(p.ref)], undefined, p.state), "proposal-list/committer-update", "12.2");
  });
  it("rejects a Remove of the committer", async () => {
    await expectRejected(alice, await forge([byValue({ proposalType: ProposalType.remove, removed: 1 as LeafIndex })]), "proposal-list/committer-removed", "12.2");
  });
  it("rejects an Update and a Remove of the same leaf", async () => {
    const p = await createProposal(carol, { update: {} });
    const a = (await processMessage(alice, p.message)).state;
    const b = (await processMessage(bob, p.message)).state;
    const msg = await forge([byRef(p.ref), byValue({ proposalType: ProposalType.remove, removed: 2 as LeafIndex })], undefined, b);
    await expectRejected(a, msg, "proposal-list/duplicate-leaf", "12.2");
  });
  it("rejects two Removes of the same leaf", async () => {
    const rm = byValue({ proposalType: ProposalType.remove, removed: 2 as LeafIndex });
    await expectRejected(alice, await forge([rm, rm]), "proposal-list/duplicate-leaf", "12.2");
  });
  it("rejects two Adds of the same client", async () => {
    const add = byValue({ proposalType: ProposalType.add, keyPackage: kpOf(dave) });
    await expectRejected(alice, await forge([add, add]), "proposal-list/duplicate-add", "12.2");
  });
  it("rejects an Add of a current member", async () => {
    await expectRejected(alice, await forge([byValue({ proposalType: ProposalType.add, keyPackage: kpOf(carolClient) })]), "proposal-list/add-existing-member", "12.2");
  });
  it("rejects two PreSharedKey proposals with the same PreSharedKeyID", async () => {
    const nonce = cs.randomBytes(cs.hashLength);
    await expectRejected(alice, await forge([byValue(psk(nonce)), byValue(psk(nonce))]), "proposal-list/duplicate-psk", "12.2");
  });
  it("rejects two GroupContextExtensions proposals", async () => {
    const gce = byValue({ proposalType: ProposalType.group_context_extensions, extensions: [] });
    await expectRejected(alice, await forge([gce, gce]), "proposal-list/multiple-group-context-extensions", "12.2");
  });
  it("rejects a ReInit together with another proposal", async () => {
    const reinit = byValue({ proposalType: ProposalType.reinit, groupId: new Uint8Array([9]), version: 1, cipherSuite: 1, extensions: [] });
    await expectRejected(alice, await forge([reinit, byValue(psk())]), "proposal-list/reinit-with-others", "12.2");
  });
  it("rejects an ExternalInit in a regular Commit", async () => {
    await expectRejected(
      alice,
      await forge([byValue({ proposalType: ProposalType.external_init, kemOutput: new Uint8Array(32) })]),
      "proposal-list/external-init-in-regular-commit",
      "12.2",
    );
  });
  it("rejects a proposal type the members do not support", async () => {
    await expectRejected(
      alice,
      await forge([byValue({ proposalType: "custom", customProposalType: 0xf0f0, body: new Uint8Array(1) })]),
      "proposal-list/unsupported-proposal-type",
      "12.2",
    );
  });
  it("the committer refuses an invalid list too (§12.4.1)", async () => {
    const err = await createCommit(bob, { proposals: [{ proposalType: ProposalType.remove, removed: 1 as LeafIndex }] }).catch((e: unknown) => e);
    expect((err as ValidationError).code).toBe("proposal-list/committer-removed");
  });
});

describe("§12.1 individual proposals", () => {
  it("§12.1.3 rejects a Remove of a blank leaf", async () => {
    await expectRejected(alice, await forge([byValue({ proposalType: ProposalType.remove, removed: 3 as LeafIndex })]), "proposal/remove-blank-leaf", "12.1.3");
  });
  it("§12.1.4 rejects a psk_nonce that is not KDF.Nh long", async () => {
    await expectRejected(alice, await forge([byValue(psk(new Uint8Array(5)))]), "proposal/psk-nonce-length", "12.1.4");
  });
  it("§12.1.4 rejects a resumption PSK with usage reinit in a regular Commit", async () => {
    const p: Proposal = {
      proposalType: ProposalType.psk,
      psk: { psktype: PSKType.resumption, usage: 2, pskGroupId: alice.groupContext.groupId, pskEpoch: 1n, pskNonce: cs.randomBytes(cs.hashLength) },
    };
    await expectRejected(alice, await forge([byValue(p)]), "proposal/psk-usage", "12.1.4");
  });
  it("§12.1.5 rejects a ReInit to a lower version", async () => {
    await expectRejected(
      alice,
      await forge([byValue({ proposalType: ProposalType.reinit, groupId: new Uint8Array([9]), version: 0, cipherSuite: 1, extensions: [] })]),
      "proposal/reinit-version",
      "12.1.5",
    );
  });
  it("§12.1.1 rejects an Add whose KeyPackage signature is invalid", async () => {
    const kp = kpOf(dave);
    const bad = { ...kp, signature: new Uint8Array(kp.signature.length) };
    await expectRejected(alice, await forge([byValue({ proposalType: ProposalType.add, keyPackage: bad })]), "key-package/invalid-signature", "10.1");
  });
});

describe("§12.4 / §12.4.2 commit processing", () => {
  it("§12.4 rejects a Commit whose proposals require a path and that has none", async () => {
    const p = await createProposal(carol, { remove: 0 as LeafIndex });
    void p;
    await expectRejected(alice, await forge([byValue({ proposalType: ProposalType.remove, removed: 2 as LeafIndex })]), "commit/missing-path", "12.4");
  });
  it("§12.4 rejects an empty Commit without a path", async () => {
    await expectRejected(alice, await forge([]), "commit/missing-path", "12.4");
  });
  it("§12.4.2 rejects a reference to an unknown proposal", async () => {
    await expectRejected(alice, await forge([byRef(new Uint8Array(cs.hashLength))]), "commit/unknown-proposal-ref", "12.4.2");
  });
  it("§12.4.2 rejects a PSK the receiver does not have", async () => {
    await expectRejected(alice, await forge([byValue(psk())]), "psk/unknown", "12.4.2");
  });
  it("§6.1 / §12.4.2 rejects a wrong confirmation tag", async () => {
    const ok = await createCommit(bob, { proposals: [{ add: kpOf(dave) }] });
    const bytes = ok.commit.slice();
    // The confirmation tag is at the end of a PublicMessage, before the membership tag: flip a byte in it.
    bytes[bytes.length - cs.hashLength - 2]! ^= 1;
    const err = await processMessage(alice, bytes).catch((e: unknown) => e);
    expect(ValidationError.isInstance(err)).toBe(true);
    // Tampering breaks the membership tag first (§6.2); a valid-MAC forgery is caught by the confirmation tag.
    expect(["framing/invalid-membership-tag", "commit/invalid-confirmation-tag"]).toContain((err as ValidationError).code);
    await expectRejected(alice, await forge([byValue({ proposalType: ProposalType.add, keyPackage: kpOf(dave) })]), "commit/invalid-confirmation-tag", "6.1");
  });
});

describe("epochs and groups (§6, §15.3)", () => {
  it("rejects messages of another group, of epochs too old and too far ahead; buffers the next epoch's", async () => {
    const c1 = await createCommit(bob, { forcePath: true });
    const b1 = mergePendingCommit(c1.state);
    const a1 = mergeStagedCommit(((await processMessage(alice, c1.commit)) as unknown as { staged: Parameters<typeof mergeStagedCommit>[0] }).staged);
    const old = await forge([]);
    await expect(processMessage(a1, old)).rejects.toMatchObject({ code: "message/epoch-too-old", rfcSection: "15.3" });
    const c2 = await createCommit(b1, { forcePath: true });
    const buffered = await processMessage(alice, c2.commit);
    expect(buffered.kind).toBe("buffered");
    const b2 = mergePendingCommit(c2.state);
    const c3 = await createCommit(b2, { forcePath: true });
    await expect(processMessage(alice, c3.commit)).rejects.toMatchObject({ code: "message/epoch-too-far-ahead", rfcSection: "15.3" });
    const other = await newGroup(cs, dave);
    const foreign = await createCommit(other, { forcePath: true });
    await expect(processMessage(alice, foreign.commit)).rejects.toMatchObject({ code: "message/wrong-group", rfcSection: "6" });
  });
});
