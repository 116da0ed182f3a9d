/**
 * Every error code `@mlskit/storage-sqlite` throws or names, as a closed union. error-codes.test.ts
 * checks this list against the string literals in the sources, both ways.
 */
export const SQLITE_STORAGE_ERROR_CODES = ["storage/closed", "storage/conflict", "storage/corrupt", "storage/failed", "storage/unsupported-version"] as const;

/** An error code of `@mlskit/storage-sqlite`. */
export type SqliteStorageErrorCode = (typeof SQLITE_STORAGE_ERROR_CODES)[number];
