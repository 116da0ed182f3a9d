/**
 * Every error code `@mlskit/key-schedule` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const KEY_SCHEDULE_ERROR_CODES = [
  "codec/invalid-value",
  "key-schedule/invalid-secret-length",
  "psk/invalid-nonce-length",
  "psk/too-many",
  "secret-tree/generation-consumed",
  "secret-tree/generation-outside-window",
  "secret-tree/generation-too-far-ahead",
  "secret-tree/invalid-count",
  "secret-tree/invalid-generation",
  "secret-tree/invalid-leaf-count",
  "secret-tree/invalid-policy",
  "secret-tree/invalid-secret-length",
  "secret-tree/invalid-state",
  "secret-tree/leaf-out-of-range",
  "secret-tree/look-ahead-lost",
  "secret-tree/missing-node",
  "secret-tree/ratchet-exhausted",
  "secret-tree/wiped",
] as const;

/** An error code of `@mlskit/key-schedule`. */
export type KeyScheduleErrorCode = (typeof KEY_SCHEDULE_ERROR_CODES)[number];
