/**
 * Damaged stored state: every truncation, random byte changes, trailing
 * bytes, foreign headers and inconsistent past-epoch records end in a typed
 * error (or, for a change the format cannot see, a decoded state), never a
 * bare TypeError or RangeError and never a silently empty group.
 */
import fc from "fast-check";
import { CodecError, MlsError, toHex } from "@mlskit/codec";
import { StorageError, UsageError, ValidationError } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { client, newGroup } from "../group.fixture.js";
import type { PastEpoch } from "./group-state.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { HEADER_LENGTH, peekStateHeader } from "./blob-header.js";
import { decodeGroupState, encodeGroupState } from "./group-state-codec.js";
import { decodeKeyPackageMaterial, encodeKeyPackageMaterial } from "./key-package-material.js";
import { decodePastEpoch, encodePastEpoch } from "./past-epoch-codec.js";
import { buildScenario } from "./state.fixture.js";
import { environment, load, store } from "./stored-state.fixture.js";

/** The error is ours and typed, and so is what it wraps: no crash of the decoder hides behind `storage/corrupt`. */
function typed(e: unknown): boolean {
  if (!MlsError.isInstance(e)) return false;
  const cause = (e as Error).cause;
  return cause === undefined || MlsError.isInstance(cause);
}

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  return undefined;
}

function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[at] = value;
  return out;
}

