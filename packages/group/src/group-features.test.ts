/** External commits (§12.4.3.2), PSKs (§8.4), GroupContextExtensions (§12.1.7), and Welcome rejections (§12.4.3.1). */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { ExtensionType, ValidationError } from "@mlskit/core";
import { PSKType } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { createApplicationMessage } from "./framing/application-message.js";
import { createCommit, mergePendingCommit } from "./commit/commit-create.js";
import { mergeStagedCommit } from "./commit/commit-process.js";
import { joinByExternalCommit } from "./welcome/external-commit.js";
import { client, join, kpOf, newGroup, services } from "./group.fixture.js";
import { noblecs } from "./group-test-suite.fixture.js";
import type { GroupState } from "./state/group-state.js";
import { processMessage } from "./receive/message-process.js";

async function deliver(state: GroupState, msg: Uint8Array): Promise<GroupState> {
  const r = await processMessage(state, msg);
  if (r.kind === "commit") return mergeStagedCommit(r.staged);
  return r.state;
}

describe("external commits (§12.4.3.2)", () => {
  it("joins from a GroupInfo, and resyncs by removing the old leaf", async () => {
    const cs = await noblecs();
    const [alice, bob, carol] = await Promise.all([client(cs, "alice"), client(cs, "bob"), client(cs, "carol")]);
    let a = await newGroup(cs, alice);
    const c1 = await createCommit(a, { proposals: [{ add: kpOf(bob) }], groupInfo: { externalPub: true } });
    a = mergePendingCommit(c1.state);
    let b = await join(cs, bob, c1.welcome!);
    const sigPub = carol.kp.keyPackage.leafNode.signatureKey;
    const ext = await joinByExternalCommit({
      cs,
      groupInfo: c1.groupInfo!,
      credential: carol.kp.keyPackage.leafNode.credential,
      signaturePrivateKey: carol.signaturePrivateKey,
      signaturePublicKey: sigPub,
      services,
    });
    let c = ext.state;
    a = await deliver(a, ext.commit);
    b = await deliver(b, ext.commit);
    expect(toHex(c.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));
    expect(toHex(b.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));
    const m = await createApplicationMessage(c, new TextEncoder().encode("joined"));
    const r = await processMessage(a, m);
    expect(r.kind === "application" && new TextDecoder().decode(r.data)).toBe("joined");

    // Resync: Carol re-joins, removing her old leaf.
    const c2 = await createCommit(a, { forcePath: true, groupInfo: { externalPub: true } });
    a = mergePendingCommit(c2.state);
    b = await deliver(b, c2.commit);
    const resync = await joinByExternalCommit({
      cs,
      groupInfo: c2.groupInfo!,
      credential: carol.kp.keyPackage.leafNode.credential,
      signaturePrivateKey: carol.signaturePrivateKey,
      signaturePublicKey: sigPub,
      removeOwnLeaf: c.ownLeaf,
      services,
    });
    c = resync.state;
    a = await deliver(a, resync.commit);
    expect(toHex(c.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));
    expect(a.tree.memberCount()).toBe(3);
  });
});

