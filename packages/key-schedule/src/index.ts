/**
 * `@mlskit/key-schedule`: the MLS key schedule (RFC 9420 §8) — GroupContext,
 * epoch secrets, PSKs, exporters, transcript hashes, external init — and the
 * secret tree with its hash ratchets (§9) and sender data keys (§6.3.2).
 * All cryptography goes through a `CipherSuiteProvider` from `@mlskit/core`.
 *
 * Secret-bearing objects ({@link EpochSecrets}, {@link SecretTree},
 * {@link HashRatchet}, {@link AeadKeyNonce}, {@link ExternalInit}) print as
 * redacted in `JSON.stringify` and Node's `util.inspect`.
 * @packageDocumentation
 */
export { type GroupContext, groupContextCodec, encodeGroupContext, decodeGroupContext } from "./group-context.js";
export { EpochSecrets, type EpochSecretValues } from "./epoch-secrets.js";
export {
  deriveJoinerSecret,
  deriveWelcomeSecret,
  deriveEpochSecrets,
  deriveEpochSecretsFromCommit,
  type JoinerKeyScheduleInput,
  type CommitKeyScheduleInput,
} from "./key-schedule.js";
export { deriveExternalKeyPair, createExternalInit, processExternalInit, ExternalInit } from "./external-init.js";
export {
  PSKType,
  type PSKTypeId,
  ResumptionPSKUsage,
  type ResumptionPSKUsageId,
  type PreSharedKeyID,
  type ExternalPreSharedKeyID,
  type ResumptionPreSharedKeyID,
  preSharedKeyIdCodec,
  type PSKLabel,
  pskLabelCodec,
  type PskInput,
  assertPskNonceLength,
  derivePskSecret,
} from "./psk.js";
export { mlsExporter } from "./exporter.js";
export { deriveConfirmedTranscriptHash, deriveInterimTranscriptHash, encodeInterimTranscriptHashInput, createConfirmationTag, verifyConfirmationTag } from "./transcript-hash.js";
export { ciphertextSample, deriveSenderDataKeyNonce } from "./sender-data.js";
export { AeadKeyNonce, RatchetKeyNonce } from "./key-nonce.js";
export { HashRatchet, type HashRatchetOptions } from "./hash-ratchet.js";
export { type RatchetPolicy, DEFAULT_RATCHET_POLICY, assertRatchetPolicy } from "./ratchet-policy.js";
export { PendingKey } from "./pending-key.js";
export { SecretTree, type SecretTreeOptions, type RatchetType } from "./secret-tree.js";
export type { TreeKey } from "./secret-tree-leaf.js";
export {
  type SecretTreeState,
  type NodeSecretState,
  type LeafRatchetsState,
  type HashRatchetState,
  type SkippedKeyState,
  type SecretTreeStateProblem,
  EXHAUSTED_GENERATION,
  secretTreeStateProblem,
  hashRatchetStateProblem,
} from "./secret-tree-state.js";
export { secretTreeStateCodec, encodeSecretTreeState, decodeSecretTreeState } from "./secret-tree-state-codec.js";
export { type RedactedJson, Redacted, inspectCustom } from "./redact.js";
export { KEY_SCHEDULE_ERROR_CODES, type KeyScheduleErrorCode } from "./error-codes.js";
