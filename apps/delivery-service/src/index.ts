/**
 * `@mlskit/delivery-service`: the Delivery Service of RFC 9750 §5–6 for
 * mlskit clients, as a Fastify instance over a {@link DsStore} (SQLite or
 * PostgreSQL). See the app's README for what the DS checks and what it
 * cannot.
 * @packageDocumentation
 */
export { type DeliveryServiceOptions, createDeliveryService } from "./server.js";
export { type DsLimits, DEFAULT_LIMITS, resolveLimits } from "./limits.js";
export { type GroupObserver, type ObservedGroup, type ObservedMessage, type CommitDeclaration, defaultGroupObserver } from "./commit-check.js";
export { type GroupPackageObserverOptions, groupPackageObserver } from "./group-observer.js";
export { type CliOptions, USAGE, parseCli } from "./cli.js";
export type { DsStore, RegisteredClient, DirectoryKeyPackage, GroupRecord, CommitEffects, AppendInput, AppendResult, StoredQueueItem, RetentionPolicy } from "./store/ds-store.js";
export { type SqliteDsStoreOptions, sqliteDsStore } from "./store/sqlite-store.js";
export { type PostgresDsStoreOptions, postgresDsStore } from "./store/postgres-store.js";
