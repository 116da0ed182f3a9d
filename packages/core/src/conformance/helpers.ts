/**
 * Shared plumbing of the conformance checks: the {@link ConformanceCheck}
 * shape and framework-free assertions (a failed check throws an `Error`).
 */
import { bytesEqual, fromHex, toHex } from "@mlskit/codec";
import { CryptoError, UsageError, expectDefined } from "../errors.js";

/** One named check; `run` throws on failure. */
export interface ConformanceCheck {
  readonly name: string;
  run(): Promise<void>;
}

/** Registers one check under a name. @internal */
export type AddCheck = (name: string, run: () => Promise<void>) => void;

export function fail(message: string): never {
  throw new Error(message);
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

export function assertBytes(got: Uint8Array, want: Uint8Array | string, what: string): void {
  const w = typeof want === "string" ? fromHex(want) : want;
  if (!bytesEqual(got, w)) fail(`${what}: expected ${toHex(w)}, got ${toHex(got)}`);
}

export async function assertCryptoError(p: Promise<unknown>, code: string, what: string): Promise<void> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    if (!CryptoError.isInstance(e)) fail(`${what}: expected CryptoError ${code}, got ${String(e)}`);
    if (e.code !== code) fail(`${what}: expected CryptoError code ${code}, got ${e.code} (${e.message})`);
    return;
  }
  fail(`${what}: expected CryptoError ${code}, but it succeeded (${result instanceof Uint8Array ? toHex(result) : String(result)})`);
}

export async function assertUsageError(p: Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!UsageError.isInstance(e)) fail(`${what}: expected UsageError ${code}, got ${String(e)}`);
    if (e.code !== code) fail(`${what}: expected UsageError code ${code}, got ${e.code} (${e.message})`);
    return;
  }
  fail(`${what}: expected UsageError ${code}, but it succeeded`);
}

export async function assertVerifyFalse(p: Promise<boolean>, what: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await p;
  } catch (e) {
    fail(`${what}: verify threw (${String(e)}) instead of returning false`);
  }
  assert(ok === false, `${what}: verify returned ${String(ok)}, expected false`);
}

/** A copy with one bit flipped at `index` (negative counts from the end). */
export function flip(bytes: Uint8Array, index: number, bit = 0x01): Uint8Array {
  const out = bytes.slice();
  const i = index < 0 ? out.length + index : index;
  out[i] = expectDefined(out[i], `byte ${index} of ${out.length}`) ^ bit;
  return out;
}

export const seq = (n: number, offset = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i + offset) & 0xff);

/** Snapshot of inputs, to assert that an operation did not mutate them. */
export function snapshot(...inputs: Uint8Array[]): () => void {
  const copies = inputs.map((x) => x.slice());
  return () => {
    inputs.forEach((x, i) => assertBytes(x, expectDefined(copies[i], "copies[i]"), `input #${i} was mutated`));
  };
}
