/**
 * PrivateMessage framing (RFC 9420 §6.3): protect/unprotect, padding, the
 * handshake/application ratchet choice, and every receiver check rejecting
 * with its ValidationError code and section — without consuming the
 * generation's key or modifying the inputs. Runs for each provider on suite 1.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decode, encode } from "@mlskit/codec";
import { ProposalType, UsageError, ValidationError, WireFormat } from "@mlskit/core";
import { type SecretTree, deriveSenderDataKeyNonce } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { testProviders } from "@mlskit/test-vectors/providers";
import { createAuthenticatedContent } from "./content-authentication.js";
import { ContentType, type ContentTypeId } from "./content-type.js";
import type { FramedContent, FramedContentBody } from "./framed-content.js";
import { type TestGroup, createTestGroup, dummyLeafNode, openSuite } from "./framing.fixture.js";
import { decodeMlsMessage, encodeMlsMessage } from "./mls-message.js";
import { NO_PADDING, type PaddingPolicy, encodePrivateMessageContent, padToMultipleOf } from "./private-message-content.js";
import { createPrivateMessage, protectPrivateMessage, unprotectPrivateMessage } from "./private-message-protection.js";
import { type PrivateMessage, type PrivateMessageIn, type SenderData, encodePrivateMessageAads, senderDataCodec } from "./private-message.js";
import type { Proposal } from "../proposals/proposal.js";
import { type Sender, SenderType, memberSender } from "./sender.js";

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
const appBody = (n: number, fill = 0x61): FramedContentBody => ({
  contentType: ContentType.application,
  applicationData: new Uint8Array(n).fill(fill),
});

for (const provider of testProviders()) {
  describe(`PrivateMessage framing × ${provider.name}`, () => {
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
        authenticatedData: new Uint8Array([0xaa, 0xbb]),
        ...body,
        ...over,
      }) as FramedContent;

    /** Bob (leaf 1) sends `body` with `tree`. */
    const send = (tree: SecretTree, body: FramedContentBody, padding: PaddingPolicy = NO_PADDING, key = g.bob.privateKey) =>
      createPrivateMessage(
        g.ctx,
        {
          content: content(memberSender(1), body),
          signaturePrivateKey: key,
          padding,
          ...(body.contentType === ContentType.commit ? { confirmationTag: new Uint8Array(32).fill(3) } : {}),
        },
        { secretTree: tree, senderDataSecret: g.senderDataSecret },
      );

    /** Unprotects a copy decoded from the wire; checks neither the input nor sender_data_secret changed. */
    async function receive(m: PrivateMessageIn, tree: SecretTree) {
      const wire = encodeMlsMessage({ version: 1, wireFormat: WireFormat.mls_private_message, privateMessage: m });
      const decoded = decodeMlsMessage(wire);
      if (decoded.wireFormat !== WireFormat.mls_private_message) throw new Error("unreachable");
      const snapshot = structuredClone(decoded.privateMessage);
      const secret = g.senderDataSecret.slice();
      try {
        return await unprotectPrivateMessage(g.ctx, decoded.privateMessage, {
          members: g.members,
          secretTree: tree,
          senderDataSecret: g.senderDataSecret,
        });
      } finally {
        expect(decoded.privateMessage).toEqual(snapshot);
        expect(g.senderDataSecret).toEqual(secret);
      }
    }

    async function openSenderData(m: PrivateMessageIn): Promise<SenderData> {
      const k = await deriveSenderDataKeyNonce(g.cs, g.senderDataSecret, m.ciphertext);
      return decode(senderDataCodec, await g.cs.aeadOpen(k.key, k.nonce, encodePrivateMessageAads(m).senderDataAad, m.encryptedSenderData));
    }

    /** The message with its sender data replaced by `senderData` (encrypted properly). */
    async function withSenderData(m: PrivateMessageIn, senderData: Uint8Array | SenderData): Promise<PrivateMessageIn> {
      const bytes = senderData instanceof Uint8Array ? senderData : encode(senderDataCodec, senderData);
      const k = await deriveSenderDataKeyNonce(g.cs, g.senderDataSecret, m.ciphertext);
      const encryptedSenderData = await g.cs.aeadSeal(k.key, k.nonce, encodePrivateMessageAads(m).senderDataAad, bytes);
      return { ...m, encryptedSenderData };
    }

    /** Encrypts an arbitrary plaintext as Bob's next message of `contentType` (a peer with the keys can). */
    async function sealRaw(tree: SecretTree, contentType: ContentTypeId, plaintext: Uint8Array): Promise<PrivateMessage> {
      const header = { groupId: g.ctx.groupContext.groupId, epoch: g.ctx.groupContext.epoch, contentType, authenticatedData: new Uint8Array(0) };
      const { contentAad } = encodePrivateMessageAads(header);
      const reuseGuard = g.cs.randomBytes(4);
      const type = contentType === ContentType.application ? "application" : "handshake";
      const sealed = await tree.withNextKey(1, type, async (key) => {
        const nonce = key.nonce.slice();
        for (let i = 0; i < 4; i++) nonce[i]! ^= reuseGuard[i]!;
        return { ciphertext: await g.cs.aeadSeal(key.key, nonce, contentAad, plaintext), generation: key.generation };
      });
      const m = { ...header, ciphertext: sealed.ciphertext, encryptedSenderData: new Uint8Array(0) };
      return (await withSenderData(m, { leafIndex: 1 as LeafIndex, generation: sealed.generation, reuseGuard })) as PrivateMessage;
    }

    /** Asserts that the key of `generation` is still there: a genuine message of that generation decrypts. */
    async function keyStillThere(receiver: SecretTree, body: FramedContentBody, generation: number): Promise<void> {
      const sender = g.tree();
      for (let i = 0; i < generation; i++) await sender.nextKey(1, body.contentType === ContentType.application ? "application" : "handshake");
      const genuine = await send(sender, body);
      const r = await receive(genuine, receiver);
      expect(r.generation).toBe(generation);
    }

    describe("accepts", () => {
      it("application data, proposals and commits, with the handshake and application ratchets kept apart", async () => {
        const [sender, receiver] = [g.tree(), g.tree()];
        const a = await send(sender, appBody(100));
        const p = await send(sender, { contentType: ContentType.proposal, proposal: removeCarol });
        const c = await send(sender, { contentType: ContentType.commit, commit: { proposals: [], path: { leafNode: dummyLeafNode(g.bob.publicKey, 3), nodes: [] } } });
        const a2 = await send(sender, appBody(3));
        // Each content type draws from its own ratchet (§6.3.1): application 0, handshake 0, handshake 1, application 1.
        const sent = await Promise.all([a, p, c, a2].map(openSenderData));
        expect(sent.map((sd) => [sd.leafIndex, sd.generation])).toEqual([
          [1, 0],
          [1, 0],
          [1, 1],
          [1, 1],
        ]);
        const got = [];
        for (const m of [a2, c, a, p]) got.push(await receive(m, receiver)); // out of order
        expect(got.map((r) => r.generation)).toEqual([1, 1, 0, 0]);
        expect(got.map((r) => r.content.content.contentType)).toEqual([1, 3, 1, 2]);
        expect(got[1]!.content.auth.confirmationTag).toEqual(new Uint8Array(32).fill(3));
        expect(got[2]!.content.content).toEqual(content(memberSender(1), appBody(100)));
        expect(got[2]!.content.wireFormat).toBe(WireFormat.mls_private_message);
      });

      it("pads as the policy says and strips the zero padding on receipt", async () => {
        const [sender, receiver] = [g.tree(), g.tree()];
        const plain = await send(sender, appBody(10));
        const block = await send(sender, appBody(10), padToMultipleOf(256));
        const custom = await send(sender, appBody(10), { kind: "custom", paddingLength: () => 1000 });
        // AEAD ciphertext = PrivateMessageContent + 16-byte tag.
        expect((block.ciphertext.length - 16) % 256).toBe(0);
        expect(custom.ciphertext.length).toBe(plain.ciphertext.length + 1000);
        for (const m of [plain, block, custom]) expect((await receive(m, receiver)).content.content).toEqual(content(memberSender(1), appBody(10)));
      });

      it("a signed AuthenticatedContent through protectPrivateMessage", async () => {
        const ac = await createAuthenticatedContent(g.ctx, {
          wireFormat: WireFormat.mls_private_message,
          content: content(memberSender(0), appBody(5)),
          signaturePrivateKey: g.alice.privateKey,
        });
        const m = await protectPrivateMessage(g.ctx, ac, { secretTree: g.tree(), senderDataSecret: g.senderDataSecret }, { padding: padToMultipleOf(64) });
        const r = await receive(m, g.tree());
        expect(r.content.content).toEqual(ac.content);
        expect(r.content.auth).toEqual(ac.auth);
      });
    });

    describe("rejects (ValidationError, RFC section) and keeps the key", () => {
      it("an unknown or reserved content_type: framing/unknown-content-type §6", async () => {
        const m = await send(g.tree(), appBody(8));
        for (const contentType of [0, 4, 255]) {
          await rejects(receive({ ...m, contentType }, g.tree()), "framing/unknown-content-type", "6");
        }
      });

      it("another group or epoch: framing/wrong-group §6, framing/wrong-epoch §15 / §12.1", async () => {
        const receiver = g.tree();
        const m = await send(g.tree(), appBody(8));
        await rejects(receive({ ...m, groupId: new Uint8Array([9]) }, receiver), "framing/wrong-group", "6");
        await rejects(receive({ ...m, epoch: 6n }, receiver), "framing/wrong-epoch", "15");
        const p = await send(g.tree(), { contentType: ContentType.proposal, proposal: removeCarol });
        await rejects(receive({ ...p, epoch: 8n }, receiver), "framing/wrong-epoch", "12.1");
        expect((await receive(m, receiver)).generation).toBe(0);
      });

      it("sender data that does not decrypt: framing/sender-data-decryption-failed §6.3.2", async () => {
        const receiver = g.tree();
        const m = await send(g.tree(), appBody(64));
        const esd = m.encryptedSenderData.slice();
        esd[0]! ^= 1;
        await rejects(receive({ ...m, encryptedSenderData: esd }, receiver), "framing/sender-data-decryption-failed", "6.3.2");
        // The ciphertext sample feeds the sender data key: a changed first byte breaks it too.
        const ct = m.ciphertext.slice();
        ct[0]! ^= 1;
        await rejects(receive({ ...m, ciphertext: ct }, receiver), "framing/sender-data-decryption-failed", "6.3.2");
        // Nothing was taken from the ratchet.
        expect((await receiver.ratchet(1, "application")).generation).toBe(0);
        expect((await receive(m, receiver)).generation).toBe(0);
      });

      it("decrypted sender data that is not a SenderData: framing/malformed-sender-data §6.3.2", async () => {
        const m = await send(g.tree(), appBody(64));
        await rejects(receive(await withSenderData(m, new Uint8Array(11)), g.tree()), "framing/malformed-sender-data", "6.3.2");
        await rejects(receive(await withSenderData(m, new Uint8Array(13)), g.tree()), "framing/malformed-sender-data", "6.3.2");
      });

      it("a sender leaf outside the tree or blank: framing/sender-leaf-out-of-range, framing/sender-leaf-blank §6.3.2", async () => {
        const receiver = g.tree();
        const m = await send(g.tree(), appBody(64));
        const sd = await openSenderData(m);
        await rejects(receive(await withSenderData(m, { ...sd, leafIndex: 4 as LeafIndex }), receiver), "framing/sender-leaf-out-of-range", "6.3.2");
        await rejects(receive(await withSenderData(m, { ...sd, leafIndex: 0xffffffff as LeafIndex }), receiver), "framing/sender-leaf-out-of-range", "6.3.2");
        await rejects(receive(await withSenderData(m, { ...sd, leafIndex: 2 as LeafIndex }), receiver), "framing/sender-leaf-blank", "6.3.2");
        expect((await receive(m, receiver)).generation).toBe(0);
      });

      it("a ciphertext, AAD or reuse guard that does not match: framing/content-decryption-failed §6.3.1", async () => {
        const receiver = g.tree();
        const m = await send(g.tree(), appBody(64));
        expect(m.ciphertext.length).toBeGreaterThan(g.cs.hashLength);
        const ct = m.ciphertext.slice();
        ct[ct.length - 1]! ^= 1; // past the sample: the sender data still decrypts
        await rejects(receive({ ...m, ciphertext: ct }, receiver), "framing/content-decryption-failed", "6.3.1");
        // authenticated_data is in PrivateContentAAD but not in SenderDataAAD.
        await rejects(receive({ ...m, authenticatedData: new Uint8Array([1]) }, receiver), "framing/content-decryption-failed", "6.3.1");
        const sd = await openSenderData(m);
        const guard = sd.reuseGuard.slice();
        guard[3]! ^= 0x80;
        await rejects(receive(await withSenderData(m, { ...sd, reuseGuard: guard }), receiver), "framing/content-decryption-failed", "6.3.1");
        // Another generation's key (the ratchet moves to generation 5 but keeps 0..4).
        await rejects(receive(await withSenderData(m, { ...sd, generation: 5 }), receiver), "framing/content-decryption-failed", "6.3.1");
        // Another leaf's key.
        await rejects(receive(await withSenderData(m, { ...sd, leafIndex: 3 as LeafIndex }), receiver), "framing/content-decryption-failed", "6.3.1");
        // None of these consumed a key: generation 0 and 5 still decrypt.
        expect((await receive(m, receiver)).generation).toBe(0);
        await keyStillThere(receiver, appBody(4), 5);
      });

      it("non-zero padding: framing/malformed-padding §6.3.1", async () => {
        const receiver = g.tree();
        const pt = encodePrivateMessageContent({ content: appBody(5), auth: { signature: new Uint8Array(64) }, paddingLength: 6 });
        pt[pt.length - 2] = 1;
        await rejects(receive(await sealRaw(g.tree(), ContentType.application, pt), receiver), "framing/malformed-padding", "6.3.1");
        await keyStillThere(receiver, appBody(5), 0);
      });

      it("a plaintext that is not a PrivateMessageContent: framing/malformed-content §6.3.1", async () => {
        const receiver = g.tree();
        for (const [type, pt] of [
          [ContentType.application, new Uint8Array([0xff, 0xff])], // invalid varint
          [ContentType.application, new Uint8Array([0x05, 1, 2])], // truncated application_data
          [ContentType.proposal, new Uint8Array([0x00, 0x00])], // proposal_type 0 is reserved
          [ContentType.commit, new Uint8Array([0x00, 0x00, 0x00])], // commit without confirmation tag
        ] as const) {
          await rejects(receive(await sealRaw(g.tree(), type, pt), receiver), "framing/malformed-content", "6.3.1");
        }
        await keyStillThere(receiver, appBody(5), 0);
        await keyStillThere(receiver, { contentType: ContentType.proposal, proposal: removeCarol }, 0);
      });

      it("a signature by another key than the sender leaf's: framing/invalid-signature §6.1", async () => {
        const receiver = g.tree();
        const forged = await send(g.tree(), appBody(20), NO_PADDING, g.alice.privateKey); // claims leaf 1, signed by leaf 0
        await rejects(receive(forged, receiver), "framing/invalid-signature", "6.1");
        await keyStillThere(receiver, appBody(20), 0);
      });

      it("a replayed message: secret-tree/generation-consumed §9.2", async () => {
        const receiver = g.tree();
        const m = await send(g.tree(), appBody(20));
        await receive(m, receiver);
        await rejects(receive(m, receiver), "secret-tree/generation-consumed", "9.2");
      });
    });

    describe("sender-side misuse (UsageError)", () => {
      it("refuses non-member senders, wrong wire formats and foreign epochs without using a key", async () => {
        const tree = g.tree();
        const usage = async (p: Promise<unknown>, code: string) =>
          expect(
            await p.then(
              () => undefined,
              (e: unknown) => e,
            ),
          ).toSatisfy((e) => UsageError.isInstance(e) && e.code === code);
        const ext = content({ senderType: SenderType.external, senderIndex: 0 }, { contentType: ContentType.proposal, proposal: removeCarol });
        await usage(
          createPrivateMessage(g.ctx, { content: ext, signaturePrivateKey: g.externalSender.privateKey }, { secretTree: tree, senderDataSecret: g.senderDataSecret }),
          "framing/private-non-member",
        );
        const pub = await createAuthenticatedContent(g.ctx, {
          wireFormat: WireFormat.mls_public_message,
          content: content(memberSender(1), { contentType: ContentType.proposal, proposal: removeCarol }),
          signaturePrivateKey: g.bob.privateKey,
        });
        await usage(protectPrivateMessage(g.ctx, pub, { secretTree: tree, senderDataSecret: g.senderDataSecret }), "framing/wrong-wire-format");
        await usage(
          createPrivateMessage(
            g.ctx,
            { content: content(memberSender(1), appBody(1), { epoch: 3n }), signaturePrivateKey: g.bob.privateKey },
            { secretTree: tree, senderDataSecret: g.senderDataSecret },
          ),
          "framing/wrong-group-or-epoch",
        );
        await usage(
          createPrivateMessage(
            g.ctx,
            { content: content(memberSender(1), { contentType: ContentType.commit, commit: { proposals: [], path: undefined } }), signaturePrivateKey: g.bob.privateKey },
            { secretTree: tree, senderDataSecret: g.senderDataSecret },
          ),
          "framing/missing-confirmation-tag",
        );
        // No generation was used by the refused sends.
        expect((await tree.ratchet(1, "application")).generation).toBe(0);
        expect((await tree.ratchet(1, "handshake")).generation).toBe(0);
      });
    });
  });
}
