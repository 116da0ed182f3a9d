/**
 * Every error code `@mlskit/storage-indexeddb` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const INDEXEDDB_STORAGE_ERROR_CODES = ["storage/closed", "storage/conflict", "storage/corrupt", "storage/failed", "storage/unsupported-version"] as const;

/** An error code of `@mlskit/storage-indexeddb`. */
export type IndexedDbStorageErrorCode = (typeof INDEXEDDB_STORAGE_ERROR_CODES)[number];
