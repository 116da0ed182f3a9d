/** The observer's view as bytes: round trip with pending proposals and a ReInit, and damaged blobs refused as storage/corrupt. */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { MlsError, ProtocolVersion, StorageError } from "@mlskit/core";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { client, join, kpOf, newGroup, services } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { ContentType } from "../framing/content-type.js";
import { processMessage } from "../receive/message-process.js";
import { createProposal, frameHandshake } from "../proposals/proposal-create.js";
import { encodeGroupState } from "../state/group-state-codec.js";
import { peekStateHeader } from "../state/blob-header.js";
import { validationErrorOf } from "../rejection.fixture.js";
import { observeMessage } from "./observe-message.js";
import { decodePublicGroupView, encodePublicGroupView } from "./public-group-view-codec.js";
import { expectSameAs, observe, observeCommitMessage } from "./observer.fixture.js";

describe("PublicGroupView codec", () => {
  it("round-trips a view with a pending proposal, which a later Commit references", async () => {
    const cs = await noblecs();
    const [alice, bob, carol] = await Promise.all([client(cs, "alice"), client(cs, "bob"), client(cs, "carol")]);
    const c1 = await createCommit(await newGroup(cs, alice), { proposals: [{ add: kpOf(bob) }] });
    const a = mergePendingCommit(c1.state);
    let b = await join(cs, bob, c1.welcome!);
    let view = await observe(cs, a);
    const p = await createProposal(b, { add: kpOf(carol) });
    b = p.state;
    const op = await observeMessage(view, p.message);
    view = op.view;
    expect(view.proposals.size).toBe(1);

    const bytes = encodePublicGroupView(view);
    expect(peekStateHeader(bytes)).toEqual({ kind: "public-group-view", formatVersion: 1, cipherSuite: cs.suite.id });
    const restored = await decodePublicGroupView(bytes, { cs, policy: view.policy, services });
    expectSameAs(restored, a);
    expect([...restored.proposals.keys()]).toEqual([...view.proposals.keys()]);
    expect(toHex(encodePublicGroupView(restored))).toBe(toHex(bytes));
    expect(Object.isFrozen(restored)).toBe(true);

    // The restored view follows the Commit that references the proposal.
    const ra = await processMessage(a, p.message);
    if (ra.kind !== "proposal") throw new Error("expected a proposal");
    const c2 = await createCommit(ra.state);
    const o2 = await observeCommitMessage(restored, c2.commit);
    expect(o2.added).toHaveLength(1);
    expectSameAs(o2.view, mergePendingCommit(c2.state));

    // A ReInit is kept, and a Commit after it refused.
    const c3 = await createCommit(mergePendingCommit(c2.state), {
      proposals: [{ reinit: { groupId: new Uint8Array([9]), version: ProtocolVersion.mls10, cipherSuite: cs.suite.id, extensions: [] } }],
    });
    const o3 = await observeCommitMessage(o2.view, c3.commit);
    expect(o3.reinit).toBeDefined();
    const reinitView = await decodePublicGroupView(encodePublicGroupView(o3.view), { cs, policy: view.policy, services });
    expect(reinitView.reinit?.groupId).toEqual(new Uint8Array([9]));
    const after = await frameHandshake(
      mergePendingCommit(c3.state),
      { contentType: ContentType.commit, commit: { proposals: [], path: undefined } },
      { confirmationTag: new Uint8Array(cs.hashLength) },
    );
    const e = await validationErrorOf(observeMessage(reinitView, after.message));
    expect([e.code, e.rfcSection]).toEqual(["commit/group-reinitialized", "11.2"]);
  });

  it("refuses damaged, truncated, foreign and other-kind blobs", async () => {
    const cs = await noblecs();
    const a = await newGroup(cs, await client(cs, "alice"));
    const view = await observe(cs, a);
    const env = { cs, policy: view.policy, services };
    const bytes = encodePublicGroupView(view);
    const corruptOf = async (b: Uint8Array): Promise<string> => {
      const e = await decodePublicGroupView(b, env).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(StorageError.isInstance(e) || MlsError.isInstance(e), String(e)).toBe(true);
      return (e as MlsError).code;
    };
    expect(await corruptOf(bytes.slice(0, bytes.length - 3))).toBe("storage/corrupt");
    expect(await corruptOf(new Uint8Array([...bytes, 0]))).toBe("storage/corrupt");
    expect(await corruptOf(encodeGroupState(a))).toBe("storage/corrupt");
    // A tree that is not the GroupContext's: flip a byte of the tree (after the header and GroupContext).
    const damaged = bytes.slice();
    const treeAt = bytes.length - 2 * (cs.hashLength + 1) - 2 - 10;
    damaged[treeAt]! ^= 1;
    expect(await corruptOf(damaged)).toBe("storage/corrupt");
    const other = await noblecs(3);
    expect(
      await decodePublicGroupView(bytes, { ...env, cs: other }).then(
        () => "",
        (e: MlsError) => e.code,
      ),
    ).toBe("usage/cipher-suite-mismatch");
  });
});
