/**
 * Messages held for the next epoch (issue 13, RFC 9420 §15.3): bounded in
 * count, bytes and per claimed sender; forgeries cannot push out a genuine
 * message held before them; a refused message leaves the state unchanged
 * with a typed error; once the Commit is merged the genuine ones are read.
 */
import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { createApplicationMessage } from "../framing/application-message.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { ContentType } from "../framing/content-type.js";
import { client, join, kpOf, newGroup } from "../group.fixture.js";
import type { GroupPolicyInput } from "../policy/group-policy.js";
import type { GroupState } from "../state/group-state.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { processEarlyMessages, processMessage } from "./message-process.js";
import { encodeMlsMessage, privateMessageToMls } from "../framing/mls-message.js";
import { createProposal } from "../proposals/proposal-create.js";
import { validationErrorOf } from "../rejection.fixture.js";
import { encodeGroupState } from "../state/group-state-codec.js";

async function trio(cs: CipherSuiteProvider, policy: GroupPolicyInput) {
  const [alice, bob, carol] = await Promise.all([client(cs, "alice"), client(cs, "bob"), client(cs, "carol")]);
  let a = await newGroup(cs, alice, policy);
  const c = await createCommit(a, { proposals: [{ add: kpOf(bob) }, { add: kpOf(carol) }] });
  a = mergePendingCommit(c.state);
  return { a, b: await join(cs, bob, c.welcome!, policy), c: await join(cs, carol, c.welcome!, policy) };
}

/** What anyone who saw the group id and epoch can send: a PrivateMessage header over random bytes. */
function junk(cs: CipherSuiteProvider, s: GroupState, epoch: bigint, size = 100): Uint8Array {
  const gc = s.groupContext;
  return encodeMlsMessage(
    privateMessageToMls({
      groupId: gc.groupId,
      epoch,
      contentType: ContentType.application,
      authenticatedData: new Uint8Array(0),
      encryptedSenderData: cs.randomBytes(40),
      ciphertext: cs.randomBytes(size),
    }),
  );
}

describe("messages held for the next epoch", () => {
  it("a flood of forgeries is refused once the buffer is full; the genuine message held before it is read after the Commit", async () => {
    const cs = await noblecs();
    let { a, b } = await trio(cs, { maxEarlyMessages: 8, handshakeWireFormat: "private" });
    const commit = await createCommit(a, { forcePath: true });
    a = mergePendingCommit(commit.state);
    const genuine = await createApplicationMessage(a, utf8("early"));
    const held = await processMessage(b, genuine);
    expect(held.kind).toBe("buffered");
    b = held.state;
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const forged = junk(cs, b, b.groupContext.epoch + 1n);
      const before = encodeGroupState(b);
      try {
        b = (await processMessage(b, forged)).state;
      } catch (e) {
        expect((await validationErrorOf(Promise.reject(e))).code).toBe("message/early-buffer-full");
        expect(toHex(encodeGroupState(b))).toBe(toHex(before));
        refused++;
      }
    }
    expect(b.earlyMessages).toHaveLength(8);
    expect(refused).toBe(33);
    // The Commit arrives: the genuine message is read, the forgeries fail and are dropped.
    const staged = await processMessage(b, commit.commit);
    if (staged.kind !== "commit") throw new Error("expected a commit");
    const replay = await processEarlyMessages(b, mergeStagedCommit(staged.staged));
    const read = replay.results.filter((r) => r.kind === "application").map((r) => (r.kind === "application" ? new TextDecoder().decode(r.data) : ""));
    expect(read).toEqual(["early"]);
    expect(replay.errors).toHaveLength(7);
    expect(replay.state.earlyMessages).toHaveLength(0);
  });

  it("bounds the bytes held and the size of one message; a copy already held is not held twice", async () => {
    const cs = await noblecs();
    const { b } = await trio(cs, { maxEarlyBytes: 1000 });
    const next = b.groupContext.epoch + 1n;
    const tooBig = await validationErrorOf(processMessage(b, junk(cs, b, next, 1200)));
    expect(tooBig.code).toBe("message/early-message-too-large");
    const m = junk(cs, b, next, 600);
    const s1 = (await processMessage(b, m)).state;
    const s2 = (await processMessage(s1, m)).state;
    expect(s2.earlyMessages).toHaveLength(1);
    const full = await validationErrorOf(processMessage(s2, junk(cs, b, next, 600)));
    expect(full.code).toBe("message/early-buffer-full");
  });

  it("PublicMessages claiming one sender get a quota: others still fit", async () => {
    const cs = await noblecs();
    let { a, b, c } = await trio(cs, { maxEarlyPerSender: 2, maxEarlyMessages: 6 });
    const commit = await createCommit(a, {});
    a = mergePendingCommit(commit.state);
    const fromAlice: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) fromAlice.push((await createProposal(a, { update: {} })).message);
    b = (await processMessage(b, fromAlice[0]!)).state;
    b = (await processMessage(b, fromAlice[1]!)).state;
    const before = encodeGroupState(b);
    const quota = await validationErrorOf(processMessage(b, fromAlice[2]!));
    expect(quota.code).toBe("message/early-sender-quota");
    expect(toHex(encodeGroupState(b))).toBe(toHex(before));
    const staged = await processMessage(c, commit.commit);
    if (staged.kind !== "commit") throw new Error("expected a commit");
    const c1 = mergeStagedCommit(staged.staged);
    const fromCarol = await createProposal(c1, { update: {} });
    expect((await processMessage(b, fromCarol.message)).kind).toBe("buffered");
  });
});
