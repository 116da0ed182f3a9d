/**
 * The committer leaves out invalid proposals received by reference (RFC 9420
 * §12.2), and "already a member" by identity (§12.2, §12.1.1) through the
 * incrementally maintained identity index.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, type CipherSuiteProvider, type Credential, ProposalType, acceptAll } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { createCommit, mergePendingCommit } from "./commit-create.js";
import { type TestClient, client, deliver, join, kpOf, newGroup } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import type { GroupServices, GroupState } from "../state/group-state.js";
import { processMessage } from "../receive/message-process.js";
import { createProposal } from "../proposals/proposal-create.js";
import { validationErrorOf } from "../rejection.fixture.js";

let cs: CipherSuiteProvider;
let clients: TestClient[];
let alice: GroupState; // leaf 0
let bob: GroupState; // leaf 1
let carol: GroupState; // leaf 2

beforeAll(async () => {
  cs = await noblecs();
  clients = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n)));
  const c = await createCommit(await newGroup(cs, clients[0]!), { proposals: [{ add: kpOf(clients[1]!) }, { add: kpOf(clients[2]!) }] });
  alice = mergePendingCommit(c.state);
  [bob, carol] = await Promise.all([join(cs, clients[1]!, c.welcome!), join(cs, clients[2]!, c.welcome!)]);
});

/** Sends proposal messages to every state given. */
async function receive(states: GroupState[], ...messages: Uint8Array[]): Promise<GroupState[]> {
  const out: GroupState[] = [];
  for (let s of states) {
    for (const m of messages) s = (await processMessage(s, m)).state;
    out.push(s);
  }
  return out;
}

describe("§12.2 the committer omits invalid proposals received by reference", () => {
  it("omits a Remove of the committer, an Add of a current member and an unavailable PSK; receivers accept the Commit", async () => {
    const rm = await createProposal(bob, { remove: 0 as LeafIndex });
    const add = await createProposal(rm.state, { add: kpOf(clients[2]!) });
    const psk = await createProposal(add.state, { externalPsk: { pskId: new Uint8Array([1]) } });
    const ok = await createProposal(psk.state, { add: kpOf(clients[3]!) });
    const [a, c] = await receive([alice, carol], rm.message, add.message, psk.message, ok.message);
    const commit = await createCommit(a!);
    const omitted = new Map(commit.omitted.map((o) => [toHex(o.ref), o.error.code]));
    expect(omitted).toEqual(
      new Map([
        [toHex(rm.ref), "proposal-list/committer-removed"],
        [toHex(add.ref), "proposal-list/add-existing-member"],
        [toHex(psk.ref), "psk/unknown"],
      ]),
    );
    const r = await processMessage(ok.state, commit.commit);
    expect(r.kind === "commit" && r.staged.added.map((x) => x.leafIndex)).toEqual([3]);
    const c1 = await deliver(c!, commit.commit);
    expect(toHex(c1.keys.epochAuthenticator)).toBe(toHex(mergePendingCommit(commit.state).keys.epochAuthenticator));
  });

  it("prefers the most recent Update, and a Remove over an Update of the same leaf", async () => {
    const u1 = await createProposal(carol, { update: {} });
    const u2 = await createProposal(u1.state, { update: {} });
    const [a, b] = await receive([alice, bob], u1.message, u2.message);
    const commit = await createCommit(a!);
    expect(commit.omitted.map((o) => toHex(o.ref))).toEqual([toHex(u1.ref)]);
    const c1 = await deliver(u2.state, commit.commit);
    expect(toHex(c1.tree.leafNode(2 as LeafIndex)!.encryptionKey)).toBe(
      toHex(u2.proposal.proposalType === ProposalType.update ? u2.proposal.leafNode.encryptionKey : new Uint8Array()),
    );
    expect(toHex((await deliver(b!, commit.commit)).keys.epochAuthenticator)).toBe(toHex(c1.keys.epochAuthenticator));

    const up = await createProposal(carol, { update: {} });
    const rmc = await createProposal(bob, { remove: 2 as LeafIndex });
    const [a2] = await receive([alice], up.message, rmc.message);
    const commit2 = await createCommit(a2!);
    expect(commit2.omitted.map((o) => [toHex(o.ref), o.error.code])).toEqual([[toHex(up.ref), "proposal-list/duplicate-leaf"]]);
    const r = await processMessage((await receive([rmc.state], up.message))[0]!, commit2.commit);
    expect(r.kind === "commit" && r.staged.removed.map((x) => x.leafIndex)).toEqual([2]);
  });

  it("prefers other proposals over a ReInit, and still fails on invalid proposals given by value", async () => {
    const ri = await createProposal(bob, { reinit: { groupId: new Uint8Array([5]), cipherSuite: 1 } });
    const add = await createProposal(ri.state, { add: kpOf(clients[3]!) });
    const [a] = await receive([alice], ri.message, add.message);
    const commit = await createCommit(a!);
    expect(commit.omitted.map((o) => [toHex(o.ref), o.error.code])).toEqual([[toHex(ri.ref), "proposal-list/reinit-with-others"]]);
    expect(mergePendingCommit(commit.state).reinit).toBeUndefined();
    const e = await validationErrorOf(createCommit(a!, { proposals: [{ proposalType: ProposalType.remove, removed: 0 as LeafIndex }] }));
    expect(e.code).toBe("proposal-list/committer-removed");
  });
});

