/**
 * `@mlskit/storage-indexeddb/checks`: the checks of this adapter, written
 * without a test framework (a failed check throws an `Error`), so that the
 * same checks run under vitest on a JavaScript IndexedDB and in a real
 * browser: the storage conformance target of `@mlskit/core/conformance`
 * ({@link indexedDbConformanceTarget}) and the checks of what is specific to
 * IndexedDB ({@link indexedDbChecks}: schema migrations, damaged rows,
 * CryptoKey slots).
 *
 * ```ts
 * for (const c of [...storageConformance(indexedDbConformanceTarget(indexedDB)), ...indexedDbChecks(indexedDB)]) await c.run();
 * ```
 * @packageDocumentation
 */
import type { ConformanceCheck } from "@mlskit/core/conformance";
import { cryptoKeyChecks } from "./crypto-key-checks.js";
import { rowChecks } from "./row-checks.js";
import { schemaChecks } from "./schema-checks.js";

export { indexedDbConformanceTarget } from "./target.js";

/** Registers one check under a name. @internal */
export type AddCheck = (name: string, run: () => Promise<void>) => void;

/** Options of {@link indexedDbChecks}. */
export interface IndexedDbCheckOptions {
  /** Prefixes the checks' names; default `"IndexedDB"`. */
  readonly name?: string;
  /** Include the CryptoKey slot checks (they need `crypto.subtle` and a `CryptoKey` IndexedDB can clone); default true. */
  readonly cryptoKeys?: boolean;
}

/** The checks specific to the IndexedDB store, each on fresh databases of `factory` it deletes afterwards. */
export function indexedDbChecks(factory: IDBFactory, options: IndexedDbCheckOptions = {}): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [];
  const add: AddCheck = (name, run) => void checks.push({ name: `${options.name ?? "IndexedDB"}: ${name}`, run });
  schemaChecks(factory, add);
  rowChecks(factory, add);
  if (options.cryptoKeys !== false) cryptoKeyChecks(factory, add);
  return checks;
}
