/** Test helper: a message is rejected with a given ValidationError, and the state still processes a valid message. */
import { expect } from "vitest";
import { toHex } from "@mlskit/codec";
import { ValidationError } from "@mlskit/core";
import { mergeStagedCommit } from "./commit/commit-process.js";
import type { GroupState } from "./state/group-state.js";
import { processMessage } from "./receive/message-process.js";

/** The ValidationError a promise rejects with (fails the test otherwise). */
export async function validationErrorOf(p: Promise<unknown>): Promise<ValidationError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(ValidationError.isInstance(e), String(e)).toBe(true);
  return e as ValidationError;
}

/**
 * Processing `message` in `state` fails with `code` under `section`; the state
 * is unchanged (epoch, tree hash, proposals, no pending commit), and the valid
 * Commit `valid` still processes in it afterwards.
 */
export async function expectRejectedThenValid(state: GroupState, message: Uint8Array, code: string, section: string, valid: Uint8Array): Promise<void> {
  const epoch = state.groupContext.epoch;
  const treeHash = toHex(state.groupContext.treeHash);
  const proposals = state.proposals.size;
  const e = await validationErrorOf(processMessage(state, message));
  expect([e.code, e.rfcSection]).toEqual([code, section]);
  expect(state.groupContext.epoch).toBe(epoch);
  expect(toHex(state.groupContext.treeHash)).toBe(treeHash);
  expect(state.proposals.size).toBe(proposals);
  expect(state.pendingCommit).toBeUndefined();
  const r = await processMessage(state, valid);
  expect(r.kind).toBe("commit");
  if (r.kind === "commit") expect(mergeStagedCommit(r.staged).groupContext.epoch).toBe(epoch + 1n);
}
