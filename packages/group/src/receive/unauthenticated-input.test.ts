/**
 * Unauthenticated input changes no state (issue 13; RFC 9420 §9.2: a key is
 * consumed once it decrypted a message, and here once the message
 * authenticated, since every member can forge sender data and derive every
 * sender's keys). Each case shows the typed error, the receiver's encoded
 * state unchanged byte for byte (ratchet positions, kept keys, proposals,
 * held messages), and the forged sender's next genuine messages and Commit
 * still processed.
 */
import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { SecretTree } from "@mlskit/key-schedule";
import { createApplicationMessage } from "../framing/application-message.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { ContentType } from "../framing/content-type.js";
import type { FramedContent } from "../framing/framed-content.js";
import { client, deliver, join, kpOf, newGroup } from "../group.fixture.js";
import type { GroupPolicyInput } from "../policy/group-policy.js";
import type { GroupState } from "../state/group-state.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { processMessage } from "./message-process.js";
import { encodeMlsMessage, privateMessageToMls } from "../framing/mls-message.js";
import { createPrivateMessage } from "../framing/private-message-protection.js";
import { createProposal } from "../proposals/proposal-create.js";
import { validationErrorOf } from "../rejection.fixture.js";
import { memberSender } from "../framing/sender.js";
import { encodeGroupState } from "../state/group-state-codec.js";

const WINDOW = 5;

/** Alice, Bob and Carol in epoch 2, handshakes as `wire`, with a small out-of-order window. */
async function trio(cs: CipherSuiteProvider, wire: "public" | "private", extra: GroupPolicyInput = {}) {
  const policy: GroupPolicyInput = { handshakeWireFormat: wire, ratchet: { outOfOrderWindow: WINDOW, maxForwardDistance: 1000 }, ...extra };
  const [alice, bob, carol] = await Promise.all([client(cs, "alice"), client(cs, "bob"), client(cs, "carol")]);
  let a = await newGroup(cs, alice, policy);
  const c = await createCommit(a, { proposals: [{ add: kpOf(bob) }, { add: kpOf(carol) }] });
  a = mergePendingCommit(c.state);
  const b = await join(cs, bob, c.welcome!, policy);
  const cc = await join(cs, carol, c.welcome!, policy);
  return { a, b, c: cc };
}

/**
 * What Carol, a member, can forge: a PrivateMessage whose sender data names
 * `victim`'s leaf at `generation`, encrypted with the right key of the
 * victim's ratchet (every member can derive it) but signed with Carol's own key.
 */
