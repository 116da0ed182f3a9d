/**
 * `AuthenticatedContent`, `AuthenticatedContentTBM` and
 * `ConfirmedTranscriptHashInput` (RFC 9420 §6, §6.2, §8.2).
 */
import { type Codec, Writer, encode } from "@mlskit/codec";
import type { WireFormatId } from "@mlskit/core";
import { type FramedContentAuthData, decodeFramedContentAuthData, encodeFramedContentAuthData } from "./framed-content-auth-data.js";
import { type FramedContent, framedContentCodec } from "./framed-content.js";

/**
 * ```tls
 * struct {
 *     WireFormat wire_format;
 *     FramedContent content;
 *     FramedContentAuthData auth;
 * } AuthenticatedContent;
 * ```
 * The form in which handshake messages are hashed: a proposal's ProposalRef
 * (§5.2) and, minus the confirmation tag, the confirmed transcript hash (§8.2).
 */
export interface AuthenticatedContent {
  readonly wireFormat: WireFormatId;
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
}

declare const verifiedBrand: unique symbol;

/**
 * An AuthenticatedContent that this package produced from a received
 * message after every check of RFC 9420 §6 passed: group and epoch, the
 * wire-format and sender rules, the membership tag or AEAD decryption, and
 * the signature. Only `unprotectPublicMessage` and `unprotectPrivateMessage`
 * create it, so code that takes a `VerifiedContent` cannot be handed
 * unverified network input. (The confirmation tag of a commit is checked
 * by the state machine, which owns the next epoch's `confirmation_key`.)
 */
export type VerifiedContent = AuthenticatedContent & { readonly [verifiedBrand]: true };

/** An encoded FramedContentTBS (§6.1) with the offset where its `content` ends. */
export interface EncodedTbs {
  readonly tbs: Uint8Array;
  readonly framedContentEnd: number;
}

/**
 * The FramedContentTBS each AuthenticatedContent was signed or verified
 * over, with the encoded GroupContext it was made with. The content is
 * encoded once per message: the membership tag (§6.2), the
 * ConfirmedTranscriptHashInput (§8.2), the AuthenticatedContent and the
 * MLSMessage reuse those bytes. Entries are never modified (the TBS is ours).
 */
const knownTbs = new WeakMap<AuthenticatedContent, { readonly encoded: EncodedTbs; readonly groupContext: Uint8Array }>();

/** @internal Records the TBS `ac` was signed or verified over, in the epoch whose encoded GroupContext is `groupContext`. */
export function rememberTbs(ac: AuthenticatedContent, encoded: EncodedTbs, groupContext: Uint8Array): void {
  knownTbs.set(ac, { encoded, groupContext });
}

/** @internal The TBS recorded for `ac` in the epoch of `groupContext` (the same encoded GroupContext array), if any. */
export function recalledTbs(ac: AuthenticatedContent, groupContext: Uint8Array): EncodedTbs | undefined {
  const known = knownTbs.get(ac);
  return known !== undefined && known.groupContext === groupContext ? known.encoded : undefined;
}

/**
 * @internal Marks content as verified; for the unprotect functions only.
 * `encoded` (with the epoch's encoded GroupContext) is the FramedContentTBS
 * the signature was verified over, so that a Commit's
 * ConfirmedTranscriptHashInput is taken from it ({@link confirmedTranscriptHashInputOf}).
 */
export function markVerified(ac: AuthenticatedContent, encoded?: EncodedTbs, groupContext?: Uint8Array): VerifiedContent {
  if (encoded !== undefined && groupContext !== undefined) rememberTbs(ac, encoded, groupContext);
  return ac as VerifiedContent;
}

/** Codec for {@link AuthenticatedContent}. */
export const authenticatedContentCodec: Codec<AuthenticatedContent> = {
  encode(w, v) {
    w.uint16(v.wireFormat);
    framedContentCodec.encode(w, v.content);
    encodeFramedContentAuthData(w, v.content.contentType, v.auth);
  },
  decode(r) {
    const wireFormat = r.field("wire_format", () => r.uint16());
    const content = r.field("content", () => framedContentCodec.decode(r));
    const auth = r.field("auth", () => decodeFramedContentAuthData(r, content.contentType));
    return { wireFormat, content, auth };
  },
};

/**
 * The encoding of an AuthenticatedContent (input of MakeProposalRef, §5.2):
 * `wire_format || content` taken from the FramedContentTBS it was signed or
 * verified over when that was recorded, then `auth`.
 */
export function encodeAuthenticatedContent(ac: AuthenticatedContent): Uint8Array {
  const known = knownTbs.get(ac)?.encoded;
  if (known === undefined) return encode(authenticatedContentCodec, ac);
  const w = new Writer(known.framedContentEnd + ac.auth.signature.length + 80);
  w.bytes(known.tbs.subarray(2, known.framedContentEnd));
  encodeFramedContentAuthData(w, ac.content.contentType, ac.auth);
  return w.finish();
}

/**
 * Encodes
 * ```tls
 * struct {
 *     WireFormat wire_format;
 *     FramedContent content; // with content_type == commit
 *     opaque signature<V>;
 * } ConfirmedTranscriptHashInput;
 * ```
 * (RFC 9420 §8.2), the input to the confirmed transcript hash of a commit.
 */
export function encodeConfirmedTranscriptHashInput(wireFormat: WireFormatId, content: FramedContent, signature: Uint8Array): Uint8Array {
  const w = new Writer(512);
  w.uint16(wireFormat);
  framedContentCodec.encode(w, content);
  w.opaque(signature);
  return w.finish();
}

/**
 * ConfirmedTranscriptHashInput from an encoded FramedContentTBS (whose bytes
 * after `version` start with `wire_format || content`), without re-encoding.
 * `framedContentEnd` is the offset in `tbs` where `content` ends.
 */
export function confirmedTranscriptHashInputFromTbs(tbs: Uint8Array, framedContentEnd: number, signature: Uint8Array): Uint8Array {
  const w = new Writer(framedContentEnd + signature.length + 4);
  w.bytes(tbs.subarray(2, framedContentEnd));
  w.opaque(signature);
  return w.finish();
}

/**
 * The ConfirmedTranscriptHashInput (§8.2) of a verified Commit: from the
 * FramedContentTBS its signature was verified over when it was recorded
 * (the same bytes), otherwise encoded.
 */
export function confirmedTranscriptHashInputOf(vc: VerifiedContent): Uint8Array {
  const known = knownTbs.get(vc)?.encoded;
  if (known !== undefined) return confirmedTranscriptHashInputFromTbs(known.tbs, known.framedContentEnd, vc.auth.signature);
  return encodeConfirmedTranscriptHashInput(vc.wireFormat, vc.content, vc.auth.signature);
}

/**
 * Encodes
 * ```tls
 * struct {
 *   FramedContentTBS content_tbs;
 *   FramedContentAuthData auth;
 * } AuthenticatedContentTBM;
 * ```
 * (RFC 9420 §6.2) from the encoded FramedContentTBS.
 */
export function encodeAuthenticatedContentTbm(encodedTbs: Uint8Array, content: FramedContent, auth: FramedContentAuthData): Uint8Array {
  const w = new Writer(encodedTbs.length + auth.signature.length + 80);
  w.bytes(encodedTbs);
  encodeFramedContentAuthData(w, content.contentType, auth);
  return w.finish();
}
