/**
 * PublicMessage framing (RFC 9420 §6.1, §6.2): what verifies, and every
 * receiver check rejecting with its ValidationError code and section while
 * leaving the message untouched. Runs for each provider on suite 1.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { encode, toHex } from "@mlskit/codec";
import { ProposalType, UsageError, ValidationError, WireFormat, type WireFormatId, signWithLabel } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { testProviders } from "@mlskit/test-vectors/providers";
import { encodeConfirmedTranscriptHashInput } from "./authenticated-content.js";
import { createMembershipTag } from "./content-authentication.js";
import { ContentType } from "./content-type.js";
import type { FramedContentAuthData } from "./framed-content-auth-data.js";
import { type FramedContent, type FramedContentBody, encodeFramedContentTbs } from "./framed-content.js";
import { createFramingContext } from "./framing-context.js";
import { type TestGroup, createTestGroup, dummyLeafNode, groupContext, openSuite } from "./framing.fixture.js";
import { decodeMlsMessage, encodeMlsMessage, publicMessageToMls } from "./mls-message.js";
import type { Proposal } from "../proposals/proposal.js";
import { type PublicMessage, createPublicMessage, protectPublicMessage, publicMessageCodec, unprotectPublicMessage } from "./public-message.js";
import { type Sender, SenderType, memberSender } from "./sender.js";
import { createAuthenticatedContent } from "./content-authentication.js";

/** Asserts a ValidationError with this code and RFC section. */
async function rejects(p: Promise<unknown>, code: string, section: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(ValidationError.isInstance(e), `expected ValidationError ${code}, got ${String(e)}`).toBe(true);
  expect((e as ValidationError).code).toBe(code);
  expect((e as ValidationError).rfcSection).toBe(section);
}

const removeCarol: Proposal = { proposalType: ProposalType.remove, removed: 3 as LeafIndex };

