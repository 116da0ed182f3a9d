/**
 * message-protection.json, for every case and every provider: unprotect the
 * vector's PublicMessages and PrivateMessages (proposal, commit,
 * application) and check their content; protect the raw values ourselves
 * and unprotect the result again (README-test-vectors.md, "Message Protection").
 */
import { afterAll, describe, expect, it } from "vitest";
import { decode, encode, toHex } from "@mlskit/codec";
import { UsageError, WireFormat } from "@mlskit/core";
import { SecretTree } from "@mlskit/key-schedule";
import { type MessageProtectionVector, framingVectors, hex, vectorReport } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import type { VerifiedContent } from "./authenticated-content.js";
import { commitCodec } from "../commit/commit.js";
import { ContentType } from "./content-type.js";
import type { FramedContent, FramedContentBody } from "./framed-content.js";
import { createFramingContext } from "./framing-context.js";
import { canonicalSignaturePrivateKey, groupContext, membersOf, openSuite } from "./framing.fixture.js";
import { decodeMlsMessage, encodeMlsMessage, privateMessageToMls, publicMessageToMls } from "./mls-message.js";
import { padToMultipleOf } from "./private-message-content.js";
import { createPrivateMessage, unprotectPrivateMessage } from "./private-message-protection.js";
import { proposalCodec } from "../proposals/proposal.js";
import { createPublicMessage, unprotectPublicMessage } from "./public-message.js";
import { memberSender } from "./sender.js";

const FILE = "message-protection.json";
const SENDER = 1;

function publicIn(bytes: Uint8Array) {
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat !== WireFormat.mls_public_message) throw new Error("expected a PublicMessage");
  return m.publicMessage;
}

function privateIn(bytes: Uint8Array) {
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat !== WireFormat.mls_private_message) throw new Error("expected a PrivateMessage");
  return m.privateMessage;
}

/** The raw value a content carries, encoded as the vector gives it. */
function rawOf(c: VerifiedContent): string {
  const content = c.content;
  switch (content.contentType) {
    case ContentType.application:
      return toHex(content.applicationData);
    case ContentType.proposal:
      return toHex(encode(proposalCodec, content.proposal));
    case ContentType.commit:
      return toHex(encode(commitCodec, content.commit));
  }
}

for (const provider of testProviders()) {
  describe(`${FILE} × ${provider.name}`, () => {
    const report = vectorReport(FILE, provider.name);
    afterAll(() => report.print());

    framingVectors.messageProtection().forEach((v: MessageProtectionVector, n) => {
      it(`case ${n} (suite ${v.cipher_suite})`, async (t) => {
        const cs = await openSuite(provider, v.cipher_suite);
        if (typeof cs === "string") {
          report.skipped(cs);
          t.skip(cs);
          return;
        }
        const gc = groupContext(v.cipher_suite, hex(v.group_id), BigInt(v.epoch), hex(v.tree_hash), hex(v.confirmed_transcript_hash));
        const ctx = createFramingContext(cs, gc);
        const members = membersOf([undefined, hex(v.signature_pub)]);
        const membershipKey = hex(v.membership_key);
        const senderDataSecret = hex(v.sender_data_secret);
        const signaturePrivateKey = canonicalSignaturePrivateKey(cs, hex(v.signature_priv), hex(v.signature_pub));
        const header = { groupId: gc.groupId, epoch: gc.epoch, sender: memberSender(SENDER), authenticatedData: new Uint8Array(0) };
        const tree = () => new SecretTree(cs, hex(v.encryption_secret), 2);

        const bodies: [name: "proposal" | "commit" | "application", raw: string, body: FramedContentBody][] = [
          ["proposal", v.proposal, { contentType: ContentType.proposal, proposal: decode(proposalCodec, hex(v.proposal)) }],
          ["commit", v.commit, { contentType: ContentType.commit, commit: decode(commitCodec, hex(v.commit)) }],
          ["application", v.application, { contentType: ContentType.application, applicationData: hex(v.application) }],
        ];

        for (const [name, raw, body] of bodies) {
          const content: FramedContent = { ...header, ...body };
          const confirmationTag = name === "commit" ? cs.randomBytes(cs.hashLength) : undefined;

          // The vector's PublicMessage verifies with membership_key and signature_pub.
          if (name !== "application") {
            const pub = publicIn(hex(name === "proposal" ? v.proposal_pub : v.commit_pub));
            const verified = await unprotectPublicMessage(ctx, pub, { members, membershipKey });
            expect(rawOf(verified), `${name}_pub`).toBe(raw);
            expect(verified.content.sender).toEqual(memberSender(SENDER));

            // Our own PublicMessage of the raw value verifies too (after a wire round trip).
            const ours = await createPublicMessage(ctx, {
              content,
              signaturePrivateKey,
              membershipKey,
              ...(confirmationTag ? { confirmationTag } : {}),
            });
            const back = await unprotectPublicMessage(ctx, publicIn(encodeMlsMessage(publicMessageToMls(ours))), { members, membershipKey });
            expect(rawOf(back)).toBe(raw);
            if (confirmationTag) expect(toHex(back.auth.confirmationTag!)).toBe(toHex(confirmationTag));
          } else {
            // Application data cannot be framed as a PublicMessage (§6).
            await expect(createPublicMessage(ctx, { content, signaturePrivateKey, membershipKey })).rejects.toSatisfy(
              (e) => UsageError.isInstance(e) && e.code === "framing/application-not-private",
            );
          }

          // The vector's PrivateMessage unprotects with the secret tree and signature_pub.
          const priv = privateIn(hex(name === "proposal" ? v.proposal_priv : name === "commit" ? v.commit_priv : v.application_priv));
          const opened = await unprotectPrivateMessage(ctx, priv, { members, secretTree: tree(), senderDataSecret });
          expect(rawOf(opened.content), `${name}_priv`).toBe(raw);
          expect(opened.content.content.sender).toEqual(memberSender(SENDER));

          // Our own PrivateMessage (padded, to exercise the padding path) unprotects with a receiver's tree.
          const senderTree = tree();
          const receiverTree = tree();
          for (let i = 0; i < 2; i++) {
            const ours = await createPrivateMessage(
              ctx,
              { content, signaturePrivateKey, padding: padToMultipleOf(32), ...(confirmationTag ? { confirmationTag } : {}) },
              { secretTree: senderTree, senderDataSecret },
            );
            const wire = encodeMlsMessage(privateMessageToMls(ours));
            const back = await unprotectPrivateMessage(ctx, privateIn(wire), { members, secretTree: receiverTree, senderDataSecret });
            expect(rawOf(back.content)).toBe(raw);
            expect(back.generation).toBe(i);
            if (confirmationTag) expect(toHex(back.content.auth.confirmationTag!)).toBe(toHex(confirmationTag));
          }
        }
        report.ran();
      });
    });
  });
}
