/** Transcript hashes and the confirmation tag (RFC 9420 §8.2, §6.1). */
import { Writer, concatBytes, constantTimeEqual } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";

/**
 * confirmed_transcript_hash_[epoch] =
 *   Hash(interim_transcript_hash_[epoch - 1] || ConfirmedTranscriptHashInput_[epoch])
 * (RFC 9420 §8.2). `confirmedTranscriptHashInput` is the encoded
 * `struct { WireFormat wire_format; FramedContent content; opaque signature<V>; }`
 * of the Commit; the first epoch starts from an empty interim hash.
 */
export function deriveConfirmedTranscriptHash(cs: CipherSuiteProvider, interimTranscriptHash: Uint8Array, confirmedTranscriptHashInput: Uint8Array): Promise<Uint8Array> {
  return cs.hash(concatBytes(interimTranscriptHash, confirmedTranscriptHashInput));
}

/** The encoding of `struct { MAC confirmation_tag; } InterimTranscriptHashInput` (RFC 9420 §8.2). */
export function encodeInterimTranscriptHashInput(confirmationTag: Uint8Array): Uint8Array {
  const w = new Writer(4 + confirmationTag.length);
  w.opaque(confirmationTag);
  return w.finish();
}

/**
 * interim_transcript_hash_[epoch] =
 *   Hash(confirmed_transcript_hash_[epoch] || InterimTranscriptHashInput_[epoch])
 * (RFC 9420 §8.2).
 */
export function deriveInterimTranscriptHash(cs: CipherSuiteProvider, confirmedTranscriptHash: Uint8Array, confirmationTag: Uint8Array): Promise<Uint8Array> {
  return cs.hash(concatBytes(confirmedTranscriptHash, encodeInterimTranscriptHashInput(confirmationTag)));
}

/** confirmation_tag = MAC(confirmation_key, GroupContext.confirmed_transcript_hash) (RFC 9420 §6.1). */
export function createConfirmationTag(cs: CipherSuiteProvider, confirmationKey: Uint8Array, confirmedTranscriptHash: Uint8Array): Promise<Uint8Array> {
  return cs.mac(confirmationKey, confirmedTranscriptHash);
}

/**
 * Recomputes the confirmation tag and compares it in constant time
 * (RFC 9420 §6.1: the recipient "MUST verify that the confirmation_tag
 * field ... is valid").
 */
export async function verifyConfirmationTag(
  cs: CipherSuiteProvider,
  confirmationKey: Uint8Array,
  confirmedTranscriptHash: Uint8Array,
  confirmationTag: Uint8Array,
): Promise<boolean> {
  return constantTimeEqual(await createConfirmationTag(cs, confirmationKey, confirmedTranscriptHash), confirmationTag);
}
