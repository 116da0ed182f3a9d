/** Framework-free assertions of the IndexedDB checks (a failed check throws an `Error`). @internal */
import { StorageError, type StorageErrorCode } from "@mlskit/core";

/** Throws `message` unless `condition`. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Asserts two values print the same (JSON, bigints and bytes spelled out). */
export function same<T>(got: T, want: T, what: string): void {
  const show = (v: unknown) =>
    JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? `0x${[...x].map((n) => n.toString(16).padStart(2, "0")).join("")}` : x));
  check(show(got) === show(want), `${what}: expected ${show(want)}, got ${show(got)}`);
}

/** Awaits `p` and asserts it rejected with a {@link StorageError} of `code`; returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode, what: string): Promise<StorageError> {
  const outcome = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (outcome.ok) throw new Error(`${what}: expected StorageError ${code}, but it succeeded`);
  const e = outcome.e;
  check(StorageError.isInstance(e), `${what}: expected StorageError ${code}, got ${String(e)}`);
  check(e.code === code, `${what}: expected StorageError ${code}, got ${e.code} (${e.message})`);
  return e;
}

/** Bytes from numbers. */
export const b = (...x: number[]): Uint8Array<ArrayBuffer> => Uint8Array.from(x);
