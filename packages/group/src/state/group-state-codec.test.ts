/** A real group state through storage: everything it holds comes back, and the loaded state carries on the conversation. */
import { inspect } from "node:util";
import { bytesEqual, toHex } from "@mlskit/codec";
import { ValidationError } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { createApplicationMessage } from "../framing/application-message.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { deliver } from "../group.fixture.js";
import { type GroupState, exportSecret } from "./group-state.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { processEarlyMessages, processMessage } from "../receive/message-process.js";
import { createProposal } from "../proposals/proposal-create.js";
import { encodeGroupState } from "./group-state-codec.js";
import { encodePastEpoch } from "./past-epoch-codec.js";
import { buildScenario } from "./state.fixture.js";
import { environment, load, store } from "./stored-state.fixture.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const consumed = (e: unknown) => ValidationError.isInstance(e) && e.code === "secret-tree/generation-consumed";

async function read(state: GroupState, message: Uint8Array): Promise<string> {
  const r = await processMessage(state, message);
  if (r.kind !== "application") throw new Error(`expected an application message, got ${r.kind}`);
  return text(r.data);
}

/** The observable parts of a state that `encodeGroupState` stores, for comparison. */
function stored(s: GroupState) {
  return {
    groupContext: s.groupContext,
    tree: toHex(s.tree.encode()),
    privateKeys: s.privateKeys.nodes().map((n) => [n, toHex(s.privateKeys.get(n)!)]),
    ownLeaf: s.ownLeaf,
    signaturePrivateKey: s.signaturePrivateKey,
    keys: s.keys,
    secretTree: s.secretTree.exportState(),
    interimTranscriptHash: s.interimTranscriptHash,
    confirmationTag: s.confirmationTag,
    proposals: [...s.proposals.entries()],
    resumptionPsks: [...s.resumptionPsks.entries()],
    earlyMessages: s.earlyMessages,
    reinit: s.reinit,
    ownUpdates: [...s.ownUpdates.entries()],
    status: s.status,
    pastEpochs: s.pastEpochs.map((p) => ({
      epoch: p.epoch,
      groupContext: p.framing.groupContext,
      tree: toHex(p.tree.encode()),
      secretTree: p.secretTree.exportState(),
      senderDataSecret: p.senderDataSecret,
      membershipKey: p.membershipKey,
    })),
  };
}