/** An identity provider that counts identity() calls. */
function counting(): { services: GroupServices; calls: () => number } {
  const inner = new BasicIdentityProvider({ policy: acceptAll });
  let n = 0;
  const identity = (c: Credential): Promise<Uint8Array> => {
    n++;
    return inner.identity(c);
  };
  const identityProvider = new Proxy(inner, {
    get(target, key) {
      if (key === "identity") return identity;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { services: { identityProvider }, calls: () => n };
}

describe("§12.2 / §12.1.1 already a member, by identity", () => {
  it("rejects an Add of a current member's identity with another signature key, unless that member is removed", async () => {
    const carol2 = await client(cs, "carol");
    const e = await validationErrorOf(createCommit(alice, { proposals: [{ add: kpOf(carol2) }] }));
    expect([e.code, e.rfcSection]).toEqual(["proposal-list/add-existing-member", "12.2"]);
    // Replacing carol's client in one Commit is fine (§12.2 "unless there is a Remove proposal ... removing the matching client").
    const swap = await createCommit(alice, { proposals: [{ remove: 2 as LeafIndex }, { add: kpOf(carol2) }] });
    const b1 = await deliver(bob, swap.commit);
    const a1 = mergePendingCommit(swap.state);
    // The index follows the Commit: carol's new client is now the member; a second "carol" is refused again, "dave" is not.
    const carol3 = await client(cs, "carol");
    expect((await validationErrorOf(createCommit(b1, { proposals: [{ add: kpOf(carol3) }] }))).code).toBe("proposal-list/add-existing-member");
    expect((await createCommit(a1, { proposals: [{ add: kpOf(clients[3]!) }] })).welcome).toBeDefined();
  });

  it("maintains the index per Commit without re-reading every member's identity", async () => {
    const { services: svc, calls } = counting();
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => client(cs, `m${i}`)));
    let a: GroupState = { ...(await newGroup(cs, clients[0]!)), services: svc };
    a = mergePendingCommit((await createCommit(a, { proposals: many.slice(0, 10).map((c) => ({ add: kpOf(c) })) })).state);
    const before = calls();
    a = mergePendingCommit((await createCommit(a, { proposals: [{ add: kpOf(many[10]!) }] })).state);
    a = mergePendingCommit((await createCommit(a, { proposals: [{ remove: 3 as LeafIndex }, { add: kpOf(many[11]!) }] })).state);
    // Two Commits on an 11-12 member group: a handful of identity() calls (the new and removed leaves), not 2 × N.
    expect(calls() - before).toBeLessThanOrEqual(8);
    const dup = await client(cs, "m5");
    expect((await validationErrorOf(createCommit(a, { proposals: [{ add: kpOf(dup) }] }))).code).toBe("proposal-list/add-existing-member");
    const back = await client(cs, "m2"); // leaf 3 (m2) was removed: its identity is free again.
    expect((await createCommit(a, { proposals: [{ add: kpOf(back) }] })).welcome).toBeDefined();
  });
});
