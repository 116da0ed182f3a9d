import { CODEC_ERROR_CODES, type CodecErrorCode } from "@mlskit/codec";
import { CORE_ERROR_CODES, type CoreErrorCode } from "@mlskit/core";
import { HPKE_ERROR_CODES, type HpkeErrorCode } from "@mlskit/crypto-noble";
import { WEBCRYPTO_ERROR_CODES, type WebCryptoErrorCode } from "@mlskit/crypto-webcrypto";
import { GROUP_ERROR_CODES, type GroupErrorCode } from "@mlskit/group";
import { KEY_SCHEDULE_ERROR_CODES, type KeyScheduleErrorCode } from "@mlskit/key-schedule";
import { RATCHET_TREE_ERROR_CODES, type RatchetTreeErrorCode } from "@mlskit/ratchet-tree";
import { MEMORY_STORAGE_ERROR_CODES, type MemoryStorageErrorCode } from "@mlskit/storage-memory";

/**
 * Every error code the facade itself (`@mlskit/mls`, beside the packages it bundles) throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const FACADE_ERROR_CODES = [
  "codec/invalid-value",
  "fork/beyond-retention",
  "group-info/missing-ratchet-tree",
  "group-info/signature",
  "group-info/tree-hash-mismatch",
  "history/invalid-bundle",
  "history/not-approved",
  "history/nothing-to-share",
  "history/out-of-scope",
  "history/recipient-not-allowed",
  "history/sender-not-member",
  "history/signature",
  "history/unknown-group",
  "history/wrong-recipient",
  "message/not-a-group-info",
  "message/not-a-group-message",
  "message/not-a-welcome",
  "storage/corrupt",
  "storage/failed",
  "storage/unsupported-version",
  "usage/cipher-suite-mismatch",
  "usage/commit-pending",
  "usage/duplicate-group",
  "usage/group-closed",
  "usage/invalid-argument",
  "usage/invalid-fork-options",
  "usage/last-member",
  "usage/leaving",
  "usage/missing-credential",
  "usage/missing-identity-provider",
  "usage/no-pending-commit",
  "usage/no-reinit",
  "usage/not-a-group-message",
  "usage/not-a-handshake",
  "usage/not-a-key-package",
  "usage/not-a-proposal",
  "usage/not-an-external-sender",
  "usage/removed",
  "message/after-removal",
  "usage/signature-key-mismatch",
  "usage/stale-staged-commit",
  "usage/storage-of-another-client",
  "usage/unknown-group",
  "usage/unknown-key-package",
  "usage/unknown-member",
  "usage/unknown-proposal",
  "welcome/unknown-key-package",
] as const;

/** An error code of `@mlskit/mls`. */
export type FacadeErrorCode = (typeof FACADE_ERROR_CODES)[number];

/**
 * Every error code an application of `@mlskit/mls` can meet: the facade's own
 * and those of the packages it bundles (codec, core, HPKE, the WebCrypto
 * provider, ratchet tree, key schedule, group, memory storage), each once, sorted.
 * `@mlskit/credential-x509` and `@mlskit/storage-sqlite` export their own lists.
 * README.md "Error codes" says what to do about each (checked by a test).
 */
export type MlsErrorCode =
  FacadeErrorCode | CodecErrorCode | CoreErrorCode | HpkeErrorCode | WebCryptoErrorCode | RatchetTreeErrorCode | KeyScheduleErrorCode | GroupErrorCode | MemoryStorageErrorCode;

/** {@link MlsErrorCode} as a list. */
export const MLS_ERROR_CODES: readonly MlsErrorCode[] = [
  ...new Set<MlsErrorCode>([
    ...FACADE_ERROR_CODES,
    ...CODEC_ERROR_CODES,
    ...CORE_ERROR_CODES,
    ...HPKE_ERROR_CODES,
    ...WEBCRYPTO_ERROR_CODES,
    ...RATCHET_TREE_ERROR_CODES,
    ...KEY_SCHEDULE_ERROR_CODES,
    ...GROUP_ERROR_CODES,
    ...MEMORY_STORAGE_ERROR_CODES,
  ]),
].sort();
