/**
 * Typed loaders for the official MLS test vectors (copied from the MLS working
 * group's public `mlswg/mls-implementations` repository, see vectors/ORIGIN.md)
 * and the RFC 9180 HPKE vectors. Test-only; uses Node's `fs`.
 */
import { loadJson } from "./load.js";

/** One draft-ietf-hpke-pq-05 Appendix A vector (no skEm/pkEm: ikmE is EncapsDerand's randomness). */
export interface HpkePqVector {
  readonly mode: number;
  readonly kem_id: number;
  readonly kdf_id: number;
  readonly aead_id: number;
  readonly info: string;
  readonly ikmE: string;
  readonly ikmR: string;
  readonly pkRm: string;
  readonly skRm: string;
  readonly enc: string;
  readonly shared_secret: string;
  readonly key: string;
  readonly base_nonce: string;
  readonly exporter_secret: string;
  readonly encryptions: readonly { readonly seq: number; readonly pt: string; readonly aad: string; readonly nonce: string; readonly ct: string }[];
  readonly exports: readonly { readonly exporter_context: string; readonly L: number; readonly exported_value: string }[];
}
import type {
  CryptoBasicsVector,
  DeserializationVector,
  HpkeVector,
  KeyScheduleVector,
  PskSecretVector,
  SecretTreeVector,
  TranscriptHashesVector,
  TreeMathVector,
  TreeOperationsVector,
  TreeValidationVector,
  TreeKemVector,
} from "./types.js";

export * from "./types.js";
export { loadJson, hex } from "./load.js";
export { vectorReport, type VectorReport } from "./report.js";

export const vectors = {
  deserialization: () => loadJson<DeserializationVector[]>("deserialization.json"),
  cryptoBasics: () => loadJson<CryptoBasicsVector[]>("crypto-basics.json"),
  keySchedule: () => loadJson<KeyScheduleVector[]>("key-schedule.json"),
  pskSecret: () => loadJson<PskSecretVector[]>("psk_secret.json"),
  secretTree: () => loadJson<SecretTreeVector[]>("secret-tree.json"),
  transcriptHashes: () => loadJson<TranscriptHashesVector[]>("transcript-hashes.json"),
  hpke: () => loadJson<HpkeVector[]>("rfc9180-hpke.json"),
  /** draft-ietf-hpke-pq-05 Appendix A (ML-KEM-512 and X-Wing; see vectors/ORIGIN.md). */
  hpkePq: () => loadJson<HpkePqVector[]>("hpke-pq-draft05.json"),
  treeMath: () => loadJson<TreeMathVector[]>("tree-math.json"),
  treeOperations: () => loadJson<TreeOperationsVector[]>("tree-operations.json"),
  treeValidation: () => loadJson<TreeValidationVector[]>("tree-validation.json"),
  treeKem: () => loadJson<TreeKemVector[]>("treekem.json"),
} as const;

import type { MessageProtectionVector, MessagesVector } from "./types.js";

/** Loaders for the framing vectors (owned by `@mlskit/group`). */
export const framingVectors = {
  messages: () => loadJson<MessagesVector[]>("messages.json"),
  messageProtection: () => loadJson<MessageProtectionVector[]>("message-protection.json"),
} as const;

import type { PassiveClientVector, WelcomeVector } from "./types.js";

/** Loaders for the group state machine vectors (owned by `@mlskit/group`). */
export const groupVectors = {
  welcome: () => loadJson<WelcomeVector[]>("welcome.json"),
  passiveClientWelcome: () => loadJson<PassiveClientVector[]>("passive-client-welcome.json"),
  passiveClientHandlingCommit: () => loadJson<PassiveClientVector[]>("passive-client-handling-commit.json"),
  passiveClientRandom: () => loadJson<PassiveClientVector[]>("passive-client-random.json"),
} as const;
