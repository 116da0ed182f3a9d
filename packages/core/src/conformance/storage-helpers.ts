/**
 * Plumbing of the storage conformance checks: opening a store for one check,
 * typed-error assertions, a canonical dump of everything a store holds (to
 * assert that a refused or failed write changed nothing), and a fault hook
 * the checks steer. @internal
 */
import { toHex } from "@mlskit/codec";
import { type StorageErrorCode, StorageError } from "../errors.js";
import type { ClientStore, GroupWrite } from "../storage/client-store.js";
import { assert, fail } from "./helpers.js";
import type { StorageConformanceTarget } from "./storage.js";

/** Bytes from numbers. */
export const b = (...x: number[]): Uint8Array => Uint8Array.from(x);

/** `n` bytes of `fill` (distinct, recognisable blobs). */
export const blob = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

/** Opens a fresh store, runs `fn`, closes the store (and any other handle `fn` registers). */
export async function withStore(
  target: StorageConformanceTarget,
  fn: (store: ClientStore, also: (other: ClientStore) => ClientStore) => Promise<void>,
  faults?: FaultControl,
): Promise<void> {
  const store = await target.open(faults ? { faults: faults.hook } : {});
  const handles = [store];
  try {
    await fn(store, (other) => (handles.push(other), other));
  } finally {
    // Closing is idempotent by contract; a check may have closed a handle itself.
    for (const h of handles) await h.close();
  }
}

/** Awaits `p` and asserts it rejected with a {@link StorageError} of `code`; returns the error. */
export async function assertStorageError(p: Promise<unknown>, code: StorageErrorCode, what: string): Promise<StorageError> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    if (!StorageError.isInstance(e)) fail(`${what}: expected StorageError ${code}, got ${describe(e)}`);
    if (e.code !== code) fail(`${what}: expected StorageError ${code}, got ${e.code} (${e.message})`);
    return e;
  }
  return fail(`${what}: expected StorageError ${code}, but it succeeded with ${describe(result)}`);
}

function describe(v: unknown): string {
  if (v instanceof Error) return `${v.constructor.name}: ${v.message}`;
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === "bigint") return `${v}n`;
  return typeof v === "object" && v !== null ? JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? toHex(x) : x)) : String(v);
}

/** Asserts two values are equal, printing both on failure. */
export function assertEqual<T>(got: T, want: T, what: string): void {
  const g = describe(got);
  const w = describe(want);
  if (g !== w) fail(`${what}: expected ${w}, got ${g}`);
}

/** The ids as sorted hex, to compare sets of ids. */
export const hexSet = (ids: readonly Uint8Array[]): string[] => ids.map(toHex).sort();

/**
 * Everything a store holds, in one canonical string: the client record, each
 * group (epoch, state, version, past epochs), each KeyPackage and PSK.
 */
export async function dump(store: ClientStore): Promise<string> {
  const client = await store.readClient();
  const groups = [];
  for (const id of (await store.groupIds()).sort(byHex)) {
    const g = await store.readGroup(id);
    if (g === undefined) fail(`groupIds() lists ${toHex(id)} but readGroup() does not find it`);
    groups.push([toHex(id), `${g.epoch}`, toHex(g.state), g.version, g.pastEpochs.map((e) => [`${e.epoch}`, toHex(e.data)])]);
  }
  const keyPackages = [];
  for (const ref of (await store.keyPackageRefs()).sort(byHex)) {
    const kp = await store.getKeyPackage(ref);
    if (kp === undefined) fail(`keyPackageRefs() lists ${toHex(ref)} but getKeyPackage() does not find it`);
    keyPackages.push([toHex(ref), toHex(kp.data), kp.lastResort]);
  }
  const psks = [];
  for (const id of (await store.pskIds()).sort(byHex)) {
    const psk = await store.getPsk(id);
    if (psk === undefined) fail(`pskIds() lists ${toHex(id)} but getPsk() does not find it`);
    psks.push([toHex(id), toHex(psk)]);
  }
  return JSON.stringify({ client: client === undefined ? null : toHex(client), groups, keyPackages, psks });
}

const byHex = (x: Uint8Array, y: Uint8Array): number => (toHex(x) < toHex(y) ? -1 : toHex(x) > toHex(y) ? 1 : 0);

/** Asserts that `store` still holds exactly `before` (a {@link dump}). */
export async function assertUnchanged(store: ClientStore, before: string, what: string): Promise<void> {
  const after = await dump(store);
  if (after !== before) fail(`${what} changed the store:\n  before ${before}\n  after  ${after}`);
}

/** Fills a store with one of everything (two groups with past epochs, KeyPackages of both kinds, a PSK, the client record). */
export async function populate(store: ClientStore): Promise<void> {
  await store.writeClient(b(0xc1, 0xc2));
  await store.writeGroup({
    groupId: b(0x0a),
    epoch: 3n,
    state: blob(40, 0xa3),
    expectedVersion: 0,
    putEpochs: [
      { epoch: 1n, data: b(0xa1) },
      { epoch: 2n, data: b(0xa2) },
    ],
  });
  await store.writeGroup({ groupId: b(0x0b), epoch: 0n, state: blob(8, 0xb0), expectedVersion: 0 });
  await store.putKeyPackage(b(0x1a), blob(16, 0x1a), false);
  await store.putKeyPackage(b(0x1b), blob(16, 0x1b), true);
  await store.putPsk(b(0x5a), blob(32, 0x5a));
}

/** The fault hook of a store under test: records the steps it is called with, and throws at a chosen one. */
export class FaultControl {
  /** The steps reported since the last {@link FaultControl.reset}. */
  steps: string[] = [];
  /** The step at which the hook throws {@link FaultControl.injected}, if any. */
  failAt: string | undefined;
  readonly injected = new Error("injected fault (storage conformance)");
  readonly hook = (step: string): void => {
    this.steps.push(step);
    if (step === this.failAt) throw this.injected;
  };
  reset(): void {
    this.steps = [];
    this.failAt = undefined;
  }
}

/** Asserts `write` fails with `storage/failed` caused by the injected fault. */
export async function assertInjectedFailure(store: ClientStore, write: GroupWrite, faults: FaultControl, what: string): Promise<void> {
  const e = await assertStorageError(store.writeGroup(write), "storage/failed", what);
  let cause: unknown = e.cause;
  // The fault may be wrapped more than once (an adapter over another).
  for (let depth = 0; cause !== faults.injected && cause instanceof Error && depth < 4; depth++) cause = cause.cause;
  assert(cause === faults.injected, `${what}: the StorageError's cause is not the injected fault (${describe(e.cause)})`);
}
