/**
 * Codec rules of the wire structs that the vector files do not reach:
 * custom proposals, reserved and unknown enum values, envelope checks,
 * padding, extension bodies, GroupInfo signatures. Round-trips are
 * property-tested with fast-check.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CodecError, Reader, Writer, decode, encode, toHex } from "@mlskit/codec";
import { CredentialType, ExtensionType, ProposalType, UsageError, ValidationError, WireFormat } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { framingVectors, hex } from "@mlskit/test-vectors";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { commitCodec } from "../commit/commit.js";
import { ContentType, type ContentTypeId } from "./content-type.js";
import {
  type ExternalSender,
  applicationIdCodec,
  decodeExtension,
  externalPubCodec,
  externalSendersCodec,
  findExtension,
  makeExtension,
  requiredCapabilitiesCodec,
} from "../extensions/extensions.js";
import { encodeContentBody, framedContentCodec } from "./framed-content.js";
import { groupInfoCodec, signGroupInfo, verifyGroupInfoSignature } from "../welcome/group-info.js";
import { decodeMlsMessage, encodeMlsMessage, mlsMessageCodec } from "./mls-message.js";
import {
  NO_PADDING,
  decodePrivateMessageContent,
  encodePrivateMessageContent,
  encodePrivateMessageContentFromBody,
  padToMultipleOf,
  paddingLengthFor,
} from "./private-message-content.js";
import { privateContentAadCodec, senderDataAadCodec, encodePrivateMessageAads, senderDataCodec } from "./private-message.js";
import { type Proposal, proposalCodec, proposalTypeOf } from "../proposals/proposal.js";
import { type Sender, SenderType, senderCodec, senderSize } from "./sender.js";
import { groupSecretsCodec, welcomeCodec } from "../welcome/welcome.js";

function codecError(f: () => unknown, code?: string): CodecError {
  try {
    f();
  } catch (e) {
    expect(CodecError.isInstance(e), String(e)).toBe(true);
    if (code) expect((e as CodecError).code).toBe(code);
    return e as CodecError;
  }
  throw new Error("expected a CodecError");
}

describe("Proposal", () => {
  it("carries unknown, private-use and GREASE types as custom proposals with an opaque<V> body", () => {
    // (0x0008 and 0x000A are draft-ietf-mls-extensions' AppDataUpdate and SelfRemove, with their own bodies: extensions/.)
    for (const t of [0x000b, 0x0a0a, 0xf000, 0xffff]) {
      const p: Proposal = { proposalType: "custom", customProposalType: t, body: new Uint8Array([1, 2, 3]) };
      const bytes = encode(proposalCodec, p);
      expect(toHex(bytes)).toBe(t.toString(16).padStart(4, "0") + "03010203");
      expect(decode(proposalCodec, bytes)).toEqual(p);
      expect(proposalTypeOf(p)).toBe(t);
    }
    // In a commit, a custom proposal between RFC ones keeps the list parseable.
    const commit = {
      proposals: [
        { type: 1 as const, proposal: { proposalType: "custom" as const, customProposalType: 0xf0f0, body: new Uint8Array(300) } },
        { type: 1 as const, proposal: { proposalType: ProposalType.remove, removed: 2 as LeafIndex } },
        { type: 2 as const, reference: new Uint8Array(32).fill(5) },
      ],
      path: undefined,
    };
    expect(decode(commitCodec, encode(commitCodec, commit))).toEqual(commit);
  });

  it("rejects proposal_type 0 and refuses to encode a custom proposal under an RFC 9420 type", () => {
    codecError(() => decode(proposalCodec, new Uint8Array([0, 0, 1, 0])), "codec/invalid-value");
    for (const t of [0, 1, 7]) {
      try {
        encode(proposalCodec, { proposalType: "custom", customProposalType: t, body: new Uint8Array() });
        throw new Error("no error");
      } catch (e) {
        expect(UsageError.isInstance(e) && e.code === "proposal/invalid-custom-type").toBe(true);
      }
    }
  });

  it("narrows on the RFC's numeric types", () => {
    const p = decode(proposalCodec, hex("0003" + "00000002")) as Proposal;
    if (p.proposalType === ProposalType.remove) expect(p.removed).toBe(2);
    else throw new Error("expected a Remove");
  });
});

describe("Sender, FramedContent, ProposalOrRef", () => {
  it("round-trips every sender type and rejects reserved or unknown ones", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 0xffffffff }), (t, idx) => {
        const s =
          t === SenderType.member ? { senderType: t, leafIndex: idx as LeafIndex } : t === SenderType.external ? { senderType: t, senderIndex: idx } : { senderType: t as 3 | 4 };
        expect(decode(senderCodec, encode(senderCodec, s as never))).toEqual(s);
      }),
    );
    codecError(() => decode(senderCodec, new Uint8Array([0])), "codec/invalid-value");
    codecError(() => decode(senderCodec, new Uint8Array([5])), "codec/invalid-value");
  });

  it("reports a bad content_type with its field path", () => {
    const e = codecError(() => decode(framedContentCodec, hex("00" + "0000000000000000" + "0300" + "00" + "04"), "FramedContent"));
    expect(e.path).toContain("content_type");
    codecError(() => decode(commitCodec, hex("03" + "03" + "00" + "00")), "codec/invalid-value"); // ProposalOrRefType 3
  });
});

describe("MLSMessage", () => {
  const v = framingVectors.messages()[0]!;

  it("rejects another version, an unknown wire format, trailing bytes", () => {
    const kp = hex(v.mls_key_package);
    const v2 = kp.slice();
    v2[1] = 2;
    codecError(() => decodeMlsMessage(v2), "codec/invalid-value");
    const wf = kp.slice();
    wf[3] = 6;
    codecError(() => decodeMlsMessage(wf), "codec/invalid-value");
    const trailing = new Uint8Array(kp.length + 1);
    trailing.set(kp);
    codecError(() => decodeMlsMessage(trailing), "codec/trailing-bytes");
  });

  it("rejects a KeyPackage whose version differs from the envelope's (§10)", () => {
    const m = decodeMlsMessage(hex(v.mls_key_package));
    if (m.wireFormat !== WireFormat.mls_key_package) throw new Error("unreachable");
    const bytes = encodeMlsMessage({ ...m, keyPackage: { ...m.keyPackage, version: 2 } });
    try {
      decodeMlsMessage(bytes);
      throw new Error("no error");
    } catch (e) {
      expect(ValidationError.isInstance(e)).toBe(true);
      expect((e as ValidationError).code).toBe("message/key-package-version-mismatch");
      expect((e as ValidationError).rfcSection).toBe("10");
    }
  });

  it("keeps a PrivateMessage's unknown content_type for unprotect to reject", () => {
    const m = decode(mlsMessageCodec, hex(v.private_message));
    if (m.wireFormat !== WireFormat.mls_private_message) throw new Error("unreachable");
    const odd = encode(mlsMessageCodec, { ...m, privateMessage: { ...m.privateMessage, contentType: 9 } });
    const back = decode(mlsMessageCodec, odd);
    expect(back.wireFormat === WireFormat.mls_private_message && back.privateMessage.contentType).toBe(9);
  });

  it("decodes Welcome, GroupInfo and GroupSecrets fields by their RFC names", () => {
    const w = decodeMlsMessage(hex(v.mls_welcome));
    if (w.wireFormat !== WireFormat.mls_welcome) throw new Error("unreachable");
    expect(w.welcome.secrets.length).toBeGreaterThan(0);
    expect(toHex(encode(welcomeCodec, w.welcome))).toBe(v.mls_welcome.slice(8));
    const gs = decode(groupSecretsCodec, hex(v.group_secrets));
    expect(gs.joinerSecret.length).toBeGreaterThan(0);
    const gi = decodeMlsMessage(hex(v.mls_group_info));
    if (gi.wireFormat !== WireFormat.mls_group_info) throw new Error("unreachable");
    expect(toHex(encode(groupInfoCodec, gi.groupInfo))).toBe(v.mls_group_info.slice(8));
  });
});

describe("PrivateMessageContent and AADs", () => {
  it("round-trips content, auth and padding; the padding policy sets the length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 512 }), (data, signature, block) => {
        const body = { contentType: ContentType.application as ContentTypeId & 1, applicationData: data };
        const w = new Writer();
        encodeContentBody(w, body);
        const encodedBody = w.finish();
        const pt = encodePrivateMessageContentFromBody(encodedBody, ContentType.application, { signature }, padToMultipleOf(block));
        expect(pt.length % block).toBe(0);
        const d = decodePrivateMessageContent(pt, ContentType.application);
        expect(d.content).toEqual(body);
        expect(d.auth).toEqual({ signature });
        expect(toHex(encodePrivateMessageContent(d))).toBe(toHex(pt));
        expect(toHex(pt.subarray(0, d.contentEnd))).toBe(toHex(encodedBody));
      }),
      { numRuns: 200 },
    );
  });

  it("computes padding lengths and rejects invalid policies", () => {
    expect(paddingLengthFor(NO_PADDING, 17)).toBe(0);
    expect(paddingLengthFor(padToMultipleOf(16), 17)).toBe(15);
    expect(paddingLengthFor(padToMultipleOf(16), 32)).toBe(0);
    expect(paddingLengthFor({ kind: "custom", paddingLength: (n) => n }, 5)).toBe(5);
    expect(() => padToMultipleOf(0)).toThrow();
    expect(() => paddingLengthFor({ kind: "custom", paddingLength: () => -1 }, 5)).toThrow();
  });

  it("rejects non-zero padding with a ValidationError (§6.3.1), malformed content with a CodecError", () => {
    const pt = encodePrivateMessageContent({
      content: { contentType: ContentType.application, applicationData: new Uint8Array([1]) },
      auth: { signature: new Uint8Array([2]) },
      paddingLength: 3,
    });
    expect(toHex(pt)).toBe("0101" + "0102" + "000000");
    pt[6] = 0x80;
    try {
      decodePrivateMessageContent(pt, ContentType.application);
      throw new Error("no error");
    } catch (e) {
      expect(ValidationError.isInstance(e) && e.code === "framing/malformed-padding" && e.rfcSection === "6.3.1").toBe(true);
    }
    codecError(() => decodePrivateMessageContent(new Uint8Array([5, 1]), ContentType.application), "codec/truncated");
  });

  it("derives SenderDataAAD as the prefix of PrivateContentAAD, and SenderData is exactly 12 bytes", () => {
    const h = { groupId: new Uint8Array([1, 2]), epoch: 9n, contentType: 2, authenticatedData: new Uint8Array([7]) };
    const { contentAad, senderDataAad } = encodePrivateMessageAads(h);
    expect(toHex(contentAad)).toBe(toHex(encode(privateContentAadCodec, h)));
    expect(toHex(senderDataAad)).toBe(toHex(encode(senderDataAadCodec, h)));
    const sd = { leafIndex: 3 as LeafIndex, generation: 70000, reuseGuard: new Uint8Array([1, 2, 3, 4]) };
    expect(toHex(encode(senderDataCodec, sd))).toBe("00000003" + "00011170" + "01020304");
    codecError(() => decode(senderDataCodec, new Uint8Array(13)), "codec/trailing-bytes");
    expect(() => encode(senderDataCodec, { ...sd, reuseGuard: new Uint8Array(3) })).toThrow();
  });
});

describe("extension bodies", () => {
  it("round-trips external_senders, external_pub, required_capabilities and application_id", () => {
    const senders: ExternalSender[] = [{ signatureKey: new Uint8Array([1]), credential: { credentialType: CredentialType.basic, identity: new Uint8Array([2]) } }];
    const req = { extensionTypes: [5], proposalTypes: [0xf000], credentialTypes: [1, 2] };
    const exts = [
      makeExtension(ExtensionType.external_senders, externalSendersCodec, senders),
      makeExtension(ExtensionType.external_pub, externalPubCodec, { externalPub: new Uint8Array([9, 9]) }),
      makeExtension(ExtensionType.required_capabilities, requiredCapabilitiesCodec, req),
      makeExtension(ExtensionType.application_id, applicationIdCodec, new Uint8Array([4, 2])),
    ];
    expect(decodeExtension(exts, ExtensionType.external_senders, externalSendersCodec)).toEqual(senders);
    expect(decodeExtension(exts, ExtensionType.external_pub, externalPubCodec)).toEqual({ externalPub: new Uint8Array([9, 9]) });
    expect(decodeExtension(exts, ExtensionType.required_capabilities, requiredCapabilitiesCodec)).toEqual(req);
    expect(decodeExtension(exts, ExtensionType.application_id, applicationIdCodec)).toEqual(new Uint8Array([4, 2]));
    expect(toHex(exts[2]!.extensionData)).toBe("020005" + "02f000" + "0400010002");
    expect(findExtension(exts, ExtensionType.ratchet_tree)).toBeUndefined();
  });

  it("rejects two extensions of one type (§13.4)", () => {
    const e = makeExtension(ExtensionType.application_id, applicationIdCodec, new Uint8Array([1]));
    try {
      findExtension([e, e], ExtensionType.application_id);
      throw new Error("no error");
    } catch (err) {
      expect(ValidationError.isInstance(err) && err.code === "extensions/duplicate" && err.rfcSection === "13.4").toBe(true);
    }
  });
});

describe("GroupInfo", () => {
  it("signs and verifies GroupInfoTBS; any change breaks the signature", async () => {
    const cs = await nobleCryptoProvider().cipherSuite(1);
    const key = await cs.signatureGenerateKeyPair();
    const m = decodeMlsMessage(hex(framingVectors.messages()[1]!.mls_group_info));
    if (m.wireFormat !== WireFormat.mls_group_info) throw new Error("unreachable");
    const gi = await signGroupInfo(cs, key.privateKey, { ...m.groupInfo, signer: 0 as LeafIndex });
    expect(await verifyGroupInfoSignature(cs, key.publicKey, gi)).toBe(true);
    expect(await verifyGroupInfoSignature(cs, key.publicKey, { ...gi, signer: 1 as LeafIndex })).toBe(false);
    expect(decode(groupInfoCodec, encode(groupInfoCodec, gi))).toEqual(gi);
  });
});

describe("Reader field paths", () => {
  it("names the failing field of a truncated PublicMessage", () => {
    const v = framingVectors.messages()[0]!;
    const b = hex(v.public_message_commit);
    const e = codecError(() => decodeMlsMessage(b.subarray(0, b.length - 3)));
    expect(e.path.startsWith("MLSMessage.public_message")).toBe(true);
    expect(new Reader(b).offset).toBe(0);
  });
});

describe("senderSize", () => {
  it("is the length of each sender type's encoding", () => {
    const senders: Sender[] = [
      { senderType: SenderType.member, leafIndex: 7 as LeafIndex },
      { senderType: SenderType.external, senderIndex: 3 },
      { senderType: SenderType.new_member_proposal },
      { senderType: SenderType.new_member_commit },
    ];
    for (const s of senders) expect(senderSize(s)).toBe(encode(senderCodec, s).length);
  });
});
