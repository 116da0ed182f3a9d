/** External senders (RFC 9420 §12.1.8.1) and new-member proposals (§12.1.8): creation, processing, commit by reference, rejections. */
import { beforeAll, describe, expect, it } from "vitest";
import { encode, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ExtensionType, ProposalType, ValidationError } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { defaultCapabilities } from "../leaf-nodes/capabilities.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { externalSendersCodec } from "../extensions/extensions.js";
import { createExternalProposal, createNewMemberProposal } from "./external-proposal.js";
import { type TestClient, client, deliver, join, kpOf, newGroup, services } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { type GroupPolicyInput, type ProposalAuthorizationContext, groupPolicy } from "../policy/group-policy.js";
import type { GroupState } from "../state/group-state.js";
import { processMessage } from "../receive/message-process.js";
import type { Proposal } from "./proposal.js";
import { SenderType } from "../framing/sender.js";

const CUSTOM = 0xf0a1;
let cs: CipherSuiteProvider;
let ds: { publicKey: Uint8Array; privateKey: Uint8Array };
let alice: GroupState;
let bob: GroupState;
let names: TestClient[];
const policy: GroupPolicyInput = { customProposals: [{ proposalType: CUSTOM, external: true, requiresPath: false }] };

beforeAll(async () => {
  cs = await noblecs();
  ds = await cs.signatureGenerateKeyPair();
  const capabilities = defaultCapabilities({ cipherSuites: [1], credentials: [1], proposals: [CUSTOM] });
  names = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n, { capabilities })));
  const senders = encode(externalSendersCodec, [{ signatureKey: ds.publicKey, credential: { credentialType: 1, identity: new TextEncoder().encode("ds") } }]);
  const a0 = await newGroup(cs, names[0]!, policy, [{ extensionType: ExtensionType.external_senders, extensionData: senders }]);
  const c = await createCommit(a0, { proposals: [{ add: kpOf(names[1]!) }] });
  alice = mergePendingCommit(c.state);
  bob = await join(cs, names[1]!, c.welcome!, policy);
});

const target = (s: GroupState, senderIndex = 0, signaturePrivateKey = ds.privateKey) => ({
  cs,
  groupId: s.groupContext.groupId,
  epoch: s.groupContext.epoch,
  senderIndex,
  signaturePrivateKey,
});

async function rejected(state: GroupState, message: Uint8Array, code: string, section: string): Promise<void> {
  const e = await processMessage(state, message).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(ValidationError.isInstance(e), String(e)).toBe(true);
  expect([(e as ValidationError).code, (e as ValidationError).rfcSection]).toEqual([code, section]);
  expect(state.proposals.size).toBe(0);
  // The state is unchanged: a valid external proposal still processes.
  const ok = await createExternalProposal(target(state), { remove: 1 as LeafIndex });
  expect((await processMessage(state, ok.message)).kind).toBe("proposal");
}

