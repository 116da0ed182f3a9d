/**
 * Codes of the `ValidationError`s framing throws for received messages
 * (RFC 9420 §6), each with the RFC section it is thrown under. Errors from
 * the secret tree (`secret-tree/generation-consumed` §9.2,
 * `secret-tree/generation-outside-window` and
 * `secret-tree/generation-too-far-ahead` §15.3) pass through unchanged.
 */
import { ValidationError } from "@mlskit/core";

/** Every receiver-side framing error code and its RFC 9420 section. */
export const FramingErrorSection = {
  /** The message's `group_id` is not this group's (§6: messages are bound to their group through FramedContentTBS). */
  "framing/wrong-group": "6",
  /** The message's `epoch` is not the current epoch (§12.1 proposals, §12.4.2 commits, §15 application data). */
  "framing/wrong-epoch": "12.4.2",
  /** A PrivateMessage `content_type` that is reserved or unknown (§6). */
  "framing/unknown-content-type": "6",
  /** Application data in a PublicMessage (§6: applications MUST use PrivateMessage). */
  "framing/application-not-private": "6",
  /** The sender type does not allow this content (§6.1). */
  "framing/sender-content-mismatch": "6.1",
  /** A proposal type that an `external` sender may not send (§12.1.8). */
  "framing/external-proposal-type": "12.1.8",
  /** `sender_index` names no entry of the `external_senders` extension (§12.1.8.1). */
  "framing/unknown-external-sender": "12.1.8.1",
  /** An external commit without a `path` (§12.4.3.2), so there is no key to verify it with. */
  "framing/external-commit-without-path": "12.4.3.2",
  /** The sender's leaf index is outside the tree (§6.1; §6.3.2 for PrivateMessage). */
  "framing/sender-leaf-out-of-range": "6.3.2",
  /** The sender's leaf is blank (§6.1; §6.3.2 for PrivateMessage). */
  "framing/sender-leaf-blank": "6.3.2",
  /** The membership tag of a member's PublicMessage does not verify (§6.2). */
  "framing/invalid-membership-tag": "6.2",
  /** The FramedContentTBS signature does not verify (§6.1). */
  "framing/invalid-signature": "6.1",
  /** `encrypted_sender_data` does not decrypt (§6.3.2). */
  "framing/sender-data-decryption-failed": "6.3.2",
  /** The decrypted SenderData is not a SenderData (§6.3.2). */
  "framing/malformed-sender-data": "6.3.2",
  /** `ciphertext` does not decrypt (§6.3.1). */
  "framing/content-decryption-failed": "6.3.1",
  /** The decrypted PrivateMessageContent does not parse (§6.3.1). */
  "framing/malformed-content": "6.3.1",
  /** The padding of a PrivateMessageContent has a non-zero byte (§6.3.1). */
  "framing/malformed-padding": "6.3.1",
} as const;

/** A receiver-side framing error code. */
export type FramingErrorCode = keyof typeof FramingErrorSection;

/** @internal A ValidationError for `code`, cited with `section` (default: the code's own). */
export function framingError(code: FramingErrorCode, message: string, section?: string, cause?: unknown): ValidationError {
  return new ValidationError(code, section ?? FramingErrorSection[code], message, cause === undefined ? {} : { cause });
}
