/**
 * The entries of a proposal list under validation, and how a broken rule is
 * reported: the list fails, or, in the committer's mode (§12.2,
 * `omitInvalidReferences`), a by-reference proposal to blame is left out and
 * the list validated again.
 */
import { ValidationError } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import type { Proposal } from "./proposal.js";
import type { Sender } from "../framing/sender.js";
import type { GroupErrorCode } from "../error-codes.js";

/** One proposal of the list under validation. */
export interface Entry {
  readonly i: number;
  readonly p: Proposal;
  readonly s: Sender;
  readonly byRef: boolean;
}

/** Thrown inside one validation pass: leave out list entry `index` and try again. */
export class Omit {
  constructor(
    readonly index: number,
    readonly error: ValidationError,
  ) {}
}

/** Rule broken by `candidates` (in the order they should be left out): omit a by-reference one, or fail. */
export type Fail = (candidates: readonly (Entry | undefined)[], code: GroupErrorCode, section: string, message: string, cause?: unknown) => never;

/** Runs a check whose ValidationError is attributed to `candidates`. */
export type Attempt = <T>(candidates: readonly Entry[], f: () => T | Promise<T>) => Promise<T>;

/**
 * The {@link Fail} and {@link Attempt} of one validation pass: with
 * `omitting`, a broken rule blames the first by-reference candidate (thrown
 * as {@link Omit}); otherwise, or when none is by reference, it fails.
 */
export function ruleBreaking(omitting: boolean): { readonly fail: Fail; readonly attempt: Attempt } {
  /** Rule broken by `candidates` (in the order they should be left out): omit a by-reference one, or fail. */
  function fail(candidates: readonly (Entry | undefined)[], code: GroupErrorCode, section: string, message: string, cause?: unknown): never {
    const error = new ValidationError(code, section, message, cause === undefined ? {} : { cause });
    const victim = omitting ? candidates.find((c) => c?.byRef === true) : undefined;
    if (victim !== undefined) throw new Omit(victim.i, error);
    throw error;
  }
  /** Runs a check whose ValidationError is attributed to `candidates`. */
  async function attempt<T>(candidates: readonly Entry[], f: () => T | Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (omitting && ValidationError.isInstance(e)) {
        const victim = candidates.find((c) => c.byRef);
        if (victim !== undefined) throw new Omit(victim.i, e);
      }
      throw e;
    }
  }
  return { fail, attempt };
}

/** The leaf of a member sender (an Update's sender, §12.1.2). */
export const senderLeaf = (e: Entry): LeafIndex => (e.s as { leafIndex: LeafIndex }).leafIndex;