describe("external senders (§12.1.8.1)", () => {
  it("an external Add is received by members, committed by reference, and the joiner joins", async () => {
    const p = await createExternalProposal(target(alice), { add: kpOf(names[2]!) });
    const ra = await processMessage(alice, p.message);
    const rb = await processMessage(bob, p.message);
    expect(ra.kind === "proposal" && ra.sender).toEqual({ senderType: 2, senderIndex: 0 });
    expect(ra.kind === "proposal" && toHex(ra.ref)).toBe(toHex(p.ref));
    const c = await createCommit(ra.state);
    const staged = await processMessage(rb.state, c.commit);
    expect(staged.kind === "commit" && staged.staged.added.length).toBe(1);
    expect(staged.kind === "commit" && staged.staged.proposals[0]?.ref !== undefined).toBe(true);
    const a = mergePendingCommit(c.state);
    const carol = await join(cs, names[2]!, c.welcome!, policy);
    expect(toHex(carol.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));
  });

  it("Remove, PSK, GroupContextExtensions, ReInit and custom proposals from an external sender", async () => {
    const store = new Map([["07", cs.randomBytes(32)]]);
    const svc = { ...services, psks: { get: (id: Uint8Array) => store.get(toHex(id)) } };
    let a: GroupState = { ...alice, services: svc };
    let b: GroupState = { ...bob, services: svc };
    const inputs = [
      { externalPsk: { pskId: new Uint8Array([7]) } },
      { custom: { proposalType: CUSTOM, body: new Uint8Array([1]) } },
      { groupContextExtensions: alice.groupContext.extensions },
    ] as const;
    for (const input of inputs) {
      const p = await createExternalProposal(target(a), input, [CUSTOM]);
      a = (await processMessage(a, p.message)).state;
      b = (await processMessage(b, p.message)).state;
    }
    const c = await createCommit(a);
    const r = await processMessage(b, c.commit);
    if (r.kind !== "commit") throw new Error("expected a commit");
    expect(r.staged.proposals.map((x) => x.proposal.proposalType)).toEqual([ProposalType.psk, "custom", ProposalType.group_context_extensions]);
    a = mergePendingCommit(c.state);
    b = r.staged.state!;
    const rm = await createExternalProposal(target(a), { remove: 1 as LeafIndex });
    a = (await processMessage(a, rm.message)).state;
    b = (await processMessage(b, rm.message)).state;
    const c2 = await createCommit(a);
    const r2 = await processMessage(b, c2.commit);
    expect(r2.kind === "commit" && r2.staged.removedSelf).toBe(true);
    a = mergePendingCommit(c2.state);
    const ri = await createExternalProposal(target(a), { reinit: { groupId: new Uint8Array([1]), cipherSuite: 1 } });
    a = (await processMessage(a, ri.message)).state;
    a = mergePendingCommit((await createCommit(a)).state);
    expect(a.reinit?.groupId).toEqual(new Uint8Array([1]));
  });

  it("rejects an unknown sender index, a disallowed proposal type and a bad signature", async () => {
    await rejected(alice, (await createExternalProposal(target(alice, 3), { remove: 1 as LeafIndex })).message, "framing/unknown-external-sender", "12.1.8.1");
    const other = await cs.signatureGenerateKeyPair();
    await rejected(alice, (await createExternalProposal(target(alice, 0, other.privateKey), { remove: 1 as LeafIndex })).message, "framing/invalid-signature", "6.1");
    // A custom type the receiver's policy does not open to external senders (§12.1.8: "MUST be rejected as malformed").
    const custom = await createExternalProposal(target(alice), { custom: { proposalType: 0xf0a2, body: new Uint8Array(0) } }, [0xf0a2]);
    await rejected(alice, custom.message, "framing/external-proposal-type", "12.1.8");
    await expect(createExternalProposal(target(alice), { proposal: { proposalType: ProposalType.external_init, kemOutput: new Uint8Array(32) } })).rejects.toMatchObject({
      code: "usage/external-proposal-type",
    });
    // Without an external_senders extension, no index is known.
    const plain = await newGroup(cs, names[3]!);
    await expect(processMessage(plain, (await createExternalProposal(target(plain), { remove: 0 as LeafIndex })).message)).rejects.toMatchObject({
      code: "framing/unknown-external-sender",
    });
  });
});

describe("new-member proposals (§12.1.8)", () => {
  it("a joiner proposes its own Add, a member commits it by reference, and the joiner joins", async () => {
    const dave = names[3]!;
    const p = await createNewMemberProposal({
      cs,
      groupId: alice.groupContext.groupId,
      epoch: alice.groupContext.epoch,
      keyPackage: dave.kp.keyPackage,
      signaturePrivateKey: dave.signaturePrivateKey,
    });
    const ra = await processMessage(alice, p.message);
    expect(ra.kind === "proposal" && ra.sender.senderType).toBe(3);
    const b = (await processMessage(bob, p.message)).state;
    const c = await createCommit(ra.state);
    const nb = await deliver(b, c.commit);
    const d = await join(cs, dave, c.welcome!, policy);
    expect(toHex(d.keys.epochAuthenticator)).toBe(toHex(nb.keys.epochAuthenticator));
  });

  it("rejects a new-member proposal not signed with its KeyPackage's key", async () => {
    const dave = names[3]!;
    const p = await createNewMemberProposal({
      cs,
      groupId: alice.groupContext.groupId,
      epoch: alice.groupContext.epoch,
      keyPackage: dave.kp.keyPackage,
      signaturePrivateKey: names[2]!.signaturePrivateKey,
    });
    await rejected(alice, p.message, "framing/invalid-signature", "6.1");
  });
});

