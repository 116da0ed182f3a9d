/**
 * The {@link TreeDiff}'s own index of the keys it set: fingerprint → node
 * (or nodes), merged with the base tree's candidates on lookup (§7.3,
 * §12.4.2 uniqueness checks).
 */
import { fingerprint } from "./key-index.js";

/** Records node `n` under fingerprint `fp` (once). */
export function addKey(index: Map<number, number | number[]>, fp: number, n: number): void {
  const v = index.get(fp);
  if (v === undefined) index.set(fp, n);
  else if (typeof v === "number") {
    if (v !== n) index.set(fp, [v, n]);
  } else if (!v.includes(n)) v.push(n);
}

/** Base candidates plus this diff's candidates for `key` (deduplicated). */
export function candidatesOf(base: readonly number[], own: Map<number, number | number[]>, key: Uint8Array): Iterable<number> {
  const v = own.get(fingerprint(key));
  if (v === undefined) return base;
  const found = new Set<number>(base);
  if (typeof v === "number") found.add(v);
  else for (const n of v) found.add(n);
  return found;
}
