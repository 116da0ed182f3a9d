/**
 * One proposal list, two roles (RFC 9420 §12.2): the committer gets a
 * per-proposal verdict for each by-reference proposal it leaves out, and a
 * receiver of the same list is refused with that verdict's ValidationError;
 * the list's entries are typed by kind.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type CipherSuiteProvider, ProposalType, type ProposalTypeId, ValidationError } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { type TestClient, client, join, kpOf, newGroup } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import type { GroupState } from "../state/group-state.js";
import { createProposal } from "./proposal-create.js";
import { applyProposalList } from "./proposal-list.js";
import { proposalListEntry } from "./proposal-list-entries.js";
import type { Proposal } from "./proposal.js";
import { memberSender } from "../framing/sender.js";

let cs: CipherSuiteProvider;
let clients: TestClient[];
let alice: GroupState; // leaf 0
let bob: GroupState; // leaf 1

beforeAll(async () => {
  cs = await noblecs();
  clients = await Promise.all(["alice", "bob", "carol"].map((n) => client(cs, n)));
  const c = await createCommit(await newGroup(cs, clients[0]!), { proposals: [{ add: kpOf(clients[1]!) }] });
  alice = mergePendingCommit(c.state);
  bob = await join(cs, clients[1]!, c.welcome!);
});

describe("proposal-list verdicts", () => {
  it("the committer's omissions carry their verdict; a receiver of the same list gets that verdict's error", async () => {
    const rm = await createProposal(bob, { remove: 0 as LeafIndex }); // removes the committer (alice)
    const add = await createProposal(rm.state, { add: kpOf(clients[2]!) });
    const list = [
      { proposal: rm.proposal, sender: memberSender(1 as LeafIndex), ref: rm.ref },
      { proposal: add.proposal, sender: memberSender(1 as LeafIndex), ref: add.ref },
    ];
    const committing = await applyProposalList(alice, list, {
      committer: 0 as LeafIndex,
      commitSender: memberSender(0 as LeafIndex),
      stage: "committing",
      omitInvalidReferences: true,
    });
    expect(committing.applied.map((e) => e.kind)).toEqual(["add"]);
    expect(committing.omitted).toHaveLength(1);
    const [o] = committing.omitted;
    expect(o?.proposal.kind).toBe("remove");
    expect(o?.proposal.ref).toEqual(rm.ref);
    expect(o?.verdict).toMatchObject({ ok: false, code: "proposal-list/committer-removed", section: "12.2", reason: "the Commit removes the committer" });
    expect(o?.error).toBe(o?.verdict.error);

    const receiving = await applyProposalList(alice, list, { committer: 0 as LeafIndex, commitSender: memberSender(0 as LeafIndex) }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(receiving)).toBe(true);
    expect(receiving).toMatchObject({ code: o?.verdict.code, rfcSection: "12.2", message: o?.error.message });
  });

  it("a rule no by-reference proposal can be blamed for fails the committer's list too", async () => {
    // A Remove of the committer given by value: the committer cannot leave it out.
    const list = [{ proposal: { proposalType: ProposalType.remove, removed: 0 as LeafIndex }, sender: memberSender(0 as LeafIndex) }];
    const err = await applyProposalList(alice, list, { committer: 0 as LeafIndex, commitSender: memberSender(0 as LeafIndex), omitInvalidReferences: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "proposal-list/committer-removed" });
  });

  it("entries are typed by kind (SelfRemove and AppDataUpdate apart from other custom types)", () => {
    const sender = memberSender(1 as LeafIndex);
    const custom = (t: number): Proposal => ({ proposalType: "custom", customProposalType: t as ProposalTypeId, body: new Uint8Array(0) });
    const proposals: Proposal[] = [{ proposalType: ProposalType.remove, removed: 0 as LeafIndex }, custom(0x000a), custom(0x0008), custom(0xf001)];
    const kinds = proposals.map((proposal) => proposalListEntry({ proposal, sender }).kind);
    expect(kinds).toEqual(["remove", "self-remove", "app-data-update", "custom"]);
  });
});