for (const provider of testProviders()) {
  describe(`PublicMessage framing × ${provider.name}`, () => {
    let g: TestGroup;
    beforeAll(async () => {
      const cs = await openSuite(provider, 1);
      if (typeof cs === "string") throw new Error(cs);
      g = await createTestGroup(cs);
    });

    const content = (sender: Sender, body: FramedContentBody, over: Partial<FramedContent> = {}): FramedContent =>
      ({
        groupId: g.ctx.groupContext.groupId,
        epoch: g.ctx.groupContext.epoch,
        sender,
        authenticatedData: new Uint8Array([1, 2, 3]),
        ...body,
        ...over,
      }) as FramedContent;
    const proposal = (p: Proposal): FramedContentBody => ({ contentType: ContentType.proposal, proposal: p });
    const commit = (withPath: boolean, leafKey?: Uint8Array): FramedContentBody => ({
      contentType: ContentType.commit,
      commit: { proposals: [], path: withPath ? { leafNode: dummyLeafNode(leafKey ?? g.outsider.publicKey, 3), nodes: [] } : undefined },
    });

    /** Signs and tags `c` without any sender-side checks, as an attacker or a buggy peer could. */
    async function forge(c: FramedContent, signer: Uint8Array, opts: { wireFormat?: WireFormatId; membershipKey?: Uint8Array } = {}): Promise<PublicMessage> {
      const tbs = encodeFramedContentTbs(opts.wireFormat ?? WireFormat.mls_public_message, c, g.ctx.encodedGroupContext);
      const signature = await signWithLabel(g.cs, signer, "FramedContentTBS", tbs);
      const auth: FramedContentAuthData = c.contentType === ContentType.commit ? { signature, confirmationTag: new Uint8Array(32) } : { signature };
      if (c.sender.senderType !== SenderType.member) return { content: c, auth };
      const membershipTag = await createMembershipTag(g.ctx, opts.membershipKey ?? g.membershipKey, {
        wireFormat: WireFormat.mls_public_message,
        content: c,
        auth,
      });
      return { content: c, auth, membershipTag };
    }

    /** Unprotects a copy decoded from the wire and checks the decoded input was not modified. */
    async function receive(m: PublicMessage, options: { externalProposalTypes?: number[] } = {}) {
      const wire = encodeMlsMessage(publicMessageToMls(m));
      const decoded = decodeMlsMessage(wire);
      if (decoded.wireFormat !== WireFormat.mls_public_message) throw new Error("unreachable");
      const snapshot = structuredClone(decoded.publicMessage);
      try {
        return await unprotectPublicMessage(g.ctx, decoded.publicMessage, { members: g.members, membershipKey: g.membershipKey, ...options });
      } finally {
        expect(decoded.publicMessage).toEqual(snapshot);
        expect(toHex(encodeMlsMessage(decoded))).toBe(toHex(wire));
      }
    }

    describe("accepts", () => {
      it("a member's proposal and commit made by createPublicMessage", async () => {
        const p = await createPublicMessage(g.ctx, {
          content: content(memberSender(0), proposal(removeCarol)),
          signaturePrivateKey: g.alice.privateKey,
          membershipKey: g.membershipKey,
        });
        const v = await receive(p);
        expect(v.wireFormat).toBe(WireFormat.mls_public_message);
        expect(v.content).toEqual(p.content);

        let seen: Uint8Array | undefined;
        const cc = content(memberSender(1), commit(true, g.bob.publicKey));
        const c = await createPublicMessage(g.ctx, {
          content: cc,
          signaturePrivateKey: g.bob.privateKey,
          membershipKey: g.membershipKey,
          confirmationTag: (input) => {
            seen = input;
            return g.cs.mac(new Uint8Array(32), input);
          },
        });
        // The confirmation tag callback receives ConfirmedTranscriptHashInput of the signed commit (§8.2).
        expect(toHex(seen!)).toBe(toHex(encodeConfirmedTranscriptHashInput(WireFormat.mls_public_message, cc, c.auth.signature)));
        expect(toHex((await receive(c)).auth.confirmationTag!)).toBe(toHex(await g.cs.mac(new Uint8Array(32), seen!)));
      });

      it("an external sender's Remove, a new member's Add and an external commit (no membership tag)", async () => {
        const ext = await forge(content({ senderType: SenderType.external, senderIndex: 0 }, proposal(removeCarol)), g.externalSender.privateKey);
        expect(ext.membershipTag).toBeUndefined();
        await receive(ext);
        const kp = {
          version: 1,
          cipherSuite: 1,
          initKey: new Uint8Array(32),
          leafNode: dummyLeafNode(g.outsider.publicKey, 1),
          extensions: [],
          signature: new Uint8Array(64),
        };
        const add = content({ senderType: SenderType.new_member_proposal }, proposal({ proposalType: ProposalType.add, keyPackage: kp }));
        await receive(await forge(add, g.outsider.privateKey));
        const join = await createPublicMessage(g.ctx, {
          content: content({ senderType: SenderType.new_member_commit }, commit(true)),
          signaturePrivateKey: g.outsider.privateKey,
          confirmationTag: new Uint8Array(32),
        });
        await receive(join);
      });

      it("an external sender's custom proposal only when the application allows its type", async () => {
        const custom: Proposal = { proposalType: "custom", customProposalType: 0xf0f0, body: new Uint8Array([9]) };
        const m = await forge(content({ senderType: SenderType.external, senderIndex: 0 }, proposal(custom)), g.externalSender.privateKey);
        await rejects(receive(m), "framing/external-proposal-type", "12.1.8");
        await receive(m, { externalProposalTypes: [0xf0f0] });
      });
    });

    describe("rejects (ValidationError, RFC section)", () => {
      it("another group's message: framing/wrong-group §6", async () => {
        const m = await forge(content(memberSender(0), proposal(removeCarol), { groupId: new Uint8Array([1]) }), g.alice.privateKey);
        await rejects(receive(m), "framing/wrong-group", "6");
      });

      it("another epoch's proposal or commit: framing/wrong-epoch §12.1 / §12.4.2", async () => {
        const p = await forge(content(memberSender(0), proposal(removeCarol), { epoch: 6n }), g.alice.privateKey);
        await rejects(receive(p), "framing/wrong-epoch", "12.1");
        const c = await forge(content(memberSender(0), commit(true), { epoch: 8n }), g.alice.privateKey);
        await rejects(receive(c), "framing/wrong-epoch", "12.4.2");
      });

      it("application data in a PublicMessage: framing/application-not-private §6", async () => {
        const m = await forge(content(memberSender(0), { contentType: ContentType.application, applicationData: new Uint8Array(5) }), g.alice.privateKey);
        await rejects(receive(m), "framing/application-not-private", "6");
      });

      it("a member's message with a wrong membership tag: framing/invalid-membership-tag §6.2", async () => {
        const m = await forge(content(memberSender(0), proposal(removeCarol)), g.alice.privateKey);
        const flipped = m.membershipTag!.slice();
        flipped[0]! ^= 1;
        await rejects(receive({ ...m, membershipTag: flipped }), "framing/invalid-membership-tag", "6.2");
        // A tag made with another epoch's membership key.
        const other = await forge(content(memberSender(0), proposal(removeCarol)), g.alice.privateKey, { membershipKey: new Uint8Array(32) });
        await rejects(receive(other), "framing/invalid-membership-tag", "6.2");
      });

      it("a bad signature: framing/invalid-signature §6.1", async () => {
        // Alice signs but claims to be Bob (membership tag valid: insiders can make it).
        const m = await forge(content(memberSender(1), proposal(removeCarol)), g.alice.privateKey);
        await rejects(receive(m), "framing/invalid-signature", "6.1");
        // Signed for PrivateMessage, sent as PublicMessage: the wire format is covered.
        const w = await forge(content(memberSender(0), proposal(removeCarol)), g.alice.privateKey, { wireFormat: WireFormat.mls_private_message });
        await rejects(receive(w), "framing/invalid-signature", "6.1");
        // A flipped signature bit on an external sender's proposal.
        const e = await forge(content({ senderType: SenderType.external, senderIndex: 0 }, proposal(removeCarol)), g.externalSender.privateKey);
        const sig = e.auth.signature.slice();
        sig[5]! ^= 0x10;
        await rejects(receive({ ...e, auth: { signature: sig } }), "framing/invalid-signature", "6.1");
        // An external commit not signed by its path's leaf.
        const j = await forge(content({ senderType: SenderType.new_member_commit }, commit(true, g.carol.publicKey)), g.outsider.privateKey);
        await rejects(receive(j), "framing/invalid-signature", "6.1");
      });

      it("a member sender outside the tree or on a blank leaf: framing/sender-leaf-out-of-range, framing/sender-leaf-blank §6.1", async () => {
        const out = await forge(content(memberSender(4), proposal(removeCarol)), g.alice.privateKey);
        await rejects(receive(out), "framing/sender-leaf-out-of-range", "6.1");
        const blank = await forge(content(memberSender(2), proposal(removeCarol)), g.alice.privateKey);
        await rejects(receive(blank), "framing/sender-leaf-blank", "6.1");
      });

      it("an external sender's commit or application data: framing/sender-content-mismatch §6.1", async () => {
        const m = await forge(content({ senderType: SenderType.external, senderIndex: 0 }, commit(true)), g.externalSender.privateKey);
        await rejects(receive(m), "framing/sender-content-mismatch", "6.1");
      });

      it("a proposal type external senders may not send: framing/external-proposal-type §12.1.8", async () => {
        const update: Proposal = { proposalType: ProposalType.update, leafNode: dummyLeafNode(g.externalSender.publicKey, 1) };
        const m = await forge(content({ senderType: SenderType.external, senderIndex: 0 }, proposal(update)), g.externalSender.privateKey);
        await rejects(receive(m), "framing/external-proposal-type", "12.1.8");
        const init: Proposal = { proposalType: ProposalType.external_init, kemOutput: new Uint8Array(32) };
        const i = await forge(content({ senderType: SenderType.external, senderIndex: 0 }, proposal(init)), g.externalSender.privateKey);
        await rejects(receive(i), "framing/external-proposal-type", "12.1.8");
      });

      it("an external sender index not in external_senders: framing/unknown-external-sender §12.1.8.1", async () => {
        const m = await forge(content({ senderType: SenderType.external, senderIndex: 1 }, proposal(removeCarol)), g.externalSender.privateKey);
        await rejects(receive(m), "framing/unknown-external-sender", "12.1.8.1");
        // A group without the extension has no external senders at all.
        const gc = g.ctx.groupContext;
        const bare = createFramingContext(g.cs, groupContext(1, gc.groupId, gc.epoch, gc.treeHash, gc.confirmedTranscriptHash));
        const z = await forge(content({ senderType: SenderType.external, senderIndex: 0 }, proposal(removeCarol)), g.externalSender.privateKey);
        await rejects(unprotectPublicMessage(bare, z, { members: g.members, membershipKey: g.membershipKey }), "framing/unknown-external-sender", "12.1.8.1");
      });

      it("new_member_proposal with anything but Add: framing/sender-content-mismatch §6.1", async () => {
        const m = await forge(content({ senderType: SenderType.new_member_proposal }, proposal(removeCarol)), g.outsider.privateKey);
        await rejects(receive(m), "framing/sender-content-mismatch", "6.1");
        const c = await forge(content({ senderType: SenderType.new_member_proposal }, commit(true)), g.outsider.privateKey);
        await rejects(receive(c), "framing/sender-content-mismatch", "6.1");
      });

      it("new_member_commit with anything but a commit: framing/sender-content-mismatch §6.1", async () => {
        const m = await forge(content({ senderType: SenderType.new_member_commit }, proposal(removeCarol)), g.outsider.privateKey);
        await rejects(receive(m), "framing/sender-content-mismatch", "6.1");
      });

      it("an external commit without path: framing/external-commit-without-path §12.4.3.2", async () => {
        const m = await forge(content({ senderType: SenderType.new_member_commit }, commit(false)), g.outsider.privateKey);
        await rejects(receive(m), "framing/external-commit-without-path", "12.4.3.2");
      });
    });

    describe("sender-side misuse (UsageError)", () => {
      const usage = async (p: Promise<unknown>, code: string) =>
        expect(
          await p.then(
            () => undefined,
            (e: unknown) => e,
          ),
        ).toSatisfy((e) => UsageError.isInstance(e) && e.code === code);

      it("refuses what the RFC forbids to send", async () => {
        const app = content(memberSender(0), { contentType: ContentType.application, applicationData: new Uint8Array(1) });
        await usage(createPublicMessage(g.ctx, { content: app, signaturePrivateKey: g.alice.privateKey, membershipKey: g.membershipKey }), "framing/application-not-private");
        const p = content(memberSender(0), proposal(removeCarol));
        await usage(createPublicMessage(g.ctx, { content: p, signaturePrivateKey: g.alice.privateKey }), "framing/missing-membership-key");
        await usage(
          createPublicMessage(g.ctx, { content: content(memberSender(0), commit(true)), signaturePrivateKey: g.alice.privateKey, membershipKey: g.membershipKey }),
          "framing/missing-confirmation-tag",
        );
        await usage(
          createPublicMessage(g.ctx, { content: p, signaturePrivateKey: g.alice.privateKey, membershipKey: g.membershipKey, confirmationTag: new Uint8Array(32) }),
          "framing/unexpected-confirmation-tag",
        );
        await usage(
          createPublicMessage(g.ctx, { content: { ...p, epoch: 8n }, signaturePrivateKey: g.alice.privateKey, membershipKey: g.membershipKey }),
          "framing/wrong-group-or-epoch",
        );
        const signedPrivate = await createAuthenticatedContent(g.ctx, {
          wireFormat: WireFormat.mls_private_message,
          content: p,
          signaturePrivateKey: g.alice.privateKey,
        });
        await usage(protectPublicMessage(g.ctx, signedPrivate, g.membershipKey), "framing/wrong-wire-format");
        expect(() => encode(publicMessageCodec, { content: p, auth: { signature: new Uint8Array(1) } })).toThrow(/membership_tag/);
      });
    });
  });
}
