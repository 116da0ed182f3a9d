/** `ContentType` (RFC 9420 §6) and the secret-tree ratchet each content type uses (§6.3.1). */
import type { RatchetType } from "@mlskit/key-schedule";

/**
 * ```tls
 * enum { reserved(0), application(1), proposal(2), commit(3), (255) } ContentType;
 * ```
 */
export const ContentType = { application: 1, proposal: 2, commit: 3 } as const;
/** One of the three content types RFC 9420 defines. */
export type ContentTypeId = (typeof ContentType)[keyof typeof ContentType];

/** True for the three defined content types (0 is reserved; others are unassigned). */
export function isContentType(v: number): v is ContentTypeId {
  return v === ContentType.application || v === ContentType.proposal || v === ContentType.commit;
}

/**
 * The ratchet a content type is encrypted with (RFC 9420 §6.3.1): the
 * application ratchet for application data, the handshake ratchet for
 * proposals and commits.
 */
export function ratchetTypeOf(contentType: ContentTypeId): RatchetType {
  return contentType === ContentType.application ? "application" : "handshake";
}