describe("application authorization of proposals (GroupPolicy.authorizeProposal; §12.1.8, §12.4)", () => {
  const identityOf = (p: Proposal) => {
    const credential = p.proposalType === ProposalType.add ? p.keyPackage.leafNode.credential : undefined;
    return credential !== undefined && "identity" in credential ? new TextDecoder().decode(credential.identity) : undefined;
  };
  type Authorize = NonNullable<GroupPolicyInput["authorizeProposal"]>;
  const withPolicy = (s: GroupState, authorizeProposal: Authorize) => ({ ...s, policy: groupPolicy({ ...policy, authorizeProposal }) });

  it("rejects a new-member proposal the application does not authorize, with the state unchanged, and passes it the context", async () => {
    const seen: ProposalAuthorizationContext[] = [];
    const invited = new Set(["carol"]);
    const a = withPolicy(alice, (p, ctx) => {
      seen.push(ctx);
      return ctx.sender.senderType !== SenderType.new_member_proposal || invited.has(identityOf(p) ?? "");
    });
    const dave = names[3]!;
    const p = await createNewMemberProposal({
      cs,
      groupId: alice.groupContext.groupId,
      epoch: alice.groupContext.epoch,
      keyPackage: dave.kp.keyPackage,
      signaturePrivateKey: dave.signaturePrivateKey,
    });
    await rejected(a, p.message, "proposal/unauthorized", "12.1.8");
    expect(seen[0]).toMatchObject({
      stage: "received",
      byReference: false,
      committer: undefined,
      epoch: alice.groupContext.epoch,
      sender: { senderType: SenderType.new_member_proposal },
    });
    // The same proposal is accepted once the application invites dave.
    invited.add("dave");
    expect((await processMessage(a, p.message)).kind).toBe("proposal");
  });

  it("rejects a Commit whose by-value Add the application does not allow that member to make", async () => {
    // Bob's application lets only members other than leaf 0 add people.
    const b = withPolicy(bob, (p, ctx) => !(p.proposalType === ProposalType.add && ctx.sender.senderType === SenderType.member && ctx.sender.leafIndex === 0));
    const c = await createCommit(alice, { proposals: [{ add: kpOf(names[2]!) }] });
    const e = await processMessage(b, c.commit).catch((x: unknown) => x);
    expect(ValidationError.isInstance(e) && [e.code, e.rfcSection]).toEqual(["proposal/unauthorized", "12.4"]);
    // Unchanged: a Commit without the Add still processes and both agree.
    const ok = await createCommit(alice, { forcePath: true });
    const nb = await deliver(b, ok.commit);
    expect(toHex(nb.keys.epochAuthenticator)).toBe(toHex(mergePendingCommit(ok.state).keys.epochAuthenticator));
  });

  it("the committer leaves out a by-reference proposal it no longer authorizes, and says why", async () => {
    let allowRemoves = true;
    const stages: string[] = [];
    const a = withPolicy(alice, (p, ctx) => {
      stages.push(ctx.stage);
      return allowRemoves || p.proposalType !== ProposalType.remove;
    });
    const ext = await createExternalProposal(target(a), { remove: 1 as LeafIndex });
    const received = await processMessage(a, ext.message);
    expect(received.kind).toBe("proposal");
    allowRemoves = false; // the application's policy changed before the Commit
    const c = await createCommit(received.state);
    expect(c.omitted.map((o) => [toHex(o.ref), o.error.code])).toEqual([[toHex(ext.ref), "proposal/unauthorized"]]);
    expect(stages).toEqual(["received", "committing"]);
    const staged = await processMessage(bob, c.commit);
    expect(staged.kind === "commit" && staged.staged.removed.length).toBe(0);
  });
});
