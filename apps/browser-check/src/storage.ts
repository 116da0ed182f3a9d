/**
 * The storage checks of the page: the storage conformance suite of
 * `@mlskit/core/conformance` against `@mlskit/storage-indexeddb` on the
 * browser's own IndexedDB, then the adapter's own checks (schema migrations,
 * damaged rows, CryptoKey slots: a non-extractable key reads back
 * non-extractable and `crypto.subtle.exportKey` refuses it).
 */
import { type ConformanceCheck, storageConformance } from "@mlskit/core/conformance";
import { indexedDbChecks, indexedDbConformanceTarget } from "@mlskit/storage-indexeddb/checks";

/** Runs `checks` one after another: one line per check, then a count line `"<title>: N passed, N failed"`. */
async function runAll(title: string, checks: readonly ConformanceCheck[], lines: string[], failures: string[]): Promise<void> {
  let passed = 0;
  for (const c of checks) {
    try {
      await c.run();
      passed++;
      lines.push(`  ok   ${c.name}`);
    } catch (e) {
      lines.push(`  FAIL ${c.name}`);
      failures.push(`${c.name}: ${(e as Error).message}`);
    }
  }
  lines.push(`${title}: ${passed} passed, ${checks.length - passed} failed`);
}

/** Runs the IndexedDB storage checks, reporting into `lines` and `failures`. */
export async function storageChecks(lines: string[], failures: string[]): Promise<void> {
  await runAll("storage conformance (IndexedDB)", storageConformance(indexedDbConformanceTarget(indexedDB)), lines, failures);
  await runAll("storage adapter checks (IndexedDB)", indexedDbChecks(indexedDB), lines, failures);
}
