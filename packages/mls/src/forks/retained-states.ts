/**
 * The full states of the last K epochs a member left (issue 16): what a
 * member needs to verify a Commit of an epoch it already left through
 * another one, and to return there when that Commit wins. Each is the
 * state's `encodeGroupState` encoding taken when the member left the epoch
 * (so the deletion schedule wiping the live snapshot does not touch it),
 * with the epoch's fork hash and who left it.
 *
 * Stored through the existing `ClientStore`, in the same atomic
 * `writeGroup` as the group state: each retained state rides in its
 * epoch's past-epoch record (RFC 9420 §15.3), wrapped in a container
 *
 * ```
 * "MLFK" | u8 version = 1 | u32 past_len | past-epoch record (may be empty)
 *        | u8 flags (1: we committed, 2: committer known) | u32 committer
 *        | u32 hash_len | fork hash | group-state blob
 * ```
 *
 * so retention never needs a new table, is bounded by `dropEpochsBefore`
 * like past epochs, and records without the container read as before.
 * Forward secrecy: these blobs hold the epoch's init secret and private
 * keys; K epochs of them let a thief of the store derive those K epochs'
 * successors (README "Forks").
 */
import { StorageError, expectDefined } from "@mlskit/core";
import { type GroupState, encodeGroupState } from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";

const MAGIC = [0x4d, 0x4c, 0x46, 0x4b]; // "MLFK"

/** One retained epoch. */
export interface RetainedEpoch {
  readonly epoch: bigint;
  /** `encodeGroupState` of the state as the member left it. */
  readonly state: Uint8Array;
  /** The epoch's fork hash: its confirmed transcript hash. */
  readonly hash: Uint8Array;
  /** Who committed the Commit the member left this epoch through (when known), and whether it was us. */
  readonly leftBy: { readonly own: boolean; readonly committer: LeafIndex | undefined };
}

/** The retained epochs of one group, and which records must be written again. @internal */
export class RetainedStates {
  readonly #byEpoch = new Map<bigint, RetainedEpoch>();
  /** Epochs whose record must be written again (an entry added or dropped). */
  readonly dirty = new Set<bigint>();

  constructor(loaded: readonly RetainedEpoch[] = []) {
    for (const r of loaded) this.#byEpoch.set(r.epoch, r);
  }

  get(epoch: bigint): RetainedEpoch | undefined {
    return this.#byEpoch.get(epoch);
  }
  get size(): number {
    return this.#byEpoch.size;
  }
  epochs(): bigint[] {
    return [...this.#byEpoch.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  /** The oldest retained epoch, if any. */
  get oldest(): bigint | undefined {
    return this.epochs()[0];
  }

  /** Retains the state `s` was in when the member left it. */
  retain(s: GroupState, leftBy: RetainedEpoch["leftBy"]): void {
    const epoch = s.groupContext.epoch;
    this.#byEpoch.set(epoch, { epoch, state: encodeGroupState(s), hash: s.groupContext.confirmedTranscriptHash.slice(), leftBy });
    this.dirty.add(epoch);
  }

  /** Drops every epoch from `epoch` on (a rollback), or keeps only the newest `keep`. */
  dropFrom(epoch: bigint): void {
    for (const e of [...this.#byEpoch.keys()]) if (e >= epoch) this.#drop(e);
  }
  trim(keep: number, current: bigint): void {
    for (const e of [...this.#byEpoch.keys()]) if (e < current - BigInt(keep) || e >= current) this.#drop(e);
  }
  #drop(e: bigint): void {
    const r = this.#byEpoch.get(e);
    if (r === undefined) return;
    r.state.fill(0);
    this.#byEpoch.delete(e);
    this.dirty.add(e);
  }
}

/** The stored record of `epoch`: its past-epoch record (or none) with its retained state (or none). @internal */
export function wrapRecord(past: Uint8Array | undefined, retained: RetainedEpoch | undefined): Uint8Array | undefined {
  if (retained === undefined) return past;
  const p = past ?? new Uint8Array(0);
  const out = new Uint8Array(4 + 1 + 4 + p.length + 1 + 4 + 4 + retained.hash.length + retained.state.length);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = 1;
  v.setUint32(5, p.length);
  out.set(p, 9);
  let o = 9 + p.length;
  out[o] = (retained.leftBy.own ? 1 : 0) | (retained.leftBy.committer !== undefined ? 2 : 0);
  v.setUint32(o + 1, retained.leftBy.committer ?? 0);
  v.setUint32(o + 5, retained.hash.length);
  o += 9;
  out.set(retained.hash, o);
  out.set(retained.state, o + retained.hash.length);
  return out;
}

/**
 * Splits a stored record: the past-epoch record it holds (undefined when
 * none) and its retained state (undefined for a plain past-epoch record). @internal
 * @throws StorageError `storage/corrupt` for a damaged container.
 */
export function unwrapRecord(epoch: bigint, data: Uint8Array): { past: Uint8Array | undefined; retained: RetainedEpoch | undefined } {
  if (data.length < 4 || MAGIC.some((b, i) => data[i] !== b)) return { past: data, retained: undefined };
  const bad = (): never => {
    throw new StorageError("storage/corrupt", `the retained state of epoch ${epoch} is damaged`);
  };
  if (data.length < 9 || data[4] !== 1) bad();
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const pastLen = v.getUint32(5);
  let o = 9 + pastLen;
  if (o + 9 > data.length) bad();
  const flags = expectDefined(data[o], "data[o]");
  const committer = v.getUint32(o + 1);
  const hashLen = v.getUint32(o + 5);
  o += 9;
  if (o + hashLen > data.length) bad();
  const hash = data.slice(o, o + hashLen);
  const state = data.slice(o + hashLen);
  return {
    past: pastLen > 0 ? data.slice(9, 9 + pastLen) : undefined,
    retained: { epoch, state, hash, leftBy: { own: (flags & 1) !== 0, committer: (flags & 2) !== 0 ? (committer as LeafIndex) : undefined } },
  };
}
