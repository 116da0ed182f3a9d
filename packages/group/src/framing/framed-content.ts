/** `FramedContent` and `FramedContentTBS` (RFC 9420 §6, §6.1). */
import { type Codec, type Reader, Writer, opaque, opaqueSize } from "@mlskit/codec";
import { ProtocolVersion, type WireFormatId } from "@mlskit/core";
import { type Commit, commitCodec } from "../commit/commit.js";
import { ContentType, type ContentTypeId } from "./content-type.js";
import { type Proposal, proposalCodec } from "../proposals/proposal.js";
import { type Sender, SenderType, senderCodec, senderSize } from "./sender.js";

/** The fields of FramedContent before `content_type`. */
export interface FramedContentHeader {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly sender: Sender;
  readonly authenticatedData: Uint8Array;
}

/** Application data (`content_type = application`). */
export interface ApplicationContentBody {
  readonly contentType: typeof ContentType.application;
  readonly applicationData: Uint8Array;
}

/** A proposal (`content_type = proposal`). */
export interface ProposalContentBody {
  readonly contentType: typeof ContentType.proposal;
  readonly proposal: Proposal;
}

/** A commit (`content_type = commit`). */
export interface CommitContentBody {
  readonly contentType: typeof ContentType.commit;
  readonly commit: Commit;
}

/**
 * The `content_type` and the `select` it drives: the part of FramedContent
 * that PrivateMessageContent also carries (§6.3.1).
 */
export type FramedContentBody = ApplicationContentBody | ProposalContentBody | CommitContentBody;

/**
 * ```tls
 * struct {
 *     opaque group_id<V>;
 *     uint64 epoch;
 *     Sender sender;
 *     opaque authenticated_data<V>;
 *     ContentType content_type;
 *     select (FramedContent.content_type) {
 *         case application: opaque application_data<V>;
 *         case proposal:    Proposal proposal;
 *         case commit:      Commit commit;
 *     };
 * } FramedContent;
 * ```
 */
export type FramedContent = FramedContentHeader & FramedContentBody;

/** Writes the `select` part of a FramedContent body (without `content_type`). */
export function encodeContentBody(w: Writer, body: FramedContentBody): void {
  switch (body.contentType) {
    case ContentType.application:
      w.opaque(body.applicationData);
      return;
    case ContentType.proposal:
      proposalCodec.encode(w, body.proposal);
      return;
    case ContentType.commit:
      commitCodec.encode(w, body.commit);
      return;
  }
}

/** Reads the `select` part of a body of the given content type. */
export function decodeContentBody(r: Reader, contentType: ContentTypeId): FramedContentBody {
  switch (contentType) {
    case ContentType.application:
      return { contentType, applicationData: r.field("application_data", () => opaque.decode(r)) };
    case ContentType.proposal:
      return { contentType, proposal: r.field("proposal", () => proposalCodec.decode(r)) };
    case ContentType.commit:
      return { contentType, commit: r.field("commit", () => commitCodec.decode(r)) };
  }
}

/** Writes `group_id`, `epoch`, `sender`, `authenticated_data`. */
function encodeFramedContentHeader(w: Writer, h: FramedContentHeader): void {
  w.opaque(h.groupId);
  w.uint64(h.epoch);
  senderCodec.encode(w, h.sender);
  w.opaque(h.authenticatedData);
}

/** Reads `content_type`; a reserved or unknown value is malformed (the `select` cannot be parsed). */
function decodeContentType(r: Reader): ContentTypeId {
  return r.field("content_type", () => {
    const at = r.offset;
    const t = r.uint8();
    if (t !== ContentType.application && t !== ContentType.proposal && t !== ContentType.commit) {
      r.fail("codec/invalid-value", `unknown content_type ${t}`, at);
    }
    return t;
  });
}

/** Codec for {@link FramedContent}. */
export const framedContentCodec: Codec<FramedContent> = {
  encode(w, v) {
    encodeFramedContentHeader(w, v);
    w.uint8(v.contentType);
    encodeContentBody(w, v);
  },
  decode(r): FramedContent {
    const groupId = r.field("group_id", () => opaque.decode(r));
    const epoch = r.field("epoch", () => r.uint64());
    const sender = r.field("sender", () => senderCodec.decode(r));
    const authenticatedData = r.field("authenticated_data", () => opaque.decode(r));
    const body = decodeContentBody(r, decodeContentType(r));
    return { groupId, epoch, sender, authenticatedData, ...body };
  },
};

/** True when FramedContentTBS includes the GroupContext: senders `member` and `new_member_commit` (§6.1). */
export function tbsIncludesGroupContext(sender: Sender): boolean {
  return sender.senderType === SenderType.member || sender.senderType === SenderType.new_member_commit;
}

/**
 * Encodes
 * ```tls
 * struct {
 *     ProtocolVersion version = mls10;
 *     WireFormat wire_format;
 *     FramedContent content;
 *     select (FramedContentTBS.content.sender.sender_type) {
 *         case member:
 *         case new_member_commit:   GroupContext context;
 *         case external:
 *         case new_member_proposal: struct{};
 *     };
 * } FramedContentTBS;
 * ```
 * (RFC 9420 §6.1). `encodedGroupContext` is the TLS encoding of the current
 * GroupContext; it is appended only for the sender types above.
 * `encodedBody`, when given, is the already encoded `select` part of the
 * content (so a sender encodes it once for the signature and the ciphertext).
 */
export function encodeFramedContentTbs(wireFormat: WireFormatId, content: FramedContent, encodedGroupContext: Uint8Array, encodedBody?: Uint8Array): Uint8Array {
  const withContext = tbsIncludesGroupContext(content.sender);
  const header = 4 + opaqueSize(content.groupId.length) + 8 + senderSize(content.sender) + opaqueSize(content.authenticatedData.length) + 1;
  // Exact with an encoded body (no copy in finish); an estimate otherwise.
  const w = new Writer(header + (encodedBody?.length ?? 256) + (withContext ? encodedGroupContext.length : 0));
  w.uint16(ProtocolVersion.mls10);
  w.uint16(wireFormat);
  encodeFramedContentHeader(w, content);
  w.uint8(content.contentType);
  if (encodedBody !== undefined) w.bytes(encodedBody);
  else encodeContentBody(w, content);
  if (withContext) w.bytes(encodedGroupContext);
  return w.finish();
}
