/**
 * The verdict of proposal-list validation (RFC 9420 §12.2) on one proposal:
 * valid, or invalid with the rule it breaks. Validation returns verdicts
 * instead of throwing, so the committer can leave out a proposal it received
 * by reference (§12.2: it "MAY omit" invalid ones) and a receiver can refuse
 * the Commit with the same typed {@link ValidationError} (§12.2: the Commit
 * is invalid), both from one value.
 */
import { ValidationError } from "@mlskit/core";
import type { GroupErrorCode } from "../error-codes.js";
import type { ProposalListEntry } from "./proposal-list-entries.js";

/** A proposal breaks no rule of §12.2 in its list. */
export interface ProposalValid {
  readonly ok: true;
}

/** A proposal breaks a rule of §12.2 (or of its type, §12.1.x) in its list. */
export interface ProposalInvalid {
  readonly ok: false;
  /**
   * One of this package's codes; where an application's own check refused
   * the proposal (`authorizeProposal`, a custom proposal's or app data's
   * hook), the code it threw.
   */
  readonly code: GroupErrorCode | (string & {});
  /** The section of RFC 9420 (or of the draft extension) that makes it invalid. */
  readonly section: string;
  readonly reason: string;
  /** What a receiver throws, and what the committer reports with the omission. */
  readonly error: ValidationError;
}

/** The verdict on one proposal of a list. */
export type ProposalVerdict = ProposalValid | ProposalInvalid;

/** An invalid verdict for a rule this package enforces. */
export function invalid(code: GroupErrorCode, section: string, reason: string, cause?: unknown): ProposalInvalid {
  return { ok: false, code, section, reason, error: new ValidationError(code, section, reason, cause === undefined ? {} : { cause }) };
}

/** The invalid verdict of a check that refused with `error` (a receiver throws this very error, as before). */
export function invalidFrom(error: ValidationError): ProposalInvalid {
  return { ok: false, code: error.code, section: error.rfcSection, reason: error.message, error };
}

/** The outcome of one check: its value, or the verdict of the rule it found broken. */
export type Checked<T> = { readonly ok: true; readonly value: T } | ProposalInvalid;

/**
 * Runs a check of another module that refuses by throwing (KeyPackage and
 * LeafNode validation, the application's hooks): a ValidationError becomes
 * an invalid verdict; any other error (a failing provider, a bug) propagates.
 */
export async function check<T>(f: () => T | Promise<T>): Promise<Checked<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    if (ValidationError.isInstance(e)) return invalidFrom(e);
    throw e;
  }
}

/**
 * A rule broken in one validation pass: its verdict, and the proposals to
 * blame in the order the committer should leave them out (§12.2: the one
 * received by reference; a Remove preferred over an Update, the most recent
 * Update over older ones, other proposals over a ReInit).
 */
export interface RuleBroken {
  readonly ok: false;
  readonly blame: readonly ProposalListEntry[];
  readonly verdict: ProposalInvalid;
}

/** One validation pass's outcome: its value, or the first rule it found broken. */
export type PassResult<T> = { readonly ok: true; readonly value: T } | RuleBroken;

/** The rule `verdict` is broken by `blame` (in the order they should be left out). */
export function broken(blame: readonly ProposalListEntry[], verdict: ProposalInvalid): RuleBroken {
  return { ok: false, blame, verdict };
}
