/**
 * Every error code `@mlskit/storage-memory` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const MEMORY_STORAGE_ERROR_CODES = ["storage/closed", "storage/conflict", "storage/corrupt", "storage/failed"] as const;

/** An error code of `@mlskit/storage-memory`. */
export type MemoryStorageErrorCode = (typeof MEMORY_STORAGE_ERROR_CODES)[number];