describe("PSKs (§8.4) and GroupContextExtensions (§12.1.7)", () => {
  it("commits an external PSK and a resumption PSK, and new extensions", async () => {
    const cs = await noblecs();
    const [alice, bob] = await Promise.all([client(cs, "alice"), client(cs, "bob")]);
    const store = new Map([["0102", cs.randomBytes(32)]]);
    const svc = { ...services, psks: { get: (id: Uint8Array) => store.get(toHex(id)) } };
    let a: GroupState = { ...(await newGroup(cs, alice)), services: svc };
    const c1 = await createCommit(a, { proposals: [{ add: kpOf(bob) }] });
    a = mergePendingCommit(c1.state);
    let b: GroupState = { ...(await join(cs, bob, c1.welcome!)), services: svc };
    const c2 = await createCommit(a, {
      proposals: [{ externalPsk: { pskId: new Uint8Array([1, 2]) } }, { resumptionPsk: { epoch: 1n } }],
    });
    const r = await processMessage(b, c2.commit);
    expect(r.kind).toBe("commit");
    if (r.kind !== "commit") return;
    expect(r.staged.psks.map((p) => p.psktype)).toEqual([PSKType.external, PSKType.resumption]);
    b = mergeStagedCommit(r.staged);
    a = mergePendingCommit(c2.state);
    expect(toHex(b.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));

    const ext = { extensionType: ExtensionType.external_senders, extensionData: new Uint8Array([0]) };
    const c3 = await createCommit(a, { proposals: [{ groupContextExtensions: [ext] }] });
    const r3 = await processMessage(b, c3.commit);
    expect(r3.kind === "commit" && r3.staged.newExtensions?.length).toBe(1);
    if (r3.kind === "commit") b = mergeStagedCommit(r3.staged);
    expect(b.groupContext.extensions).toHaveLength(1);

    // §12.1.7: an extension type a member does not support is rejected.
    const bad = { extensionType: 0xff00, extensionData: new Uint8Array(0) };
    const err = await createCommit(mergePendingCommit(c3.state), { proposals: [{ groupContextExtensions: [bad] }] }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(err) && (err as ValidationError).rfcSection).toBe("13.4");
  });
});

describe("Welcome rejections (§12.4.3.1)", () => {
  it("rejects a Welcome for another KeyPackage, a wrong out-of-band tree, and a duplicate group id", async () => {
    const cs = await noblecs();
    const [alice, bob, carol] = await Promise.all([client(cs, "alice"), client(cs, "bob"), client(cs, "carol")]);
    let a = await newGroup(cs, alice);
    const c1 = await createCommit(a, { proposals: [{ add: kpOf(bob) }], ratchetTreeInWelcome: false });
    a = mergePendingCommit(c1.state);
    await expect(join(cs, carol, c1.welcome!, {}, a.tree.encode())).rejects.toMatchObject({ code: "welcome/no-matching-key-package", rfcSection: "12.4.3.1" });
    const other = await newGroup(cs, carol);
    await expect(join(cs, bob, c1.welcome!, {}, other.tree.encode())).rejects.toMatchObject({ code: "tree/tree-hash-mismatch", rfcSection: "12.4.3.1" });
    const b = await join(cs, bob, c1.welcome!, {}, a.tree.encode());
    expect(b.ownLeaf).toBe(1 as LeafIndex);
  });
});

describe("early messages (next epoch before its Commit)", () => {
  it("holds the next epoch's application message and processes it once the Commit is merged", async () => {
    const { processEarlyMessages } = await import("./receive/message-process.js");
    const cs = await noblecs();
    const [alice, bob, carol] = await Promise.all([client(cs, "alice"), client(cs, "bob"), client(cs, "carol")]);
    let a = await newGroup(cs, alice);
    const c1 = await createCommit(a, { proposals: [{ add: kpOf(bob) }, { add: kpOf(carol) }] });
    a = mergePendingCommit(c1.state);
    let b = await join(cs, bob, c1.welcome!);
    let c = await join(cs, carol, c1.welcome!);
    const c2 = await createCommit(a, { forcePath: true });
    a = mergePendingCommit(c2.state);
    c = await deliver(c, c2.commit);
    const early = await createApplicationMessage(a, new TextEncoder().encode("early"));
    const held = await processMessage(b, early);
    expect(held.kind).toBe("buffered");
    b = held.state;
    const r = await processMessage(b, c2.commit);
    if (r.kind !== "commit") throw new Error("expected a commit");
    const replay = await processEarlyMessages(b, mergeStagedCommit(r.staged));
    expect(replay.errors).toEqual([]);
    const first = replay.results[0];
    expect(first?.kind === "application" && new TextDecoder().decode(first.data)).toBe("early");
    expect(toHex(replay.state.keys.epochAuthenticator)).toBe(toHex(c.keys.epochAuthenticator));
  });
});