describe("damaged stored state", async () => {
  const cs = await noblecs();
  const sc = await buildScenario(cs, "private");
  const env = environment(cs, sc.policy);
  const stored = store(sc.alice);
  const pastEpochs = await Promise.all(stored.pastEpochs.map((b) => decodePastEpoch(b, cs, env.policy)));
  const decodeState = (bytes: Uint8Array) => decodeGroupState(bytes, env, pastEpochs);
  const decodePast = (bytes: Uint8Array) => decodePastEpoch(bytes, cs, env.policy);
  const keeper = await client(cs, "keeper");
  const material = encodeKeyPackageMaterial({
    keyPackage: keeper.kp.encoded,
    initPrivateKey: cs.randomBytes(32),
    encryptionPrivateKey: cs.randomBytes(32),
    lastResort: true,
  });
  const blobs = [
    ["group state", stored.state, decodeState],
    ["past epoch", stored.pastEpochs[0]!, decodePast],
    ["KeyPackage material", material, (b: Uint8Array) => decodeKeyPackageMaterial(b)],
  ] as const;

  it.each(blobs)("every truncation of a %s is storage/corrupt", async (_, bytes, decode) => {
    for (let n = 0; n < bytes.length; n++) {
      const e = await failure(() => decode(bytes.subarray(0, n)));
      expect(typed(e) && StorageError.isInstance(e) && e.code === "storage/corrupt", `truncated to ${n} bytes: ${String(e)}`).toBe(true);
    }
  });

  it.each(blobs)("trailing bytes after a %s are storage/corrupt", async (_, bytes, decode) => {
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    const e = await failure(() => decode(longer));
    expect(StorageError.isInstance(e) && e.code === "storage/corrupt").toBe(true);
    expect(CodecError.isInstance((e as Error).cause) && ((e as Error).cause as CodecError).code).toBe("codec/trailing-bytes");
  });

  it.each(blobs)("a %s with a changed byte decodes or fails with a typed error", async (_, bytes, decode) => {
    await fc.assert(
      fc.asyncProperty(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const e = await failure(() => decode(withByte(bytes, at, bytes[at]! ^ xor)));
        return e === undefined || typed(e);
      }),
      { numRuns: 300 },
    );
  });

  it("a changed byte in the tree is caught by the tree hash", async () => {
    const tree = sc.alice.tree.encode();
    const at = indexOf(stored.state, tree);
    expect(at).toBeGreaterThan(HEADER_LENGTH);
    // The last byte of the tree is inside the last leaf's signature: the structure still parses.
    const e = await failure(() => decodeState(withByte(stored.state, at + tree.length - 1, stored.state[at + tree.length - 1]! ^ 1)));
    expect(StorageError.isInstance(e) && e.code === "storage/corrupt").toBe(true);
    expect(ValidationError.isInstance((e as Error).cause) && ((e as Error).cause as ValidationError).code).toBe("state/tree-hash-mismatch");
  });

  describe("headers", () => {
    it("tell the kind, format version and suite of a blob", () => {
      expect(peekStateHeader(stored.state)).toEqual({ kind: "group-state", formatVersion: 1, cipherSuite: 1 });
      expect(peekStateHeader(stored.pastEpochs[0]!)).toEqual({ kind: "past-epoch", formatVersion: 1, cipherSuite: 1 });
      expect(peekStateHeader(material)).toEqual({ kind: "key-package-material", formatVersion: 1, cipherSuite: 1 });
      expect(() => peekStateHeader(stored.state.subarray(0, 7))).toThrow(StorageError);
    });

    it("of another kind, or with an unknown magic, are storage/corrupt", async () => {
      for (const e of [
        await failure(() => decodeState(stored.pastEpochs[0]!)),
        await failure(() => decodePast(stored.state)),
        await failure(() => decodeState(withByte(stored.state, 0, 0x58))),
      ]) {
        expect(StorageError.isInstance(e) && e.code === "storage/corrupt", String(e)).toBe(true);
      }
    });

    it("of a newer format are storage/unsupported-version; version 0 is storage/corrupt", async () => {
      for (const [, bytes, decode] of blobs) {
        const newer = await failure(() => decode(withByte(bytes, 5, 2)));
        expect(StorageError.isInstance(newer) && newer.code).toBe("storage/unsupported-version");
        const zero = await failure(() => decode(withByte(bytes, 5, 0)));
        expect(StorageError.isInstance(zero) && zero.code).toBe("storage/corrupt");
      }
    });

    it("of another suite than the provider's are a UsageError; a suite byte changed to match it is storage/corrupt", async () => {
      const p256 = await noblecs(2);
      const other = environment(p256, sc.policy);
      const e = await failure(() => decodeGroupState(stored.state, other, []));
      expect(UsageError.isInstance(e) && e.code).toBe("usage/cipher-suite-mismatch");
      expect(UsageError.isInstance(await failure(() => decodePastEpoch(stored.pastEpochs[0]!, p256, other.policy)))).toBe(true);
      const relabelled = await failure(() => decodeGroupState(withByte(stored.state, 7, 2), other, []));
      expect(StorageError.isInstance(relabelled) && relabelled.code).toBe("storage/corrupt");
      const material2 = await failure(() => decodeKeyPackageMaterial(withByte(material, 7, 2)));
      expect(StorageError.isInstance(material2) && material2.code).toBe("storage/corrupt");
    });
  });

  describe("past-epoch records that do not fit the state", () => {
    const corrupt = (e: unknown) => StorageError.isInstance(e) && e.code === "storage/corrupt";

    it("are refused: an epoch twice, an epoch not before the state's, another group's", async () => {
      expect(corrupt(await failure(() => decodeGroupState(stored.state, env, [...pastEpochs, pastEpochs[1]!])))).toBe(true);
      const loaded = await load(stored, env);
      const current = await decodePast(encodePastEpoch(loaded.pendingCommit!.state.pastEpochs[0]!));
      expect(current.epoch).toBe(3n);
      expect(corrupt(await failure(() => decodeGroupState(stored.state, env, [current])))).toBe(true);
      const [x] = await Promise.all([client(cs, "xavier")]);
      const g = mergePendingCommit((await createCommit(await newGroup(cs, x!))).state);
      const foreign: PastEpoch = await decodePast(encodePastEpoch(g.pastEpochs[0]!));
      expect(corrupt(await failure(() => decodeGroupState(stored.state, env, [foreign])))).toBe(true);
    });

    it("are taken in any order, kept newest first and cut to the policy", async () => {
      const shuffled = [pastEpochs[1]!, pastEpochs[2]!, pastEpochs[0]!];
      expect((await decodeGroupState(stored.state, env, shuffled)).pastEpochs.map((p) => p.epoch)).toEqual([2n, 1n, 0n]);
      const two = environment(cs, { ...sc.policy, pastEpochs: 2 });
      const state = await decodeGroupState(stored.state, two, shuffled);
      expect(state.pastEpochs.map((p) => p.epoch)).toEqual([2n, 1n]);
      // The pending Commit's state keeps two as well: epoch 3 and epoch 2.
      expect(state.pendingCommit!.state.pastEpochs.map((p) => p.epoch)).toEqual([3n, 2n]);
      expect(toHex(encodeGroupState(state))).toBe(toHex(stored.state));
    });
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