describe.each(["public", "private"] as const)("stored group state (%s handshakes)", async (wire) => {
  const cs = await noblecs();
  const sc = await buildScenario(cs, wire);
  const env = environment(cs, sc.policy);
  // Every state is stored before any test runs: each test loads its own copies, so none sees another's consumed keys.
  const snapshot = {
    alice: store(sc.alice),
    original: stored(sc.alice),
    originalPending: stored(sc.alice.pendingCommit!.state),
    bob: store(sc.bob),
    carol: store(sc.carol),
    dave: store(sc.dave),
    bobAfter: store(sc.bobCommit.bobAfter),
  };

  it("holds every part of the state, and encodes a loaded state to the same bytes", async () => {
    const alice = await load(snapshot.alice, env);
    expect(stored(alice)).toEqual(snapshot.original);
    expect(alice.pastEpochs.map((p) => p.epoch)).toEqual([2n, 1n, 0n]);
    expect(alice.proposals.size).toBe(2);
    expect([...alice.proposals.values()].every((p) => p.message !== undefined)).toBe(true);
    expect(alice.ownUpdates.size).toBe(1);
    expect(alice.earlyMessages.length).toBe(1);
    expect(alice.resumptionPsks.size).toBe(3);
    expect(encodeGroupState(alice)).toEqual(snapshot.alice.state);
    expect(alice.pastEpochs.map(encodePastEpoch)).toEqual(snapshot.alice.pastEpochs);
    // Encoding changes nothing, and says nothing in JSON or inspect.
    expect(encodeGroupState(alice)).toEqual(snapshot.alice.state);
    expect(JSON.stringify(alice)).not.toContain(toHex(alice.keys.exporterSecret).slice(0, 16));
    expect(inspect(alice)).toContain("[secrets redacted]");
  });

  it("owns its bytes: wiping the blobs after loading changes nothing", async () => {
    const copy = { state: snapshot.alice.state.slice(), pastEpochs: snapshot.alice.pastEpochs.map((b) => b.slice()) };
    const alice = await load(copy, env);
    copy.state.fill(0);
    for (const b of copy.pastEpochs) b.fill(0);
    expect(encodeGroupState(alice)).toEqual(snapshot.alice.state);
    expect(alice.pastEpochs.map(encodePastEpoch)).toEqual(snapshot.alice.pastEpochs);
    expect(await read(alice, sc.late.message)).toBe(sc.late.text);
  });

  it("round-trips every status and a merged ReInit", async () => {
    const alice = await load(snapshot.alice, env);
    const reinit = {
      proposalType: 5,
      groupId: new Uint8Array([9, 9]),
      version: 1,
      cipherSuite: 3,
      extensions: [{ extensionType: 0xff00, extensionData: new Uint8Array([1]) }],
    } as const;
    const statuses = [
      { kind: "active" },
      { kind: "external-join-pending", commit: new Uint8Array([1, 2, 3]) },
      { kind: "removed", epoch: 3n },
      { kind: "closed", reason: "the external Commit was rejected — ✗" },
    ] as const;
    for (const status of statuses) {
      const variant: GroupState = { ...alice, status, reinit, pendingCommit: undefined };
      const loaded = await load({ state: encodeGroupState(variant), pastEpochs: snapshot.alice.pastEpochs }, env);
      expect(loaded.status).toEqual(status);
      expect(loaded.reinit).toEqual(reinit);
      expect(loaded.pendingCommit).toBeUndefined();
    }
  });

  it("rebuilds the pending Commit's state with the history enterEpoch gives it", async () => {
    const alice = await load(snapshot.alice, env);
    const pending = alice.pendingCommit!;
    expect(bytesEqual(pending.message, sc.alice.pendingCommit!.message)).toBe(true);
    expect(stored(pending.state)).toEqual(snapshot.originalPending);
    const [first, ...rest] = pending.state.pastEpochs;
    // The current epoch becomes the first past epoch, sharing its secret tree, framing and tree.
    expect(first!.epoch).toBe(3n);
    expect(first!.secretTree).toBe(alice.secretTree);
    expect(first!.framing).toBe(alice.framing);
    expect(first!.tree).toBe(alice.tree);
    expect(rest).toEqual(alice.pastEpochs.slice(0, 2));
    expect(rest[0]).toBe(alice.pastEpochs[0]);
    expect(pending.state.resumptionPsks.get(3n)).toEqual(alice.keys.resumptionPsk);
    expect(toHex(await pending.state.tree.treeHash())).toBe(toHex(pending.state.groupContext.treeHash));
  });

  it("reads messages sent after it was stored, late ones of past epochs included, and refuses replays", async () => {
    const alice = await load(snapshot.alice, env);
    expect(await read(alice, sc.unread.message)).toBe(sc.unread.text);
    expect(await read(alice, sc.late.message)).toBe(sc.late.text);
    for (const m of [...sc.consumed, sc.unread.message, sc.late.message]) await expect(processMessage(alice, m)).rejects.toSatisfy(consumed);
  });

  it("sends messages its peers read: its ratchets resume where they stood", async () => {
    const alice = await load(snapshot.alice, env);
    const bob = await load(snapshot.bob, env);
    const p = await createProposal(alice, { remove: 3 as never });
    const r = await processMessage(bob, p.message);
    expect(r.kind).toBe("proposal");
  });

  it("processes Bob's Commit (with its own Update's key), replays the held message, and agrees with Bob", async () => {
    const alice = await load(snapshot.alice, env);
    const bobAfter = await load(snapshot.bobAfter, env);
    const r = await processMessage(alice, sc.bobCommit.message);
    if (r.kind !== "commit") throw new Error(`expected a commit, got ${r.kind}`);
    // Alice's leaf took her proposed Update: its key came from the stored ownUpdates.
    expect(r.staged.updated.length).toBe(2);
    const merged = mergeStagedCommit(r.staged);
    const replayed = await processEarlyMessages(alice, merged);
    expect(replayed.errors).toEqual([]);
    expect(replayed.results.map((x) => (x.kind === "application" ? text(x.data) : x.kind))).toEqual([sc.bobCommit.heldText]);
    const a4 = replayed.state;
    expect(toHex(a4.keys.epochAuthenticator)).toBe(toHex(bobAfter.keys.epochAuthenticator));
    expect(await exportSecret(a4, "stored", new Uint8Array([1]), 32)).toEqual(await exportSecret(bobAfter, "stored", new Uint8Array([1]), 32));
    expect(await read(bobAfter, await createApplicationMessage(a4, new TextEncoder().encode("after Bob's commit")))).toBe("after Bob's commit");
  });

  it("merges its own pending Commit when it comes back; every member agrees and a late epoch-3 message still reads", async () => {
    const alice = await load(snapshot.alice, env);
    const r = await processMessage(alice, alice.pendingCommit!.message);
    expect(r.kind).toBe("own-commit");
    const a4 = r.state;
    expect(a4.groupContext.epoch).toBe(4n);
    const bob = await deliver(await load(snapshot.bob, env), alice.pendingCommit!.message);
    const carol = await deliver(await deliver(await load(snapshot.carol, env), sc.proposals[1]), alice.pendingCommit!.message);
    const dave = await deliver(await deliver(await deliver(await load(snapshot.dave, env), sc.proposals[0]), sc.proposals[1]), alice.pendingCommit!.message);
    for (const peer of [bob, carol, dave]) {
      expect(toHex(peer.keys.epochAuthenticator)).toBe(toHex(a4.keys.epochAuthenticator));
      expect(await read(peer, await createApplicationMessage(a4, new TextEncoder().encode("epoch 4")))).toBe("epoch 4");
    }
    // Epoch 3 is now the first past epoch, with the secret tree that consumed Dave's first message.
    expect(await read(a4, sc.unread.message)).toBe(sc.unread.text);
    await expect(processMessage(a4, sc.consumed[1]!)).rejects.toSatisfy(consumed);
  });
});
