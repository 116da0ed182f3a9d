/**
 * A genuine message of the fuzzed group and its meaning: what a receiver
 * must make of it. A mutant that a member accepts must have the meaning of
 * some genuine message (same kind, sender, epoch, data and authenticated
 * data; the same ProposalRef; a Commit leading to the same epoch
 * authenticator), or it changed the meaning.
 */
import { toHex } from "@mlskit/codec";

export type GenuineKind = "application" | "proposal" | "commit" | "welcome" | "group-info" | "key-package";

export interface Genuine {
  readonly id: number;
  /** For humans: epoch, kind, sender, number. */
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly epoch: bigint;
  readonly kind: GenuineKind;
  /** The sender's leaf (-1 for Welcome, GroupInfo, KeyPackage). */
  readonly sender: number;
  /** {@link applicationMeaning}, {@link proposalMeaning} or {@link commitMeaning}; "" for the others. */
  readonly meaning: string;
  /** Sent by the victim itself. */
  readonly own: boolean;
  /** The victim has read it (so a copy is a replay). */
  read: boolean;
}

export function applicationMeaning(epoch: bigint, sender: number, data: Uint8Array, authenticatedData: Uint8Array): string {
  return `application|${epoch}|${sender}|${toHex(data)}|${toHex(authenticatedData)}`;
}

export function proposalMeaning(epoch: bigint, sender: number, ref: Uint8Array): string {
  return `proposal|${epoch}|${sender}|${toHex(ref)}`;
}

/** A Commit's meaning: the epoch it leaves, its committer, and the epoch authenticator it leads to. */
export function commitMeaning(epoch: bigint, sender: number, epochAuthenticator: Uint8Array): string {
  return `commit|${epoch}|${sender}|${toHex(epochAuthenticator)}`;
}
