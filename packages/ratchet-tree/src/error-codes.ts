import { ValidationError } from "@mlskit/core";

/**
 * Every error code `@mlskit/ratchet-tree` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const RATCHET_TREE_ERROR_CODES = [
  "codec/invalid-value",
  "codec/length-mismatch",
  "internal/hash-not-computed",
  "leaf-node/invalid-encryption-key",
  "leaf-node/invalid-signature-key",
  "limits/tree-too-large",
  "tree/credential-invalid",
  "tree/duplicate-encryption-key",
  "tree/duplicate-signature-key",
  "tree/encryption-key-reused",
  "tree/invalid-encryption-key",
  "tree/invalid-signature-key",
  "tree/leaf-capabilities",
  "tree/leaf-extension-unsupported",
  "tree/leaf-lifetime",
  "tree/leaf-node-source",
  "tree/leaf-signature-invalid",
  "tree/malformed",
  "tree/parent-hash-invalid",
  "tree/path-key-mismatch",
  "tree/path-secret-decryption",
  "tree/remove-blank-leaf",
  "tree/tree-hash-mismatch",
  "tree/unmerged-leaves-inconsistent",
  "tree/update-blank-leaf",
  "tree/update-path-ciphertexts",
  "tree/update-path-length",
  "tree/update-path-not-covering",
  "tree/update-path-sender-blank",
  "update-path/invalid-node-key",
  "usage/blank-leaf",
  "usage/no-private-key",
  "usage/own-update-path",
] as const;

/** An error code of `@mlskit/ratchet-tree`. */
export type RatchetTreeErrorCode = (typeof RATCHET_TREE_ERROR_CODES)[number];

/**
 * Throws a {@link ValidationError}: a tree or UpdatePath from the network broke
 * a MUST of RFC 9420 §`section`. A code outside {@link RATCHET_TREE_ERROR_CODES}
 * does not compile.
 */
export function fail(code: RatchetTreeErrorCode, section: string, message: string, cause?: unknown): never {
  throw new ValidationError(code, section, message, cause === undefined ? {} : { cause });
}