async function forge(carol: GroupState, victim: number, generation: number, content: Partial<FramedContent> = {}): Promise<Uint8Array> {
  const type = content.contentType === ContentType.commit || content.contentType === ContentType.proposal ? "handshake" : "application";
  // A copy of Carol's secret tree, so each forgery may name any generation from the epoch's start.
  const secretTree = SecretTree.fromState(carol.cs, carol.secretTree.exportState());
  const ratchet = await secretTree.ratchet(victim, type);
  if (generation < ratchet.generation) throw new Error("the copy is already past that generation");
  await secretTree.reserve(victim, type, generation - ratchet.generation);
  const gc = carol.groupContext;
  const framed = {
    groupId: gc.groupId,
    epoch: gc.epoch,
    sender: memberSender(victim),
    authenticatedData: new Uint8Array(0),
    contentType: ContentType.application,
    applicationData: utf8("forged"),
    ...content,
  } as FramedContent;
  const pm = await createPrivateMessage(
    carol.framing,
    {
      content: framed,
      signaturePrivateKey: carol.signaturePrivateKey,
      ...(framed.contentType === ContentType.commit ? { confirmationTag: carol.cs.randomBytes(carol.cs.hashLength) } : {}),
    },
    { secretTree, senderDataSecret: carol.keys.senderDataSecret },
  );
  return encodeMlsMessage(privateMessageToMls(pm));
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

for (const wire of ["public", "private"] as const) {
  describe(`forged sender data changes nothing (${wire} handshakes)`, () => {
    it("a forged message far ahead neither moves the named sender's ratchet nor evicts its kept keys; its genuine messages and Commit are read", async () => {
      const cs = await noblecs();
      let { a, b, c } = await trio(cs, wire);
      // Bob keeps Alice's generations 0..2 for out-of-order delivery.
      const genuine: Uint8Array[] = [];
      for (let i = 0; i < 4; i++) genuine.push(await createApplicationMessage(a, utf8(`m${i}`)));
      b = (await processMessage(b, genuine[3]!)).state;
      const before = encodeGroupState(b);
      for (const g of [500, 4, 1, 900]) {
        const forged = await forge(c, a.ownLeaf, g);
        const e = await validationErrorOf(processMessage(b, forged));
        expect(e.code).toBe("framing/invalid-signature");
        expect(toHex(encodeGroupState(b))).toBe(toHex(before));
      }
      // The kept keys are still there, and Alice goes on.
      for (const m of genuine.slice(0, 3)) {
        const r = await processMessage(b, m);
        expect(r.kind === "application" && text(r.data)).toMatch(/^m[012]$/);
      }
      const next = await processMessage(b, await createApplicationMessage(a, utf8("after")));
      expect(next.kind === "application" && text(next.data)).toBe("after");
      const commit = await createCommit(a, { forcePath: true });
      a = mergePendingCommit(commit.state);
      b = await deliver(b, commit.commit);
      expect(toHex(b.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));
    });
  });
}

describe("forged handshakes and refused messages consume nothing (private handshakes)", () => {
  it("a forged Commit naming the committer's next generation leaves its real Commit readable", async () => {
    const cs = await noblecs();
    let { a, b, c } = await trio(cs, "private");
    const forged = await forge(c, a.ownLeaf, 0, { contentType: ContentType.commit, commit: { proposals: [], path: undefined } } as unknown as Partial<FramedContent>);
    const before = encodeGroupState(b);
    const e = await validationErrorOf(processMessage(b, forged));
    expect(e.code).toBe("framing/invalid-signature");
    expect(toHex(encodeGroupState(b))).toBe(toHex(before));
    const real = await createCommit(a, { forcePath: true });
    b = await deliver(b, real.commit);
    expect(toHex(b.keys.epochAuthenticator)).toBe(toHex(mergePendingCommit(real.state).keys.epochAuthenticator));
  });

  it("staging is not consuming: a PrivateMessage Commit staged and dropped processes again; merged once, a second copy is refused", async () => {
    const cs = await noblecs();
    const { a, b } = await trio(cs, "private");
    const commit = await createCommit(a, { forcePath: true });
    const before = encodeGroupState(b);
    const first = await processMessage(b, commit.commit);
    expect(first.kind).toBe("commit");
    expect(toHex(encodeGroupState(b))).toBe(toHex(before));
    const second = await processMessage(b, commit.commit);
    if (second.kind !== "commit") throw new Error("expected the Commit staged again");
    const merged = mergeStagedCommit(second.staged);
    expect(toHex(merged.keys.epochAuthenticator)).toBe(toHex(mergePendingCommit(commit.state).keys.epochAuthenticator));
    // The first staging, merged after the second: its generation is gone.
    if (first.kind !== "commit") throw new Error("unreachable");
    expect(() => mergeStagedCommit(first.staged)).toThrow(expect.objectContaining({ code: "secret-tree/generation-consumed" }));
  });

  it("a proposal refused by the application's policy after its signature verified consumes nothing", async () => {
    const cs = await noblecs();
    let refuse = false;
    const { b, c } = await trio(cs, "private", { authorizeProposal: () => !refuse });
    const p = await createProposal(c, { remove: 0 as never });
    refuse = true;
    const before = encodeGroupState(b);
    const e = await validationErrorOf(processMessage(b, p.message));
    expect(e.code).toMatch(/^proposal\//);
    expect(toHex(encodeGroupState(b))).toBe(toHex(before));
    refuse = false;
    expect((await processMessage(b, p.message)).kind).toBe("proposal");
  });
});

describe("inputs that are not someone else's group message", () => {
  it("our own application message handed back, or re-sent by a member at a fresh generation, is refused as ours; nothing is consumed", async () => {
    const cs = await noblecs();
    const { b, c } = await trio(cs, "private");
    const mine = await createApplicationMessage(b, utf8("mine"));
    const before = encodeGroupState(b);
    expect((await validationErrorOf(processMessage(b, mine))).code).toBe("message/own-message");
    // Carol re-encrypts as Bob at a generation Bob never used.
    const resent = await forge(c, b.ownLeaf, 5);
    const e = await validationErrorOf(processMessage(b, resent));
    expect(["message/own-message", "framing/invalid-signature"]).toContain(e.code);
    expect(toHex(encodeGroupState(b))).toBe(toHex(before));
  });

  it("a Welcome handed to a group is refused as input (ValidationError), not as a misuse", async () => {
    const cs = await noblecs();
    const { a, b } = await trio(cs, "public");
    const erin = await client(cs, "erin");
    const commit = await createCommit(a, { proposals: [{ add: kpOf(erin) }] });
    const e = await validationErrorOf(processMessage(b, commit.welcome!));
    expect([e.code, e.rfcSection]).toEqual(["message/not-a-group-message", "6"]);
  });
});
